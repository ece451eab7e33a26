"""The plan: which steps to run for a target, first and then from the answers — pure, no network, no clock.

`Planner.first_steps()` gives what can start at once (MX, SPF, the resolver sanity check, the authoritative
comparison, the baseline, a forced provider's servers). `Planner.after(step, observations)` gives the steps
an answer calls for: the provider's servers once the MX names it, SRV / autoconfig / guesses for an unknown
domain, one session per address once a host resolved. `Planner.settle()` applies the plan's own flags to
what was seen (settle.py). The endpoints it chooses among come from the catalogue (endpoints.py). The engine
only runs steps.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from mailprobe.address import Target
from mailprobe.addresspolicy import DialPolicy, Refusal, may_contact
from mailprobe.endpoints import (
    MAX_SRV_TARGETS,
    baseline_endpoints,
    generic_endpoints,
    profile_endpoints,
    required_ports,
    srv_endpoints,
    unique,
    usable_srv,
    user_baseline_endpoints,
)
from mailprobe.evidence import (
    CUT_OFF_STAGE,
    Endpoint,
    ErrorFacts,
    Expect,
    Failure,
    Observation,
    PlanSummary,
    Role,
    Status,
    TlsMode,
    deadline_cut,
)
from mailprobe.kinds.dns import DnsLookup
from mailprobe.kinds.web import WebVisit
from mailprobe.limits import MAX_MX_HOSTS
from mailprobe.profiles import Profile, ProfileSet
from mailprobe.settle import settle
from mailprobe.timeouts import Timeouts

ProbeName = Literal[
    "dns.mx", "dns.spf", "dns.sanity", "dns.prefetch", "dns.srv", "dns.implicit_mx", "dns.host",
    "dns.authoritative", "autoconfig", "web", "imap", "pop3", "smtp", "baseline", "login", "spf.include",
    "admin", "loop",  # the run's phases (phases.py): beside the quick checks, or after them
]
# The order logins go in (IMAP first: it proves the most), and what a protocol's login may go over.
LOGIN_ORDER: tuple[str, ...] = ("imap", "smtp", "pop3")
_LOGIN_TLS_PREFERENCE: tuple[TlsMode, ...] = (TlsMode.IMPLICIT, TlsMode.STARTTLS)

# Ports every baseline starts with, before the provider is known (they cover the article's providers).
DEFAULT_BASELINE_PORTS: tuple[tuple[str, int], ...] = (("imap", 993), ("smtp", 465), ("pop3", 995), ("web", 443))
# Addresses probed per host and family: every one, up to this cap (one dead address among several is the
# classic "sometimes it will not log in"). Beyond it the lowest addresses are taken, whatever the DNS answer's
# order, and the host's lookup says how many were left out (`addresses_not_probed`).
MAX_ADDRESSES_PER_FAMILY = 8
# How many provider hosts' addresses are compared with their authoritative servers.
MAX_COMPARED_HOSTS = 6
# How many addresses of what the mailbox's domain publishes (SRV targets, autoconfig servers, guesses, its MX
# host) one check dials or refuses, whatever the records say: a bound on its sockets over time and on its report.
# Past it, a host's lookup says how many of its addresses were left (`addresses_not_probed`).
MAX_DOMAIN_DIALS = 64
# How many well-known provider hosts are asked to tell a broken resolver from a missing domain.
SANITY_HOSTS = 16


class Why(StrEnum):
    """Why a step is in the plan."""

    PROVIDER = "provider"  # the mailbox's own provider or domain: its failures matter
    CANDIDATE = "candidate"  # a guess: absence is normal
    BASELINE = "baseline"  # another provider's service, to tell "your network" from "their server"
    SANITY = "sanity"  # does the resolver know the providers' well-known hosts at all?
    PREFETCH = "prefetch"  # the providers' hosts, asked while the MX is slow to come (no evidence of its own)
    COMPARISON = "comparison"  # the domain's authoritative servers, against the resolver (auxiliary)


@dataclass(frozen=True)
class Query:
    """The parameters of a DNS step (and of the steps about the domain itself: autoconfig, the SPF comparison)."""

    name: str = ""  # the DNS name or domain asked about
    hosts: tuple[str, ...] = ()  # sanity / prefetch: the names asked; spf.include: the provider's includes
    servers: tuple[tuple[str, int], ...] = ()  # authoritative servers named by the user
    rdtype: str = "MX"  # what the authoritative comparison asks: the domain's MX, or a host's A


@dataclass(frozen=True)
class Session:
    """The parameters of a step about one service: its endpoint, and the address dialled (None: the host's
    lookup, or a session with no address)."""

    endpoint: Endpoint
    ip: str | None = None
    profile: Profile | None = field(default=None, compare=False, repr=False)  # login steps: whose replies apply


@dataclass(frozen=True)
class Phase:
    """The parameters of a phase step (phases.py: --admin beside the quick checks, --loop after them): what the
    user asked of it, and the budget of its own the plan declares for it past the run's deadline (0: none; the
    run's one deadline is extended by it, `Deadline.extended`, never a second clock)."""

    options: Any = field(compare=False, repr=False)
    budget_s: float = 0.0


