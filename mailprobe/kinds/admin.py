"""The `admin` observation kind (`check --admin`): what the provider's administrator API said about the mailbox,
read from the provider's own records, never inferred from the wire. Its facts and observation (`AdminRecord`),
its report check, its summary line and (admin.toml) its words. Pure data: the diagnosis reads it
(diagnosis/rules/admin.py), the report carries it; the clients that fill it live in mailprobe/admin/.

Never a credential: no corp secret, client secret or token is ever a field here (secrecy tests hold to it).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from mailprobe.empty import new_list
from mailprobe.evidence import Facts, Observation
from mailprobe.kinds.base import CheckBase, Kind, provider_first
from mailprobe.lang import Lang
from mailprobe.locales.messages import t

QUOTES_SHOWN = 6  # the summary line quotes at most this many records (the notable ones first)

ProblemKind = Literal[
    "invalid_credentials",  # the API refused the administrator's credentials (Exmail 40001, an OAuth error)
    "unknown_user",  # the API does not know this mailbox
    "permission",  # the credentials lack a permission or licence for this call (Authorization_RequestDenied, 403)
    "rate_limited",  # the API asked to slow down, longer than the run's deadline allows (429, Exmail 45009)
    "api_error",  # any other error the API answered with
    "unreachable",  # the API could not be reached (DNS, connect, TLS, a time-out)
    "not_installed",  # the adapter needs an optional extra that is not installed (google-auth)
    "no_credentials",  # --admin was given no credentials for this provider's API
    "no_api",  # the provider's profile names no administrator API
]
ChangeKind = Literal[
    "disabled", "enabled", "password_changed", "ip_rule_changed", "secure_login_on", "secure_login_off",
]


class AdminQuote(BaseModel):
    """One thing the provider's records say, in their own terms, with its time where the record has one."""

    at: datetime | None = None
    source: str  # the API call: "user/get", "useroption/get", "log/operation", "users", "signIns", …
    text: str  # the record as the API gave it (field = value, a log line), bounded
    notable: bool = False  # a value that stops or explains a login (shown first)


class AdminProblem(BaseModel):
    """An API call that did not answer with records: said in words; the wire checks run regardless."""

    call: str
    kind: ProblemKind
    code: str | None = None  # the API's own code (Exmail errcode, Graph error code, HTTP status)
    detail: str = ""  # the API's own message, bounded, credentials masked


class AdminChange(BaseModel):
    """An administrator's action on the account, from the provider's operation log."""

    at: datetime | None = None
    by: str | None = None  # who did it (the operator's address)
    what: ChangeKind


class AdminSignIn(BaseModel):
    """One sign-in the provider logged for the account (Microsoft's sign-in log, Google's login audit)."""

    at: datetime | None = None
    code: str = "0"  # Entra ID status.errorCode ("0": success); Google: login_failure_type
    client: str | None = None  # clientAppUsed ("IMAP4", "POP3", "Authenticated SMTP", "Browser", …)
    ip: str | None = None
    reason: str | None = None  # the provider's failureReason, bounded


class AdminFacts(Facts):
    api: str  # the adapter type: exmail, graph, google
    user: str  # the account asked about
    exists: bool | None = None
    enabled: bool | None = None  # None: not known
    must_change_password: bool | None = None  # Exmail cpwd_login = 1
    protocols_off: list[str] = Field(default_factory=new_list)  # "imap", "pop3", "smtp" switched off for the user
    secure_login_forced: bool | None = None  # Exmail useroption type 1 (the administrator forces it)
    secure_login_enabled: bool | None = None  # Exmail useroption type 4 (WeChat dynamic code on for the account)
    last_login_at: datetime | None = None
    last_login_ip: str | None = None
    last_login_via: str | None = None  # web, phone, app, client, other
    changes: list[AdminChange] = Field(default_factory=new_list)  # most recent first
    sign_ins: list[AdminSignIn] = Field(default_factory=new_list)  # most recent first
    quotes: list[AdminQuote] = Field(default_factory=new_list)
    problems: list[AdminProblem] = Field(default_factory=new_list)


class AdminRecord(Observation, AdminFacts):
    """The provider's administrator API asked about one mailbox (`--admin`)."""

    kind: Literal["admin"] = "admin"


def _summary(record: AdminRecord, lang: Lang) -> str:
    """What the provider's records say, as quotes with their times, then each problem in words."""
    api = t(f"admin.api.{record.api}", lang)
    parts: list[str] = []
    for problem in record.problems:
        if problem.kind in ("no_api", "no_credentials"):
            parts.append(t(f"summary.admin.{problem.kind}", lang, detail=problem.detail))
        else:
            parts.append(t(f"summary.admin.problem.{problem.kind}", lang, api=api, call=problem.call,
                           code=problem.code or "", detail=problem.detail).replace(" )", ")").replace(" ）", "）"))
    quotes = [
        t("summary.admin.quote", lang, text=q.text, source=q.source, at=q.at.strftime("%Y-%m-%d %H:%M UTC"))
        if q.at is not None else t("summary.admin.quote_untimed", lang, text=q.text, source=q.source)
        for q in sorted(record.quotes, key=lambda q: not q.notable)[:QUOTES_SHOWN]
    ]
    sep = t("summary.admin.sep", lang)
    if quotes:
        parts.insert(0, t("summary.admin.records", lang, api=api, quotes=sep.join(quotes)))
    elif not parts:
        parts.append(t("summary.admin.nothing", lang, api=api))
    return sep.join(parts)


class AdminCheck(CheckBase):
    kind: Literal["admin"] = "admin"
    data: AdminFacts
    observed: ClassVar[type[Observation]] = AdminRecord


# With the provider's services (an admin record's role is the provider's), after webmail, IMAP, POP3 and SMTP.
KIND = Kind(names=("admin",), observation=AdminRecord, check=AdminCheck, summary=_summary, rank=provider_first)
