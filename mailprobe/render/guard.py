"""The words every renderer shows about a login the lockout guard kept back (the check's own summary already
says what the guard remembers): the verdict when its last login has no recorded end, and a hint that fits
where the report is read — the command line's override there, never on a web page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailprobe.lang import Lang
from mailprobe.locales.messages import format_span, guard_times, t

if TYPE_CHECKING:
    from mailprobe.report import CheckResult, Report


def kept_back(report: Report) -> list[CheckResult]:
    """The login checks the lockout guard did not retry."""
    return [c for c in report.checks if c.kind == "login" and getattr(c.data, "stage", None) == "guard"]


def unfinished_verdict(report: Report, lang: Lang) -> str | None:
    """An `unknown` report whose only doubt is a kept-back login with no recorded end: say that, not that
    mailprobe ran out of time."""
    if report.status != "unknown" or report.diagnosis:
        return None
    for check in kept_back(report):
        data = check.data
        tried, until = getattr(data, "tried_at", None), getattr(data, "guard_until", None)
        if getattr(data, "tried_unfinished", False) and tried is not None and until is not None:
            shown_tried, shown_until = guard_times(tried, until, lang)
            return t("verdict.guard_unfinished", lang, tried=shown_tried, until=shown_until)
    return None


def command_line_hint(report: Report, lang: Lang) -> str | None:
    """For the text report (a terminal): why the login was kept back and the option that overrides it."""
    for check in kept_back(report):
        window = getattr(check.data, "guard_window_s", None)
        if window is not None:
            return t("hint.guard_cli", lang, window=format_span(window, lang))
    return None