Params = Query | Session | Phase


@dataclass(frozen=True)
class Step:
    """One thing to probe: what (`probe`, a name in probes.PROBES), its parameters (the type its probe's entry
    names: a `Query`, a `Session` or a `Phase`), why, and with what bound."""

    probe: ProbeName
    params: Params
    why: Why = Why.PROVIDER
    cap: float | None = None  # a bound of its own for the whole step, inside the run's deadline
    keep: bool = True  # whether its observations are evidence (a baseline's host lookup is only a means)
    grace: float | None = None  # auxiliary: may run this long past the main steps, never holds the report up
    unresolved: tuple[Status, ErrorFacts] | None = None  # a session with no address to dial, and why

    @property
    def query(self) -> Query:
        assert isinstance(self.params, Query), f"{self.probe} steps carry a Query"
        return self.params

    @property
    def session(self) -> Session:
        assert isinstance(self.params, Session), f"{self.probe} steps carry a Session"
        return self.params

    @property
    def phase(self) -> Phase:
        assert isinstance(self.params, Phase), f"{self.probe} steps carry a Phase"
        return self.params

    @property
    def endpoint(self) -> Endpoint | None:
        return self.params.endpoint if isinstance(self.params, Session) else None

    @property
    def ip(self) -> str | None:
        return self.params.ip if isinstance(self.params, Session) else None

    @property
    def name(self) -> str:
        """The name the step is about: the one asked, or its endpoint's host (a phase: none)."""
        if isinstance(self.params, Phase):
            return ""
        return self.params.name if isinstance(self.params, Query) else self.params.endpoint.host


@dataclass
class Plan(PlanSummary):
    """The provider the plan follows and the endpoints it probes (it grows as answers come in): the planner's
    own record, of which Evidence carries a copy once the run is over."""

    @property
    def provider_id(self) -> str:
        return self.profile.id if self.profile is not None else "generic"


@dataclass
class PlanOptions:
    forced_provider: str | None = None
    baseline: list[tuple[str, int]] | None = None  # --baseline HOST:PORT, replaces the default
    no_baseline: bool = False
    authoritative: list[tuple[str, int]] | None = None
    # `mailprobe settings`: learn what the domain publishes (MX, SRV, autoconfig), dial no mail server; a
    # domain the resolver denies is told from an offline resolver by the sanity check, as a check tells it.
    discover_only: bool = False
    login_protocols: tuple[str, ...] = ()  # --login: the protocols to log in over (the guard allowed them)
    # Ask every provider's hosts while a slow MX comes: for one check someone waits for. Never in a batch or
    # the exporter, whose checks share their lookups and keep to a socket budget each.
    prefetch: bool = False
    timeouts: Timeouts = field(default_factory=Timeouts)  # the graces of auxiliary steps
    policy: DialPolicy = field(default_factory=DialPolicy)  # which addresses may be dialled (addresspolicy.py)
    # The phases the run was asked for (phases.py: --admin, --loop), each with what the user asked of it and
    # the budget of its own it needs past the quick checks (--loop's wait for its message): the plan declares
    # them as steps (`phase_steps`), so the run's deadline is extended by that budget, never a second clock.
    phases: tuple[tuple[ProbeName, Any, float], ...] = ()


