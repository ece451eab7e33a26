"""What every observation kind's home is built from: the report's check base, the check of a kind this
mailprobe does not know, and the `Kind` entry the table (kinds/__init__.py) lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from mailprobe.evidence import Endpoint, Facts, Observation, Role
from mailprobe.lang import Lang
from mailprobe.status import CheckStatus

# A report (the evidence of one check) holds at most this many checks, each of bounded size. The plan's caps
# (plan.py, probes/dns.py) keep a check well below it; past it, the checks a finding cites are kept first and
# one more check says how many were left out.
MAX_CHECKS = 300
_BASE = ("id", "target", "address", "status", "started_ms", "duration_ms")


class ReportModel(BaseModel):
    # Reports written by newer versions may carry fields we do not know: read them, ignore them. Every field
    # is always written, so the schema (serialization mode) lists them all as required.
    model_config = ConfigDict(extra="ignore", json_schema_serialization_defaults_required=True)


class CheckBase(ReportModel):
    """What every check carries; `data` holds the facts of its kind, typed per `kind`."""

    id: str
    kind: str
    target: str
    address: str | None = None  # the IP dialled
    status: CheckStatus
    started_ms: float = 0.0  # offset of its start from the report's origin (started_at), as duration_ms is
    duration_ms: float = 0.0
    summary: str = ""
    observed: ClassVar[type[Observation] | None] = None  # the observation class it mirrors
    # A check the user asked for by an option of its own (--loop): the text report lists its line without -v.
    always_listed: ClassVar[bool] = False

    def gauges(self) -> dict[str, float]:
        """The check's own measurements for the monitoring formats, by name (`<name>` is the Prometheus family
        `mailprobe_<name>`; one ending in `_seconds` is also Nagios perfdata): none for most kinds."""
        return {}

    def observation(self) -> Observation | None:
        """The check as the evidence it came from (for re-wording it in another language); None for a check
        of a kind this mailprobe does not know."""
        if self.observed is None:
            return None
        base = self.model_dump(include=set(_BASE))
        data: Facts = self.data  # type: ignore[attr-defined]
        return self.observed.model_validate({**data.model_dump(), **base, "kind": self.kind})


@dataclass(frozen=True)
class Kind:
    """One observation kind's entry in the table: the report `kind`s it reads, its observation and report
    check classes, its summary line, where compose puts it, and (endpoint probes) its blank."""

    names: tuple[str, ...]
    observation: type[Observation]
    check: type[CheckBase]
    summary: Callable[[Any, Lang], str]  # (its observation, lang) → the check's one-line summary
    rank: Callable[[Any], tuple[int, int]]  # its observation → its place in the report, before the check id
    blank: Callable[[Endpoint, str | None], Observation] | None = None  # the observation before anything


_SERVICE_ORDER = ("web", "imap", "pop3", "smtp")


def provider_first(observation: Observation) -> tuple[int, int]:
    """The provider's services, then guessed candidates; within each, webmail, IMAP, POP3, SMTP, then others."""
    kind = _SERVICE_ORDER.index(observation.kind) if observation.kind in _SERVICE_ORDER else len(_SERVICE_ORDER)
    return (1 if observation.role is Role.PROVIDER else 2, kind)
