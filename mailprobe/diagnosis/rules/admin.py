"""The provider's own records (`--admin`): evidence of its own kind, which outranks what the wire suggests.

A disabled account is `account_not_activated` for certain (who disabled it and when, from the operation log);
a protocol switched off for the user makes `protocol_disabled` near-certain; forced secure login makes
`client_auth_code_required` certain; a password that must be changed first, or has expired, has its own
wording under `password_incorrect`; a sign-in error code maps onto its cause; a recent password change explains
"worked before, fails now". Every finding quotes the record, with its time. `outrank` then folds the login's
own reading of a refusal into the admin finding when the records name another cause.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mailprobe.causes import Cause
from mailprobe.diagnosis.facts import EvidenceView
from mailprobe.diagnosis.finding import Alternative, Finding
from mailprobe.evidence import Evidence, Role
from mailprobe.kinds.admin import AdminChange, AdminQuote, AdminRecord, AdminSignIn
from mailprobe.kinds.login import LoginAttempt

CERTAIN = 0.99
NEAR_CERTAIN = 0.95
OUTRANKS = 0.9  # an admin finding this sure folds a login's differing reading into its own "also possible"
FOLDED = 0.2  # … at no more than this
ALSO_POSSIBLE = 0.5  # a switch that may not be the one the user's app needs
PROTOCOL_NAMES = {"imap": "IMAP", "pop3": "POP3", "smtp": "SMTP"}
# clientAppUsed / login_type words that name a mail app's protocol (Entra: "IMAP4", "POP3", "Authenticated SMTP",
# "Exchange ActiveSync", "Other clients"; Google: "imap", "pop3"…).
_MAIL_CLIENTS = ("imap", "pop", "smtp", "activesync", "other clients", "exchange web services")
# Microsoft Entra sign-in status.errorCode → cause, confidence, variant (providers.md §8).
SIGN_IN_CODES: dict[str, tuple[Cause, float, str]] = {
    "50126": (Cause.PASSWORD_INCORRECT, 0.9, "admin_sign_in"),
    "50053": (Cause.ACCOUNT_LOCKED, NEAR_CERTAIN, "admin_sign_in"),
    "50057": (Cause.ACCOUNT_NOT_ACTIVATED, CERTAIN, "admin_sign_in"),
    "50055": (Cause.PASSWORD_INCORRECT, NEAR_CERTAIN, "admin_password_expired"),
    "53003": (Cause.LOGIN_RESTRICTED, NEAR_CERTAIN, "admin_sign_in"),
    "50076": (Cause.MODERN_AUTH_REQUIRED, 0.9, "admin_sign_in"),
    "50079": (Cause.MODERN_AUTH_REQUIRED, 0.9, "admin_sign_in"),
    # Google's login audit: login_failure_type
    "login_failure_invalid_password": (Cause.PASSWORD_INCORRECT, 0.9, "admin_sign_in"),
    "login_failure_account_disabled": (Cause.ACCOUNT_NOT_ACTIVATED, CERTAIN, "admin_sign_in"),
    "login_failure_invalid_second_factor": (Cause.MODERN_AUTH_REQUIRED, 0.8, "admin_sign_in"),
}


def admin_records(facts: EvidenceView) -> list[Finding]:
    findings: list[Finding] = []
    refused = _login_refused(facts.evidence)
    logins = _login_outcomes(facts.evidence)
    for record in facts.evidence.of_type(AdminRecord):
        findings += _record_findings(record, refused, logins)
    return findings


def _switch_weight(off: list[str], logins: dict[str, set[str]]) -> tuple[float, str]:
    """How sure a switched-off protocol makes `protocol_disabled`. Near-certain when a login over it was refused,
    or when IMAP or SMTP is off (what a mail app needs to read and to send). Only POP3 off, with no POP3 login
    refused, is a warning at most: the app may well use IMAP, which the record leaves on. A switch the record
    calls off while this run logged in over it is not taken as the cause."""
    relevant = [p for p in off if "ok" not in logins.get(p, set())]
    if not relevant:
        return ALSO_POSSIBLE, "warning"
    if any(logins.get(p, set()) & {"refused", "mailbox_refused"} for p in relevant):
        return NEAR_CERTAIN, "critical"
    if any(p in ("imap", "smtp") for p in relevant):
        return NEAR_CERTAIN, "critical"
    return ALSO_POSSIBLE, "warning"


def _record_findings(record: AdminRecord, refused: bool, logins: dict[str, set[str]]) -> list[Finding]:
    found: list[Finding] = []

    def add(cause: Cause, confidence: float, variant: str, severity: str = "critical", **params: str) -> None:
        found.append(Finding(cause=cause, severity="critical" if severity == "critical" else "warning",
                             confidence=confidence, evidence=[record.id], variant=variant,
                             params={"api": record.api, **params}))

    if record.enabled is False:
        quote = _quoted(record, "log/operation", "user/get", "users", "directory", says="disabled")
        quote = quote if "disabled" in quote else _quoted(record, "user/get", "users", "directory")
        change = _latest(record.changes, "disabled")
        if change is not None and change.by and change.at:
            add(Cause.ACCOUNT_NOT_ACTIVATED, CERTAIN, "admin_disabled_by", record=quote, when=_when(change.at),
                who=change.by)
        else:
            add(Cause.ACCOUNT_NOT_ACTIVATED, CERTAIN, "admin_disabled", record=quote)
    if record.protocols_off:
        names = "/".join(PROTOCOL_NAMES.get(p, p.upper()) for p in record.protocols_off)
        confidence, severity = _switch_weight(record.protocols_off, logins)
        add(Cause.PROTOCOL_DISABLED, confidence, "admin_protocol_off", severity, protocols=names,
            record=_quoted(record, "useroption/get", "gmail", "Get-CASMailbox",
                           says=("smtp) = 0", "enabled = false", "Enabled = False", "Disabled = True")))
    # Exmail's secure login (type 1 forced, type 4 the account's own WeChat dynamic code); Google's 2-Step
    # Verification (enforced, or only enrolled): either way mail apps need a client or app password.
    variant = "admin_two_step" if record.api == "google" else "admin_secure_login"
    if record.secure_login_forced:
        add(Cause.CLIENT_AUTH_CODE_REQUIRED, CERTAIN, variant,
            record=_quoted(record, "useroption/get", "directory", says=("type 1 ", "isEnforcedIn2Sv = true")))
    elif record.secure_login_enabled:
        add(Cause.CLIENT_AUTH_CODE_REQUIRED, NEAR_CERTAIN, variant,
            record=_quoted(record, "useroption/get", "directory", says=("type 4 ", "isEnrolledIn2Sv = true")))
    if record.must_change_password:
        add(Cause.PASSWORD_INCORRECT, NEAR_CERTAIN, "admin_must_change",
            record=_quoted(record, "user/get", "directory", says=("cpwd_login", "changePasswordAtNextLogin")))
    latest = _deciding(record.sign_ins)
    if latest is not None and latest.code in SIGN_IN_CODES:
        cause, confidence, variant = SIGN_IN_CODES[latest.code]
        add(cause, confidence, variant, code=latest.code, record=_sign_in(latest))
    change = _latest(record.changes, "password_changed")
    if change is not None and change.at is not None and (refused or not _worked_since(record, change.at)):
        failing = refused or (latest is not None and latest.code not in ("0", ""))
        confidence, severity = (0.9, "critical") if failing else (0.6, "warning")
        quote = _quoted(record, "log/operation", "users", "reports", says="assword")
        if change.by:
            add(Cause.PASSWORD_INCORRECT, confidence, "admin_password_changed_by", severity, when=_when(change.at),
                who=change.by, record=quote)
        else:
            add(Cause.PASSWORD_INCORRECT, confidence, "admin_password_changed", severity, when=_when(change.at),
                record=quote)
    _ip_rule(record, refused, add)
    return found


def _worked_since(record: AdminRecord, moment: datetime) -> bool:
    """A mail app logged in after MOMENT (Exmail's login log, or a successful sign-in over a mail protocol): the
    change did not stop the apps."""
    if record.last_login_via == "client" and record.last_login_at is not None and record.last_login_at > moment:
        return True
    return any(s.code == "0" and s.at is not None and s.at > moment and _mail_client(s) for s in record.sign_ins)


def _mail_client(sign_in: AdminSignIn) -> bool:
    return bool(sign_in.client) and any(word in (sign_in.client or "").lower() for word in _MAIL_CLIENTS)


def _ip_rule(record: AdminRecord, refused: bool, add: Callable[..., None]) -> None:
    """An IP login permission changed in the log's window: the administrator may have restricted where from."""
    change = _latest(record.changes, "ip_rule_changed")
    if change is None or change.at is None:
        return
    confidence, severity = (0.7, "critical") if refused else (0.4, "warning")
    add(Cause.LOGIN_RESTRICTED, confidence, "admin_ip_rule", severity, when=_when(change.at),
        who=change.by or "?", record=_quoted(record, "log/operation", says="ip_rule_changed"))


def _deciding(sign_ins: list[AdminSignIn]) -> AdminSignIn | None:
    """The sign-in that speaks for the mail apps: the latest over a mail protocol (IMAP, POP, SMTP, a legacy
    client), else the latest of all."""
    mail = [s for s in sign_ins if _mail_client(s)]
    pool = mail or sign_ins
    return pool[0] if pool else None


def outrank(findings: list[Finding], evidence: Evidence) -> list[Finding]:
    """The records outrank the wire: a login refusal's own reading (its cause from the server's words) that
    differs from a near-certain admin finding is kept only as that finding's "also possible"."""
    admin_ids = {o.id for o in evidence.of_type(AdminRecord)}
    login_ids = {o.id for o in evidence.of_type(LoginAttempt)}
    sure = [f for f in findings if f.severity == "critical" and f.confidence >= OUTRANKS
            and set(f.evidence) & admin_ids]
    if not sure or not login_ids:
        return findings
    top = max(sure, key=lambda f: f.confidence)
    causes = {f.cause for f in sure}
    kept: list[Finding] = []
    for finding in findings:
        only_login = bool(finding.evidence) and set(finding.evidence) <= login_ids
        if only_login and finding.cause not in causes:
            top.also_possible.append(Alternative(cause=finding.cause, confidence=min(finding.confidence, FOLDED)))
            top.evidence = list(dict.fromkeys([*top.evidence, *finding.evidence]))
            continue
        kept.append(finding)
    return kept


def _login_outcomes(evidence: Evidence) -> dict[str, set[str]]:
    """protocol → how this run's logins to the provider over it ended."""
    outcomes: dict[str, set[str]] = {}
    for attempt in evidence.of_type(LoginAttempt):
        if attempt.role == Role.PROVIDER:
            outcomes.setdefault(attempt.protocol, set()).add(attempt.outcome)
    return outcomes


def _login_refused(evidence: Evidence) -> bool:
    return any(a.role == Role.PROVIDER and a.outcome == "refused" for a in evidence.of_type(LoginAttempt))


def _latest(changes: list[AdminChange], what: str) -> AdminChange | None:
    return next((c for c in changes if c.what == what), None)


def _when(at: object) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if isinstance(at, datetime) else str(at)


def _quote_text(quote: AdminQuote) -> str:
    when = f", {_when(quote.at)}" if quote.at is not None else ""
    return f"{quote.text} ({quote.source}{when})"


def _quoted(record: AdminRecord, *sources: str, says: str | tuple[str, ...] = "") -> str:
    """The record's words behind a finding: the first quote from these calls (that SAYS this, or one of these),
    with its source and time."""
    wanted = (says,) if isinstance(says, str) else says
    for source in sources:
        for quote in record.quotes:
            if quote.source == source and any(word in quote.text for word in wanted):
                return _quote_text(quote)
    return _quote_text(record.quotes[0]) if record.quotes else record.api


def _sign_in(sign_in: AdminSignIn) -> str:
    said = f"errorCode {sign_in.code}" + (f" «{sign_in.reason}»" if sign_in.reason else "")
    client = f", {sign_in.client}" if sign_in.client else ""
    when = f", {_when(sign_in.at)}" if sign_in.at is not None else ""
    return f"{said}{client}{when}"