class Planner:
    """Turns the target, the profiles and the answers seen into steps. Holds what it planned; never waits."""

    def __init__(self, target: Target, profiles: ProfileSet, options: PlanOptions) -> None:
        self.target = target
        self.profiles = profiles
        self.options = options
        self.forced = profiles.require(options.forced_provider) if options.forced_provider else None
        self.plan = Plan(self.forced, "forced") if self.forced else Plan(None, "generic")
        self.mx_profile_id: str | None = None  # the provider the MX records point to, if any
        self._baseline_ports: set[tuple[str, int]] = set()
        self._mx_hosts: list[str] = []
        # Servers an autoconfig file named, and the address that file came from: the fetch policy decides
        # which of their addresses may be dialled (a public file may not send us into a private network).
        self._published_from: dict[tuple[str, str, int], str] = {}
        self._mx: DnsLookup | None = None
        self._mx_pending: set[str] = set()  # MX hosts looked up before the generic plan is chosen
        self._mx_canonical: dict[str, list[str]] = {}
        self._not_probed: dict[tuple[str, str], int] = {}  # (host, A | AAAA) → addresses beyond the cap
        self._not_followed: dict[str, int] = {}  # SRV or MX name → targets beyond the caps
        self._domain_dials = 0  # addresses of what the domain publishes, dialled or refused (MAX_DOMAIN_DIALS)
        self._spf_compared = False
        self._compared: set[str] = set()  # provider hosts whose addresses are compared with their authorities
        self._logins = _LoginChain(tuple(p for p in LOGIN_ORDER if p in options.login_protocols))

    @property
    def mx_answered(self) -> bool:
        """The domain's MX has answered: a provider it names is known by now (one named through an MX host's alias
        is known once that host has answered)."""
        return self._mx is not None and not self._mx_pending

    # -- the first steps ---------------------------------------------------------------------------

    def first_steps(self) -> list[Step]:
        domain = self.target.domain_ascii
        if self.options.discover_only:
            return [Step("dns.mx", Query(name=domain))]
        steps = [
            Step("dns.mx", Query(name=domain)),
            Step("dns.spf", Query(name=domain)),
            Step("dns.sanity", Query(hosts=tuple(self.sanity_hosts())), Why.SANITY),
            Step("dns.authoritative", Query(name=domain, servers=tuple(self.options.authoritative or ())),
                 Why.COMPARISON, grace=self.options.timeouts.aux_grace),
        ]
        if self.options.prefetch and self.forced is None:  # a forced provider's hosts are asked at once
            # Whichever provider the MX names, its servers' addresses are then there and connections start at
            # once. Never waited for: the check's own lookups take these answers (the resolver shares them).
            steps.append(Step("dns.prefetch", Query(name=domain, hosts=tuple(self.profiles.fixed_hosts())),
                              Why.PREFETCH, keep=False, grace=0.0))
        steps += self._baseline(list(DEFAULT_BASELINE_PORTS), exclude=self.forced.id if self.forced else None)
        if self.forced is not None:
            steps += self._provider(profile_endpoints(self.forced, self.target))
        return steps

    def phase_steps(self) -> list[Step]:
        """The phases the run takes besides its quick checks, as steps: each with its budget declared."""
        return [Step(name, Phase(options, budget_s)) for name, options, budget_s in self.options.phases]

    def sanity_hosts(self) -> list[str]:
        """One well-known name of every provider, and a second of the baseline ones: a resolver that knows
        none of them is broken (or a portal), whichever providers its network can reach."""
        hosts: list[str] = []
        for profile in self.profiles.all():
            hosts += profile.well_known_hosts()[: 2 if profile.baseline else 1]
        return list(dict.fromkeys(hosts))[:SANITY_HOSTS]

    # -- what answers call for ---------------------------------------------------------------------

    def after(self, step: Step, observations: list[Observation]) -> list[Step]:
        lookups = [o for o in observations if isinstance(o, DnsLookup)]
        if step.probe == "dns.mx" and lookups:
            return self._after_mx(lookups[0])
        if step.probe == "dns.srv":
            return self._after_srv(lookups)
        published = [o for o in observations if isinstance(o, WebVisit) and o.published]
        if published:  # an autoconfig file that names servers (a webmail visit names none)
            return self._after_autoconfig(published)
        if step.probe == "dns.host" and step.endpoint is not None:
            sessions = self._sessions(step, lookups)
            dialled = [s.ip for s in sessions if s.ip is not None and s.unresolved is None]
            return sessions + self._login_ready(step.endpoint, dialled)
        if step.probe == "dns.host" and step.name in self._mx_pending:
            return self._after_mx_host(step, lookups)
        protocol = self._logins.issued(step)
        if protocol is not None:  # a login of the chain is over: the next one may start
            self._logins.done(protocol)
            return self._login_steps()
        return []

    # -- the login chain: one step per protocol, each after the one before, IMAP first ------------------

    def _login_ready(self, endpoint: Endpoint, ips: list[str]) -> list[Step]:
        if self._logins.endpoints.get(endpoint.protocol) != endpoint:
            return []
        self._logins.resolved(endpoint.protocol, ips[0] if ips else None)
        return self._login_steps()

    def _login_steps(self) -> list[Step]:
        return [
            self._logins.issue(protocol, Step("login", Session(endpoint=self._logins.endpoints[protocol], ip=ip,
                                                               profile=self.plan.profile)))
            for protocol, ip in self._logins.next_ready()
        ]

    def _after_mx(self, mx: DnsLookup) -> list[Step]:
        mx_hosts = [record.exchange for record in mx.mx if record.exchange]
        recognised = self.profiles.recognise(mx_hosts)
        self.mx_profile_id = recognised.id if recognised else None
        self._mx = mx
        self._mx_hosts = mx_hosts
        if recognised is not None:
            if self.forced is not None:
                return []
            self.plan = Plan(recognised, "mx")
            return self._provider(profile_endpoints(recognised, self.target))
        if mx.status == Status.ERROR or (mx.error and mx.error.kind == Failure.NXDOMAIN) or mx.null_mx:
            if self.options.discover_only and mx.error is not None and mx.error.kind == Failure.NXDOMAIN:
                # `settings` asks no sanity check up front: a domain that "does not exist" is told from an
                # offline network by the providers' well-known names, as a check tells them.
                return [Step("dns.sanity", Query(hosts=tuple(self.sanity_hosts())), Why.SANITY)]
            return []  # nothing to guess at: the domain's DNS is missing or failing
        # Does the mail exchanger exist at all (a dangling MX)? And is it an alias of a provider's MX host
        # (`mx.example CNAME mxbiz1.qq.com`)? The generic plan waits for these answers.
        # An IP literal is asked as the name it is (RFC 5321 wants a host name): it does not resolve.
        hosts = mx_hosts[:MAX_MX_HOSTS]
        if len(mx_hosts) > MAX_MX_HOSTS:
            self._not_followed[mx.name] = len(mx_hosts) - MAX_MX_HOSTS
        self._mx_pending = set(hosts)
        if not hosts:
            return self._after_mx_hosts()
        return [Step("dns.host", Query(name=host)) for host in hosts]

    def _after_mx_host(self, step: Step, lookups: list[DnsLookup]) -> list[Step]:
        self._mx_pending.discard(step.name)
        self._mx_canonical[step.name] = [lk.canonical for lk in lookups if lk.canonical]
        return [] if self._mx_pending else self._after_mx_hosts()

    def _after_mx_hosts(self) -> list[Step]:
        """Every MX host answered: a provider recognised through the aliases' canonical names, or the generic
        plan (autoconfig, SRV, guesses)."""
        aliases = [name for host in self._mx_hosts for name in self._mx_canonical.get(host, [])]
        recognised = self.profiles.recognise(aliases) if aliases else None
        if recognised is not None:
            self.mx_profile_id = recognised.id
            if self.forced is not None:
                return []
            self.plan = Plan(recognised, "mx")
            return self._provider(profile_endpoints(recognised, self.target))
        if self.forced is not None:
            return []
        domain = self.target.domain_ascii
        steps = [Step("autoconfig", Query(name=domain)), Step("dns.srv", Query(name=domain))]
        if self._mx is not None and self._mx.error and self._mx.error.kind == Failure.NO_ANSWER:
            steps.append(Step("dns.implicit_mx", Query(name=domain)))
        return steps

    def _after_srv(self, lookups: list[DnsLookup]) -> list[Step]:
        # An SRV lookup's name is `_imaps._tcp.<domain>`: its first two labels name the service.
        for lookup in lookups:
            left = len(usable_srv(lookup.srv)) - MAX_SRV_TARGETS
            if left > 0:
                self._not_followed[lookup.name] = left
        published = srv_endpoints(
            {".".join(lookup.name.split(".")[:2]): lookup.srv for lookup in lookups if lookup.srv}
        )
        guesses = generic_endpoints(self.target, self._mx_hosts)
        if published:  # the domain said where its servers are: only its webmail is left to guess
            guesses = [e for e in guesses if e.protocol == "web"]
        return self._provider(published + guesses)

    def _after_autoconfig(self, visits: list[WebVisit]) -> list[Step]:
        """The servers of the first config that held any (as Thunderbird reads it), unless already planned."""
        for visit in visits:
            if visit.published:
                planned = {(e.protocol, e.host, e.port) for e in self.plan.endpoints}
                endpoints = [server.endpoint() for server in visit.published]
                fresh = [e for e in endpoints if (e.protocol, e.host, e.port) not in planned]
                if visit.address is not None:
                    self._published_from.update({(e.protocol, e.host, e.port): visit.address for e in fresh})
                return self._provider(fresh, baseline=False)
        return []

    def _provider(self, endpoints: list[Endpoint], baseline: bool = True) -> list[Step]:
        endpoints = unique(endpoints)
        self.plan.endpoints.extend(endpoints)
        if self.options.discover_only:
            return []
        self._logins.choose(self.plan.endpoints)
        steps = [self._endpoint_step(e) for e in endpoints] + self._spf_comparison()
        steps += self._host_comparisons(endpoints)
        if baseline:
            extra = [port for port in required_ports(endpoints) if port not in self._baseline_ports]
            if extra:
                steps += self._baseline(extra, exclude=self.plan.profile.id if self.plan.profile else None)
        return steps

    def _spf_comparison(self) -> list[Step]:
        """Once, when the provider is known and its profile names its SPF includes: the domain's record against them."""
        profile = self.plan.profile
        if profile is None or not profile.spf_include or self._spf_compared:
            return []
        self._spf_compared = True
        return [Step("spf.include", Query(name=self.target.domain_ascii, hosts=tuple(profile.spf_include)))]

    def _host_comparisons(self, endpoints: list[Endpoint]) -> list[Step]:
        """The provider hosts' addresses asked of their authoritative servers too: a resolver that redirects
        one host (and only it) shows only there."""
        hosts = [e.host for e in endpoints if e.expect != Expect.CANDIDATE and not _is_ip(e.host)]
        fresh = [h for h in dict.fromkeys(hosts) if h not in self._compared][: MAX_COMPARED_HOSTS - len(self._compared)]
        self._compared.update(fresh)
        grace = self.options.timeouts.aux_grace
        servers = tuple(self.options.authoritative or ())
        return [Step("dns.authoritative", Query(name=host, rdtype="A", servers=servers), Why.COMPARISON, grace=grace)
                for host in fresh]

    def _baseline(self, ports: list[tuple[str, int]], exclude: str | None) -> list[Step]:
        if self.options.no_baseline:
            return []
        if self.options.baseline is not None:
            if self._baseline_ports:
                return []
            endpoints = user_baseline_endpoints(self.options.baseline)
        else:
            endpoints = baseline_endpoints(self.profiles, exclude, ports)
        self._baseline_ports.update(ports)
        return [self._endpoint_step(e) for e in endpoints]

    def _endpoint_step(self, endpoint: Endpoint) -> Step:
        why = _why(endpoint)
        # Once the provider is known its required servers decide; a guess beside them (an undocumented
        # port) never holds the report up for long: past a grace it counts as not offered.
        grace = self.options.timeouts.candidate_grace if why is Why.CANDIDATE and self.plan.profile else None
        if _is_ip(endpoint.host):
            # An IP literal (a profile's, or an MX or SRV target written as one) is judged as any address is.
            dials = self._dials(endpoint, why, [endpoint.host], grace)
            return dials[0] if dials else _over_budget(endpoint, why)
        return Step("dns.host", Session(endpoint=endpoint), why, keep=endpoint.role != Role.BASELINE,
                    grace=grace)

    def _sessions(self, step: Step, lookups: list[DnsLookup]) -> list[Step]:
        """One session per address of the host (a few per family), or one that says why there is none. An
        address the policy refuses is a session too, never dialled: the evidence says where the host points."""
        assert step.endpoint is not None
        endpoint = step.endpoint
        ips = addresses_of(lookups)
        families = {"A": [ip for ip in ips if ":" not in ip], "AAAA": [ip for ip in ips if ":" in ip]}
        for rdtype, found in families.items():
            if len(found) > MAX_ADDRESSES_PER_FAMILY:
                self._not_probed[(endpoint.host, rdtype)] = len(found) - MAX_ADDRESSES_PER_FAMILY
        v4, v6 = (found[:MAX_ADDRESSES_PER_FAMILY] for found in families.values())
        if not v4 + v6:
            probe = session_probe(endpoint)
            return [Step(probe, Session(endpoint=endpoint), step.why, unresolved=unresolved(endpoint, lookups))]
        steps = self._dials(endpoint, step.why, v4 + v6, step.grace)
        for ip in (v4 + v6)[len(steps):]:  # past the check's bound on what the domain publishes
            family = "AAAA" if ":" in ip else "A"
            self._not_probed[(endpoint.host, family)] = self._not_probed.get((endpoint.host, family), 0) + 1
        return steps or [_over_budget(endpoint, step.why)]

    def _dials(self, endpoint: Endpoint, why: Why, ips: list[str], grace: float | None) -> list[Step]:
        """A session step per address the policy allows, a refused one (never dialled) per address it does not;
        what the domain publishes only up to MAX_DOMAIN_DIALS per check."""
        if endpoint.named_by == "domain":
            room = max(0, MAX_DOMAIN_DIALS - self._domain_dials)
            ips = ips[:room]
            self._domain_dials += len(ips)
        probe = session_probe(endpoint)
        # Servers an autoconfig file named are judged against the address the file came from, too.
        origin = self._published_from.get((endpoint.protocol, endpoint.host, endpoint.port))
        steps = []
        for ip in ips:
            refusal = self.options.policy.refusal(ip, endpoint.dial_origin)
            if refusal is not None:
                steps.append(Step(probe, Session(endpoint=endpoint, ip=ip), why,
                                  unresolved=_refused(endpoint, refusal)))
                continue
            reason = may_contact(origin, ip) if origin is not None else None
            if reason is not None:
                error = ErrorFacts(kind=Failure.POLICY, stage="resolve", detail=f"{endpoint.host} ({ip}): {reason}")
                steps.append(Step(probe, Session(endpoint=endpoint, ip=ip), why, unresolved=(Status.ERROR, error)))
                continue
            steps.append(Step(probe, Session(endpoint=endpoint, ip=ip), why, grace=grace))
        return steps

    # -- the plan's flags, applied to what was seen (settle.py) ------------------------------------

    def settle(self, observations: list[Observation]) -> list[Observation]:
        """De-duplicate shared lookups, drop baselines of the provider itself, and call a guess that was not
        there "not offered" (skip) rather than failed."""
        return settle(self.plan, self.target, observations, self._not_probed, self._not_followed)


