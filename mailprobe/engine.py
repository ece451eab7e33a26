"""The engine: runs the plan's probes concurrently under the one deadline and collects the evidence."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mailprobe.address import Target
from mailprobe.evidence import (
    DnsLookup,
    Endpoint,
    ErrorFacts,
    Expect,
    Failure,
    MailSession,
    Observation,
    Reachability,
    Role,
    Status,
    WebVisit,
    check_id,
)
from mailprobe.plan import (
    DEFAULT_BASELINE_PORTS,
    Plan,
    baseline_endpoints,
    generic_endpoints,
    profile_endpoints,
    required_ports,
    srv_endpoints,
    user_baseline_endpoints,
)
from mailprobe.probes import dns
from mailprobe.probes.base import ProbeContext
from mailprobe.profiles import Profile, ProfileSet

ObservationT = TypeVar("ObservationT", bound=Observation)

# Addresses probed per host and family: real providers publish many; a few tell the story.
MAX_ADDRESSES_PER_FAMILY = 2
# How long, once the main probes are done, the auxiliary comparison may still run.
AUX_GRACE_S = 0.3
# How long cancelled probes get to unwind (close sockets) before the report is assembled regardless.
CANCEL_GRACE_S = 0.05
# How many of an unknown domain's mail exchangers are looked up (to tell a dangling MX).
MAX_MX_HOSTS = 3
# How many well-known provider hosts are asked to tell a broken resolver from a missing domain.
SANITY_HOSTS = 16
# A candidate that failed in one of these ways was simply not there: the plan guessed, nothing is wrong.
CANDIDATE_ABSENT = {Failure.REFUSED, Failure.NXDOMAIN, Failure.NO_ANSWER, Failure.NO_ADDRESS, Failure.TIMEOUT}


@dataclass
class EngineOptions:
    forced_provider: str | None = None
    baseline: list[tuple[str, int]] | None = None  # --baseline HOST:PORT, replaces the default
    no_baseline: bool = False
    authoritative: list[tuple[str, int]] | None = None


@dataclass
class Evidence:
    """Everything the probes saw, with the plan they followed; the diagnosis reads only this."""

    target: Target
    plan: Plan
    observations: list[Observation] = field(default_factory=list)
    mx_profile_id: str | None = None  # the provider the MX records point to, if any
    baseline_enabled: bool = True
    nameservers: list[str] = field(default_factory=list)
    timeout_s: float = 10.0  # the run's deadline: how much of it DNS alone took is evidence too

    def of_type(self, cls: type[ObservationT]) -> list[ObservationT]:
        return [o for o in self.observations if isinstance(o, cls)]


class Engine:
    def __init__(
        self, target: Target, profiles: ProfileSet, options: EngineOptions, ctx: ProbeContext
    ) -> None:
        self.target = target
        self.profiles = profiles
        self.options = options
        self.ctx = ctx
        self.observations: list[Observation] = []
        self._tasks: dict[asyncio.Task[None], Callable[[], Observation | None]] = {}
        self._aux: dict[asyncio.Task[None], Callable[[], Observation | None]] = {}
        self._baseline_ports: set[tuple[str, int]] = set()
        self._planned: list[Endpoint] = []

    async def run(self) -> Evidence:
        resolver = self.ctx.resolver
        domain = self.target.domain_ascii
        forced = self.profiles.require(self.options.forced_provider) if self.options.forced_provider else None

        mx_task = asyncio.ensure_future(dns.lookup_mx(resolver, domain))
        self._spawn(self._collect(dns.lookup_spf(resolver, domain)))
        self._spawn(self._collect_many(dns.resolver_sanity(resolver, self._sanity_hosts())))
        self._aux_spawn(
            self._collect_many(
                dns.compare_authoritative(resolver, self.ctx.deadline, domain, self.options.authoritative)
            ),
            lambda: None,
        )
        self._start_baseline(list(DEFAULT_BASELINE_PORTS), exclude=forced.id if forced else None)
        if forced is not None:
            plan = Plan(forced, "forced", profile_endpoints(forced, self.target))
            self._start_plan(plan)

        mx = await mx_task
        self.observations.append(mx)
        mx_hosts = [record.exchange for record in mx.mx if record.exchange]
        recognised = self.profiles.recognise(mx_hosts)
        if forced is None:
            plan = await self._plan_from_mx(mx, recognised, mx_hosts)
            self._start_plan(plan)

        await self._finish()
        observations = self._tidy(plan)
        return Evidence(
            target=self.target,
            plan=plan,
            observations=observations,
            mx_profile_id=recognised.id if recognised else None,
            baseline_enabled=not self.options.no_baseline,
            nameservers=resolver.nameservers,
            timeout_s=self.ctx.deadline.total,
        )

    async def _plan_from_mx(self, mx: DnsLookup, recognised: Profile | None, mx_hosts: list[str]) -> Plan:
        if recognised is not None:
            return Plan(recognised, "mx", profile_endpoints(recognised, self.target))
        if mx.status == Status.ERROR or (mx.error and mx.error.kind == Failure.NXDOMAIN) or mx.null_mx:
            return Plan(None, "generic", [])  # nothing to guess at: the domain's DNS is missing or failing
        self._spawn(self._autoconfig())
        for host in mx_hosts[:MAX_MX_HOSTS]:  # does the mail exchanger exist at all? (a dangling MX)
            self._spawn(self._collect_many(self._host_lookups(host)))
        srv_lookups = await dns.lookup_srv(self.ctx.resolver, self.target.domain_ascii)
        self.observations.extend(srv_lookups)
        if mx.error and mx.error.kind == Failure.NO_ANSWER:
            for lookup in await dns.lookup_implicit_mx(self.ctx.resolver, self.target.domain_ascii):
                self.observations.append(lookup)
        # An SRV lookup's name is `_imaps._tcp.<domain>`: its first two labels name the service.
        published = srv_endpoints(
            {".".join(lookup.name.split(".")[:2]): lookup.srv for lookup in srv_lookups if lookup.srv}
        )
        guesses = generic_endpoints(self.target, mx_hosts)
        if published:  # the domain said where its servers are: only its webmail is left to guess
            guesses = [e for e in guesses if e.protocol == "web"]
        return Plan(None, "generic", published + guesses)

    async def _host_lookups(self, host: str) -> list[DnsLookup]:
        return list(await dns.lookup_addresses(self.ctx.resolver, host, Role.PROVIDER))

    async def _autoconfig(self) -> None:
        """Autoconfig runs beside the SRV lookups; the servers it publishes are probed as soon as known."""
        from mailprobe.probes import autoconfig

        observations, endpoints = await autoconfig.discover(self.target, self.ctx)
        self.observations.extend(observations)
        planned = {(e.protocol, e.host, e.port) for e in self._planned}
        fresh = [e for e in endpoints if (e.protocol, e.host, e.port) not in planned]
        self._planned.extend(fresh)
        await asyncio.gather(*(self._probe_endpoint(e) for e in fresh))

    def _sanity_hosts(self) -> list[str]:
        """One well-known name of every provider, and a second of the baseline ones: a resolver that knows
        none of them is broken (or a portal), whichever providers its network can reach."""
        hosts: list[str] = []
        for profile in self.profiles.all():
            hosts += profile.well_known_hosts()[: 2 if profile.baseline else 1]
        return list(dict.fromkeys(hosts))[:SANITY_HOSTS]

    # -- plan and baseline -------------------------------------------------------------------------

    def _start_plan(self, plan: Plan) -> None:
        self._planned.extend(plan.endpoints)
        for endpoint in plan.endpoints:
            self._spawn(self._probe_endpoint(endpoint), lambda e=endpoint: _placeholder(e))  # type: ignore[misc]
        extra = [port for port in required_ports(plan.endpoints) if port not in self._baseline_ports]
        if extra:
            self._start_baseline(extra, exclude=plan.profile.id if plan.profile else None)

    def _start_baseline(self, ports: list[tuple[str, int]], exclude: str | None) -> None:
        if self.options.no_baseline:
            return
        if self.options.baseline is not None:
            if self._baseline_ports:
                return
            endpoints = user_baseline_endpoints(self.options.baseline)
        else:
            endpoints = baseline_endpoints(self.profiles, exclude, ports)
        self._baseline_ports.update(ports)
        for endpoint in endpoints:
            self._spawn(self._probe_endpoint(endpoint), lambda e=endpoint: _placeholder(e))  # type: ignore[misc]

    async def _probe_endpoint(self, endpoint: Endpoint) -> None:
        addresses, lookups = await self._addresses(endpoint.host)
        if endpoint.role != Role.BASELINE:
            self.observations.extend(lookups)
        if not addresses:
            self.observations.append(_unresolved(endpoint, lookups))
            return
        probe = _probe_function(endpoint)
        results = await asyncio.gather(*(probe(endpoint, address, self.ctx) for address in addresses))
        self.observations.extend(results)

    async def _addresses(self, host: str) -> tuple[list[str], list[DnsLookup]]:
        if _is_ip(host):
            return [host], []
        lookups = list(await dns.lookup_addresses(self.ctx.resolver, host, Role.PROVIDER))
        addresses = dns.addresses_of(lookups)
        v4 = [a for a in addresses if ":" not in a][:MAX_ADDRESSES_PER_FAMILY]
        v6 = [a for a in addresses if ":" in a][:MAX_ADDRESSES_PER_FAMILY]
        return v4 + v6, lookups

    # -- task bookkeeping --------------------------------------------------------------------------

    async def _collect(self, awaitable: Awaitable[Observation]) -> None:
        self.observations.append(await awaitable)

    async def _collect_many(self, awaitable: Awaitable[list[DnsLookup]]) -> None:
        self.observations.extend(await awaitable)

    def _spawn(
        self, coro: Coroutine[Any, Any, None], fallback: Callable[[], Observation | None] = lambda: None
    ) -> None:
        self._tasks[asyncio.ensure_future(coro)] = fallback

    def _aux_spawn(self, coro: Coroutine[Any, Any, None], fallback: Callable[[], Observation | None]) -> None:
        self._aux[asyncio.ensure_future(coro)] = fallback

    async def _finish(self) -> None:
        """Wait for every probe; anything still running at the deadline is cut off and recorded as such."""
        while True:
            pending = [t for t in self._tasks if not t.done()]
            if not pending:
                break
            # Probes bound themselves; the small grace only covers their bookkeeping.
            done, _ = await asyncio.wait(pending, timeout=self.ctx.deadline.remaining() + 0.05)
            if not done:
                break
        await self._cancel(self._tasks)
        aux_pending = [t for t in self._aux if not t.done()]
        if aux_pending:
            await asyncio.wait(aux_pending, timeout=min(AUX_GRACE_S, self.ctx.deadline.remaining()))
        await self._cancel(self._aux)
        for task in [*self._tasks, *self._aux]:
            if task.done() and not task.cancelled() and task.exception() is not None:
                self.observations.append(_internal_error(task.exception()))

    async def _cancel(self, tasks: dict[asyncio.Task[None], Callable[[], Observation | None]]) -> None:
        """Cut off what is still running, record it as cut off, and give it a moment to unwind."""
        late = [task for task in tasks if not task.done()]
        for task in late:
            task.cancel()
            placeholder = tasks[task]()
            if placeholder is not None:
                self.observations.append(placeholder)
        if late:
            # A task may swallow one cancellation inside a close(); never wait on it for long.
            await asyncio.wait(late, timeout=CANCEL_GRACE_S)

    def _tidy(self, plan: Plan) -> list[Observation]:
        """De-duplicate shared lookups, drop baselines of the provider itself, settle candidates."""
        seen: set[str] = set()
        out: list[Observation] = []
        own = plan.profile.id if plan.profile else None
        needed_hosts = {e.host for e in self._planned if e.expect != Expect.CANDIDATE}
        for observation in self.observations:
            if observation.id in seen:
                continue
            seen.add(observation.id)
            if isinstance(observation, Reachability) and own and observation.provider_id == own:
                continue
            guessed = getattr(observation, "expect", None) == Expect.CANDIDATE or (
                isinstance(observation, DnsLookup) and observation.purpose == "host"
                and observation.name not in needed_hosts
            )
            if (
                guessed
                and observation.status == Status.FAIL
                and observation.error is not None
                and observation.error.kind in CANDIDATE_ABSENT
            ):
                observation.status = Status.SKIP
            out.append(observation)
        return out


def _probe_function(endpoint: Endpoint) -> Callable[[Endpoint, str, ProbeContext], Awaitable[Observation]]:
    name = "baseline" if endpoint.role == Role.BASELINE else endpoint.protocol
    module = importlib.import_module(f"mailprobe.probes.{name}")
    probe: Callable[[Endpoint, str, ProbeContext], Awaitable[Observation]] = module.probe
    return probe


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _endpoint_id(endpoint: Endpoint) -> str:
    if endpoint.role == Role.BASELINE:
        return check_id(f"baseline.{endpoint.protocol}.{endpoint.port}", endpoint.host)
    if endpoint.protocol == "web":
        return check_id("web", endpoint.host)
    return check_id(f"{endpoint.protocol}.{endpoint.port}", endpoint.host)


def _observation(endpoint: Endpoint, status: Status, error: ErrorFacts) -> Observation:
    common: dict[str, Any] = {
        "id": _endpoint_id(endpoint),
        "target": endpoint.target,
        "status": status,
        "role": endpoint.role,
        "error": error,
    }
    if endpoint.role == Role.BASELINE:
        return Reachability(
            host=endpoint.host, port=endpoint.port, service=endpoint.protocol,
            provider_id=endpoint.provider_id, **common,
        )
    if endpoint.protocol == "web":
        return WebVisit(
            host=endpoint.host, port=endpoint.port, url=endpoint.url or "", expect=endpoint.expect, **common
        )
    return MailSession(
        kind=endpoint.protocol, host=endpoint.host, port=endpoint.port, tls_mode=endpoint.tls,
        expect=endpoint.expect, label=endpoint.label, stage="resolve", **common,
    )


def _unresolved(endpoint: Endpoint, lookups: list[DnsLookup]) -> Observation:
    """The endpoint's host has no usable address: a failure if the lookup answered, 'could not test' if not."""
    errors = [lookup.error for lookup in lookups if lookup.error is not None]
    answered = [e for e in errors if e.kind in (Failure.NXDOMAIN, Failure.NO_ANSWER)]
    if errors and len(answered) == len(errors):
        kind = Failure.NXDOMAIN if any(e.kind == Failure.NXDOMAIN for e in errors) else Failure.NO_ADDRESS
        error = ErrorFacts(kind=kind, stage="resolve", detail=f"{endpoint.host} has no address")
        status = Status.ERROR if endpoint.role == Role.BASELINE else Status.FAIL
    else:
        first = next((e for e in errors if e not in answered), None)
        error = ErrorFacts(
            kind=first.kind if first else Failure.DNS_TIMEOUT, stage="resolve",
            detail=first.detail if first else "no answer",
        )
        status = Status.ERROR
    return _observation(endpoint, status, error)


def _placeholder(endpoint: Endpoint) -> Observation:
    error = ErrorFacts(kind=Failure.TIMEOUT, stage="deadline", detail="the overall deadline ran out")
    status = Status.ERROR if endpoint.expect != Expect.CANDIDATE else Status.SKIP
    return _observation(endpoint, status, error)


def _internal_error(exc: BaseException | None) -> Observation:
    return DnsLookup(
        id=check_id("internal", type(exc).__name__),
        target="mailprobe",
        status=Status.ERROR,
        name="",
        rdtype="",
        purpose="internal",
        error=ErrorFacts(kind=Failure.INTERNAL, stage="engine", detail=str(exc)[:300]),
    )
