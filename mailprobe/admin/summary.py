"""The admin record's one line (summaries.py calls it): what the provider's records say, as quotes with their
times, then each problem in words."""

from __future__ import annotations

from mailprobe.admin.records import AdminRecord
from mailprobe.lang import Lang
from mailprobe.locales.messages import t

QUOTES_SHOWN = 6


def summarize(record: AdminRecord, lang: Lang) -> str:
    api = t(f"admin.api.{record.api}", lang)
    parts: list[str] = []
    for problem in record.problems:
        if problem.kind in ("no_api", "no_credentials"):
            parts.append(t(f"summary.admin.{problem.kind}", lang, detail=problem.detail))
        else:
            parts.append(t(f"summary.admin.problem.{problem.kind}", lang, api=api, call=problem.call,
                           code=problem.code or "", detail=problem.detail).replace(" )", ")").replace(" ）", "）"))
    quotes = [
        t("summary.admin.quote", lang, text=q.text, source=q.source, at=q.at.strftime("%Y-%m-%d %H:%M UTC"))
        if q.at is not None else t("summary.admin.quote_untimed", lang, text=q.text, source=q.source)
        for q in sorted(record.quotes, key=lambda q: not q.notable)[:QUOTES_SHOWN]
    ]
    sep = t("summary.admin.sep", lang)
    if quotes:
        parts.insert(0, t("summary.admin.records", lang, api=api, quotes=sep.join(quotes)))
    elif not parts:
        parts.append(t("summary.admin.nothing", lang, api=api))
    return sep.join(parts)