@dataclass
class _LoginChain:
    """Which endpoint each login goes to (the first required one over implicit TLS, else STARTTLS; never
    plaintext), its first address once resolved, and which logins are over: a login starts only when every
    protocol before it in LOGIN_ORDER is done, so at most one authentication per protocol, in order."""

    protocols: tuple[str, ...]
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    ips: dict[str, str | None] = field(default_factory=dict)  # None: the host has no address
    finished: set[str] = field(default_factory=set)
    started: set[str] = field(default_factory=set)
    steps: list[tuple[Step, str]] = field(default_factory=list)  # the login steps planned, and their protocols

    def issue(self, protocol: str, step: Step) -> Step:
        self.steps.append((step, protocol))
        return step

    def issued(self, step: Step) -> str | None:
        """The protocol of STEP if it is one of the chain's logins (the very step planned)."""
        return next((protocol for planned, protocol in self.steps if planned is step), None)

    def choose(self, planned: list[Endpoint]) -> None:
        for protocol in self.protocols:
            if protocol in self.endpoints:
                continue
            fit = [e for e in planned if e.protocol == protocol and e.role == Role.PROVIDER
                   and e.expect == Expect.REQUIRED and e.tls in _LOGIN_TLS_PREFERENCE]
            fit.sort(key=lambda e: _LOGIN_TLS_PREFERENCE.index(e.tls))  # stable: the plan's order within a mode
            if fit:
                self.endpoints[protocol] = fit[0]

    def resolved(self, protocol: str, ip: str | None) -> None:
        self.ips.setdefault(protocol, ip)
        if ip is None:
            self.finished.add(protocol)

    def done(self, protocol: str) -> None:
        self.finished.add(protocol)

    def next_ready(self) -> list[tuple[str, str]]:
        """The login that may start now, if any: the first not yet over, once all before it are over."""
        for protocol in self.protocols:
            if protocol in self.finished:
                continue
            if protocol not in self.endpoints:
                # Not (yet) in the plan: an unknown domain may still publish it; a profile will not.
                self.finished.add(protocol)
                continue
            ip = self.ips.get(protocol)
            if ip is None or protocol in self.started:
                return []
            self.started.add(protocol)
            return [(protocol, ip)]
        return []


