"""EvidenceView: read-only views over the evidence that the rules share (which services answered, the baseline)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from mailprobe.diagnosis.dnsjudgements import resolver_is_sane
from mailprobe.evidence import Evidence, Expect, Failure, Observation, Role, Status, not_tested, server_spoke
from mailprobe.kinds.baseline import Reachability
from mailprobe.kinds.dns import DnsLookup
from mailprobe.kinds.mail import MailSession
from mailprobe.kinds.web import WebVisit

# Failures that happen before a server says anything: the network path or a closed port.
PATH_FAILURES = {Failure.REFUSED, Failure.TIMEOUT, Failure.UNREACHABLE, Failure.RESET}
DNS_FAILURES = {Failure.SERVFAIL, Failure.DNS_TIMEOUT, Failure.NO_RESOLVER}

Service = MailSession | WebVisit
# How many other providers' hosts must fail on a port before the port reads as blocked on this network.
MIN_BASELINE_HOSTS_FOR_BLOCKED = 2
ServiceKey = tuple[str, str, int]  # (protocol, host, port)


def protocol_of(observation: Service) -> str:
    return "web" if isinstance(observation, WebVisit) else observation.kind


def failed_on_path(observation: Observation) -> bool:
    """Failed while connecting: nothing of the server was seen (a connect mailprobe's own deadline cut off
    was not tested, and is no failure of the path)."""
    error = observation.error
    return (
        observation.status in (Status.FAIL, Status.ERROR)
        and error is not None
        and error.stage == "connect"
        and error.kind in PATH_FAILURES
    )


def tested(observation: Observation) -> bool:
    """The step was tested: neither cut off by mailprobe's own deadline nor failed by mailprobe itself. A step
    that was not is evidence against no one (evidence.not_tested)."""
    return not not_tested(observation.error)


def answered(observation: Observation) -> bool:
    """The other side showed itself: the check passed, or failed in the server's own words."""
    if observation.status in (Status.PASS, Status.WARN):
        return True
    return server_spoke(observation.error)


def ipv6_unroutable(observation: Observation) -> bool:
    """An IPv6 address this machine has no route to: a local limitation, clients fall back to IPv4."""
    return (
        observation.address is not None
        and ":" in observation.address
        and observation.error is not None
        and observation.error.kind == Failure.UNREACHABLE
    )


@dataclass
class ServiceResult:
    """All addresses of one provider endpoint (protocol, host, port)."""

    key: ServiceKey
    expect: Expect
    observations: list[Service]

    @property
    def protocol(self) -> str:
        return self.key[0]

    @property
    def host(self) -> str:
        return self.key[1]

    @property
    def port(self) -> int:
        return self.key[2]

    @property
    def relevant(self) -> list[Service]:
        return [o for o in self.observations if not ipv6_unroutable(o)] or self.observations

    @property
    def passed(self) -> list[Service]:
        return [o for o in self.relevant if o.status in (Status.PASS, Status.WARN)]

    @property
    def failed(self) -> list[Service]:
        return [o for o in self.relevant if o.status == Status.FAIL and tested(o)]

    @property
    def partly_failed(self) -> bool:
        return bool(self.failed) and bool(self.passed)

    @property
    def resolved(self) -> bool:
        return any(o.address is not None for o in self.observations)


class EvidenceView:
    """The evidence as the rules read it (not `evidence.Facts`, what one observation carries)."""

    def __init__(self, evidence: Evidence) -> None:
        self.evidence = evidence

    @cached_property
    def dns(self) -> list[DnsLookup]:
        return self.evidence.of_type(DnsLookup)

    def lookups(self, purpose: str) -> list[DnsLookup]:
        return [lookup for lookup in self.dns if lookup.purpose == purpose]

    @cached_property
    def mx(self) -> DnsLookup | None:
        found = self.lookups("mx")
        return found[0] if found else None

    @cached_property
    def resolver_sane(self) -> bool | None:
        """True if the resolver knows the providers' well-known hosts; False if it denies them all."""
        return resolver_is_sane(self.lookups("resolver_sanity"))

    @cached_property
    def services(self) -> list[ServiceResult]:
        groups: dict[ServiceKey, list[Service]] = defaultdict(list)
        expects: dict[ServiceKey, Expect] = {}
        for observation in self.evidence.observations:
            if isinstance(observation, MailSession | WebVisit) and observation.role == Role.PROVIDER:
                key = (protocol_of(observation), observation.host, observation.port)
                groups[key].append(observation)
                expects[key] = observation.expect
        return [ServiceResult(key, expects[key], obs) for key, obs in groups.items()]

    @cached_property
    def provider_services(self) -> list[ServiceResult]:
        """The services mail needs (required or optional; candidates are guesses)."""
        return [s for s in self.services if s.expect != Expect.CANDIDATE]

    @cached_property
    def baseline(self) -> list[Reachability]:
        return [
            o for o in self.evidence.of_type(Reachability) if o.role == Role.BASELINE and not ipv6_unroutable(o)
        ]

    def baseline_on(self, port: int) -> bool | None:
        """True if another provider answers on this port, False if all tested ones fail, None if untested."""
        on_port = [o for o in self.baseline_tested if o.port == port]
        if not on_port:
            return None
        if any(answered(o) for o in on_port):
            return True
        # One failing host is that host, not yet this network: "blocked here" takes two providers' silence.
        return False if len({o.host for o in on_port}) >= MIN_BASELINE_HOSTS_FOR_BLOCKED else None

    def baseline_ids(self, port: int) -> list[str]:
        return [o.id for o in self.baseline_tested if o.port == port]

    @cached_property
    def baseline_tested(self) -> list[Reachability]:
        """The baselines that answered or failed; one cut off by mailprobe's deadline was not tested."""
        return [o for o in self.baseline if o.status in (Status.PASS, Status.FAIL) and tested(o)]

    @cached_property
    def nothing_answered(self) -> bool:
        """The provider has services to test, and neither they nor any other provider's answered."""
        services = [s for s in self.provider_services if s.resolved]
        if not services:
            return False
        provider = [o for s in services for o in s.relevant]
        tested_and_failed = all(o.status == Status.FAIL and tested(o) for o in provider)
        return tested_and_failed and not any(answered(o) for o in provider + self.baseline)

    @cached_property
    def tls_observations(self) -> list[Service]:
        return [
            o for s in self.services for o in s.observations
            if o.tls is not None and o.tls.certificate is not None
        ]

    @cached_property
    def web(self) -> list[WebVisit]:
        return [o for o in self.evidence.of_type(WebVisit) if o.role != Role.BASELINE]
