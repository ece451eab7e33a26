"""Provider profiles: the model, loading and validating providers/*.toml, and recognising a provider by MX."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from mailprobe.address import Target
from mailprobe.adminapis import AdminApi
from mailprobe.causes import Cause
from mailprobe.empty import new_list
from mailprobe.errors import UsageError
from mailprobe.lang import Lang
from mailprobe.localinput import deeper_than, read_text
from mailprobe.patterns import PROFILE_BUDGET, compile_safe, search_bounded, search_cost, total_cost
from mailprobe.protocols import Expect, TlsMode

PROVIDERS_DIR_ENV = "MAILPROBE_PROVIDERS_DIR"
MAX_PROFILE_BYTES = 1024 * 1024  # the largest built-in profile is some 6 KiB
MAX_PROFILE_DEPTH = 16  # a profile nests four levels ([[servers]] → table → value); data, not a puzzle
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_VARIANT = re.compile(r"^[a-z][a-z0-9_]*$")


class LocalText(BaseModel):
    """A text in our three languages."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    en: str
    zh_hans: str = Field(alias="zh-Hans")
    zh_hant: str = Field(alias="zh-Hant")

    def get(self, lang: Lang) -> str:
        return {"en": self.en, "zh-Hans": self.zh_hans, "zh-Hant": self.zh_hant}[lang]


class ServerSpec(BaseModel):
    """An IMAP / POP3 / SMTP server of the provider. `{domain}` in host stands for the mailbox's domain."""

    model_config = ConfigDict(extra="forbid")

    protocol: Literal["imap", "pop3", "smtp"]
    host: str
    port: int = Field(ge=1, le=65535)
    tls: TlsMode
    expect: Expect = Expect.REQUIRED
    label: str = ""  # "overseas", "hangzhou", "legacy", "backup"
    probe: bool = True  # false: shown by `settings`, never contacted
    note: str = ""

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        value = value.strip().lower().rstrip(".")
        if not re.fullmatch(r"[a-z0-9{}.-]+", value) or value.count("{") != value.count("}"):
            raise ValueError(f"'{value}' is not a host name")
        if "{" in value and "{domain}" not in value:
            raise ValueError("the only placeholder a host may hold is {domain}")
        return value

    def host_for(self, domain: str) -> str:
        return self.host.replace("{domain}", domain)


class ReplyPattern(BaseModel):
    """A server reply the provider is known to give, and the cause it means (for the login probe).

    `unless` guards it: a reply that also matches `unless` does not mean this cause (Tencent lists "login
    frequency limited" among five causes in one reply; alone, those words mean a rate limit)."""

    model_config = ConfigDict(extra="forbid")

    pattern: str
    cause: Cause
    unless: str | None = None
    protocols: list[Literal["imap", "pop3", "smtp", "web"]] = Field(default_factory=new_list)  # empty: any
    source: str = ""
    # "send": a reply to the --loop message's MAIL FROM / RCPT TO / DATA (mailprobe/diagnosis/sending.py), never read
    # for a login; `rule` names which sending rule refused it (a sending_rejected verdict variant).
    stage: Literal["login", "send"] = "login"
    rule: Literal["sender_mismatch", "quota_spent", "spam_suspected", "send_as", "tenant_blocked"] | None = None

    @field_validator("pattern", "unless")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            compile_safe(value, "pattern")  # an UnsafePattern is a ValueError: pydantic names the field
        return value

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """Compiled once; match it with `mailprobe.patterns.search_bounded`, never on an unbounded text."""
        return compile_safe(self.pattern, "pattern")

    @cached_property
    def unless_regex(self) -> re.Pattern[str] | None:
        return compile_safe(self.unless, "unless") if self.unless is not None else None

    @property
    def cost(self) -> int:
        """The steps matching one reply against this pattern (and its guard) may take at worst."""
        guard = [search_cost(self.unless)] if self.unless is not None else []
        return total_cost([search_cost(self.pattern), *guard])

    def matches(self, reply: str) -> bool:
        if search_bounded(self.regex, reply) is None:
            return False
        return self.unless_regex is None or search_bounded(self.unless_regex, reply) is None


