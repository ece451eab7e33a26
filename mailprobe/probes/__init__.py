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
from types import ModuleType

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


# Each module's loader: an import where it is first needed (never a lookup by file name).
def _autoconfig() -> ModuleType:
    from mailprobe.probes import autoconfig

    return autoconfig


def _web() -> ModuleType:
    from mailprobe.probes import web

    return web


def _imap() -> ModuleType:
    from mailprobe.probes import imap

    return imap


def _pop3() -> ModuleType:
    from mailprobe.probes import pop3

    return pop3


def _smtp() -> ModuleType:
    from mailprobe.probes import smtp

    return smtp


def _baseline() -> ModuleType:
    from mailprobe.probes import baseline

    return baseline


def _login() -> ModuleType:
    from mailprobe.probes import login

    return login


@dataclass(frozen=True)
class ProbeEntry:
    run: Probe
    blank: Callable[[Step], Observation] | None = None  # endpoint probes: the observation before anything


def _on_first_use(load: Callable[[], ModuleType], *, blank: bool = True, warmed: bool = True) -> ProbeEntry:
    """The entry of a probe module imported when its first step runs (after the background warm-up, if the
    warm-up imports it, so that the two never import it at once)."""

    async def run(step: Step, ctx: ProbeContext) -> list[Observation]:
        if warmed:
            await _WARM_UP.wait_probes()
        observations: list[Observation] = await load().probe(step, ctx)
        return observations

    def make_blank(step: Step) -> Observation:
        observation: Observation = load().blank(step)
        return observation

    return ProbeEntry(run, make_blank if blank else None)


PROBES: dict[ProbeName, ProbeEntry] = {
    "dns.mx": ProbeEntry(dns.probe_mx, dns.blank_mx),
    "dns.spf": ProbeEntry(dns.probe_spf, dns.blank_spf),
    "dns.sanity": ProbeEntry(dns.probe_sanity),
    "dns.srv": ProbeEntry(dns.probe_srv),
    "dns.implicit_mx": ProbeEntry(dns.probe_implicit_mx),
    "dns.host": ProbeEntry(dns.probe_host),
    "dns.authoritative": ProbeEntry(dns.probe_authoritative),
    "autoconfig": _on_first_use(_autoconfig, blank=False),
    "web": _on_first_use(_web),
    "imap": _on_first_use(_imap),
    "pop3": _on_first_use(_pop3),
    "smtp": _on_first_use(_smtp),
    "baseline": _on_first_use(_baseline),
    "login": _on_first_use(_login, warmed=False),
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
