"""The monitoring-plugins format (Nagios, Icinga, Naemon, Sensu): one status line with perfdata, details after.

    MAILPROBE CRITICAL - user@example.com: <verdict> | 'time'=1.234s;;10;0 'checks_failed'=2;;1;0 ...
    <one line per cause, then per failing check>

The exit code (0 ok, 1 warning, 2 critical, 3 unknown) is the CLI's, from the same statuses. Perfdata follows
the plugin guidelines: 'label'=value[unit];[warn];[crit];[min];[max], units s and B only; the certificate's
days left carry thresholds as ranges ("14:" alerts below 14), read from the diagnosis's own parameters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mailprobe.render.options import RenderOptions

if TYPE_CHECKING:
    from mailprobe.report import Report

_STATUS_WORDS = {"ok": "OK", "warning": "WARNING", "critical": "CRITICAL", "unknown": "UNKNOWN"}
_ORDER = ("ok", "warning", "critical", "unknown")
MAX_DETAIL_LINES = 50
_NOT_CHECKED = "not checked (not an address)"


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    from mailprobe.report import overall_status

    if not reports:
        return "MAILPROBE UNKNOWN - no address checked"
    # The word is the exit code's: the worst of the addresses checked (report.overall_status).
    worst = overall_status(reports)
    checked = [r for r in reports if r.checked]
    if len(reports) == 1:
        report = reports[0]
        head = f"{_clean(report.address)}: {_verdict(report)}"
        perf = _perfdata(report, prefix="") if report.checked else ""
    else:
        counts = {s: sum(1 for r in checked if r.status == s) for s in _ORDER}
        head = f"{len(checked)} mailbox{'' if len(checked) == 1 else 'es'}: " + ", ".join(
            f"{counts[s]} {s}" for s in _ORDER if counts[s])
        if len(checked) < len(reports):
            head = head.rstrip(": ") + f"; {len(reports) - len(checked)} {_NOT_CHECKED}"
        perf = " ".join(p for r in checked for p in _perfdata(r, prefix=f"{_clean(r.address)} ").split(" ") if p)
    lines = [f"MAILPROBE {_STATUS_WORDS[worst]} - {head}" + (f" | {perf}" if perf else "")]
    lines += _details(reports)[:MAX_DETAIL_LINES]
    return "\n".join(lines)


def unknown_line(message: str) -> str:
    """The status line of a run refused as bad input: Nagios shows only what a plugin prints on stdout."""
    text = re.sub(r"\s+", " ", "".join(ch if ch.isprintable() else " " for ch in message)).strip()
    return f"MAILPROBE UNKNOWN - {text.replace('|', '/')}"


def _verdict(report: Report) -> str:
    if not report.checked:
        return _NOT_CHECKED
    if report.diagnosis:
        return _clean(report.diagnosis[0].summary)
    return {"ok": "mailbox reachable, no problem found", "unknown": "could not be checked"}.get(
        report.status, "no single cause found"
    )


def _perfdata(report: Report, prefix: str) -> str:
    total_s = report.duration_ms / 1000.0
    failed = sum(1 for c in report.checks if c.status in ("fail", "error"))
    parts = [
        _metric(f"{prefix}time", f"{total_s:.3f}", "s", minimum="0"),
        _metric(f"{prefix}checks", str(len(report.checks)), "", minimum="0"),
        _metric(f"{prefix}checks_failed", str(failed), "", warn="0", crit="", minimum="0"),
    ]
    days = _days_left(report)
    if days is not None:
        warn, crit = _cert_thresholds(report)
        parts.append(_metric(f"{prefix}cert_days_left", f"{days:.1f}", "", warn=f"{warn:g}:", crit=f"{crit:g}:"))
    return " ".join(parts)


def _metric(label: str, value: str, unit: str, warn: str = "", crit: str = "", minimum: str = "") -> str:
    return f"'{label}'={value}{unit};{warn};{crit};{minimum};"


def _days_left(report: Report) -> float | None:
    days = [c.data.tls.days_left for c in report.checks  # type: ignore[union-attr]
            if getattr(c.data, "tls", None) is not None and c.data.tls.days_left is not None]  # type: ignore[union-attr]
    return min(days) if days else None


def _cert_thresholds(report: Report) -> tuple[float, float]:
    """The thresholds the diagnosis used (carried in the cause's parameters), else the defaults."""
    warn, crit = 14.0, 3.0
    for entry in report.diagnosis:
        if "warn_days" in entry.params:
            warn = float(entry.params["warn_days"])
        if "crit_days" in entry.params:
            crit = float(entry.params["crit_days"])
    return warn, crit


def _details(reports: Sequence[Report]) -> list[str]:
    lines: list[str] = []
    for report in reports:
        who = f"{_clean(report.address)}: " if len(reports) > 1 else ""
        if len(reports) > 1:
            lines.append(f"{who}{_STATUS_WORDS[report.status]} - {_verdict(report)}" if report.checked
                         else f"{who}{_NOT_CHECKED}")
        for entry in report.diagnosis:
            lines.append(f"{who}[{entry.severity}] {entry.cause} (section {entry.section}): {_clean(entry.summary)}")
        for check in report.checks:
            if check.status in ("fail", "error", "warn"):
                lines.append(f"{who}{check.status}: {check.id} {_clean(check.target)}: {_clean(check.summary)}")
    return lines


def _clean(text: str) -> str:
    """One line, no '|' (it starts perfdata) and no quote or '=' that would break a perfdata label."""
    return re.sub(r"\s+", " ", "".join(ch if ch.isprintable() else " " for ch in text)).replace("|", "/") \
        .replace("'", "’").replace("=", ":").strip()
