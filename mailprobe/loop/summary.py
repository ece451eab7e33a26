"""The loop check's one line: what happened to the message, never what it means (the diagnosis says that)."""

from __future__ import annotations

from mailprobe.lang import Lang
from mailprobe.locales.messages import t, template
from mailprobe.loop.facts import LoopRun


def summary(run: LoopRun, lang: Lang) -> str:
    from mailprobe.summaries import _join, failure_phrase, quote

    cleanup = t(f"loop.cleanup.{run.cleanup or 'not_found'}", lang)
    seconds = f"{run.found_after_s:.1f}" if run.found_after_s is not None else "?"
    refused = run.refusal()
    reply = quote(" ".join(p for p in (refused.code, refused.enhanced, refused.text) if p)) if refused else ""
    match run.outcome:
        case "delivered":
            text = t("summary.loop.delivered", lang, folder=run.folder or "INBOX", seconds=seconds, hops=len(run.hops),
                     route=_route(run, lang), cleanup=cleanup)
        case "junk":
            text = t("summary.loop.junk", lang, folder=run.folder or "", seconds=seconds, cleanup=cleanup)
        case "delayed":
            last = run.hops[-1].by_host if run.hops and run.hops[-1].by_host else run.submission
            text = t("summary.loop.delayed", lang, queue_id=run.queue_id or "-", budget=round(run.budget_s),
                     last_hop=last or t("loop.hops.unknown", lang))
        case "rejected" | "deferred":
            text = t(f"summary.loop.{run.outcome}", lang, reply=reply)
        case "not_run":
            detail = run.error.detail if run.error is not None else ""
            key = f"loop.reason.{detail}"
            reason = t(key, lang) if template(key, lang) is not None else detail
            return t("summary.loop.not_run", lang, reason=reason)
        case _:
            reason = failure_phrase(run.error, lang) if run.error is not None else ""
            return t("summary.loop.error", lang, stage=run.stage, reason=reason)
    storage = run.storage()
    if storage is not None:
        quota = t("summary.loop.quota", lang, percent=round(storage.percent), used=storage.used, limit=storage.limit)
        text = _join([text, quota], lang)
    return text


def _route(run: LoopRun, lang: Lang) -> str:
    """The hops, oldest first: who took the message, how, and how long after the hop before (or the sending)."""
    if not run.hops:
        return t("loop.hops.unknown", lang)
    return " → ".join(t("loop.hop", lang, by=hop.by_host or "?", protocol=hop.protocol or "?",
                        delay="?" if hop.delay_s is None else f"{hop.delay_s:g}") for hop in run.hops)
