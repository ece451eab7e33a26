"""The probes, in one table the engine reads: each runs one kind of plan step, with one signature.

    async def probe(step: Step, ctx: ProbeContext) -> list[Observation]

A probe that stands for one endpoint or one question also names its `blank(step)`: the one factory of its
observation, used for a session with no address to dial, or a step the deadline cut off (the plan says
which, and why).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from mailprobe.evidence import Observation
from mailprobe.plan import ProbeName, Step
from mailprobe.probes import autoconfig, baseline, dns, imap, login, pop3, smtp, web
from mailprobe.probes.base import Probe, ProbeContext


@dataclass(frozen=True)
class ProbeEntry:
    run: Probe
    blank: Callable[[Step], Observation] | None = None  # endpoint probes: the observation before anything


PROBES: dict[ProbeName, ProbeEntry] = {
    "dns.mx": ProbeEntry(dns.probe_mx, dns.blank_mx),
    "dns.spf": ProbeEntry(dns.probe_spf, dns.blank_spf),
    "dns.sanity": ProbeEntry(dns.probe_sanity),
    "dns.srv": ProbeEntry(dns.probe_srv),
    "dns.implicit_mx": ProbeEntry(dns.probe_implicit_mx),
    "dns.host": ProbeEntry(dns.probe_host),
    "dns.authoritative": ProbeEntry(dns.probe_authoritative),
    "autoconfig": ProbeEntry(autoconfig.probe),
    "web": ProbeEntry(web.probe, web.blank),
    "imap": ProbeEntry(imap.probe, imap.blank),
    "pop3": ProbeEntry(pop3.probe, pop3.blank),
    "smtp": ProbeEntry(smtp.probe, smtp.blank),
    "baseline": ProbeEntry(baseline.probe, baseline.blank),
    "login": ProbeEntry(login.probe, login.blank),
}


async def run_step(step: Step, ctx: ProbeContext) -> list[Observation]:
    """Run STEP with its probe, within its own bound if the plan gave it one."""
    entry = PROBES[step.probe]
    if step.unresolved is not None:  # nothing to dial: the plan says why
        assert entry.blank is not None, f"{step.probe} steps stand for no endpoint"
        observation = entry.blank(step)
        observation.status, observation.error = step.unresolved
        return [observation]
    if step.cap is not None:
        ctx = replace(ctx, deadline=ctx.deadline.within(step.cap))
    return await entry.run(step, ctx)
