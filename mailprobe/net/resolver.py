"""The one DNS resolver of a run: every name mailprobe looks up goes through here."""

from __future__ import annotations

import asyncio
import errno
import time
from dataclasses import dataclass, field
from typing import TypeVar

import dns.asyncquery
import dns.asyncresolver
import dns.exception
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.rrset

from mailprobe.evidence import Failure
from mailprobe.limits import QUESTIONS_PER_CHECK
from mailprobe.net import early as early_module
from mailprobe.net.deadline import Deadline
from mailprobe.net.pace import Pace

# Out of file descriptors (this process or the whole system): a limit of ours, not an answer of the network.
_OWN_LIMITS = frozenset({errno.EMFILE, errno.ENFILE})


@dataclass
class Answer:
    """A resolver's answer to one question, or the reason there was none."""

    name: str
    rdtype: str
    rrset: dns.rrset.RRset | None = None
    failure: Failure | None = None
    detail: str = ""
    nameserver: str | None = None
    duration_ms: float = 0.0
    started: float | None = None  # when the question was first asked (time.monotonic()); duration_ms counts from it
    records: list[str] = field(default_factory=list)
    canonical: str | None = None  # where the CNAME chain of the answer ended, if the name was an alias
    # No answer because the run's deadline ended the question before its own bound (Resolver._own_bound):
    # the question was not tested, and says nothing about the resolver.
    cut_off: bool = False

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def ttl(self) -> int | None:
        return self.rrset.ttl if self.rrset is not None else None


# How many CNAMEs are followed one by one to tell a CNAME loop from a failing resolver.
MAX_CNAME_WALK = 8