class Remedy(BaseModel):
    """A provider-specific remedy for one cause, citing the article section it extends; `variants` /
    `except_variants`: only for the cause's findings of these verdict variants / of all others."""

    model_config = ConfigDict(extra="forbid")

    cause: Cause
    section: str = Field(pattern=r"^[2-5](\.\d)?$")
    text: LocalText
    variants: list[str] = Field(default_factory=new_list)
    except_variants: list[str] = Field(default_factory=new_list)

    @model_validator(mode="after")
    def _one_way_to_choose(self) -> Remedy:
        if self.variants and self.except_variants:
            raise ValueError("a remedy names 'variants' or 'except_variants', not both")
        for variant in self.variants + self.except_variants:
            if not _VARIANT.match(variant):
                raise ValueError(f"'{variant}' is not a verdict variant (snake_case)")
        return self

    def fits(self, variant: str) -> bool:
        """Whether this remedy belongs to a finding of VARIANT."""
        if self.variants:
            return variant in self.variants
        return variant not in self.except_variants


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    names: LocalText
    # The article's own section about this provider (5.1 NetEase, 5.2 QQ, 5.3 Aliyun); None: it has none, and
    # its notes cite the provider notes as a whole (5).
    section: str | None = Field(default=None, pattern=r"^5\.\d$")
    mx_patterns: list[str] = Field(default_factory=new_list)
    mx_examples: list[str] = Field(default_factory=new_list)  # exchangers as users see them: `providers` shows these
    webmail: list[str] = Field(default_factory=new_list)
    admin_url: str | None = None
    admin_api: AdminApi | None = None  # `check --admin`: the administrator API (mailprobe/admin/adapters.py)
    servers: list[ServerSpec] = Field(default_factory=new_list)
    login_name: Literal["address", "local_part"] = "address"
    spf_include: list[str] = Field(default_factory=new_list)
    baseline: bool = False  # may stand as the "other provider" when telling your network from their server
    replies: list[ReplyPattern] = Field(default_factory=new_list)
    remedies: list[Remedy] = Field(default_factory=new_list)
    sources: list[str] = Field(default_factory=new_list)
    source_file: str = Field(default="", exclude=True)
    # Loaded from the user's --providers-dir: the user named its hosts, so the address policy lets them be on
    # this machine or its own networks (addresspolicy.py). Never read from the file itself.
    _from_user: bool = PrivateAttr(default=False)

    @property
    def from_user(self) -> bool:
        return self._from_user

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("ids are lower-case letters, digits, '-' or '_' (at most 32)")
        return value

    @field_validator("mx_patterns")
    @classmethod
    def _patterns(cls, values: list[str]) -> list[str]:
        for index, value in enumerate(values):
            compile_safe(value, f"mx_patterns[{index}]", re.IGNORECASE)
        return values

    @model_validator(mode="after")
    def _examples_match(self) -> Profile:
        for example in self.mx_examples:
            if not self.matches_mx(example):
                raise ValueError(f"mx_examples: '{example}' matches none of the mx_patterns")
        return self

    @field_validator("webmail")
    @classmethod
    def _urls(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.match(r"^https?://[a-z0-9{}.-]+(:\d+)?(/|$)", value, re.IGNORECASE):
                raise ValueError(f"'{value}' is not an http(s) URL")
        return values

    @model_validator(mode="after")
    def _has_something(self) -> Profile:
        if not self.servers and not self.webmail:
            raise ValueError("a profile needs at least one server or webmail URL")
        return self

    @model_validator(mode="after")
    def _patterns_together(self) -> Profile:
        # Each pattern is within its budget; an MX host, or a reply, is matched against all of them.
        for field, costs in (
            ("mx_patterns", [search_cost(p, re.IGNORECASE) for p in self.mx_patterns]),
            ("replies", [reply.cost for reply in self.replies]),
        ):
            cost = total_cost(costs)
            if cost > PROFILE_BUDGET:
                raise ValueError(
                    f"the {field} together may take some {cost:,} steps on one text (at most "
                    f"{PROFILE_BUDGET:,}): use fewer patterns, or simpler ones"
                )
        return self

    @cached_property
    def _mx_regexes(self) -> list[re.Pattern[str]]:
        return [compile_safe(p, f"mx_patterns[{i}]", re.IGNORECASE) for i, p in enumerate(self.mx_patterns)]

    def matches_mx(self, exchange: str) -> bool:
        host = exchange.rstrip(".").lower()
        return any(
            search_bounded(regex, host) or search_bounded(regex, host + ".") for regex in self._mx_regexes
        )

    def name(self, lang: Lang) -> str:
        return self.names.get(lang)

    def fixed_hosts(self) -> list[str]:
        """Its fixed host names: the well-known ones and every server's without a {domain} (secondary ones too)."""
        return list(dict.fromkeys([*self.well_known_hosts(), *(s.host for s in self.servers if "{" not in s.host)]))

    def well_known_hosts(self) -> list[str]:
        """The provider's own fixed host names (no {domain}): a working resolver must know them."""
        hosts: list[str] = []
        for url in self.webmail:
            host = _url_host(url)
            if host and "{" not in host and host not in hosts:
                hosts.append(host)
        for server in self.servers:
            if "{" not in server.host and server.host not in hosts and not server.label:
                hosts.append(server.host)
        return hosts

    def remedies_for(self, cause: Cause) -> list[Remedy]:
        return [r for r in self.remedies if r.cause == cause]


LoginNameForm = Literal["address", "local_part", "other"]


def login_name(target: Target, profile: Profile | None, given: str | None = None) -> tuple[str, LoginNameForm]:
    """The name a mailbox logs in as, and its form: the one GIVEN (--login-user), else the profile's rule (the
    full address by default). The one rule: the login probe, the loop and the client settings all ask here."""
    if given is not None:
        return given, "other"
    if profile is not None and profile.login_name == "local_part":
        return target.local_part, "local_part"
    return target.address, "address"


def _url_host(url: str) -> str | None:
    match = re.match(r"^https?://([^/:?#]+)", url, re.IGNORECASE)
    return match.group(1).lower() if match else None


class ProfileSet:
    """All loaded profiles, in a stable order (built-in first, then user overrides by id)."""

    def __init__(self, profiles: Iterable[Profile]) -> None:
        self._by_id: dict[str, Profile] = {}
        for profile in profiles:
            self._by_id[profile.id] = profile

    def all(self) -> list[Profile]:
        return sorted(self._by_id.values(), key=lambda p: p.id)

    def get(self, profile_id: str) -> Profile | None:
        return self._by_id.get(profile_id)

    def require(self, profile_id: str) -> Profile:
        profile = self.get(profile_id)
        if profile is None:
            known = ", ".join(p.id for p in self.all())
            raise UsageError(f"unknown provider '{profile_id}' (known: {known})")
        return profile

    def fixed_hosts(self) -> list[str]:
        """Every provider's own fixed host names, the ones its probes dial (looked up while a slow MX comes),
        the secondary ones (overseas, …) too: their lookups start with the others', not after the MX."""
        return list(dict.fromkeys(host for profile in self.all() for host in profile.fixed_hosts()))

    def recognise(self, mx_hosts: Iterable[str]) -> Profile | None:
        """The profile whose MX patterns match the most preferred exchanger that any profile matches."""
        for host in mx_hosts:
            for profile in self.all():
                if profile.matches_mx(host):
                    return profile
        return None


def load_profile_file(path: Path) -> Profile:
    text = read_text(str(path), what="provider profile", max_bytes=MAX_PROFILE_BYTES)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"provider profile {path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise UsageError(f"provider profile {path}: not valid TOML (nested too deeply)") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise UsageError(f"provider profile {path}: not valid TOML (a number thousands of digits long)") from None
    if deeper_than(data, MAX_PROFILE_DEPTH):
        raise UsageError(f"provider profile {path}: nested deeper than {MAX_PROFILE_DEPTH} levels")
    return _validate(data, str(path))


def _validate(data: dict[str, object], where: str) -> Profile:
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise UsageError(f"provider profile {where}: field '{field}': {first['msg']}{more}") from None
    profile.source_file = where
    return profile


def builtin_profiles() -> list[Profile]:
    folder = resources.files("mailprobe.providers")
    profiles = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            with resources.as_file(entry) as path:
                profiles.append(load_profile_file(Path(path)))
    return profiles


def load_profiles(extra_dir: str | os.PathLike[str] | None = None) -> ProfileSet:
    """Built-in profiles, then those of `--providers-dir` / MAILPROBE_PROVIDERS_DIR, which override by id."""
    profiles = builtin_profiles()
    folder = extra_dir if extra_dir is not None else os.environ.get(PROVIDERS_DIR_ENV) or None
    if folder is not None:
        path = Path(folder)
        if not path.is_dir():
            raise UsageError(f"providers directory '{folder}' does not exist or is not a directory")
        files = sorted(path.glob("*.toml"))
        if not files:
            raise UsageError(f"providers directory '{folder}' holds no *.toml profile")
        for file in files:
            profile = load_profile_file(file)
            profile._from_user = True
            profiles.append(profile)
    return ProfileSet(profiles)
