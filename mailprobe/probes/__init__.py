"""The probes, in one table the engine reads: each runs one kind of plan step, with one signature.

    async def probe(step: Step, ctx: ProbeContext) -> list[Observation]

A probe that stands for one endpoint or one question also names its `blank(step)`: the one factory of its
observation, used for a session with no address to dial, or a step the deadline cut off (the plan says
which, and why).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from mailprobe.evidence import Observation
from mailprobe.plan import ProbeName, Step
from mailprobe.probes import dns
from mailprobe.probes.base import Probe, ProbeContext

# The DNS probe is the first packet's: imported at once. Every other probe is imported when its first step
# runs (small wrappers, no lookup by name), so the MX question leaves before httpx, xml.etree, the TLS
# evidence parsers or the login dialogues are loaded — and a check that never plans a login never loads it.
# `warm_up()` imports them in a background thread while the first questions are in flight (the event loop
# only waits then); a wrapper waits for that thread before its own import, so the two never import at once.


class _WarmUp:
    """One background import of the session probes, then of whatever else the caller will need after."""

    def __init__(self) -> None:
        self.probes_ready = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self, *later: Callable[[], object]) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, args=later, name="mailprobe-imports", daemon=True)
            self.thread.start()

    def _run(self, *later: Callable[[], object]) -> None:
        try:
            _import_session_probes()
        finally:
            self.probes_ready.set()
        for step in later:
            step()

    async def wait_probes(self) -> None:
        if self.thread is not None and not self.probes_ready.is_set():
            await asyncio.get_running_loop().run_in_executor(None, self.probes_ready.wait)

    async def wait_all(self) -> None:
        thread = self.thread
        if thread is not None and thread.is_alive():
            await asyncio.get_running_loop().run_in_executor(None, thread.join)


_WARM_UP = _WarmUp()


def _import_session_probes() -> None:
    import httpcore  # noqa: F401 - httpx loads it at the first request
    from cryptography import x509  # noqa: F401 - what the first certificate is parsed with (net/tls.py)
    from cryptography.hazmat.primitives import hashes  # noqa: F401

    from mailprobe.probes import autoconfig, baseline, imap, pop3, smtp, web  # noqa: F401


def warm_up(*later: Callable[[], object]) -> None:
    """Import the session probes (then run each of LATER, e.g. more imports) in a background thread, once
    per process; the probes' wrappers wait for the probe imports only."""
    _WARM_UP.start(*later)


async def warmed_up() -> None:
    """Wait (without blocking the loop) until the background imports, LATER included, are done."""
    await _WARM_UP.wait_all()


async def _autoconfig(step: Step, ctx: ProbeContext) -> list[Observation]:
    await _WARM_UP.wait_probes()
    from mailprobe.probes import autoconfig

    return await autoconfig.probe(step, ctx)


async def _web(step: Step, ctx: ProbeContext) -> list[Observation]:
    await _WARM_UP.wait_probes()
    from mailprobe.probes import web

    return await web.probe(step, ctx)


def _web_blank(step: Step) -> Observation:
    from mailprobe.probes import web

    return web.blank(step)


async def _imap(step: Step, ctx: ProbeContext) -> list[Observation]:
    await _WARM_UP.wait_probes()
    from mailprobe.probes import imap

    return await imap.probe(step, ctx)


def _imap_blank(step: Step) -> Observation:
    from mailprobe.probes import imap

    return imap.blank(step)


async def _pop3(step: Step, ctx: ProbeContext) -> list[Observation]:
    await _WARM_UP.wait_probes()
    from mailprobe.probes import pop3

    return await pop3.probe(step, ctx)


def _pop3_blank(step: Step) -> Observation:
    from mailprobe.probes import pop3

    return pop3.blank(step)


async def _smtp(step: Step, ctx: ProbeContext) -> list[Observation]:
    await _WARM_UP.wait_probes()
    from mailprobe.probes import smtp

    return await smtp.probe(step, ctx)


def _smtp_blank(step: Step) -> Observation:
    from mailprobe.probes import smtp

    return smtp.blank(step)


async def _baseline(step: Step, ctx: ProbeContext) -> list[Observation]:
    await _WARM_UP.wait_probes()
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
    if entry.blank is not None:  # a session probe: its module may still be importing in the background
        await _WARM_UP.wait_probes()
    if step.unresolved is not None:  # nothing to dial: the plan says why
        assert entry.blank is not None, f"{step.probe} steps stand for no endpoint"
        observation = entry.blank(step)
        observation.status, observation.error = step.unresolved
        return [observation]
    if step.cap is not None:
        ctx = replace(ctx, deadline=ctx.deadline.within(step.cap))
    return await entry.run(step, ctx)
