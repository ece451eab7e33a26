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
from mailprobe.probes import dns
from mailprobe.probes.base import Probe, ProbeContext

# The DNS probe is the first packet's: imported at once. Every other probe is imported when its first step
# runs (small wrappers, no lookup by name), so the MX question leaves before httpx, xml.etree, the TLS
# evidence parsers or the login dialogues are loaded — and a check that never plans a login never loads it.


async def _autoconfig(step: Step, ctx: ProbeContext) -> list[Observation]:
    from mailprobe.probes import autoconfig

    return await autoconfig.probe(step, ctx)


async def _web(step: Step, ctx: ProbeContext) -> list[Observation]:
    from mailprobe.probes import web

    return await web.probe(step, ctx)


def _web_blank(step: Step) -> Observation:
    from mailprobe.probes import web

    return web.blank(step)


async def _imap(step: Step, ctx: ProbeContext) -> list[Observation]:
    from mailprobe.probes import imap

    return await imap.probe(step, ctx)


def _imap_blank(step: Step) -> Observation:
    from mailprobe.probes import imap

    return imap.blank(step)


async def _pop3(step: Step, ctx: ProbeContext) -> list[Observation]:
    from mailprobe.probes import pop3

    return await pop3.probe(step, ctx)


def _pop3_blank(step: Step) -> Observation:
    from mailprobe.probes import pop3

    return pop3.blank(step)


async def _smtp(step: Step, ctx: ProbeContext) -> list[Observation]:
    from mailprobe.probes import smtp

    return await smtp.probe(step, ctx)


def _smtp_blank(step: Step) -> Observation:
    from mailprobe.probes import smtp

    return smtp.blank(step)


async def _baseline(step: Step, ctx: ProbeContext) -> list[Observation]:
    from mailprobe.probes import baseline

    return await baseline.probe(step, ctx)


def _baseline_blank(step: Step) -> Observation:
    from mailprobe.probes import baseline

    return baseline.blank(step)


async def _login(step: Step, ctx: ProbeContext) -> list[Observation]:
    from mailprobe.probes import login

    return await login.probe(step, ctx)


def _login_blank(step: Step) -> Observation:
    from mailprobe.probes import login

    return login.blank(step)


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
    "autoconfig": ProbeEntry(_autoconfig),
    "web": ProbeEntry(_web, _web_blank),
    "imap": ProbeEntry(_imap, _imap_blank),
    "pop3": ProbeEntry(_pop3, _pop3_blank),
    "smtp": ProbeEntry(_smtp, _smtp_blank),
    "baseline": ProbeEntry(_baseline, _baseline_blank),
    "login": ProbeEntry(_login, _login_blank),
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
