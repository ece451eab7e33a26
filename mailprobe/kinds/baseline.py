"""A baseline: another provider's service on the same port, to tell "your network" from "their server". Its
facts, its report check, its blank, its summary line and its words (baseline.toml)."""

from __future__ import annotations

from typing import ClassVar, Literal

from mailprobe.evidence import (
    Endpoint,
    Facts,
    Observation,
    Status,
    VerifyError,
    check_id,
)
from mailprobe.kinds.base import CheckBase, Kind
from mailprobe.lang import Lang
from mailprobe.locales.messages import t
from mailprobe.summaries import (
    failure_phrase,
)


class BaselineFacts(Facts):
    host: str
    port: int
    service: str  # imap, pop3, smtp, web
    provider_id: str | None = None
    connect_ms: float | None = None
    stage: str = "connect"  # how far the dialogue got: connect, tls, greeting, capabilities
    issuer: str | None = None  # the certificate issuer seen (unverified): interception re-signs everything
    # Why its certificate failed verification, if it did: a box answering every provider's port with its own
    # certificate shows the same failure here as at the provider.
    verify_error: VerifyError | None = None
    clock_offset_s: float | None = None  # a web baseline's Date minus our clock: one server's clock or ours?


class Reachability(Observation, BaselineFacts):
    """A baseline: can this machine reach another provider's service on the same port?"""

    kind: Literal["baseline"] = "baseline"


# -- its summary line --------------------------------------------------------------------------------------


def _baseline(probe: Reachability, lang: Lang) -> str:
    if probe.error is not None:
        return t("summary.baseline.failed", lang, text=failure_phrase(probe.error, lang, address=probe.address))
    if probe.status is Status.SKIP:
        return t("summary.baseline.skipped", lang)
    ms = probe.connect_ms if probe.connect_ms is not None else probe.duration_ms
    return t("summary.baseline.ok", lang, ms=round(ms))


def blank(endpoint: Endpoint, ip: str | None) -> Reachability:
    """A baseline probe of ENDPOINT at IP, before anything happened."""
    return Reachability(
        id=check_id(f"baseline.{endpoint.protocol}.{endpoint.port}", endpoint.host, ip),
        target=endpoint.target,
        address=ip,
        status=Status.PASS,
        role=endpoint.role,
        host=endpoint.host,
        port=endpoint.port,
        service=endpoint.protocol,
        provider_id=endpoint.provider_id,
    )


def _rank(probe: Reachability) -> tuple[int, int]:
    """After everything else: other providers' services."""
    return (3, 0)


class BaselineCheck(CheckBase):
    kind: Literal["baseline"] = "baseline"
    data: BaselineFacts
    observed: ClassVar[type[Observation]] = Reachability


KIND = Kind(names=("baseline",), observation=Reachability, check=BaselineCheck, summary=_baseline, rank=_rank,
            blank=blank)
