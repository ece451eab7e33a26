"""The probes, in one table the engine reads: each runs one kind of plan step, with one signature.

    async def probe(step: Step, ctx: ProbeContext) -> list[Observation]

A probe that stands for one endpoint or one question also names its `blank(step)`: the one factory of its
observation (its kind's `blank(endpoint, ip)` for the endpoint probes, in kinds/, light enough to need no
probe module), used for a session with no address to dial, or a step the deadline cut off (the plan says
which, and why).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any, Literal

from mailprobe.evidence import CUT_OFF_STAGE, Endpoint, ErrorFacts, Expect, Failure, Observation, Status
from mailprobe.kinds import baseline as baseline_kind
from mailprobe.kinds import login as login_kind
from mailprobe.kinds import mail as mail_kind
from mailprobe.kinds import spf as spf_kind
from mailprobe.kinds import web as web_kind
from mailprobe.plan import ProbeName, Query, Session, Step, session_probe
from mailprobe.probes import dns
from mailprobe.probes.base import Probe, ProbeContext, endpoint_of

# The DNS probe is the first packet's: imported at once. Every other probe is imported when its first step
# runs (small wrappers, no lookup by name), so the MX question leaves before httpx, xml.etree, the TLS
# evidence parsers or the login dialogues are loaded — and a check that never plans a login never loads it.
# `warm_up()` imports them in a background thread while the first questions are in flight (the event loop
# only waits then); a wrapper waits for that thread before its own import, so the two never import at once.
# A check whose domain has no mail server needs none of them: `warmed_up()` stops the thread after the
# module in hand, and a probe that is still to run (another address of a batch) imports its own module.


class WarmUp:
    """One background import: the session probes, a module at a time, then what the caller needs once they
    have run (the diagnosis), until told that nothing more is needed."""

    def __init__(self, session: Sequence[Callable[[], object]]) -> None:
        self.session = tuple(session)
        self.probes_ready = threading.Event()  # imported, or no longer being imported here
        self.enough = threading.Event()
        self.thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._imported = 0  # how many of `session` are imported, in order
        # (loop, waiter, how many of `session` it waits for: None, all of them)
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None], int | None]] = []

    def start(self, *later: Callable[[], object]) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, args=later, name="mailprobe-imports", daemon=True)
            self.thread.start()

    def _run(self, *later: Callable[[], object]) -> None:
        try:
            # The probes first: a session waits for its own group, while the diagnosis is needed only once they
            # are done (it imports while they wait on the network).
            for step in (*self.session, *later):
                if self.enough.is_set():
                    return
                step()
                if step in self.session:
                    self._wake(self.session.index(step) + 1)
        except OSError:
            # Out of file descriptors (a module's file could not be opened): mailprobe's own limit. Stop warming
            # up; a probe that needs the module imports it itself, and its failure is evidence, not a traceback.
            return
        finally:
            with self._lock:
                self.probes_ready.set()
            self._wake(None)

    def _wake(self, imported: int | None) -> None:
        """IMPORTED of the session's modules are in (None: the thread is done): wake whoever waited for them."""
        with self._lock:
            if imported is not None:
                self._imported = imported
            woken = [w for w in self._waiters if imported is None or (w[2] is not None and w[2] <= imported)]
            self._waiters = [w for w in self._waiters if w not in woken]
        for loop, waiter, _ in woken:  # woken in their own loops (no worker thread just to wait)
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits any more
                loop.call_soon_threadsafe(_wake, waiter)

    async def wait_probes(self, needs: Callable[[], object] | None = None) -> None:
        """Until the thread has imported NEEDS (one of `session`) and what comes before it in `session`, or
        everything (None), or stopped: a probe whose module is in need not wait for the others'."""
        if self.thread is None or self.probes_ready.is_set():
            return
        upto = self.session.index(needs) + 1 if needs in self.session else None
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self.probes_ready.is_set() or (upto is not None and self._imported >= upto):
                return
            self._waiters.append((loop, waiter, upto))
        await waiter

    async def stop(self) -> None:
        """No more background imports: wait for the one in hand (never import it twice at once)."""
        self.enough.set()
        await self.wait_probes()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _import_http() -> None:
    import httpcore._backends.anyio  # noqa: F401 - httpx loads it (and anyio) at the first request


