"""DNS evidence: the one resolver's answers (MX, A/AAAA, SPF, SRV, NS, authoritative MX) as DnsLookups."""

from __future__ import annotations

import asyncio

import dns.exception
import dns.name
import dns.rdtypes.IN.SRV
import dns.rdtypes.mxbase
import dns.rdtypes.txtbase
import dns.rrset

from mailprobe.addresspolicy import DialPolicy
from mailprobe.evidence import CUT_OFF_STAGE, ErrorFacts, Failure, Observation, Role, Status, check_id
from mailprobe.kinds.dns import DnsLookup, MxRecord, SrvRecord
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Answer, Resolver, query_server
from mailprobe.plan import Step, addresses_of
from mailprobe.probes.base import ProbeContext

# RFC 6186 and RFC 8314 (which adds _submissions and prefers implicit TLS): the order clients try them.
SRV_SERVICES = (
    "_imaps._tcp",
    "_imap._tcp",
    "_pop3s._tcp",
    "_pop3._tcp",
    "_submissions._tcp",
    "_submission._tcp",
)
MAX_SANITY_HOSTS = 16
# Records of one answer kept as evidence (and followed): a domain can publish thousands of SRV, MX or A records,
# one check keeps the first ones as a client would try them; the lookup says how many more there were.
MAX_RECORDS = 32
RECORD_CHARS = 1024  # characters of one record kept
MAX_NS_LEVELS = 3
MAX_NS_HOSTS = 4
MAX_AUTHORITIES = 2
DNS_PORT = 53
# Without a public-suffix list, "example.com.cn" would walk up to the registry's "com.cn": these second-level
# labels under a two-letter country code are registries, not registrants.
_REGISTRY_SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu", "ac", "co"})
_ABSENT = frozenset({Failure.NXDOMAIN, Failure.NO_ANSWER, Failure.NO_ADDRESS})
_DEFAULT_DETAIL = {
    Failure.NXDOMAIN: "the name does not exist (NXDOMAIN)",
    Failure.NO_ANSWER: "the name exists but has no record of this type",
}


# --- the probes of the plan's DNS steps ----------------------------------------------------------


def blank_mx(step: Step) -> DnsLookup:
    name = ascii_name(step.name)
    return DnsLookup(id=check_id("dns.mx", name), target=name, name=name, rdtype="MX", purpose="mx",
                     status=Status.ERROR)


def blank_spf(step: Step) -> DnsLookup:
    name = ascii_name(step.name)
    return DnsLookup(id=check_id("dns.spf", name), target=name, name=name, rdtype="TXT", purpose="spf",
                     status=Status.ERROR)


async def probe_mx(step: Step, ctx: ProbeContext) -> list[Observation]:
    return [await lookup_mx(ctx.resolver, step.name)]


async def probe_spf(step: Step, ctx: ProbeContext) -> list[Observation]:
    return [await lookup_spf(ctx.resolver, step.name)]


async def probe_sanity(step: Step, ctx: ProbeContext) -> list[Observation]:
    return list(await resolver_sanity(ctx.resolver, list(step.query.hosts)))


async def probe_prefetch(step: Step, ctx: ProbeContext) -> list[Observation]:
    """A and AAAA of the providers' hosts, asked only if the domain's MX is slow to come: when it names one,
    that provider's addresses are there. Records nothing; the provider's own lookups take these answers."""
    mx = ctx.resolver.query(step.name, "MX")  # the MX step's own question (shared, never asked twice)
    try:
        await asyncio.wait_for(asyncio.shield(mx), ctx.deadline.timeouts.prefetch_after)
        return []
    except TimeoutError:
        pass
    names = [ascii_name(host) for host in step.query.hosts]
    await asyncio.gather(*(ctx.resolver.query(name, rdtype) for name in names for rdtype in ("A", "AAAA")))
    return []


async def probe_srv(step: Step, ctx: ProbeContext) -> list[Observation]:
    return list(await lookup_srv(ctx.resolver, step.name))


