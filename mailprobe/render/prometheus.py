"""Prometheus text exposition (node_exporter's textfile collector, and the exporter's /probe answer).

Produced with prometheus_client, never by hand: it writes the HELP and TYPE lines and escapes label values
(backslash, double quote, newline) as the exposition format requires. Names follow blackbox_exporter's where
they fit, under a `mailprobe_` prefix. Labels carry only bounded identities — the mailbox, a check's kind,
host and port, a cause id, its section and severity, a TLS version — never an IP address or free text: checks
of the same (kind, host, port) are aggregated, the worst one counting. Every label value is shown first
(mailprobe/safetext.py): a control character or a bidi override from a saved report is a visible escape.
`mailprobe_report_info` carries the report's id (`ABCD-EFGH`), to find the whole report again (`mailprobe
explain --id`): a new series each run, as a build_info's after every upgrade — drop it with
`metric_relabel_configs` where that churn is not wanted.

A metric's samples must stand together, after its one HELP and TYPE, so nothing can be printed before the
last report is in. A batch feeds the `Collector` one report at a time, in any order: each report's sample
lines are written, in input order, to one temporary spool per metric (in memory for the first 256 K, then an
anonymous file, gone with the process whatever ends it), and copied out at the end. It keeps no report, and no
more samples than that: memory stays flat however long the batch. A mailbox checked twice in one batch has one
series per label set, the later report's value.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from mailprobe.render.options import RenderOptions
from mailprobe.safetext import shown

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from mailprobe.report import CheckResult, Report

STATUS_VALUES = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}
_CHECK_RANK = {"pass": 0, "skip": 0, "warn": 1, "error": 2, "fail": 3}
_CHECK_LABELS = ("mailbox", "check_kind", "target_host", "port")
MAX_LABEL = 254  # a mailbox is at most 254 characters; a bad input line is cut to that
SPOOL_IN_MEMORY = 256 * 1024  # characters of one metric's samples kept in memory before they go to a file

# (name, help, label names), in the order they are printed.
_FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("mailprobe_probe_success", "1 if the mailbox works (ok or warning), else 0", ("mailbox",)),
    ("mailprobe_status", "Overall status: 0 ok, 1 warning, 2 critical, 3 unknown", ("mailbox",)),
    ("mailprobe_probe_duration_seconds", "How long the whole check took", ("mailbox",)),
    ("mailprobe_probe_timestamp_seconds", "When the check started (unix time)", ("mailbox",)),
    ("mailprobe_check_success", "1 if every check of this kind, host and port passed (worst counts)",
     _CHECK_LABELS),
    ("mailprobe_check_duration_seconds", "Longest check of this kind, host and port", _CHECK_LABELS),
    ("mailprobe_ssl_earliest_cert_expiry", "Earliest certificate expiry seen (unix time)", ("mailbox",)),
    ("mailprobe_tls_version_info", "TLS version negotiated, per kind, host and port", (*_CHECK_LABELS, "version")),
    ("mailprobe_cause_info", "The most likely cause (id and article section)",
     ("mailbox", "cause", "section", "severity")),
    ("mailprobe_report_info", "The report's id: `mailprobe explain --id ID` shows the stored report",
     ("mailbox", "id")),
    ("mailprobe_loop_success", "--loop: 1 if the message arrived (inbox or junk folder), else 0", ("mailbox",)),
    ("mailprobe_loop_delivery_seconds", "--loop: from the message sent to the message found", ("mailbox",)),
    ("mailprobe_run_timestamp_seconds", "When the last check of this run finished (unix time)", ()),
)
(SUCCESS, STATUS, DURATION, TIMESTAMP, CHECK_SUCCESS, CHECK_DURATION, EXPIRY, TLS_VERSION, CAUSE, REPORT,
 LOOP_SUCCESS, LOOP_DELIVERY, RUN) = range(len(_FAMILIES))  # the loop's two: its check's gauges (kinds/loop.py)
_INDEX = {name: index for index, (name, _, _) in enumerate(_FAMILIES)}


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    collector = Collector(options)
    for position, report in enumerate(reports):
        collector.add(position, report)
    return "\n".join(collector.finish())


class Collector:
    """Sample lines spooled per metric in input order; a report that ends ahead of an earlier one waits as its
    lines (bounded by what the checks in flight can finish meanwhile, never by the batch)."""

    def __init__(self, options: RenderOptions | None = None) -> None:
        self._spools: list[tempfile.SpooledTemporaryFile[str] | None] = [None] * len(_FAMILIES)
        # position → the mailbox and its lines per metric (None: that position prints nothing)
        self._waiting: dict[int, tuple[str, list[list[str]]] | None] = {}
        self._next = 0
        self._mailboxes: set[str] = set()
        # A mailbox met again: its series' lines by identity (what comes before the value), the later value.
        self._again: list[dict[str, str]] = [{} for _ in _FAMILIES]
        self._last_run: float | None = None

    def add(self, position: int, report: Report) -> list[str]:
        finished = report.started_at.timestamp() + report.duration_ms / 1000.0
        self._last_run = finished if self._last_run is None else max(self._last_run, finished)
        self._waiting[position] = _lines(report)
        self._release()
        return []

    def skip(self, position: int) -> list[str]:
        self._waiting[position] = None
        self._release()
        return []

    def finish(self) -> Iterator[str]:
        for position in sorted(self._waiting):  # positions that never came before them (a render of a subset)
            self._spool(self._waiting.pop(position))
        for index, (name, doc, labels) in enumerate(_FAMILIES):
            header = _family_text(name, doc, labels, self._last_run or 0.0)
            spool = self._spools[index]
            if spool is None:
                yield header
                continue
            yield header
            spool.seek(0)
            yield from _chunks(spool, self._again[index])
            spool.close()
            later = [line for line in self._again[index].values() if line]  # series only a later report has
            if later:
                yield "\n".join(later)

    def _release(self) -> None:
        while self._next in self._waiting:
            self._spool(self._waiting.pop(self._next))
            self._next += 1

    def _spool(self, waiting: tuple[str, list[list[str]]] | None) -> None:
        if waiting is None:
            return
        mailbox, lines = waiting
        again = mailbox in self._mailboxes
        self._mailboxes.add(mailbox)
        for index, family in enumerate(lines):
            if not family:
                continue
            if again:  # kept apart, written over the earlier report's lines of the same series at the end
                for line in family:
                    self._again[index][_identity(line)] = line
                continue
            spool = self._spools[index]
            if spool is None:
                # In memory up to SPOOL_IN_MEMORY (one report, the exporter's answer), then an anonymous file,
                # open for the collector's life: closed by finish(), gone with the process whatever ends it.
                spool = self._spools[index] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
                    max_size=SPOOL_IN_MEMORY, mode="w+", encoding="utf-8", newline="\n")
            spool.write("\n".join(family) + "\n")


def _lines(report: Report) -> tuple[str, list[list[str]]]:
    """REPORT's mailbox label and its sample lines, per metric, as prometheus_client writes them."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily

    mailbox = _label(report.address)
    series: list[dict[tuple[str, ...], float]] = [{} for _ in _FAMILIES]
    series[SUCCESS][(mailbox,)] = 1 if report.status in ("ok", "warning") else 0
    series[STATUS][(mailbox,)] = STATUS_VALUES[report.status]
    series[DURATION][(mailbox,)] = report.duration_ms / 1000.0
    series[TIMESTAMP][(mailbox,)] = report.started_at.timestamp()
    _checks(series, mailbox, report.checks)
    if report.diagnosis:
        first = report.diagnosis[0]
        series[CAUSE][(mailbox, _label(str(first.cause)), _label(first.section), _label(first.severity))] = 1
    if report.report_id and report.checked:
        series[REPORT][(mailbox, _label(report.report_id))] = 1
    for check in report.checks:  # a kind's own measurements (--loop's), each its family's
        for gauge, value in check.gauges().items():
            if (index := _INDEX.get(f"mailprobe_{gauge}")) is not None:
                series[index][(mailbox,)] = value
    families = []
    for index, (name, doc, labels) in enumerate(_FAMILIES):
        if labels and series[index]:
            family = GaugeMetricFamily(name, doc, labels=list(labels))
            for values, value in series[index].items():
                family.add_metric(list(values), float(value))
            families.append(family)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_One(*families))
    lines: list[list[str]] = [[] for _ in _FAMILIES]
    current = 0
    for line in generate_latest(registry).decode("utf-8").splitlines():
        if line.startswith("# HELP "):
            current = _INDEX[line.split(" ", 3)[2]]
        elif line and not line.startswith("#"):
            lines[current].append(line)
    return mailbox, lines


