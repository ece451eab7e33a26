""""Not tested" is not "failed": what mailprobe's own deadline cut off or its own load starved, and the verdict
of a run that could not finish.

A step cut off by mailprobe's own deadline, or failed by mailprobe itself (evidence.not_tested), is evidence
against no one; neither is a time-out measured by a mailprobe starved of CPU (`starved`: the rules never see
it as one). When what did answer shows no fault and a step that mail needs was not tested, the report is
`unknown`, and `unfinished` gives its verdict's facts: how long mailprobe had, what it could not test, what did
answer, how long the slowest answer took, and a `--timeout` that would fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

from mailprobe.diagnosis.facts import EvidenceView, answered
from mailprobe.evidence import (
    CUT_OFF_STAGE,
    Evidence,
    Expect,
    Failure,
    Observation,
    Role,
    Status,
    deadline_cut,
    not_tested,
)
from mailprobe.kinds.dns import DnsLookup
from mailprobe.kinds.login import LoginAttempt
from mailprobe.kinds.mail import MailSession
from mailprobe.kinds.web import WebVisit
from mailprobe.timeouts import DEFAULT_TIMEOUT_S

# mailprobe's own event loop late by more than this (and this share of the deadline) makes timings unreliable.
OVERLOAD_MIN_MS = 1000.0
OVERLOAD_SHARE = 0.15
_TIMEOUTS = frozenset({Failure.TIMEOUT, Failure.DNS_TIMEOUT})
# What a --timeout that fits must leave room for beyond the one given: each step still to come (the host's
# address, the connect, the TLS handshake, the greeting, the capabilities) may take as long as the slowest
# answer seen …
STEPS_STILL_TO_COME = 5
# … and never less than twice the time given, which did not suffice.
MIN_GROWTH = 2.0
# The kinds of check the verdict counts among what answered, in the order it names them.
KINDS = ("dns", "web", "imap", "pop3", "smtp", "baseline", "login")

Variant = Literal["deadline", "nothing", "starved"]


@dataclass(frozen=True)
class Unfinished:
    """Why a report without a cause is `unknown`: `deadline` (mailprobe's deadline cut off what mail needs;
    `nothing` when nothing answered at all) or `starved` (its own load). `params` are the verdict's facts."""

    variant: Variant
    params: dict[str, str | int | float] = field(default_factory=dict)


def overloaded(evidence: Evidence) -> bool:
    """mailprobe itself was starved of CPU for a good share of the deadline (its event loop woke up late)."""
    return evidence.loop_lag_ms > max(OVERLOAD_MIN_MS, OVERLOAD_SHARE * evidence.timeout_s * 1000.0)


def starved(evidence: Evidence) -> Evidence:
    """The evidence as the rules may read it: a mailprobe starved of CPU measured every time-out itself, so
    each is recorded as not tested (the checks shown keep what was seen)."""
    if not overloaded(evidence):
        return evidence
    return replace(evidence, observations=[_starved(o) for o in evidence.observations])


def _starved(observation: Observation) -> Observation:
    error = observation.error
    if error is None or error.kind not in _TIMEOUTS or deadline_cut(error):
        return observation
    status = Status.SKIP if observation.status is Status.SKIP else Status.ERROR
    return observation.model_copy(update={
        "status": status, "error": error.model_copy(update={"stage": CUT_OFF_STAGE}),
    })


def untested_needs(facts: EvidenceView) -> list[Observation]:
    """The steps mail needs that were not tested: the MX, a provider's host with no address found, a service of
    the provider none of whose addresses answered, the login. (One address of several cut off, while another
    answered, leaves nothing untested that mail needs.)"""
    observations = facts.evidence.observations
    needed_hosts = {e.host for e in facts.evidence.plan.endpoints if e.expect != Expect.CANDIDATE}
    resolved = {o.name for o in observations if isinstance(o, DnsLookup) and o.purpose == "host" and answered(o)}
    working = {_service(o) for o in observations if isinstance(o, MailSession | WebVisit) and answered(o)}
    return [
        o for o in observations if not_tested(o.error) and _needed(o, needed_hosts - resolved, working)
    ]


def _needed(observation: Observation, hosts: set[str], working: set[tuple[str, str, int]]) -> bool:
    if isinstance(observation, DnsLookup):
        return observation.purpose == "mx" or (observation.purpose == "host" and observation.name in hosts)
    if isinstance(observation, MailSession | WebVisit):
        return (observation.role == Role.PROVIDER and observation.expect != Expect.CANDIDATE
                and _service(observation) not in working)
    return isinstance(observation, LoginAttempt)


def _service(observation: MailSession | WebVisit) -> tuple[str, str, int]:
    return observation.kind, observation.host, observation.port


def unfinished(evidence: Evidence) -> Unfinished | None:
    """The facts of a verdict that says mailprobe could not finish; None when it finished (or when nothing
    was cut off and it was not starved: then it is not its time that was short)."""
    tested_as = starved(evidence)
    cut = [o for o in tested_as.observations if not_tested(o.error)]
    is_starved = tested_as is not evidence
    if not cut and not is_starved:
        return None
    replies = [o for o in evidence.observations if _answered(o)]
    params: dict[str, str | int | float] = {
        "timeout": _seconds(evidence.timeout_s),
        "untested": len(cut),
        "checks": len(evidence.observations),
        "answered": len(replies),
        "suggested": suggested_timeout(evidence.timeout_s, replies),
    }
    if is_starved:
        params["lag_ms"] = round(evidence.loop_lag_ms)
    for kind in KINDS:
        count = sum(1 for o in replies if o.kind == kind)
        if count:
            params[kind] = count
    if replies:
        slowest = max(replies, key=lambda o: o.duration_ms)
        params["slowest_ms"] = round(slowest.duration_ms)
        params["slowest"] = slowest.id
    variant: Variant = "starved" if is_starved else ("deadline" if replies else "nothing")
    return Unfinished(variant=variant, params=params)


def suggested_timeout(timeout_s: float, replies: list[Observation]) -> int:
    """A --timeout that would fit: room for the steps still to come at the slowest pace seen, at least twice
    the time given; whole seconds, rounded up. With nothing answered, at least the default."""
    if not replies:
        return math.ceil(max(MIN_GROWTH * timeout_s, DEFAULT_TIMEOUT_S))
    slowest_s = max(o.duration_ms for o in replies) / 1000.0
    return math.ceil(max(MIN_GROWTH * timeout_s, timeout_s + STEPS_STILL_TO_COME * slowest_s))


def _answered(observation: Observation) -> bool:
    """Something answered this step: a server (in its own words too), or the resolver (a "no such name" is an
    answer as well)."""
    if answered(observation):
        return True
    error = observation.error
    return (
        isinstance(observation, DnsLookup) and error is not None
        and error.kind in (Failure.NXDOMAIN, Failure.NO_ANSWER) and error.stage == "resolve"
    )


def _seconds(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)