async def probe_implicit_mx(step: Step, ctx: ProbeContext) -> list[Observation]:
    return list(await lookup_implicit_mx(ctx.resolver, step.name))


async def probe_host(step: Step, ctx: ProbeContext) -> list[Observation]:
    return list(await lookup_addresses(ctx.resolver, step.name))


async def probe_authoritative(step: Step, ctx: ProbeContext) -> list[Observation]:
    servers = list(step.query.servers) or None
    return list(await compare_authoritative(ctx.resolver, ctx.deadline, step.name, servers, rdtype=step.query.rdtype,
                                            policy=ctx.address_policy))


# --- MX ------------------------------------------------------------------------------------------


async def lookup_mx(resolver: Resolver, domain: str) -> DnsLookup:
    """The domain's MX, sorted by preference then name; a lone `0 .` is a null MX (RFC 7505)."""
    name = ascii_name(domain)
    answer = await resolver.query(name, "MX")
    return _mx_lookup(answer, check_id("dns.mx", name), "mx", _asked(resolver, answer))


async def lookup_implicit_mx(resolver: Resolver, domain: str) -> list[DnsLookup]:
    """The domain's own A and AAAA: where mail goes when it has no MX at all (RFC 5321 §5.1)."""
    name = ascii_name(domain)
    a, aaaa = await asyncio.gather(resolver.query(name, "A"), resolver.query(name, "AAAA"))
    return [
        _lookup(a, check_id("dns.a", name), "implicit_mx", nameserver=_asked(resolver, a)),
        _lookup(aaaa, check_id("dns.aaaa", name), "implicit_mx", nameserver=_asked(resolver, aaaa)),
    ]


def _mx_lookup(answer: Answer, check: str, purpose: str, nameserver: str | None) -> DnsLookup:
    lookup = _lookup(answer, check, purpose, nameserver=nameserver)
    records = _mx_records(answer.rrset)
    lookup.mx = records[:MAX_RECORDS]
    lookup.records_not_kept = max(lookup.records_not_kept, len(records) - MAX_RECORDS)
    lookup.null_mx = len(lookup.mx) == 1 and lookup.mx[0].preference == 0 and lookup.mx[0].exchange == "."
    return lookup


def _mx_records(rrset: dns.rrset.RRset | None) -> list[MxRecord]:
    records = [
        MxRecord(preference=int(rdata.preference), exchange=_host_text(rdata.exchange))
        for rdata in rrset or []
        if isinstance(rdata, dns.rdtypes.mxbase.MXBase)
    ]
    return sorted(records, key=lambda mx: (mx.preference, mx.exchange))


# --- host addresses ------------------------------------------------------------------------------


async def lookup_addresses(
    resolver: Resolver, host: str, role: Role = Role.PROVIDER
) -> tuple[DnsLookup, DnsLookup]:
    """A and AAAA of one host, asked together. A host with only one family is normal: the missing one is a
    SKIP; only a host with neither has both FAIL."""
    name = ascii_name(host)
    a, aaaa = await asyncio.gather(resolver.query(name, "A"), resolver.query(name, "AAAA"))
    one_family = (a.failure is None) != (aaaa.failure is None)
    absent = Status.SKIP if one_family else Status.FAIL
    return (
        _lookup(a, check_id("dns.a", name), "host", role=role, absent=absent, nameserver=_asked(resolver, a)),
        _lookup(aaaa, check_id("dns.aaaa", name), "host", role=role, absent=absent, nameserver=_asked(resolver, aaaa)),
    )


# --- SPF -----------------------------------------------------------------------------------------


