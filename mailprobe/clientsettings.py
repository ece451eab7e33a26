"""Client settings for an address (article 4.2): its provider's hosts, ports, TLS and login name form — or,
for a domain no profile knows, what the domain itself publishes (RFC 6186 SRV, autoconfig), found through the
one orchestration a check uses (`check.discover_sync`), before any guess. Where the resolver fails (offline,
denying every name), the words are `check`'s own: the diagnosis' DNS rule judges the same evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailprobe.address import Target, parse_address
from mailprobe.check import CheckOptions, discover_sync
from mailprobe.evidence import Endpoint, Evidence, Expect, Failure, Status, TlsMode
from mailprobe.kinds.dns import DnsLookup
from mailprobe.lang import Lang
from mailprobe.profiles import Profile, ServerSpec, load_profiles, login_name
from mailprobe.settingsview import DnsProblem, ServerRow, SettingsView

# The article's provider notes as a whole: cited for a provider it has no section of its own for (35.com).
PROVIDER_NOTES = "5"


@dataclass
class ClientSettings:
    target: Target
    profile: Profile | None
    matched_by: str  # "mx", "forced", "published" (SRV / autoconfig), "none"
    mx: DnsLookup | None = None
    servers: list[ServerSpec] = field(default_factory=list)
    guessed: bool = False  # the servers are guesses (imap. / smtp. + domain): nothing was published
    dns_problem: DnsProblem | None = None  # the resolver fails (or denies every name): check's judgement

    @property
    def lookup_failed(self) -> bool:
        """The MX lookup could not say anything: a resolver failure, not a fact about the domain."""
        return self.mx is not None and self.mx.status == Status.ERROR

    @property
    def domain_missing(self) -> bool:
        """The resolver says the domain does not exist (NXDOMAIN)."""
        return self.mx is not None and self.mx.error is not None and self.mx.error.kind == Failure.NXDOMAIN

    @property
    def section(self) -> str | None:
        """The article's section about this provider (5.1 NetEase, 5.2 QQ, 5.3 Aliyun), else its provider
        notes as a whole (5); None for a domain no profile knows."""
        if self.profile is None:
            return None
        return self.profile.section or PROVIDER_NOTES

    @property
    def login_name(self) -> str:
        return login_name(self.target, self.profile)[0]

    def view(self, lang: Lang) -> SettingsView:
        """These settings as plain values, for the renderer."""
        return SettingsView(
            address=self.target.address, domain=self.target.domain, domain_ascii=self.target.domain_ascii,
            provider_id=self.profile.id if self.profile else None,
            provider_name=self.profile.name(lang) if self.profile else None,
            matched_by=self.matched_by, login_name=self.login_name, section=self.section,
            mx_hosts=[r.exchange for r in self.mx.mx or []] if self.mx else [],
            mx_error=self.mx.error.kind.value if self.mx and self.mx.error else None,
            lookup_failed=self.lookup_failed, domain_missing=self.domain_missing, dns_problem=self.dns_problem,
            guessed=self.guessed,
            webmail=[u.replace("{domain}", self.target.domain_ascii) for u in self.profile.webmail]
            if self.profile else [],
            servers=[ServerRow(protocol=s.protocol, host=s.host, port=s.port, tls=s.tls.value, label=s.label,
                               alternate=s.expect.value == "candidate") for s in self.servers],
        )


def client_settings(
    address: str,
    provider: str | None = None,
    providers_dir: str | None = None,
    nameservers: list[tuple[str, int]] | None = None,
    timeout: float = 5.0,
    lang: Lang = "en",
    ca_file: str | None = None,
) -> ClientSettings:
    target = parse_address(address)
    profiles = load_profiles(providers_dir)
    if provider is not None:
        profile = profiles.require(provider)
        return ClientSettings(target, profile, "forced", servers=_servers(profile, target))
    options = CheckOptions(timeout=timeout, nameservers=nameservers, profiles=profiles, ca_file=ca_file)
    evidence = discover_sync(target, options)
    mx = next((o for o in evidence.of_type(DnsLookup) if o.purpose == "mx"), None)
    recognised = evidence.plan.profile
    if recognised is not None:
        return ClientSettings(target, recognised, "mx", mx=mx, servers=_servers(recognised, target))
    problem = dns_problem(evidence, lang)
    if problem is not None:
        return ClientSettings(target, None, "none", mx=mx, dns_problem=problem)
    published = [e for e in evidence.plan.endpoints if e.protocol != "web" and e.expect != Expect.CANDIDATE]
    if published:
        return ClientSettings(target, None, "published", mx=mx, servers=_from_endpoints(published))
    guesses = [e for e in evidence.plan.endpoints if e.protocol != "web" and not e.label]
    return ClientSettings(target, None, "none", mx=mx, servers=_from_endpoints(guesses), guessed=bool(guesses))


def dns_problem(evidence: Evidence, lang: Lang) -> DnsProblem | None:
    """The resolver's failure as a check judges it (the diagnosis' own rule), worded in LANG; None when the
    resolver works (a domain it denies while it knows the providers' names does not exist)."""
    from mailprobe.diagnosis import catalogue  # only when the provider was not recognised
    from mailprobe.diagnosis.facts import EvidenceView
    from mailprobe.diagnosis.rules.dns import resolver_failing

    findings = resolver_failing(EvidenceView(evidence))
    if not findings:
        return None
    finding = findings[0]
    words = catalogue.verdict(finding.cause, finding.variant, lang, **finding.params)
    return DnsProblem(cause=finding.cause.value, variant=finding.variant, verdict=words)


def _servers(profile: Profile, target: Target) -> list[ServerSpec]:
    """The servers to set up, never one without encryption (a password would cross the network in clear)."""
    return [s.model_copy(update={"host": s.host_for(target.domain_ascii)})
            for s in profile.servers if s.tls != TlsMode.PLAIN]


def _from_endpoints(endpoints: list[Endpoint]) -> list[ServerSpec]:
    return [
        ServerSpec(protocol=e.protocol, host=e.host, port=e.port, tls=e.tls,  # type: ignore[arg-type]
                   expect=Expect.REQUIRED if e.expect == Expect.CANDIDATE else e.expect)
        for e in endpoints if e.tls != TlsMode.PLAIN
    ]
