"""A check's first questions (the domain's MX and TXT), asked while the check's own modules still load.

Loading the check takes a few hundred milliseconds of CPU, and a real resolver takes tens to hundreds of
milliseconds to answer: asked first thing, from a thread with its own event loop, the answers are in by the
time the engine asks (net/resolver.py takes them from here, through the same nameservers and the same
classification). Nothing here judges anything; a question asked early is asked exactly as the resolver would
ask it.

dnspython and everything it loads on its first asyncio query are imported by the caller's thread before the
background thread starts: two threads importing the same package can deadlock on its import locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dns._asyncio_backend  # what dnspython loads on its first asyncio query …
import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdtypes.ANY.CNAME  # … and the record types of the answers, on their first parse
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.SOA
import dns.rdtypes.ANY.TXT
import dns.resolver

from mailprobe.limits import QUESTIONS_PER_CHECK, socket_budget
from mailprobe.net.deadline import Deadline

if TYPE_CHECKING:
    from mailprobe.profiles import ProfileSet

QUESTIONS = ("MX", "TXT")  # the first steps' own questions (dns.mx, dns.spf)
HOST_QUESTIONS = ("A", "AAAA")  # a host's addresses (dns.prefetch, dns.host)
MAX_DOMAINS = 8  # a command line naming more addresses asks the rest when their checks do
Nameservers = list[tuple[str, int]] | None


def dnspython_resolver(nameservers: Nameservers) -> tuple[dns.asyncresolver.Resolver, str | None]:
    """dnspython's resolver for NAMESERVERS (None: the system's), and why the system has none if so."""
    error = None
    if nameservers:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [dns.nameserver.Do53Nameserver(ip, port) for ip, port in nameservers]
    else:
        try:
            resolver = dns.asyncresolver.Resolver(configure=True)
        except (dns.resolver.NoResolverConfiguration, OSError) as exc:
            resolver = dns.asyncresolver.Resolver(configure=False)
            error = str(exc) or "no nameserver in the system configuration"
    # Names are always absolute: a search list would turn "no such domain" into someone else's answer.
    resolver.search = []
    resolver.use_search_by_default = False
    resolver.cache = None
    return resolver, error


def share_timeout(resolver: dns.asyncresolver.Resolver, lifetime: float, floor: float) -> None:
    # dnspython waits `timeout` (2 s by default) on each server before trying the next: share the question's
    # lifetime among them, or a dead first server eats it all and the second is never asked.
    resolver.timeout = max(floor, lifetime / (len(resolver.nameservers) + 0.5))


@dataclass(frozen=True)
class EarlyAnswer:
    """What dnspython said to one question asked early: its answer or its exception, and when it was asked."""

    started: float
    answer: dns.resolver.Answer | None = None
    error: BaseException | None = None
    answered: float | None = None  # when dnspython said it (its round trip: answered - started)


class Question(Future[EarlyAnswer]):
    """One question asked early: its outcome to come, and when it left (a question still unanswered at the
    deadline has been silent since then, not since the check asked for it)."""

    sent: float | None = None
    lifetime: float | None = None  # the bound it was given: its own, or what the deadline left
    # A host's lookup asked in the check's stead (`prefetch`): its round trip sets the network's pace as the
    # check's own lookup would have (net/pace.py). The first questions' do not: they leave during the busiest
    # start-up, and a later answer of the run sets the pace anyway.
    paces: bool = False


_ASKED: dict[tuple[tuple[tuple[str, int], ...] | None, str, str], Question] = {}
_LOCK = threading.Lock()


def _key(nameservers: Nameservers, name: str, rdtype: str) -> tuple[tuple[tuple[str, int], ...] | None, str, str]:
    return (tuple(nameservers) if nameservers else None, name.lower().rstrip("."), rdtype.upper())


def ask(addresses: Iterable[str], nameservers: Nameservers, deadline: Deadline) -> None:
    """Ask the first questions of ADDRESSES' domains in a background thread (plain ASCII domains only: any
    other is left to the check, which reports it as it should)."""
    domains: list[str] = []
    for address in addresses:
        domain = address.rpartition("@")[2].strip().rstrip(".").lower()
        if _plain(domain) and domain not in domains:
            domains.append(domain)
    resolver, error = dnspython_resolver(nameservers)
    if not domains or error is not None or deadline.bound(deadline.timeouts.dns_question) <= 0.0:
        return  # (the deadline passed during start-up: the check says so itself, as it asks nothing)
    questions: list[tuple[str, str, Question]] = []
    with _LOCK:
        for domain in domains[:MAX_DOMAINS]:
            for rdtype in QUESTIONS:
                future = Question()
                _ASKED[_key(nameservers, domain, rdtype)] = future
                questions.append((domain, rdtype, future))
    threading.Thread(target=_run, args=(resolver, questions, deadline, _at_once()), name="mailprobe-early-dns",
                     daemon=True).start()


def prefetch(profiles: ProfileSet, nameservers: Nameservers, deadline: Deadline, baseline: bool) -> None:
    """The hosts a one-address check will look up, asked now in another background thread while the check
    loads, if the domain's MX was asked early: while it is still unanswered (slow), every provider's fixed
    hosts, as the plan's dns.prefetch step would; once it named a provider, that provider's and (BASELINE: the
    default baseline is used) the baseline providers'. The check's own lookups take the answers (an MX that
    failed, or names no provider, asks nothing more here)."""
    key_servers = _key(nameservers, "", "")[0]
    with _LOCK:
        mx = [future for (servers, _, rdtype), future in _ASKED.items() if servers == key_servers and rdtype == "MX"]
    if len(mx) != 1:
        return
    if not mx[0].done():
        hosts = profiles.fixed_hosts()
    else:
        answer = mx[0].result().answer
        exchanges = sorted((int(r.preference), r.exchange.to_text(omit_final_dot=True).lower())
                           for r in (answer or ()) if isinstance(r, dns.rdtypes.ANY.MX.MX))
        profile = profiles.recognise(host for _, host in exchanges)
        if profile is None:
            return
        hosts = [*profile.fixed_hosts(), *(host for other in profiles.all() if baseline and other.baseline
                                           for host in other.fixed_hosts())]
    resolver, error = dnspython_resolver(nameservers)
    if error is not None or deadline.bound(deadline.timeouts.dns_question) <= 0.0:
        return
    questions: list[tuple[str, str, Question]] = []
    with _LOCK:
        for host in dict.fromkeys(host.rstrip(".").lower() for host in hosts):
            for rdtype in HOST_QUESTIONS:
                key = _key(nameservers, host, rdtype)
                if _plain(host) and key not in _ASKED:
                    future = Question()
                    future.paces = True
                    _ASKED[key] = future
                    questions.append((host, rdtype, future))
    if questions:
        threading.Thread(target=_run, args=(resolver, questions, deadline, _at_once()), name="mailprobe-early-hosts",
                         daemon=True).start()


def take(nameservers: Nameservers, name: str, rdtype: str) -> Question | None:
    """The early question NAME / RDTYPE through NAMESERVERS, if one was asked (once: a later check asks anew)."""
    with _LOCK:
        return _ASKED.pop(_key(nameservers, name, rdtype), None)


def _plain(domain: str) -> bool:
    labels = domain.split(".")
    return domain.isascii() and len(domain) <= 253 and len(labels) >= 2 and all(
        0 < len(label) <= 63 and label.replace("-", "").isalnum() for label in labels
    )


def _at_once() -> int:
    """How many questions each early thread keeps in flight: a check's whole share of the open-file limit when
    the limit is ample, else half of it (the two threads together hold no more than the check itself may), so
    that under a low limit (`ulimit -n 24`) the modules still loading can open their files."""
    questions = socket_budget(1).questions
    return questions if questions >= QUESTIONS_PER_CHECK else max(1, questions // 2)


def _run(resolver: dns.asyncresolver.Resolver, questions: list[tuple[str, str, Question]],
         deadline: Deadline, at_once: int) -> None:
    try:
        asyncio.run(_ask_all(resolver, questions, deadline, at_once))
    finally:
        for *_, future in questions:  # whatever went wrong, nobody waits for an answer that will not come
            _settle(future, EarlyAnswer(time.monotonic(), error=dns.exception.Timeout()))  # type: ignore[no-untyped-call]


async def _ask_all(resolver: dns.asyncresolver.Resolver, questions: list[tuple[str, str, Question]],
                   deadline: Deadline, at_once: int) -> None:
    lifetime = deadline.bound(deadline.timeouts.dns_question)
    if lifetime <= 0.0:
        return
    share_timeout(resolver, lifetime, deadline.timeouts.dns_per_server_floor)
    sockets = asyncio.Semaphore(at_once)

    async def one(name: str, rdtype: str, future: Question) -> None:
        async with sockets:
            await asked(name, rdtype, future)

    async def asked(name: str, rdtype: str, future: Question) -> None:
        left = deadline.bound(lifetime)
        if left <= 0.0:  # waited for a socket past the deadline: the check asks (and says) it itself
            return
        future.lifetime = left
        started = future.sent = time.monotonic()
        try:
            answer = await resolver.resolve(dns.name.from_text(name), rdtype, lifetime=left, search=False,
                                            raise_on_no_answer=True)
        except Exception as exc:  # classified by the resolver that takes it
            _settle(future, EarlyAnswer(started, error=exc, answered=time.monotonic()))
        else:
            _settle(future, EarlyAnswer(started, answer=answer, answered=time.monotonic()))

    await asyncio.gather(*(one(name, rdtype, future) for name, rdtype, future in questions))


def _settle(future: Future[EarlyAnswer], outcome: EarlyAnswer) -> None:
    """Hand OUTCOME over, unless nobody waits for it any more (the check stopped waiting and cancelled it)."""
    with contextlib.suppress(InvalidStateError):
        if not future.done():
            future.set_result(outcome)
