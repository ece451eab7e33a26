"""One DNS question and its answer: its facts, its report check, its summary line and its words (dns.toml)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from mailprobe.empty import new_list
from mailprobe.evidence import (
    ErrorFacts,
    Facts,
    Failure,
    Observation,
    Status,
    deadline_cut,
)
from mailprobe.kinds.base import MAX_CHECKS, CheckBase, Kind
from mailprobe.lang import Lang
from mailprobe.locales.messages import t
from mailprobe.summaries import (
    failure_phrase,
    join,
    listing,
)


class MxRecord(BaseModel):
    preference: int
    exchange: str  # ASCII, no trailing dot; "." (empty) for a null MX


class SrvRecord(BaseModel):
    priority: int
    weight: int
    port: int
    target: str  # "." means "decidedly not available" (RFC 2782 / 6186)


class DnsFacts(Facts):
    name: str
    rdtype: str  # MX, A, AAAA, TXT, SRV, NS, SOA
    purpose: str  # mx, host, spf, srv, resolver_sanity, authoritative, ns, autoconfig
    nameserver: str | None = None  # who answered, "ip:port"
    records: list[str] = Field(default_factory=new_list)  # answers as text
    mx: list[MxRecord] = Field(default_factory=new_list)
    null_mx: bool = False
    srv: list[SrvRecord] = Field(default_factory=new_list)
    ttl: int | None = None
    canonical: str | None = None  # the name the CNAME chain led to, when the name asked was an alias
    addresses_not_probed: int = 0  # addresses beyond plan.MAX_ADDRESSES_PER_FAMILY, left untested
    targets_not_followed: int = 0  # SRV / MX targets beyond the plan's caps (plan.MAX_SRV_TARGETS, MAX_MX_HOSTS)
    records_not_kept: int = 0  # records of the answer beyond probes/dns.MAX_RECORDS, neither kept nor followed


class DnsLookup(Observation, DnsFacts):
    """One DNS question and the resolver's answer (or why there was none)."""

    kind: Literal["dns"] = "dns"


# -- its summary line --------------------------------------------------------------------------------------


def _dns(lookup: DnsLookup, lang: Lang) -> str:
    """The answer, and what of it a cap left out (records not kept, targets not followed; the addresses not
    probed are said with the addresses)."""
    text = _dns_answer(lookup, lang)
    notes = [t(key, lang, count=count) for key, count in (
        ("summary.dns.not_kept", lookup.records_not_kept if lookup.purpose != "report" else 0),
        ("summary.dns.not_followed", lookup.targets_not_followed),
    ) if count > 0]
    return join([text, *notes], lang) if notes else text


def _dns_answer(lookup: DnsLookup, lang: Lang) -> str:
    if lookup.purpose == "report":  # the report's own note of what it left out
        return t("summary.report.not_kept", lang, count=lookup.records_not_kept, limit=MAX_CHECKS)
    if lookup.error is not None:
        return _dns_failure(lookup, lookup.error, lang)
    if lookup.status is Status.SKIP:
        return t("summary.skipped", lang)
    if lookup.null_mx:
        return t("summary.dns.null_mx", lang)
    if lookup.mx:
        ordered = sorted(lookup.mx, key=lambda r: (r.preference, r.exchange))
        rows = [f"{r.preference} {r.exchange}" for r in ordered]
        return t("summary.dns.mx", lang, records=listing(rows, lang))
    if lookup.srv:
        if all(r.target in (".", "") for r in lookup.srv):
            return t("summary.dns.srv_disabled", lang)
        ordered_srv = sorted(lookup.srv, key=lambda r: (r.priority, -r.weight))
        rows = [f"{r.priority} {r.weight} {r.port} {r.target}" for r in ordered_srv]
        return t("summary.dns.srv", lang, records=listing(rows, lang))
    if lookup.records:
        # A TXT record is the domain owner's free text: quoted as written, like a server's words.
        records = [f"«{r}»" for r in lookup.records] if lookup.rdtype == "TXT" else lookup.records
        text = t("summary.dns.records", lang, rdtype=lookup.rdtype, records=listing(records, lang))
        if lookup.addresses_not_probed:  # the cap on addresses per host left some untested: say how many
            text = join([text, t("summary.dns.not_probed", lang, count=lookup.addresses_not_probed)], lang)
        return text
    return t("summary.dns.no_records", lang, rdtype=lookup.rdtype)


def _dns_failure(lookup: DnsLookup, error: ErrorFacts, lang: Lang) -> str:
    if deadline_cut(error):
        return t("summary.fail.cut_off", lang)
    match error.kind:
        case Failure.NXDOMAIN:
            return t("summary.dns.nxdomain", lang, name=lookup.name)
        case Failure.NO_ANSWER:
            return t("summary.dns.no_records", lang, rdtype=lookup.rdtype)
        case Failure.SERVFAIL:
            code = "REFUSED" if "REFUSED" in error.detail.upper() else "SERVFAIL"
            return t("summary.dns.servfail", lang, code=code)
        case Failure.DNS_TIMEOUT:
            return t("summary.dns.timeout", lang)
        case Failure.NO_RESOLVER:
            return t("summary.dns.no_resolver", lang)
    return failure_phrase(error, lang)

_DNS_ORDER = ("mx", "implicit_mx", "spf", "srv", "host", "resolver_sanity", "ns", "authoritative")


def _rank(lookup: DnsLookup) -> tuple[int, int]:
    """DNS first, the MX first of all."""
    return (0, _DNS_ORDER.index(lookup.purpose) if lookup.purpose in _DNS_ORDER else len(_DNS_ORDER))


class DnsCheck(CheckBase):
    kind: Literal["dns"] = "dns"
    data: DnsFacts
    observed: ClassVar[type[Observation]] = DnsLookup


KIND = Kind(names=("dns",), observation=DnsLookup, check=DnsCheck, summary=_dns, rank=_rank)