class Resolver:
    """dnspython's async resolver, bounded by the run's deadline, with in-flight questions shared."""

    def __init__(
        self, deadline: Deadline, nameservers: list[tuple[str, int]] | None = None, pace: Pace | None = None,
        *, ask_again: bool = False, questions: int = QUESTIONS_PER_CHECK,
    ) -> None:
        self.deadline = deadline
        # The check's DNS questions in flight at once, each a socket of its own (limits.py); a question waits for
        # its turn, and its time-out counts from when it is asked.
        self._in_flight = asyncio.Semaphore(max(1, questions))
        # A question unanswered after a few round trips is asked again beside the first, the first kept open
        # (a slow resolver still answers it): one check someone waits for. Not a batch's, whose checks keep to
        # a socket budget each.
        self.ask_again = ask_again
        self.pace = pace if pace is not None else Pace()
        self.config_error: str | None = None
        self._pending: dict[tuple[str, str], asyncio.Task[Answer]] = {}
        self._given = nameservers
        self._resolver, self.config_error = early_module.dnspython_resolver(nameservers)

    @property
    def named(self) -> list[tuple[str, int]] | None:
        """The servers the user named (`--nameserver`), None for the system's configuration."""
        return list(self._given) if self._given else None

    @property
    def nameservers(self) -> list[str]:
        out = []
        for ns in self._resolver.nameservers:
            if isinstance(ns, dns.nameserver.Do53Nameserver):
                out.append(f"[{ns.address}]:{ns.port}" if ":" in ns.address else f"{ns.address}:{ns.port}")
            else:
                out.append(str(ns))
        return out

    def query_bound(self) -> float:
        # One DNS question should not eat the whole deadline: the probes that follow need time too.
        return self.deadline.bound(self.deadline.timeouts.dns_question)

    async def query(self, name: str, rdtype: str) -> Answer:
        """Ask once; the same question asked concurrently shares one answer."""
        key = (name.lower().rstrip("."), rdtype.upper())
        task = self._pending.get(key)
        if task is None:
            task = _quiet(asyncio.ensure_future(self._query(*key, early=early_module.take(self._given, *key))))
            self._pending[key] = task
        return await asyncio.shield(task)

    async def _query(self, name: str, rdtype: str, early: early_module.Question | None = None) -> Answer:
        started = time.monotonic()
        answer = Answer(name=name, rdtype=rdtype)
        if self.config_error is not None:
            answer.failure, answer.detail = Failure.NO_RESOLVER, self.config_error
            return answer
        lifetime = self.query_bound()
        # Whether a time-out would be the run's deadline, short of the question's own bound, is known now.
        cut = self.deadline.cuts(lifetime, self._own_bound())
        if lifetime <= 0.0 and early is None:
            answer.failure, answer.detail = Failure.DNS_TIMEOUT, "deadline reached before the question"
            answer.cut_off = cut
            return answer
        turn = False
        try:
            if early is not None:  # asked while the check was loading (net/early.py): its answer, as if asked now
                first = _quiet(asyncio.ensure_future(self._early(early)))
            else:
                turn = await self._turn(lifetime)
                started = time.monotonic()  # the wait for a turn is ours: never counted as the resolver's time
                lifetime = self.query_bound()
                if lifetime <= 0.0:
                    raise OwnLimit(_WAITED)
                cut = self.deadline.cuts(lifetime, self._own_bound())  # what the wait left it decides, too
                first = _quiet(asyncio.ensure_future(self._ask(name, rdtype, lifetime)))
            try:
                result = await self._answered(first, name, rdtype)
            finally:
                if turn:
                    self._in_flight.release()
                    turn = False
                if early is not None and early.done():
                    started = early.result().started  # the question was first asked then
                elif early is not None and early.sent is not None:
                    started = early.sent  # still unanswered: silent since it left
            answer.rrset = result.rrset
            answer.nameserver = _nameserver_text(result.nameserver, result.port)
            answer.records = [rdata.to_text() for rdata in result.rrset] if result.rrset else []
            canonical = result.canonical_name.to_text(omit_final_dot=True).lower()
            answer.canonical = canonical if canonical != name.rstrip(".").lower() else None
        except dns.resolver.NXDOMAIN as exc:
            answer.failure, answer.detail = Failure.NXDOMAIN, _short(exc)
        except dns.resolver.NoAnswer as exc:
            answer.failure, answer.detail = Failure.NO_ANSWER, _short(exc)
        except dns.resolver.NoNameservers as exc:
            # dnspython says "no nameserver answered" also when it could not open a socket to ask: out of file
            # descriptors is mailprobe's own limit, never the user's resolver failing.
            answer.failure, answer.detail = _servfail_of(exc), _servfail_detail(exc)
        except dns.exception.Timeout as exc:
            answer.failure, answer.detail = Failure.DNS_TIMEOUT, _short(exc)
            answer.cut_off = cut if early is None else self._early_cut(early)
        except dns.resolver.YXDOMAIN as exc:
            answer.failure, answer.detail = Failure.SERVFAIL, _short(exc)
        except OwnLimit as exc:
            answer.failure, answer.detail = Failure.INTERNAL, str(exc)
        except (dns.exception.DNSException, OSError, ValueError) as exc:
            answer.failure, answer.detail = _failure_of(exc), _short(exc)
        finally:
            if turn:  # a question given up before it was asked (the deadline while waiting, a cancellation)
                self._in_flight.release()
        if answer.failure == Failure.SERVFAIL and rdtype != "CNAME":
            await self._cname_loop(answer)
        answer.started = started
        answer.duration_ms = (time.monotonic() - started) * 1000.0
        # An answer, even "no such name", is a round trip that worked; not one of the first questions asked early,
        # though: they left during the busiest start-up, and would lend mailprobe's own slowness to the network's
        # pace (net/pace.py). A host's lookup asked in the check's stead counts its own round trip.
        if answer.failure in (None, Failure.NXDOMAIN, Failure.NO_ANSWER):
            if early is None:
                self.pace.saw(answer.duration_ms)
            elif early.paces and early.done() and not early.cancelled():
                asked = early.result()
                if asked.answered is not None:
                    self.pace.saw((asked.answered - asked.started) * 1000.0)
        return answer

    def _early_cut(self, early: early_module.Question) -> bool:
        """Whether the deadline cut off a question asked early: it was given less than its own bound, or it was
        still unanswered when the run ended, before it had been silent that long."""
        own = self._own_bound()
        if early.done():
            return early.lifetime is None or early.lifetime < own
        if early.sent is None:
            return True  # never sent: nothing was asked
        return self.deadline.run_ends - self.deadline.timeouts.reserve - early.sent < own

    def _own_bound(self) -> float:
        """How long a question may stay unanswered on its own account: its cap, or the silence that shows a
        resolver stalled at this run's pace. One the deadline ended sooner was cut off, not answered."""
        timeouts = self.deadline.timeouts
        return min(timeouts.dns_question, self.pace.stall_bound(timeouts))

    async def _turn(self, bound: float) -> bool:
        """Wait for one of the check's questions in flight (limits.QUESTIONS_PER_CHECK); OwnLimit past BOUND."""
        try:
            async with asyncio.timeout(bound):
                await self._in_flight.acquire()
        except TimeoutError:
            raise OwnLimit(_WAITED) from None
        return True

    async def _ask(self, name: str, rdtype: str, lifetime: float) -> dns.resolver.Answer:
        early_module.share_timeout(self._resolver, lifetime, self.deadline.timeouts.dns_per_server_floor)
        return await self._resolver.resolve(
            dns.name.from_text(name), rdtype, lifetime=lifetime, search=False, raise_on_no_answer=True
        )

    async def _answered(
        self, first: asyncio.Future[dns.resolver.Answer], name: str, rdtype: str
    ) -> dns.resolver.Answer:
        """FIRST's answer; with `ask_again`, a question still unanswered after a few round trips (a lost
        datagram) is asked again beside it, and whichever answers first is taken."""
        if not self.ask_again:
            return await first
        try:
            done, _ = await asyncio.wait({first}, timeout=self.pace.dns_ask_again(self.deadline.timeouts))
        except asyncio.CancelledError:
            first.cancel()  # asyncio.wait never cancels what it waits for
            raise
        lifetime = self.query_bound()
        if done or lifetime <= 0.0:
            return await first
        again = _quiet(asyncio.ensure_future(self._ask(name, rdtype, lifetime)))
        return await _first_answer([first, again], self.deadline)

    async def _early(self, asked: early_module.Question) -> dns.resolver.Answer:
        """The early question's answer, or its exception raised here. It has its own bound since it was asked
        (net/early.py): waited for until the deadline at most, so that a question that outlived its own bound
        is told from one the deadline cut off."""
        try:
            # Shielded: giving up on it must not cancel the thread's future under its feet.
            wait = max(self.deadline.remaining(), 0.05)
            outcome = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(asked)), wait)
        except TimeoutError:
            raise dns.exception.Timeout() from None  # type: ignore[no-untyped-call]
        if outcome.error is not None:
            raise outcome.error
        assert outcome.answer is not None
        return outcome.answer

    async def _cname_loop(self, answer: Answer) -> None:
        """A name whose CNAME chain loops fails as SERVFAIL (resolvers and dnspython alike), which would read as
        a resolver fault: ask for the CNAMEs one by one, and call a loop what it is — the name does not
        resolve, the fault of whoever publishes it."""
        chain = [answer.name.rstrip(".").lower()]
        for _ in range(MAX_CNAME_WALK):
            step = await self.query(chain[-1], "CNAME")
            if not step.ok or not step.records:
                return
            target = step.records[0].rstrip(".").lower()
            if target in chain:
                chain.append(target)
                answer.failure = Failure.NO_ADDRESS if answer.rdtype in ("A", "AAAA") else Failure.NO_ANSWER
                answer.detail = "CNAME loop: " + " -> ".join(chain)
                answer.nameserver = step.nameserver
                return
            chain.append(target)