async def lookup_spf(resolver: Resolver, domain: str) -> DnsLookup:
    """The domain's SPF record: one is right, several are a permerror (RFC 7208 §4.5). None is only noted
    (SKIP): SPF concerns outgoing mail's reputation, never whether a mailbox can log in."""
    name = ascii_name(domain)
    answer = await resolver.query(name, "TXT")
    lookup = _lookup(answer, check_id("dns.spf", name), "spf", absent=Status.SKIP, nameserver=_asked(resolver, answer))
    if not answer.ok:
        return lookup
    lookup.records = [text for text in _txt_strings(answer.rrset) if _is_spf(text)][:MAX_RECORDS]
    lookup.records_not_kept = 0  # the other TXT records are not what this lookup is about
    if not lookup.records:
        lookup.status = Status.SKIP
        lookup.error = ErrorFacts(
            kind=Failure.NO_ANSWER, stage="resolve", detail=f"{len(answer.records)} TXT record(s), no v=spf1"
        )
    elif len(lookup.records) > 1:
        lookup.status = Status.WARN
    return lookup


def spf_includes(lookup: DnsLookup) -> list[str]:
    """Domains the SPF record delegates to: `include:` mechanisms and the `redirect=` modifier, in order."""
    domains: list[str] = []
    for record in lookup.records:
        for term in record.split()[1:]:
            mechanism = term.lstrip("+-~?").lower()
            for prefix in ("include:", "redirect="):
                if mechanism.startswith(prefix) and len(mechanism) > len(prefix):
                    domain = mechanism[len(prefix) :].rstrip(".")
                    if domain not in domains:
                        domains.append(domain)
    return domains


def _txt_strings(rrset: dns.rrset.RRset | None) -> list[str]:
    # One TXT record may be split in 255-byte chunks; SPF reads them joined without spaces (RFC 7208 §3.3).
    return [
        b"".join(rdata.strings).decode("utf-8", errors="replace")
        for rdata in rrset or []
        if isinstance(rdata, dns.rdtypes.txtbase.TXTBase)
    ]


def _is_spf(text: str) -> bool:
    version, _, _rest = text.strip().partition(" ")
    return version.lower() == "v=spf1"


# --- SRV (RFC 6186 / 8314) -----------------------------------------------------------------------


async def lookup_srv(resolver: Resolver, domain: str) -> list[DnsLookup]:
    """The mail SRV records; absent ones are normal (SKIP), a target of "." means explicitly disabled."""
    name = ascii_name(domain)
    names = [f"{service}.{name}" for service in SRV_SERVICES]
    answers = await asyncio.gather(*(resolver.query(srv_name, "SRV") for srv_name in names))
    return [_srv_lookup(resolver, answer) for answer in answers]


def _srv_lookup(resolver: Resolver, answer: Answer) -> DnsLookup:
    lookup = _lookup(
        answer,
        check_id("dns.srv", answer.name),
        "srv",
        absent=Status.SKIP,
        nameserver=_asked(resolver, answer),
    )
    records = [
        SrvRecord(
            priority=int(rdata.priority),
            weight=int(rdata.weight),
            port=int(rdata.port),
            target=_host_text(rdata.target),
        )
        for rdata in answer.rrset or []
        if isinstance(rdata, dns.rdtypes.IN.SRV.SRV)
    ]
    # Lowest priority first; within one priority the heavier weight is the likelier choice (RFC 2782).
    ordered = sorted(records, key=lambda srv: (srv.priority, -srv.weight, srv.target))
    lookup.srv = ordered[:MAX_RECORDS]
    lookup.records_not_kept = max(lookup.records_not_kept, len(ordered) - MAX_RECORDS)
    return lookup


# --- is this machine's resolver sane? ------------------------------------------------------------