def addresses_of(lookups: Iterable[DnsLookup]) -> list[str]:
    """The addresses the lookups found: IPv4 first, then IPv6, each once, in address order (not the answer's)."""
    found: dict[str, ipaddress.IPv4Address | ipaddress.IPv6Address] = {}
    for lookup in lookups:
        if lookup.status is not Status.PASS or lookup.rdtype not in ("A", "AAAA"):
            continue
        for record in lookup.records:
            try:
                ip = ipaddress.ip_address(record.strip())
            except ValueError:
                continue
            found.setdefault(str(ip), ip)
    return sorted(found, key=lambda text: (found[text].version, int(found[text])))


def unresolved(endpoint: Endpoint, lookups: list[DnsLookup]) -> tuple[Status, ErrorFacts]:
    """An endpoint whose host has no usable address: a failure if the lookup answered, 'could not test' if not."""
    errors = [lookup.error for lookup in lookups if lookup.error is not None]
    # NO_ADDRESS: the name's CNAME chain loops (net/resolver.py) — answered, and no address.
    answered = [e for e in errors if e.kind in (Failure.NXDOMAIN, Failure.NO_ANSWER, Failure.NO_ADDRESS)]
    if errors and len(answered) == len(errors):
        kind = Failure.NXDOMAIN if any(e.kind == Failure.NXDOMAIN for e in errors) else Failure.NO_ADDRESS
        error = ErrorFacts(kind=kind, stage="resolve", detail=f"{endpoint.host} has no address")
        return (Status.ERROR if endpoint.role == Role.BASELINE else Status.FAIL), error
    first = next((e for e in errors if e not in answered), None)
    error = ErrorFacts(
        # A lookup the deadline cut off leaves the endpoint cut off too: not tested, as the lookup was not.
        kind=first.kind if first else Failure.DNS_TIMEOUT,
        stage=CUT_OFF_STAGE if deadline_cut(first) else "resolve",
        detail=first.detail if first else "no answer",
    )
    return Status.ERROR, error