def _import_web() -> None:
    from mailprobe.probes import autoconfig, web  # noqa: F401


def _import_mail() -> None:
    from mailprobe.probes import baseline, imap, pop3, smtp  # noqa: F401


# Not cryptography: OpenSSL decodes a verified certificate itself; only one that failed is parsed (net/tls.py).
_WARM_UP = WarmUp((_import_mail, _import_http, _import_web))


def warm_up(*later: Callable[[], object]) -> None:
    """Import the session probes, then run each of LATER (what the run needs once its probes are done), in a
    background thread, once per process; the probes' wrappers wait for their own group."""
    _WARM_UP.start(*later)


async def warmed_up() -> None:
    """The run's probes are done: stop the background imports after the one in hand, and wait for it."""
    await _WARM_UP.stop()


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


# How a step stands when the deadline cut it off: a question not answered ("question"), an endpoint not tested
# (a guess: not offered) ("endpoint"), an attempt that ran out of time ("attempt"); None: its absence says enough.
CutOff = Literal["question", "endpoint", "attempt"]


@dataclass(frozen=True)
class ProbeEntry:
    """A probe and its policy, as data: no code tests a probe's name."""

    run: Probe
    blank: Callable[[Step], Observation] | None = None  # endpoint probes: the observation before anything
    # The parameters its steps carry (as blackbox_exporter's module has HTTP, TCP, DNS): a Query, a Session.
    params: tuple[type[Query] | type[Session], ...] = (Query,)
    shareable: bool = True  # several checks of one run share its result (check.StepCache)
    keyed_by_domain: bool = False  # what it sees depends on the mailbox's domain too, not only on the step
    credentialed: bool = False  # it sends the mailbox's credentials: one mailbox's own, never shared or kept
    # The step the run takes first, before any step of this probe is planned (the lockout guard for logins):
    # its module, imported only when the run asks for this probe.
    guard: Callable[[], ModuleType] | None = None
    cut_off: CutOff | None = None


def _on_first_use(
    load: Callable[[], ModuleType], blank: Callable[[Step], Observation] | None = None,
    warmed: Callable[[], object] | None = None, **policy: Any,
) -> ProbeEntry:
    """The entry of a probe module imported when its first step runs, after the background warm-up has
    imported WARMED (its group; None: all of them), which may be importing it: the two never import it at
    once. Its blank needs no import (its kind's, in kinds/)."""

    async def run(step: Step, ctx: ProbeContext) -> list[Observation]:
        await _WARM_UP.wait_probes(warmed)
        observations: list[Observation] = await load().probe(step, ctx)
        return observations

    return ProbeEntry(run, blank, **policy)


def _login_guard() -> ModuleType:
    from mailprobe.login import run

    return run


def _at_endpoint(blank: Callable[[Endpoint, str | None], Observation]) -> Callable[[Step], Observation]:
    """A kind's blank(endpoint, ip), as the blank of the session step that stands for them."""

    def of_step(step: Step) -> Observation:
        return blank(endpoint_of(step), step.ip)

    return of_step


async def _spf_include(step: Step, ctx: ProbeContext) -> list[Observation]:
    """The domain's SPF record (the answer the dns.spf step asked for) against the provider's includes."""
    lookup = await dns.lookup_spf(ctx.resolver, step.name)
    return [spf_kind.compare(lookup, dns.spf_includes(lookup), step.query.hosts)]


