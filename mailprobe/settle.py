"""The plan's own flags, applied to what was seen once the run is over: shared lookups de-duplicated, the
provider's own baselines dropped, a guess that was not there "not offered" (skip) rather than failed, and the
caps the planner applied written on the lookups they cut short."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailprobe.address import Target
from mailprobe.evidence import Expect, Failure, Observation, Status, deadline_cut
from mailprobe.kinds.baseline import Reachability
from mailprobe.kinds.dns import DnsLookup
from mailprobe.kinds.web import WebVisit

if TYPE_CHECKING:
    from mailprobe.evidence import PlanSummary

# A guess that failed in one of these ways was simply not there: nothing is wrong.
CANDIDATE_ABSENT = frozenset(
    {Failure.REFUSED, Failure.NXDOMAIN, Failure.NO_ANSWER, Failure.NO_ADDRESS, Failure.TIMEOUT}
)


def settle(
    plan: PlanSummary, target: Target, observations: list[Observation], not_probed: dict[tuple[str, str], int],
    not_followed: dict[str, int],
) -> list[Observation]:
    """De-duplicate shared lookups, drop baselines of the provider itself, and call a guess that was not
    there "not offered" (skip) rather than failed. NOT_PROBED: (host, A | AAAA) → addresses beyond the caps;
    NOT_FOLLOWED: SRV or MX name → targets beyond them."""
    own = plan.profile.id if plan.profile else None
    if plan.profile is None and any(
        isinstance(o, DnsLookup) and o.purpose == "mx" and o.status == Status.ERROR for o in observations
    ):
        plan.matched_by = "mx_failed"  # not "unrecognised": nothing was known to recognise
    needed_hosts = {e.host for e in plan.endpoints if e.expect != Expect.CANDIDATE}
    chosen: dict[str, Observation] = {}
    for observation in observations:
        if isinstance(observation, Reachability) and own and observation.provider_id == own:
            continue
        guessed = getattr(observation, "expect", None) == Expect.CANDIDATE or (
            isinstance(observation, DnsLookup) and observation.purpose == "host"
            and observation.name not in needed_hosts
        )
        if guessed and observation.status in (Status.FAIL, Status.ERROR) and deadline_cut(observation.error):
            observation.status = Status.SKIP  # a guess the deadline cut off: not tested, as probes.cut_off says
        elif (
            guessed
            and observation.status == Status.FAIL
            and observation.error is not None
            and observation.error.kind in CANDIDATE_ABSENT
        ):
            observation.status = Status.SKIP
        elif guessed and observation.status == Status.FAIL and _apex_autoconfig(observation, target):
            # The apex's well-known URL is usually the company website: whatever it does, it simply
            # offers no config (the reason stays in the evidence).
            observation.status = Status.SKIP
        if isinstance(observation, DnsLookup) and observation.purpose == "host":
            left_out = not_probed.get((observation.name, observation.rdtype), 0)
            observation.addresses_not_probed = max(observation.addresses_not_probed, left_out)
        if isinstance(observation, DnsLookup) and observation.purpose in ("mx", "srv"):
            left = not_followed.get(observation.name, 0)
            observation.targets_not_followed = max(observation.targets_not_followed, left)
        chosen.setdefault(observation.id, observation)
    return list(chosen.values())


def _apex_autoconfig(observation: Observation, target: Target) -> bool:
    return (isinstance(observation, WebVisit) and observation.id.startswith("autoconfig/")
            and observation.host == target.domain_ascii)