def _refused(endpoint: Endpoint, refusal: Refusal) -> tuple[Status, ErrorFacts]:
    """A session the address policy does not dial: a guess pointing there is simply not offered (skip), a server
    the domain or a profile names could not be tested (error). The evidence keeps where it points."""
    error = ErrorFacts(kind=Failure.POLICY, stage="policy", detail=refusal.detail(endpoint.host))
    return (Status.SKIP if endpoint.expect == Expect.CANDIDATE else Status.ERROR), error


def _over_budget(endpoint: Endpoint, why: Why) -> Step:
    """An endpoint of the domain's past the check's MAX_DOMAIN_DIALS: not dialled, and said so."""
    error = ErrorFacts(kind=Failure.POLICY, stage="budget",
                       detail=f"the domain publishes more than {MAX_DOMAIN_DIALS} addresses: not dialled")
    return Step(session_probe(endpoint), Session(endpoint=endpoint), why, unresolved=(Status.SKIP, error))


def session_probe(endpoint: Endpoint) -> ProbeName:
    return "baseline" if endpoint.role == Role.BASELINE else endpoint.protocol


def _why(endpoint: Endpoint) -> Why:
    if endpoint.role == Role.BASELINE:
        return Why.BASELINE
    return Why.CANDIDATE if endpoint.expect == Expect.CANDIDATE else Why.PROVIDER


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True

