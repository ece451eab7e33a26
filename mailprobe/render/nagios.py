"""The monitoring-plugins format (Nagios, Icinga, Naemon, Sensu): one status line with perfdata, details after.

    MAILPROBE CRITICAL - user@example.com: <verdict> [report ABCD-EFGH] | 'time'=1.234s;;10;0 ...
    <one line per cause, then per failing check>

The exit code (0 ok, 1 warning, 2 critical, 3 unknown) is the CLI's, from the same statuses. Perfdata follows
the plugin guidelines: 'label'=value[unit];[warn];[crit];[min];[max], units s and B only; the certificate's
days left carry thresholds as ranges ("14:" alerts below 14), read from the diagnosis's own parameters.

Everything taken from a report is cleaned first (`_clean`): shown (mailprobe/safetext.py: an escape sequence
or a bidi override becomes a visible escape), on one line, without the '|' that would start perfdata (a check
id holding a newline and a '|' would forge perfdata lines) or the quote and '=' that would break a label.

The status line sums up every mailbox, so nothing can be printed before the last report is in. A batch feeds
the `Collector` one report at a time; it keeps each report's status, verdict, perfdata and first detail
lines, never the report.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailprobe.certdays import CRIT_DAYS, WARN_DAYS
from mailprobe.lang import known
from mailprobe.locales.messages import t
from mailprobe.render.options import RenderOptions
from mailprobe.safetext import shown
from mailprobe.status import OverallStatus, worst

if TYPE_CHECKING:
    from mailprobe.report import Report

_STATUS_WORDS = {"ok": "OK", "warning": "WARNING", "critical": "CRITICAL", "unknown": "UNKNOWN"}
_ORDER = ("ok", "warning", "critical", "unknown")
MAX_DETAIL_LINES = 50
_NOT_CHECKED = "not checked (not an address)"


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    collector = Collector(options)
    for position, report in enumerate(reports):
        collector.add(position, report)
    return "\n".join(collector.finish())


_PREFIX = "\x00"  # where the mailbox goes in a perfdata label: never in a cleaned text (shown escapes it)


@dataclass(slots=True)
class _Digest:
    """What the output takes of one report: past the detail lines' window, its status and perfdata only."""

    status: OverallStatus
    checked: bool  # False for a line that was not an address (report.checked)
    address: str  # cleaned
    perf: str  # the perfdata, each label starting with _PREFIX (nothing for one mailbox, "ADDRESS " for several)
    verdict: str | None  # cleaned; None once the report is past the detail lines' window
    details: list[str]  # without the mailbox in front


class Collector:
    """Each report's digest, printed in input order at the end; the verdicts and detail lines that cannot be
    among the first MAX_DETAIL_LINES printed are dropped as reports come, never kept."""

    def __init__(self, options: RenderOptions | None = None) -> None:
        self._digests: dict[int, _Digest] = {}
        self._lines = 0  # lines the digests still holding a verdict would print (their status line and details)

    def add(self, position: int, report: Report) -> list[str]:
        perf = " ".join(_metric(f"{_PREFIX}{label}", rest) for label, rest in _perfdata(report)) \
            if report.checked else ""
        digest = _Digest(report.status, report.checked, _clean(report.address), perf, _verdict(report) + _id(report),
                         _details(report)[:MAX_DETAIL_LINES])
        self._digests[position] = digest
        self._lines += 1 + len(digest.details)
        if self._lines > 2 * MAX_DETAIL_LINES:
            self._trim()
        return []

    def skip(self, position: int) -> list[str]:
        return []

    def finish(self) -> Iterator[str]:
        digests = [self._digests[position] for position in sorted(self._digests)]
        if not digests:
            yield "MAILPROBE UNKNOWN - no address checked"
            return
        # The word is the exit code's: the worst of the addresses checked (report.overall_status).
        checked = [d for d in digests if d.checked]
        status = worst(d.status for d in checked)
        if len(digests) == 1:
            only = digests[0]
            head = f"{only.address}: {only.verdict}"
            perf = only.perf.replace(_PREFIX, "")
            lines = list(only.details)
        else:
            counts = {s: sum(1 for d in checked if d.status == s) for s in _ORDER}
            head = f"{len(checked)} mailbox{'' if len(checked) == 1 else 'es'}: " + ", ".join(
                f"{counts[s]} {s}" for s in _ORDER if counts[s])
            if len(checked) < len(digests):
                head = head.rstrip(": ") + f"; {len(digests) - len(checked)} {_NOT_CHECKED}"
            perf = " ".join(d.perf.replace(_PREFIX, f"{d.address} ") for d in checked if d.perf)
            lines = []
            for d in digests:
                if len(lines) >= MAX_DETAIL_LINES or d.verdict is None:
                    break
                lines.append(f"{d.address}: {_STATUS_WORDS[d.status]} - {d.verdict}" if d.checked
                             else f"{d.address}: {_NOT_CHECKED}")
                lines += [f"{d.address}: {line}" for line in d.details]
        yield f"MAILPROBE {_STATUS_WORDS[status]} - {head}" + (f" | {perf}" if perf else "")
        yield from lines[:MAX_DETAIL_LINES]

    def _trim(self) -> None:
        """Keep only the verdicts and detail lines that can still be among the first MAX_DETAIL_LINES printed
        (with several mailboxes each has its status line there, then its details)."""
        room = MAX_DETAIL_LINES
        self._lines = 0
        for position in sorted(self._digests):
            digest = self._digests[position]
            if room <= 0:
                digest.verdict, digest.details = None, []
                continue
            digest.details = digest.details[:room - 1]
            room -= 1 + len(digest.details)
            self._lines += 1 + len(digest.details)


