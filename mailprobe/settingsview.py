"""Client settings as `mailprobe settings` prints them: a plain record, made (in `clientsettings.py`) before
rendering, so the renderer (`render/settings.py`) reads values and words only, never the check behind them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DnsProblem:
    """What `check` says of this resolver: its cause, the verdict's variant, and the verdict in words."""

    cause: str
    variant: str
    verdict: str


@dataclass(frozen=True)
class ServerRow:
    """One server to set up in a mail client."""

    protocol: str  # imap, pop3, smtp
    host: str
    port: int
    tls: str  # a TlsMode value
    label: str | None = None
    alternate: bool = False  # a candidate: another way in, not the one to use first


@dataclass(frozen=True)
class SettingsView:
    address: str
    domain: str
    domain_ascii: str
    provider_id: str | None  # None: a domain no profile knows
    provider_name: str | None  # in the words' language
    matched_by: str  # "mx", "forced", "published" (SRV / autoconfig), "none"
    login_name: str
    section: str | None  # the article's section about this provider
    mx_hosts: list[str] = field(default_factory=list)
    mx_error: str | None = None  # the MX lookup's failure kind, when it failed
    lookup_failed: bool = False  # the MX lookup could not say anything (a resolver failure)
    domain_missing: bool = False  # the resolver says the domain does not exist
    dns_problem: DnsProblem | None = None
    guessed: bool = False
    webmail: list[str] = field(default_factory=list)  # the provider's webmail addresses, for this domain
    servers: list[ServerRow] = field(default_factory=list)