async def _first_answer(
    attempts: list[asyncio.Future[dns.resolver.Answer]], deadline: Deadline
) -> dns.resolver.Answer:
    """The first attempt to end in anything but a time-out (an answer, or a definite no); the last time-out
    if none does. Once one has timed out, the others are waited for until the deadline at most: the question
    then outlived its own bound, and the deadline must not cut off what the time-out showed. The others are
    cancelled."""
    pending: set[asyncio.Future[dns.resolver.Answer]] = set(attempts)
    timed_out: BaseException | None = None
    try:
        while pending:
            within = deadline.remaining() if timed_out is not None else None
            done, pending = await asyncio.wait(pending, timeout=within, return_when=asyncio.FIRST_COMPLETED)
            if not done:
                assert timed_out is not None
                raise timed_out
            for attempt in done:
                error = attempt.exception()
                if error is None:
                    return attempt.result()
                if not isinstance(error, dns.exception.Timeout):
                    raise error
                timed_out = error
        assert timed_out is not None
        raise timed_out
    finally:
        for attempt in pending:
            attempt.cancel()


_T = TypeVar("_T")


def _quiet(task: asyncio.Task[_T]) -> asyncio.Task[_T]:
    """TASK, its outcome marked as seen: a question whose asker was cut off may still end in an exception
    (dnspython can finish an answer it already had after being cancelled); nobody needs to hear of it."""
    task.add_done_callback(_seen)
    return task