def _checks(series: list[dict[tuple[str, ...], float]], mailbox: str, checks: Sequence[CheckResult]) -> None:
    worst: dict[tuple[str, str, str], int] = {}
    longest: dict[tuple[str, str, str], float] = {}
    versions: set[tuple[str, str, str, str]] = set()
    expiry: datetime | None = None
    for check in checks:
        if check.status == "skip":
            continue
        host, port = _host_port(check)
        key: tuple[str, str, str] = (_label(str(check.kind)), host, port)
        worst[key] = max(worst.get(key, 0), _CHECK_RANK[check.status])
        longest[key] = max(longest.get(key, 0.0), check.duration_ms / 1000.0)
        tls = getattr(check.data, "tls", None)
        if tls is not None and tls.version:
            versions.add((*key, _label(tls.version)))
        if tls is not None and tls.certificate is not None:
            not_after = tls.certificate.not_after
            expiry = not_after if expiry is None or not_after < expiry else expiry
    for key, rank in worst.items():
        series[CHECK_SUCCESS][(mailbox, *key)] = 1 if rank <= 1 else 0
        series[CHECK_DURATION][(mailbox, *key)] = longest[key]
    for version in sorted(versions):
        series[TLS_VERSION][(mailbox, *version)] = 1
    if expiry is not None:
        series[EXPIRY][(mailbox,)] = expiry.timestamp()


