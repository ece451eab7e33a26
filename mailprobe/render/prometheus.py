"""Prometheus text exposition (node_exporter's textfile collector, and the exporter's /probe answer).

Produced with prometheus_client, never by hand. Names follow blackbox_exporter's where they fit, under a
`mailprobe_` prefix. Labels carry only bounded identities — the mailbox, a check's kind, host and port, a
cause id, its section and severity, a TLS version — never an IP address or free text: checks of the same
(kind, host, port) are aggregated, the worst one counting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from mailprobe.render.options import RenderOptions

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Gauge

    from mailprobe.report import CheckResult, Report

STATUS_VALUES = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}
_CHECK_RANK = {"pass": 0, "skip": 0, "warn": 1, "error": 2, "fail": 3}
_CHECK_LABELS = ("mailbox", "check_kind", "target_host", "port")
MAX_LABEL = 254  # a mailbox is at most 254 characters; a bad input line is cut to that


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    from prometheus_client import CollectorRegistry, generate_latest  # imported when used: --help stays quick

    registry = CollectorRegistry(auto_describe=False)
    g = _Gauges(registry)
    last_run = 0.0
    for report in reports:
        mailbox = _label(report.address)
        finished = report.started_at.timestamp() + report.duration_ms / 1000.0
        last_run = max(last_run, finished)
        g.success.labels(mailbox).set(1 if report.status in ("ok", "warning") else 0)
        g.status.labels(mailbox).set(STATUS_VALUES[report.status])
        g.duration.labels(mailbox).set(report.duration_ms / 1000.0)
        g.timestamp.labels(mailbox).set(report.started_at.timestamp())
        _checks(g, mailbox, report.checks)
        if report.diagnosis:
            first = report.diagnosis[0]
            g.cause.labels(mailbox, str(first.cause), first.section, first.severity).set(1)
    if reports:
        g.run.set(last_run)
    return generate_latest(registry).decode("utf-8").rstrip("\n")


class _Gauges:
    def __init__(self, registry: CollectorRegistry) -> None:
        from prometheus_client import Gauge

        def gauge(name: str, doc: str, labels: Sequence[str] = ()) -> Gauge:
            return Gauge(name, doc, list(labels), registry=registry)

        self.success = gauge("mailprobe_probe_success", "1 if the mailbox works (ok or warning), else 0",
                             ["mailbox"])
        self.status = gauge("mailprobe_status", "Overall status: 0 ok, 1 warning, 2 critical, 3 unknown",
                            ["mailbox"])
        self.duration = gauge("mailprobe_probe_duration_seconds", "How long the whole check took", ["mailbox"])
        self.timestamp = gauge("mailprobe_probe_timestamp_seconds", "When the check started (unix time)",
                               ["mailbox"])
        self.check_success = gauge("mailprobe_check_success",
                                   "1 if every check of this kind, host and port passed (worst counts)",
                                   _CHECK_LABELS)
        self.check_duration = gauge("mailprobe_check_duration_seconds",
                                    "Longest check of this kind, host and port", _CHECK_LABELS)
        self.expiry = gauge("mailprobe_ssl_earliest_cert_expiry",
                            "Earliest certificate expiry seen (unix time)", ["mailbox"])
        self.tls_version = gauge("mailprobe_tls_version_info", "TLS version negotiated, per kind, host and port",
                                 [*_CHECK_LABELS, "version"])
        self.cause = gauge("mailprobe_cause_info", "The most likely cause (id and article section)",
                           ["mailbox", "cause", "section", "severity"])
        self.run = gauge("mailprobe_run_timestamp_seconds", "When the last check of this run finished (unix time)")


def _checks(g: _Gauges, mailbox: str, checks: Sequence[CheckResult]) -> None:
    worst: dict[tuple[str, str, str], int] = {}
    longest: dict[tuple[str, str, str], float] = {}
    versions: set[tuple[str, str, str, str]] = set()
    expiry: datetime | None = None
    for check in checks:
        if check.status == "skip":
            continue
        host, port = _host_port(check)
        key: tuple[str, str, str] = (str(check.kind), host, port)
        worst[key] = max(worst.get(key, 0), _CHECK_RANK[check.status])
        longest[key] = max(longest.get(key, 0.0), check.duration_ms / 1000.0)
        tls = getattr(check.data, "tls", None)
        if tls is not None and tls.version:
            versions.add((*key, _label(tls.version)))
        if tls is not None and tls.certificate is not None:
            not_after = tls.certificate.not_after
            expiry = not_after if expiry is None or not_after < expiry else expiry
    for key, rank in worst.items():
        g.check_success.labels(mailbox, *key).set(1 if rank <= 1 else 0)
        g.check_duration.labels(mailbox, *key).set(longest[key])
    for version in sorted(versions):
        g.tls_version.labels(mailbox, *version).set(1)
    if expiry is not None:
        g.expiry.labels(mailbox).set(expiry.timestamp())


def _host_port(check: CheckResult) -> tuple[str, str]:
    host = check.data.get("host")
    port = check.data.get("port")
    if host is None:  # a DNS question: the name asked about, never the resolver's IP
        return _label(check.target.split(" ")[0]), ""
    return _label(str(host)), "" if port is None else str(port)


def _label(text: str) -> str:
    """Printable, bounded: a label value is an identity, not a place for control characters."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text)
    return cleaned[:MAX_LABEL]
