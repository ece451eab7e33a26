"""Text: the verdict in one sentence, then each cause with its evidence and remedies, then the checks."""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mailprobe.lang import Lang
from mailprobe.locales.messages import t
from mailprobe.render.guard import command_line_hint, unfinished_verdict
from mailprobe.render.options import RenderOptions
from mailprobe.render.shown import shown_deep

if TYPE_CHECKING:
    from mailprobe.report import CheckResult, DiagnosisEntry, Report

WIDTH = 100
_COLORS = {"red": "31", "yellow": "33", "green": "32", "dim": "2", "bold": "1"}
_STATUS_COLOR = {"ok": "green", "warning": "yellow", "critical": "red", "unknown": "yellow"}
_CHECK_COLOR = {"pass": "green", "warn": "yellow", "fail": "red", "error": "yellow", "skip": "dim"}
_CHECK_MARK = {"pass": "✓", "warn": "!", "fail": "✗", "error": "?", "skip": "-"}


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    return "\n\n".join(render_report(r, color=options.color, verbose=options.verbose) for r in reports)


def render_report(report: Report, color: bool = False, verbose: bool = False) -> str:
    report = shown_deep(report)  # server words, names and addresses: shown, never obeyed by the terminal
    lang: Lang = report.lang if report.lang in ("en", "zh-Hans", "zh-Hant") else "en"  # type: ignore[assignment]
    paint = _painter(color)
    lines = _header(report, lang, paint)
    label = f"{t('heading.verdict', lang)}: "
    verdict = _wrap(label + _verdict(report, lang), "   ", first="")
    verdict[0] = paint("bold", label) + verdict[0][len(label):]
    lines += ["", *verdict]
    by_id = {c.id: c for c in report.checks}
    for index, entry in enumerate(report.diagnosis, 1):
        lines += ["", *_cause(index, entry, by_id, lang, paint)]
    lines += ["", paint("bold", t("heading.checks", lang)), *_checks(report.checks, lang, paint, verbose)]
    hint = command_line_hint(report, lang)
    if hint:
        lines += ["", *_wrap(hint, "  ", first="  ")]
    if report.diagnosis:
        lines += ["", paint("bold", t("heading.prevention", lang)), *_prevention(report, lang)]
    return "\n".join(lines)


def _prevention(report: Report, lang: Lang) -> list[str]:
    """The article's advice for next time (section 四), after a problem was found."""
    lines: list[str] = []
    for tip in report.prevention:
        lines += _wrap(f"{tip.text} ({t('source.section', lang, section=tip.section)})", "    ", first="  - ")
    return lines


def _header(report: Report, lang: Lang, paint: _Paint) -> list[str]:
    status = paint(_STATUS_COLOR[report.status], t(f"status.{report.status}", lang).upper())
    matched = t(f"provider.matched_by.{report.provider.matched_by}", lang)
    if report.duration_ms < 1000:
        seconds = t("unit.ms", lang, n=round(report.duration_ms))
    else:
        seconds = t("unit.seconds", lang, n=f"{report.duration_ms / 1000:.1f}")
    domain = report.domain if report.domain == report.domain_ascii else f"{report.domain} ({report.domain_ascii})"
    return [
        paint("bold", f"mailprobe · {report.address}") + f"  [{status}]",
        f"{t('heading.domain', lang)}: {domain} · {t('heading.provider', lang)}: {report.provider.name} "
        f"({matched}) · {t('heading.duration', lang)}: {seconds}",
    ]


def _verdict(report: Report, lang: Lang) -> str:
    if report.diagnosis:
        return report.diagnosis[0].summary
    if report.status == "ok":
        return t("verdict.healthy", lang, provider=report.provider.name)
    if report.status == "unknown":
        return unfinished_verdict(report, lang) or t("verdict.unconfirmed", lang, domain=report.domain)
    return t("verdict.inconclusive", lang)