def _family_text(name: str, doc: str, labels: tuple[str, ...], last_run: float) -> str:
    """The metric's HELP and TYPE lines (and the value of the one without labels), by prometheus_client."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily

    family = GaugeMetricFamily(name, doc, value=last_run) if not labels else GaugeMetricFamily(name, doc,
                                                                                                labels=list(labels))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_One(family))
    return generate_latest(registry).decode("utf-8").rstrip("\n")


def _chunks(spool: Iterable[str], again: dict[str, str], size: int = 1 << 16) -> Iterator[str]:
    """The spooled lines in pieces of about SIZE characters, a line met again replaced by its later value
    (and taken out of AGAIN, so that what is left there is the later report's new series)."""
    piece: list[str] = []
    length = 0
    for line in spool:
        line = line.rstrip("\n")
        if again:
            later = again.get(_identity(line))
            if later is not None:
                line = later
                again[_identity(line)] = ""  # written here, not again at the end
        piece.append(line)
        length += len(line) + 1
        if length >= size:
            yield "\n".join(piece)
            piece, length = [], 0
    if piece:
        yield "\n".join(piece)


def _identity(line: str) -> str:
    """A sample line's metric and labels: everything before its value."""
    return line.rsplit(" ", 1)[0]


class _One:
    """A registry's collector of ready families."""

    def __init__(self, *families: Metric) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def _host_port(check: CheckResult) -> tuple[str, str]:
    host = check.data.get("host")
    port = check.data.get("port")
    if host is None:  # a DNS question: the name asked about, never the resolver's IP
        return _label(check.target.split(" ")[0]), ""
    return _label(str(host)), "" if port is None else _label(str(port))


def _label(text: str) -> str:
    """Shown and bounded: a label value is an identity, not a place for control characters. (The exposition
    escapes of backslash, quote and newline are prometheus_client's.)"""
    return shown(text, limit=MAX_LABEL)
