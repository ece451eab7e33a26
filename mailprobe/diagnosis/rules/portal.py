"""One address for every name: a captive portal or a DNS hijack on this network, never the provider's fault.

On a hotel-style network the resolver answers every name (every provider's, Google's, the customer's) with
the portal's one or two addresses, and what answers there is the portal: a redirect to its own sign-in page,
a certificate made out to its own name, refused mail ports. Names of several unrelated organisations sharing
so few addresses is something no provider arranges; a portal (or a hijacking resolver) does. It takes a
second witness to say so: the authoritative servers give other addresses, or what answers at the shared
address shows a foreign name (a redirect to another site, a certificate for another host). The certificate
and port failures that follow are the portal's doing, and `portal_explains` lets other rules say so.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from mailprobe.causes import Cause
from mailprobe.diagnosis.facts import EvidenceView
from mailprobe.diagnosis.finding import Finding
from mailprobe.diagnosis.rules.dns import resolver_disagrees, resolver_redirects_host
from mailprobe.evidence import Observation, Role, Status
from mailprobe.kinds.dns import DnsLookup
from mailprobe.kinds.mail import MailSession
from mailprobe.kinds.web import WebVisit

# A portal answers every name with one address (two with IPv6, or a pair behind a balancer).
MAX_SHARED_ADDRESSES = 2
# Names of this many unrelated organisations (registrable domains) behind those addresses: no provider, CDN
# or lab shares one address across three organisations' mail and web hosts and every other name asked.
MIN_ORGANISATIONS = 3
# Lookups asked of the domain's own name servers, not of this network's resolver.
_NOT_THE_RESOLVER = frozenset({"authoritative", "authoritative_host", "ns"})
# Second-level labels under a two-letter country code that are registries, not organisations (example.com.cn).
_REGISTRY_SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu", "ac", "co"})
CONFIDENCE = 0.95  # above the certificate's and the blocked ports' own readings, which it explains


@dataclass(frozen=True)
class Portal:
    """What the evidence shows of a portal: the shared addresses, the names sent there, and its own name."""

    addresses: tuple[str, ...]
    names: tuple[DnsLookup, ...]  # the resolver's answers that all point at `addresses`
    organisations: int
    host: str | None  # the portal's own name: where it redirects, or what its certificate names
    witnesses: tuple[str, ...]  # the checks that show it is not the provider answering (ids)

    def explains(self, observation: Observation) -> bool:
        """This observation dialled the portal, not the server it was looking for."""
        return observation.address is not None and observation.address in self.addresses


def captive_portal(facts: EvidenceView) -> Portal | None:
    """The portal the evidence shows, or None: every name the resolver answered points at one or two
    addresses, names of several organisations among them, and a second witness says it is not theirs."""
    names = [lk for lk in facts.dns if lk.rdtype in ("A", "AAAA") and lk.purpose not in _NOT_THE_RESOLVER
             and lk.status == Status.PASS and lk.records]
    addresses = tuple(sorted({record for lk in names for record in _records(lk)}))
    if not addresses or len(addresses) > MAX_SHARED_ADDRESSES:
        return None
    # Each address is answered for names of several organisations: one name of its own elsewhere is no portal.
    if any(len({organisation(lk.name) for lk in names if address in _records(lk)}) < MIN_ORGANISATIONS
           for address in addresses):
        return None
    organisations = {organisation(lk.name) for lk in names}
    answered_there = [o for o in facts.evidence.observations if isinstance(o, MailSession | WebVisit)
                      and o.role != Role.BASELINE and o.address in addresses]
    redirected = [(o, host) for o in answered_there if isinstance(o, WebVisit)
                  if (host := _foreign_redirect(o)) is not None]
    certified = [(o, name) for o in answered_there if (name := _foreign_certificate(o)) is not None]
    disagreeing = [i for f in resolver_redirects_host(facts) + resolver_disagrees(facts) for i in f.evidence]
    if not (redirected or certified or disagreeing):
        return None
    portal_host = next((host for _, host in redirected), None) or next((name for _, name in certified), None)
    witnesses = [o.id for o, _ in redirected] + [o.id for o, _ in certified] + disagreeing
    names.sort(key=lambda lk: lk.purpose == "resolver_sanity")  # the mail servers' own names first
    return Portal(addresses=addresses, names=tuple(names), organisations=len(organisations), host=portal_host,
                  witnesses=tuple(dict.fromkeys(witnesses)))


def network_hijacked(facts: EvidenceView) -> list[Finding]:
    """Every name points at one address where a portal answers: this network, not the provider or the DNS
    of the domain. The user opens a browser and accepts the network's terms, or switches networks."""
    portal = captive_portal(facts)
    if portal is None:
        return []
    params: dict[str, str | int | float] = {
        "address": ", ".join(portal.addresses), "count": len({lk.name for lk in portal.names}),
        "organisations": portal.organisations,
    }
    if portal.host is not None:
        params["portal"] = portal.host
    return [Finding(
        cause=Cause.NETWORK_PROBLEM, severity="critical", confidence=CONFIDENCE,
        evidence=list(dict.fromkeys([*portal.witnesses, *(lk.id for lk in portal.names)])),
        variant="captive_portal" if portal.host is not None else "dns_hijack", params=params,
    )]


def _records(lookup: DnsLookup) -> set[str]:
    return {record.strip() for record in lookup.records if record.strip()}


def organisation(name: str) -> str:
    """The registrable part of a host name (qq.com for imap.exmail.qq.com, example.com.cn under com.cn)."""
    labels = name.strip().rstrip(".").lower().split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _REGISTRY_SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def _foreign_redirect(visit: WebVisit) -> str | None:
    """The host a redirect led to when it belongs to another organisation than the page asked for."""
    for hop in visit.redirects:
        if not hop.location:
            continue
        host = urlsplit(urljoin(hop.url, hop.location)).hostname
        if host and (_is_ip(host) or organisation(host) != organisation(visit.host)):
            return host
    return None


def _foreign_certificate(observation: MailSession | WebVisit) -> str | None:
    """A name of the certificate served, when none of its names belongs to the host's organisation."""
    tls = observation.tls
    certificate = tls.certificate if tls is not None else None
    if tls is None or tls.verified or certificate is None:
        return None
    names = [n.strip().lower() for n in certificate.san if n.strip()] or _common_names(certificate.subject)
    mine = organisation(observation.host)
    if not names or any(organisation(n.removeprefix("*.")) == mine for n in names):
        return None
    return names[0]


def _common_names(subject: str) -> list[str]:
    parts = (part.strip() for part in subject.split(","))
    return [part[3:].strip().lower() for part in parts if part.upper().startswith("CN=") and part[3:].strip()]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