def _seen(task: asyncio.Task[_T]) -> None:
    if not task.cancelled():
        task.exception()


_WAITED = "the deadline ran out while the question waited for one of mailprobe's own sockets"


class OwnLimit(Exception):
    """A question mailprobe could not ask for a limit of its own (its sockets, the deadline while it waited)."""


def _servfail_of(exc: dns.resolver.NoNameservers) -> Failure:
    """SERVFAIL, unless every nameserver failed for a limit of ours: then INTERNAL (mailprobe's own failure)."""
    errors = exc.kwargs.get("errors") or []
    causes = [error[3] if isinstance(error, tuple) and len(error) > 3 else None for error in errors]
    if causes and all(isinstance(cause, BaseException) and _failure_of(cause) is Failure.INTERNAL for cause in causes):
        return Failure.INTERNAL
    return Failure.SERVFAIL


def _failure_of(exc: BaseException) -> Failure:
    """A resolver that could not be asked because mailprobe ran out of sockets is mailprobe's own failure,
    never the user's DNS (the security issue's "its own saturation blamed on the user")."""
    for cause in (exc, exc.__cause__, exc.__context__):
        if isinstance(cause, OSError) and cause.errno in _OWN_LIMITS:
            return Failure.INTERNAL
    return Failure.SERVFAIL


async def query_server(deadline: Deadline, name: str, rdtype: str, server: str, port: int = 53) -> Answer:
    """Ask one named server directly (the authoritative comparison); not through the resolver."""
    started = time.monotonic()
    answer = Answer(name=name, rdtype=rdtype, nameserver=_nameserver_text(server, port))
    request = dns.message.make_query(dns.name.from_text(name), dns.rdatatype.from_text(rdtype))
    request.flags &= ~dns.flags.RD
    cap = deadline.timeouts.authoritative
    limit = deadline.bound(cap)
    try:
        if limit <= 0:
            raise TimeoutError("deadline reached")
        response = await dns.asyncquery.udp(request, server, timeout=limit, port=port)
        if response.flags & dns.flags.TC:
            response = await dns.asyncquery.tcp(request, server, timeout=deadline.bound(cap), port=port)
        rcode = response.rcode()
        if not response.flags & dns.flags.AA and rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            # A recursive resolver's cached or forwarded answer would only compare the resolver with itself.
            answer.failure, answer.detail = Failure.SERVFAIL, "the server did not answer authoritatively (no AA flag)"
        elif rcode == dns.rcode.NXDOMAIN:
            answer.failure = Failure.NXDOMAIN
        elif rcode != dns.rcode.NOERROR:
            answer.failure, answer.detail = Failure.SERVFAIL, dns.rcode.to_text(rcode)
        else:
            rrset = response.get_rrset(
                response.answer, dns.name.from_text(name), dns.rdataclass.IN, dns.rdatatype.from_text(rdtype)
            )
            if rrset is None:
                answer.failure = Failure.NO_ANSWER
            else:
                answer.rrset = rrset
                answer.records = [rdata.to_text() for rdata in rrset]
    except (dns.exception.Timeout, TimeoutError):
        answer.failure, answer.detail = Failure.DNS_TIMEOUT, "no answer in time"
        answer.cut_off = deadline.cuts(limit, cap)
    except (dns.exception.DNSException, OSError, ValueError) as exc:
        answer.failure, answer.detail = _failure_of(exc), _short(exc)
    answer.started = started
    answer.duration_ms = (time.monotonic() - started) * 1000.0
    return answer


def _nameserver_text(address: str | None, port: int | None) -> str | None:
    if address is None:
        return None
    port = port or 53
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _short(exc: BaseException, limit: int = 200) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _servfail_detail(exc: dns.resolver.NoNameservers) -> str:
    errors = exc.kwargs.get("errors") or []
    parts = []
    for error in errors[:4]:
        server, _tcp, port, err, response = error
        if response is not None and hasattr(response, "rcode"):
            parts.append(f"{server}:{port} answered {dns.rcode.to_text(response.rcode())}")
        else:
            parts.append(f"{server}:{port} {err}")
    return "; ".join(parts) or _short(exc)
