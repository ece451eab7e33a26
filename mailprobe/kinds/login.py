"""One login (`--login`): its facts, its report check, its blank, its summary line and its words (login.toml)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from mailprobe.empty import new_list
from mailprobe.evidence import (
    Endpoint,
    Facts,
    Observation,
    Status,
    check_id,
)
from mailprobe.kinds.base import CheckBase, Kind, provider_first
from mailprobe.lang import Lang
from mailprobe.locales.messages import guard_times, t, template
from mailprobe.protocols import MailProtocol
from mailprobe.summaries import (
    failure_phrase,
    join,
    quote,
    status_only,
)

_IMAP_TAG = re.compile(r"^[A-Za-z0-9]+ (?=(?:NO|BAD|OK|BYE)\b)", re.IGNORECASE)


class LoginCandidate(BaseModel):
    """One cause a login refusal may mean, as the classifier ranked it; `code` is the standard code behind it."""

    cause: str
    confidence: float
    basis: Literal["code", "pattern", "text", "remembered"]  # remembered: the lockout guard's, from an earlier run
    code: str | None = None


LoginOutcomeName = Literal["ok", "mailbox_refused", "refused", "not_attempted", "error"]


class LoginFacts(Facts):
    """One authentication (`--login`): how it went, the server's words (redacted), what they may mean.
    Never the password, its length, or anything derived from it beyond the hygiene finding ids."""

    protocol: MailProtocol
    host: str = ""
    port: int | None = None
    outcome: LoginOutcomeName = "not_attempted"
    stage: str = "auth"  # the last step begun: guard, session, id, auth, examine, stat
    mechanism: str | None = None  # PLAIN, LOGIN, USER
    accepted: bool = False
    mailbox_ok: bool | None = None  # EXAMINE INBOX / STAT succeeded; None: not reached, or SMTP
    credentials_sent: bool = False
    login_name_form: Literal["address", "local_part", "other"] | None = None
    replies: list[str] = Field(default_factory=new_list)  # the deciding reply, credentials masked
    candidates: list[LoginCandidate] = Field(default_factory=new_list)  # most likely first; empty: not recognised
    # The refusal said nothing a code, pattern or known text explains: `candidates` are what any refusal of
    # the credentials may mean (a wrong password first), not what the words said.
    bare_refusal: bool = False
    hygiene: list[str] = Field(default_factory=new_list)  # ids of password typing mistakes found locally
    worked_before: bool | None = None  # True: a login succeeded in an earlier run; False: never; None: unknown
    guard_until: datetime | None = None  # a guard refusal: when the next login is allowed
    guard_window_s: float | None = None  # … and the window it keeps between logins
    # … when the login it remembers over this protocol was tried (outcome, replies and candidates then say how
    # it ended), or with none remembered over this protocol, when the mailbox's last login was;
    tried_at: datetime | None = None
    tried_unfinished: bool = False  # … a login whose end was never recorded (under way, cut off, or killed)

    def deciding_reply(self) -> str:
        """The server's deciding words as one line. An SMTP multi-line reply (`534-5.7.9 Application-specific
        password required…` then `534 5.7.9 https://…`) is kept whole, its code said once: its first line is
        often the one that tells. Otherwise the last line (IMAP's tagged answer after its untagged lines)."""
        lines = [line for line in self.replies if line.strip()]
        if not lines:
            return ""
        starts = [_SMTP_REPLY.match(line) for line in lines]
        matched = [m for m in starts if m is not None]
        if len(lines) > 1 and len(matched) == len(lines) and len({m.group(1) for m in matched}) == 1:
            status = matched[0].group(3)
            said = " ".join(line[m.end():].strip() for line, m in zip(lines, matched, strict=True))
            return " ".join(part for part in (matched[0].group(1), status, said) if part)
        return lines[-1]


# One line of an SMTP reply: its code, "-" (more lines follow) or " " (the last), an enhanced status code.
_SMTP_REPLY = re.compile(r"^([2-5][0-9]{2})([ -]|$)(?:([245]\.[0-9]{1,3}\.[0-9]{1,3})(?:\s+|$))?")


class LoginAttempt(Observation, LoginFacts):
    """One login over TLS to one address of the provider's server, or why none was made."""

    kind: Literal["login"] = "login"


# -- its summary line --------------------------------------------------------------------------------------


def _login(login: LoginAttempt, lang: Lang) -> str:
    """The login's mechanism, the server's deciding words (already redacted) and the code they carry."""
    protocol = login.protocol.upper()
    mechanism = login.mechanism or "-"
    reply = quote(_IMAP_TAG.sub("", login.deciding_reply())) if login.replies else ""
    # The cause that decided the check (the diagnosis's finding for it), and the code only if it is what
    # supports that cause: a code that backs a weaker reading is not credited with the text's verdict.
    top = login.candidates[0].cause if login.candidates else None
    code = login.candidates[0].code if login.candidates else None
    if login.guard_until is not None:
        return _login_kept_back(login, protocol, reply, top, lang)
    if login.outcome == "ok":
        key = "summary.login.ok_smtp" if login.protocol == "smtp" else "summary.login.ok"
        return t(key, lang, protocol=protocol, mechanism=mechanism)
    if login.outcome in ("refused", "mailbox_refused"):
        text = t(f"summary.login.{login.outcome}", lang, protocol=protocol, mechanism=mechanism, reply=reply)
        # The standard code behind the deciding cause, and that cause's id: ids, in every language.
        said = " → ".join(part for part in (code, top) if part)
        text = f"{text} ({said})" if said else text
        mistyped = f"summary.login.hygiene.{login.hygiene[0]}" if login.hygiene else None
        if login.outcome == "refused" and mistyped and template(mistyped, lang) is not None:
            text = join([text, t(mistyped, lang)], lang)
        return text
    reason = failure_phrase(login.error, lang) if login.error is not None else status_only(login.status, lang)
    key = "summary.login.error" if login.outcome == "error" else "summary.login.not_attempted"
    return t(key, lang, protocol=protocol, reason=reason)


def _login_kept_back(login: LoginAttempt, protocol: str, reply: str, top: str | None, lang: Lang) -> str:
    """A login the lockout guard did not retry, and what it remembers of the last one: when it was tried,
    how it ended, the cause it was given and the server's words — never that it "logged in" unless it did."""
    assert login.guard_until is not None
    # A report from before the guard remembered: its last login opened the window that ends at guard_until.
    tried_at = login.tried_at or login.guard_until - timedelta(seconds=login.guard_window_s or 0.0)
    tried, until = guard_times(tried_at, login.guard_until, lang)
    if login.tried_unfinished:
        key = "summary.login.guard.unfinished"
    elif login.outcome in ("ok", "refused", "mailbox_refused", "error"):
        key = f"summary.login.guard.{login.outcome}"
    else:
        key = "summary.login.guard"
    cause = f" ({top})" if top else ""
    return t(key, lang, protocol=protocol, tried=tried, until=until, reply=reply, cause=cause)


def blank(endpoint: Endpoint, ip: str | None) -> LoginAttempt:
    """The login at ENDPOINT's IP, before anything happened."""
    return LoginAttempt(
        id=check_id(f"login.{endpoint.protocol}", endpoint.host, ip),
        target=endpoint.target,
        address=ip,
        status=Status.SKIP,
        protocol=endpoint.protocol,  # type: ignore[arg-type]  # the planner plans logins for mail protocols only
        host=endpoint.host,
        port=endpoint.port,
        stage="session",
    )


class LoginCheck(CheckBase):
    kind: Literal["login"] = "login"
    data: LoginFacts
    observed: ClassVar[type[Observation]] = LoginAttempt


KIND = Kind(names=("login",), observation=LoginAttempt, check=LoginCheck, summary=_login, rank=provider_first,
            blank=blank)