async def resolver_sanity(resolver: Resolver, hosts: list[str]) -> list[DnsLookup]:
    """A of the providers' well-known hosts: a resolver denying them all is the problem, not the domain."""
    names = list(dict.fromkeys(ascii_name(host) for host in hosts if host.strip()))[:MAX_SANITY_HOSTS]
    answers = await asyncio.gather(*(resolver.query(name, "A") for name in names))
    # The check is collective: once one well-known name resolves, the others' absence says nothing (this
    # network or lab may know only some providers) and is noted as skip; only a resolver denying them all
    # leaves them standing as failures.
    absent = Status.SKIP if any(answer.ok for answer in answers) else Status.FAIL
    return [
        _lookup(
            answer,
            check_id("dns.sanity", answer.name),
            "resolver_sanity",
            role=Role.BASELINE,
            absent=absent,
            nameserver=_asked(resolver, answer),
        )
        for answer in answers
    ]


# --- the resolver against the domain's authoritative servers -------------------------------------


async def compare_authoritative(
    resolver: Resolver,
    deadline: Deadline,
    domain: str,
    servers: list[tuple[str, int]] | None = None,
    *,
    port: int = DNS_PORT,
    rdtype: str = "MX",
    policy: DialPolicy | None = None,
) -> list[DnsLookup]:
    """The domain's MX (or a provider host's A: `rdtype`) asked straight from its name servers (found through
    the resolver, or `servers`).

    Returns the NS lookup first (unless `servers` was given), then one lookup per server asked. `port` is
    where the found name servers listen: 53 in the field, another port in the lab. The found servers' addresses
    come from records: POLICY (addresspolicy.py) says which may be asked.
    """
    name = ascii_name(domain)
    if servers:
        return await _ask_authorities(deadline, name, servers, rdtype)
    ns = await _find_ns(resolver, name)
    if ns.status is not Status.PASS:
        return [_could_not_compare(ns, f"no NS record for {name} or its parent zones", None)]
    found = await _ns_addresses(resolver, _ns_hosts(ns))
    addresses = [a for a in found if (policy or DialPolicy()).refusal(a, "records") is None]
    if found and not addresses:
        refusal = (policy or DialPolicy()).refusal(found[0], "records")
        reason = refusal.detail() if refusal is not None else found[0]
        return [_could_not_compare(ns, f"its name servers are not asked: {reason}", Failure.POLICY)]
    if not addresses:
        return [_could_not_compare(ns, "none of its name servers has an IPv4 address", Failure.NO_ADDRESS)]
    asked = await _ask_authorities(deadline, name, [(address, port) for address in addresses], rdtype)
    return [ns, *asked]


async def _find_ns(resolver: Resolver, name: str) -> DnsLookup:
    # Every level is asked at once (one round trip, not one per level); the nearest that is not absent counts.
    answers = await asyncio.gather(*(resolver.query(zone, "NS") for zone in zone_candidates(name)))
    answer = next((a for a in answers if a.failure not in _ABSENT), answers[-1])
    return _lookup(answer, check_id("dns.ns", name), "ns", nameserver=_asked(resolver, answer))


def zone_candidates(name: str) -> list[str]:
    """The name, then its parents, up to MAX_NS_LEVELS names and never above the registrable level."""
    labels = name.split(".")
    floor = min(len(labels), _registrable_labels(labels))
    return [".".join(labels[start:]) for start in range(len(labels) - floor + 1)][:MAX_NS_LEVELS]


def _registrable_labels(labels: list[str]) -> int:
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _REGISTRY_SECOND_LEVEL:
        return 3
    return 2


def _ns_hosts(ns: DnsLookup) -> list[str]:
    return sorted({record.strip().rstrip(".").lower() for record in ns.records if record.strip(" .")})


async def _ns_addresses(resolver: Resolver, hosts: list[str]) -> list[str]:
    answers = await asyncio.gather(*(resolver.query(host, "A") for host in hosts[:MAX_NS_HOSTS]))
    addresses = addresses_of(
        _lookup(answer, check_id("dns.a", answer.name), "ns") for answer in answers if answer.ok
    )
    return addresses[:MAX_AUTHORITIES]