def _cause(
    index: int, entry: DiagnosisEntry, by_id: dict[str, CheckResult], lang: Lang, paint: _Paint
) -> list[str]:
    severity = t(f"severity.{entry.severity}", lang)
    likely = t("confidence.percent", lang, percent=round(entry.confidence * 100))
    section = t("source.section", lang, section=entry.section)
    color = "red" if entry.severity == "critical" else "yellow"
    head = paint(color, f"{index}. {entry.cause}") + f"  ({severity}, {likely}, {section})"
    # The first cause's summary is already the verdict line: say what the cause means instead.
    said = entry.explanation if index == 1 else entry.summary
    lines = [head, *(_wrap(said, "   ") if said else [])]
    evidence = [by_id[e] for e in entry.evidence if e in by_id]
    if evidence:
        lines.append(f"   {t('heading.evidence', lang)}:")
        for check in evidence[:8]:
            mark = paint(_CHECK_COLOR.get(check.status, "dim"), _CHECK_MARK.get(check.status, "?"))
            where = f"{check.target} {check.address}" if check.address else check.target
            lines += _wrap(f"{where}: {check.summary}", "     ", first=f"   {mark} ")
        if len(evidence) > 8:
            lines.append(f"     … +{len(evidence) - 8}")
    if entry.remedies:
        lines.append(f"   {t('heading.remedies', lang)}:")
        for number, remedy in enumerate(entry.remedies, 1):
            label = t("source.section", lang, section=remedy.section)
            lines += _wrap(f"{remedy.text} ({label})", "      ", first=f"   {number}) ")
    if entry.also_possible:
        lines.append(f"   {t('heading.also_possible', lang)}:")
        for other in entry.also_possible:
            likely = t("confidence.percent", lang, percent=round(other.confidence * 100))
            tell = " ".join(f"{r.text} ({t('source.section', lang, section=r.section)})" for r in other.remedies)
            item = t("also_possible.item", lang, cause=other.cause, title=other.title or other.cause, likely=likely,
                     tell=tell)
            lines += _wrap(item if tell else item.rstrip(":： "), "     ", first="   - ")
    return lines


def _checks(checks: list[CheckResult], lang: Lang, paint: _Paint, verbose: bool) -> list[str]:
    shown = [c for c in checks if verbose or c.status != "skip"]
    hidden = len(checks) - len(shown)
    width = min(max((_width(c.id) for c in shown), default=10), 58)
    lines = []
    for check in shown:
        status = _pad(t(f"check.{check.status}", lang), 5)
        mark = paint(_CHECK_COLOR.get(check.status, "dim"), f"{_CHECK_MARK.get(check.status, '?')} {status}")
        ms = t("unit.ms", lang, n=round(check.duration_ms))
        lines.append(f"  {mark} {_pad(check.id, width)} {ms:>8}  {check.summary}")
    if hidden:
        lines.append(paint("dim", f"  ({hidden} × {t('check.skip', lang)}: -v)"))
    return lines


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    if any(unicodedata.east_asian_width(ch) in "WF" for ch in text):
        return _wrap_wide(text, indent, indent if first is None else first)
    return textwrap.wrap(
        text, width=WIDTH, initial_indent=first if first is not None else indent, subsequent_indent=indent,
        break_long_words=False, break_on_hyphens=False,
    ) or [first or indent]


def _wrap_wide(text: str, indent: str, first: str) -> list[str]:
    """Wrap by display columns (CJK characters take two); Chinese has no spaces, so any character may break,
    though never right before closing punctuation."""
    lines: list[str] = []
    line, used = first, _width(first)
    for unit in _UNITS.findall(text):  # a CJK character, or a whole run of ASCII like "3.4" or a host name
        width = _width(unit)
        if used + width > WIDTH and line.strip() and unit[0] not in _NO_BREAK_BEFORE:
            lines.append(line.rstrip())
            line, used = indent, _width(indent)
            if unit.isspace():
                continue
        line += unit
        used += width
    lines.append(line.rstrip())
    return lines


# Wrapping units: a short parenthesised citation "(原文第 3.4 節)", a run of ASCII, or one character.
_UNITS = re.compile(r"[(（][^()（）]{1,16}§?[0-9.]+ ?[^()（）]{0,4}[)）]|[\x21-\x7e]+|\s|.", re.DOTALL)
_NO_BREAK_BEFORE = "，。、；：！？）」』》】,.;:!?)"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    if _width(text) > width:
        text = text[: width - 1] + "…"
    return text + " " * max(0, width - _width(text))


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        if not self.enabled:
            return text
        return f"\x1b[{_COLORS[style]}m{text}\x1b[0m"


def _painter(enabled: bool) -> _Paint:
    return _Paint(enabled)