PROBES: dict[ProbeName, ProbeEntry] = {
    "dns.mx": ProbeEntry(dns.probe_mx, dns.blank_mx, cut_off="question"),
    "dns.spf": ProbeEntry(dns.probe_spf, dns.blank_spf, cut_off="question"),
    "dns.sanity": ProbeEntry(dns.probe_sanity),
    "spf.include": ProbeEntry(_spf_include),
    "dns.prefetch": ProbeEntry(dns.probe_prefetch),
    "dns.srv": ProbeEntry(dns.probe_srv),
    "dns.implicit_mx": ProbeEntry(dns.probe_implicit_mx),
    # An MX host's name (a Query), or the host of an endpoint (a Session, recorded as its session if cut off).
    "dns.host": ProbeEntry(dns.probe_host, params=(Query, Session), cut_off="endpoint"),
    "dns.authoritative": ProbeEntry(dns.probe_authoritative),
    "autoconfig": _on_first_use(_autoconfig, None, _import_web, keyed_by_domain=True),
    "web": _on_first_use(_web, _at_endpoint(web_kind.blank), _import_web, params=(Session,), cut_off="endpoint"),
    "imap": _on_first_use(_imap, _at_endpoint(mail_kind.blank), _import_mail, params=(Session,),
                          cut_off="endpoint"),
    "pop3": _on_first_use(_pop3, _at_endpoint(mail_kind.blank), _import_mail, params=(Session,),
                          cut_off="endpoint"),
    "smtp": _on_first_use(_smtp, _at_endpoint(mail_kind.blank), _import_mail, params=(Session,),
                          cut_off="endpoint"),
    "baseline": _on_first_use(_baseline, _at_endpoint(baseline_kind.blank), _import_mail, params=(Session,),
                              cut_off="endpoint"),
    "login": _on_first_use(_login, _at_endpoint(login_kind.blank), params=(Session,), shareable=False,
                           credentialed=True, guard=_login_guard, cut_off="attempt"),
}


async def run_step(step: Step, ctx: ProbeContext) -> list[Observation]:
    """Run STEP with its probe, within its own bound if the plan gave it one."""
    entry = PROBES[step.probe]
    assert isinstance(step.params, entry.params), f"{step.probe} steps carry {entry.params}, not {step.params!r}"
    if step.unresolved is not None:  # nothing to dial: the plan says why
        assert entry.blank is not None, f"{step.probe} steps stand for no endpoint"
        observation = entry.blank(step)
        observation.status, observation.error = step.unresolved
        return [observation]
    if step.cap is not None:
        ctx = replace(ctx, deadline=ctx.deadline.within(step.cap))
    return await entry.run(step, ctx)


def guard_of(credentials: bool) -> ModuleType | None:
    """The guard the run takes as its first step: that of a credentialed probe, when credentials were given."""
    if not credentials:
        return None
    return next((entry.guard() for entry in PROBES.values() if entry.credentialed and entry.guard), None)


_OVERALL = "the overall deadline ran out"


def cut_off(step: Step) -> Step | None:
    """What a step stood for, as it stands when the deadline cut it off (its entry's `cut_off`): an endpoint not
    tested (a guess: not offered), a question not answered, an attempt out of time. None for steps whose
    absence says enough."""
    how = PROBES[step.probe].cut_off
    if how == "attempt":
        error = ErrorFacts(kind=Failure.TIMEOUT, stage=CUT_OFF_STAGE, detail=_OVERALL)
        return replace(step, unresolved=(Status.ERROR, error))
    if how == "question" and step.endpoint is None:
        error = ErrorFacts(kind=Failure.DNS_TIMEOUT, stage=CUT_OFF_STAGE, detail=_OVERALL)
        return replace(step, unresolved=(Status.ERROR, error))
    if how != "endpoint" or step.endpoint is None:
        return None
    error = ErrorFacts(kind=Failure.TIMEOUT, stage=CUT_OFF_STAGE, detail=_OVERALL)
    status = Status.SKIP if step.endpoint.expect == Expect.CANDIDATE else Status.ERROR
    return replace(step, probe=session_probe(step.endpoint), unresolved=(status, error))