async def _ask_authorities(
    deadline: Deadline, name: str, servers: list[tuple[str, int]], rdtype: str = "MX"
) -> list[DnsLookup]:
    unique = list(dict.fromkeys(servers))
    answers = await asyncio.gather(
        *(query_server(deadline, name, rdtype, address, port) for address, port in unique)
    )
    if rdtype != "MX":
        return [_lookup(answer, check_id(f"dns.authoritative.{rdtype.lower()}", name, answer.nameserver),
                        "authoritative_host", role=Role.PROVIDER, nameserver=answer.nameserver)
                for answer in answers]
    return [
        _mx_lookup(answer, check_id("dns.authoritative", name, answer.nameserver), "authoritative", None)
        for answer in answers
    ]


def _could_not_compare(ns: DnsLookup, reason: str, kind: Failure | None) -> DnsLookup:
    cause = ns.error.kind if ns.error is not None else Failure.NO_ANSWER
    detail = f"could not compare: {reason}"
    if ns.error is not None and ns.error.detail:
        detail = f"{detail} ({ns.error.detail})"
    error = ErrorFacts(kind=kind or cause, stage="resolve", detail=detail)
    # An optional comparison that could not be made is "not tested" (skip), not a failure of the domain.
    return ns.model_copy(update={"status": Status.SKIP, "error": error})


# --- shared --------------------------------------------------------------------------------------


def _lookup(
    answer: Answer,
    check: str,
    purpose: str,
    *,
    role: Role = Role.PROVIDER,
    absent: Status = Status.FAIL,
    nameserver: str | None = None,
) -> DnsLookup:
    """One answer as evidence: PASS answered, `absent` for NXDOMAIN / no answer, ERROR for could-not-ask."""
    lookup = DnsLookup(
        id=check,
        target=answer.name,
        name=answer.name,
        rdtype=answer.rdtype,
        purpose=purpose,
        role=role,
        status=_status(answer.failure, absent),
        duration_ms=answer.duration_ms,
        nameserver=answer.nameserver or nameserver,
        records=[_record(text) for text in answer.records[:MAX_RECORDS]],
        records_not_kept=max(0, len(answer.records) - MAX_RECORDS),
        ttl=answer.ttl,
        canonical=answer.canonical,
        error=_error(answer),
    )
    if answer.started is not None:
        lookup.began_at(answer.started)  # perhaps asked before this step: early, or by another step first
    return lookup


def _record(text: str) -> str:
    """One record as the evidence keeps it: a TXT record can run to kilobytes."""
    return text if len(text) <= RECORD_CHARS else text[: RECORD_CHARS - 1] + "…"


def _status(failure: Failure | None, absent: Status) -> Status:
    if failure is None:
        return Status.PASS
    # SERVFAIL, a timeout or no resolver say nothing about the record: "could not test", never "absent".
    return absent if failure in _ABSENT else Status.ERROR


def _error(answer: Answer) -> ErrorFacts | None:
    if answer.failure is None:
        return None
    detail = answer.detail or _DEFAULT_DETAIL.get(answer.failure, "")
    # A question the run's deadline ended before its own bound: not tested, never the resolver's silence.
    return ErrorFacts(kind=answer.failure, stage=CUT_OFF_STAGE if answer.cut_off else "resolve", detail=detail)


def _asked(resolver: Resolver, answer: Answer) -> str | None:
    """Who was asked, for answers that do not say who answered (NXDOMAIN, timeouts)."""
    if answer.nameserver is not None:
        return answer.nameserver
    return ", ".join(resolver.nameservers) or None


def ascii_name(name: str) -> str:
    """Lower-case ASCII (IDNA) form without the trailing dot, as asked and as used in check ids."""
    text = name.strip().rstrip(".")
    if not text:
        return ""
    try:
        return dns.name.from_text(text).to_text(omit_final_dot=True).lower()
    except (dns.exception.DNSException, ValueError):
        return text.lower()  # the resolver will report the bad name as its own failure


def _host_text(name: dns.name.Name) -> str:
    return "." if name == dns.name.root else name.to_text(omit_final_dot=True).lower()