def unknown_line(message: str) -> str:
    """The status line of a run refused as bad input: Nagios shows only what a plugin prints on stdout."""
    text = re.sub(r"\s+", " ", "".join(ch if ch.isprintable() else " " for ch in message)).strip()
    return f"MAILPROBE UNKNOWN - {text.replace('|', '/')}"


def _verdict(report: Report) -> str:
    if not report.checked:
        return _NOT_CHECKED
    if report.diagnosis:
        return _clean(report.diagnosis[0].summary)
    if report.unfinished is not None:
        return _clean(report.unfinished.summary)
    return {"ok": "mailbox reachable, no problem found", "unknown": "could not be checked"}.get(
        report.status, "no single cause found"
    )


def _id(report: Report) -> str:
    """The report id (`mailprobe explain --id` finds the report by it), after the verdict."""
    return f" [report {_clean(report.report_id)}]" if report.report_id and report.checked else ""


def _perfdata(report: Report) -> list[tuple[str, str]]:
    total_s = report.duration_ms / 1000.0
    failed = sum(1 for c in report.checks if c.status in ("fail", "error"))
    parts = [
        ("time", _value(f"{total_s:.3f}", "s", minimum="0")),
        ("checks", _value(str(len(report.checks)), "", minimum="0")),
        ("checks_failed", _value(str(failed), "", warn="0", crit="", minimum="0")),
    ]
    days = _days_left(report)
    if days is not None:
        warn, crit = _cert_thresholds(report)
        parts.append(("cert_days_left", _value(f"{days:.1f}", "", warn=f"{warn:g}:", crit=f"{crit:g}:")))
    for check in report.checks:  # a kind's own durations (--loop's: from the message sent to the message found)
        for gauge, value in check.gauges().items():
            if gauge.endswith("_seconds"):
                parts.append((gauge.removesuffix("_seconds"), _value(f"{value:.3f}", "s", minimum="0")))
    return parts


def _metric(label: str, rest: str) -> str:
    return f"'{label}'={rest}"


def _value(value: str, unit: str, warn: str = "", crit: str = "", minimum: str = "") -> str:
    return f"{value}{unit};{warn};{crit};{minimum};"


def _days_left(report: Report) -> float | None:
    days = [c.data.tls.days_left for c in report.checks  # type: ignore[union-attr]
            if getattr(c.data, "tls", None) is not None and c.data.tls.days_left is not None]  # type: ignore[union-attr]
    return min(days) if days else None


def _cert_thresholds(report: Report) -> tuple[float, float]:
    """The thresholds the diagnosis used (carried in the cause's parameters), else the defaults; a value a
    saved report holds that is no finite number of days is not a threshold."""
    warn, crit = WARN_DAYS, CRIT_DAYS
    for entry in report.diagnosis:
        if "warn_days" in entry.params:
            warn = _days(entry.params["warn_days"], warn)
        if "crit_days" in entry.params:
            crit = _days(entry.params["crit_days"], crit)
    return warn, crit


def _days(value: object, default: float) -> float:
    try:
        days = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return days if math.isfinite(days) else default


def _details(report: Report) -> list[str]:
    lines: list[str] = []
    for entry in report.diagnosis:
        section = t("nagios.section", known(report.lang), section=entry.section)
        cause = f"[{_clean(entry.severity)}] {_clean(str(entry.cause))} ({_clean(section)})"
        lines.append(f"{cause}: {_clean(entry.summary)}")
    for check in report.checks:
        if check.status in ("fail", "error", "warn"):
            lines.append(f"{check.status}: {_clean(check.id)} {_clean(check.target)}: {_clean(check.summary)}")
    return lines


def _clean(text: str) -> str:
    """One line, shown (no escape sequence, control or bidi character), no '|' (it starts perfdata) and no
    quote or '=' that would break a perfdata label."""
    return shown(re.sub(r"\s+", " ", text)).replace("|", "/").replace("'", "’").replace("=", ":").strip()
