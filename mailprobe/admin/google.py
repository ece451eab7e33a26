"""Google Workspace (optional extra `mailprobe[google]`, providers.md §8): a service account with domain-wide
delegation signs a JWT (google-auth, which only signs here: every request goes through admin/http.py), then:

- the Admin SDK's `users.get`: `suspended` and `suspensionReason`, `changePasswordAtNextLogin`, and
  `isEnrolledIn2Sv` / `isEnforcedIn2Sv` (with 2-Step Verification on, a mail app that signs in with the account
  password needs an app password, or the app's own "Sign in with Google");
- the Reports API: the last `login_failure` events (`login_failure_type`) and the user's own password changes
  (`user_accounts` → `password_edit`, "{actor} has changed Account password");
- the Gmail API's `users.settings.getImap` (`enabled`), with a second JWT that acts as the user (the Gmail API
  reads a mailbox's settings only as its owner) and the scope `gmail.settings.basic`. Optional: a scope not
  delegated is a problem said in words, never the end of the record.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from mailprobe.admin.credentials import ApiCredentials
from mailprobe.admin.http import AdminHttp, Reply, bounded, iso_time, signed_in
from mailprobe.kinds.admin import AdminChange, AdminFacts, AdminProblem, AdminQuote, AdminSignIn, ProblemKind

TOKEN_URL = "https://oauth2.googleapis.com/token"
ADMIN_URL = "https://admin.googleapis.com"
GMAIL_URL = "https://gmail.googleapis.com"
SCOPES = ("https://www.googleapis.com/auth/admin.directory.user.readonly "
          "https://www.googleapis.com/auth/admin.reports.audit.readonly")
GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.settings.basic"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
EVENTS = 10
LOG_DAYS = 7
MAX_KEY_BYTES = 64 * 1024


def signed_assertion(info: dict[str, Any], subject: str, audience: str, scopes: str = SCOPES) -> str | None:
    """The service account's signed JWT, acting as SUBJECT, or None when google-auth is not installed."""
    try:
        from google.auth import crypt, jwt
    except ImportError:
        return None
    now = int(time.time())
    signer = crypt.RSASigner.from_service_account_info(info)  # type: ignore[no-untyped-call]
    payload = {"iss": info["client_email"], "sub": subject, "scope": scopes, "aud": audience,
               "iat": now, "exp": now + 3600}
    token: bytes = jwt.encode(signer, payload)  # type: ignore[no-untyped-call]
    return token.decode("ascii")


async def consult(http: AdminHttp, credentials: ApiCredentials, user: str, urls: dict[str, str],
                  facts: AdminFacts) -> None:
    token_url = urls.get("token", TOKEN_URL)
    directory, reports = urls.get("directory", ADMIN_URL).rstrip("/"), urls.get("reports", ADMIN_URL).rstrip("/")
    gmail = urls.get("gmail", GMAIL_URL).rstrip("/")
    info = _key(credentials.text("key_file"), facts)
    if info is None:
        return
    http.redact.add(str(info.get("private_key", "")))
    try:
        assertion = signed_assertion(info, credentials.text("admin"), token_url)
    except (ValueError, KeyError, TypeError):
        facts.problems.append(AdminProblem(call="token", kind="invalid_credentials",
                                           detail="the key file holds no usable private key"))
        return
    if assertion is None:
        facts.problems.append(AdminProblem(call="token", kind="not_installed", detail="google-auth"))
        return
    http.redact.add(assertion)
    reply = await http.request("POST", token_url, form={"grant_type": JWT_GRANT, "assertion": assertion})
    signed = await signed_in(http, reply, lambda call, got: _problem(call, got, http), facts, "users.get",
                             f"{directory}/admin/directory/v1/users/{quote(user, safe='@')}")
    if signed is None:
        return
    if signed.account.ok:
        _account(signed.account, facts)
    since = (datetime.now(UTC) - timedelta(days=LOG_DAYS)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    activity = f"{reports}/admin/reports/v1/activity/users/{quote(user, safe='@')}/applications"
    asks = [_login_failures(http, f"{activity}/login", signed.auth, since, facts),
            _password_edits(http, f"{activity}/user_accounts", signed.auth, since, facts)]
    if facts.enabled is not False:  # a suspended user cannot be acted for: its IMAP switch says nothing more
        asks.append(_imap(http, info, user, token_url, f"{gmail}/gmail/v1/users/{quote(user, safe='@')}/settings/imap",
                          facts))
    await asyncio.gather(*asks)
    facts.sign_ins.sort(key=lambda s: s.at or datetime.min.replace(tzinfo=UTC), reverse=True)
    facts.changes.sort(key=lambda c: c.at or datetime.min.replace(tzinfo=UTC), reverse=True)


def _account(account: Reply, facts: AdminFacts) -> None:
    """users.get: suspended, a password to change at the next login, 2-Step Verification."""
    facts.exists = True
    now = datetime.now(UTC)
    suspended = account.field("suspended")
    if isinstance(suspended, bool):
        facts.enabled = not suspended
        reason = account.field("suspensionReason")
        said = f"suspended = {str(suspended).lower()}" + (f", suspensionReason = {bounded(reason, 40)}"
                                                           if reason else "")
        facts.quotes.append(AdminQuote(at=now, source="directory", text=said, notable=suspended))
    if account.field("changePasswordAtNextLogin") is True:
        facts.must_change_password = True
        facts.quotes.append(AdminQuote(at=now, source="directory", text="changePasswordAtNextLogin = true",
                                       notable=True))
    enrolled, enforced = account.field("isEnrolledIn2Sv"), account.field("isEnforcedIn2Sv")
    if isinstance(enrolled, bool):
        facts.secure_login_enabled = enrolled
        facts.secure_login_forced = enrolled and enforced is True
        said = f"isEnrolledIn2Sv = {str(enrolled).lower()}" + (
            f", isEnforcedIn2Sv = {str(enforced).lower()}" if isinstance(enforced, bool) else "")
        facts.quotes.append(AdminQuote(at=now, source="directory", text=said, notable=enrolled))


async def _login_failures(http: AdminHttp, url: str, auth: dict[str, str], since: str, facts: AdminFacts) -> None:
    for at, item, event in await _asked_events(http, url, auth, since, "login_failure", "reports", facts):
        params = _params(event)
        code = bounded(params.get("login_failure_type") or "login_failure_unknown", 60)
        sign_in = AdminSignIn(at=at, code=code, client=bounded(params.get("login_type") or "", 40) or None,
                              ip=bounded(item.get("ipAddress") or "", 60) or None)
        facts.sign_ins.append(sign_in)
        facts.quotes.append(AdminQuote(at=at, source="reports", notable=True,
                                       text=f"login_failure {code}, ip {sign_in.ip or '?'}"))


async def _password_edits(http: AdminHttp, url: str, auth: dict[str, str], since: str, facts: AdminFacts) -> None:
    """The Reports API's user_accounts `password_edit` ("{actor} has changed Account password")."""
    for at, item, _ in await _asked_events(http, url, auth, since, "password_edit", "reports.user_accounts", facts):
        actor = item.get("actor") if isinstance(item.get("actor"), dict) else {}
        by = bounded(actor.get("email"), 120) if isinstance(actor, dict) and actor.get("email") else None
        facts.changes.append(AdminChange(at=at, by=by, what="password_changed"))
        facts.quotes.append(AdminQuote(at=at, source="reports", notable=True,
                                       text=f"password_edit by {by or '?'}"))


async def _imap(http: AdminHttp, info: dict[str, Any], user: str, token_url: str, url: str,
                facts: AdminFacts) -> None:
    """The Gmail API's IMAP switch, read as the user (domain-wide delegation of gmail.settings.basic)."""
    assertion = signed_assertion(info, user, token_url, GMAIL_SCOPE)
    if assertion is None:
        return
    http.redact.add(assertion)
    reply = await http.request("POST", token_url, form={"grant_type": JWT_GRANT, "assertion": assertion})
    token = reply.field("access_token") if reply.ok else None
    if not isinstance(token, str) or not token:  # the first token worked: this scope is not delegated
        said = _problem("token", reply, http)
        facts.problems.append(said.model_copy(update={
            "call": "gmail.settings", "kind": "unreachable" if reply.error is not None else "permission"}))
        return
    http.redact.add(token)
    imap = await http.request("GET", url, headers={"Authorization": f"Bearer {token}"})
    if not imap.ok:
        facts.problems.append(_problem("gmail.settings", imap, http))
        return
    enabled = imap.field("enabled")
    if isinstance(enabled, bool):
        if not enabled:
            facts.protocols_off.append("imap")
        facts.quotes.append(AdminQuote(at=datetime.now(UTC), source="gmail", notable=not enabled,
                                       text=f"imap enabled = {str(enabled).lower()}"))


async def _asked_events(http: AdminHttp, url: str, auth: dict[str, str], since: str, name: str, call: str,
                        facts: AdminFacts) -> list[tuple[datetime | None, dict[str, Any], dict[str, Any]]]:
    """The Reports API's last NAME events since SINCE; none, with the problem said as CALL, when it will not tell."""
    log = await http.request("GET", url, headers=auth, params={
        "eventName": name, "maxResults": str(EVENTS), "startTime": since})
    if not log.ok:
        facts.problems.append(_problem(call, log, http))
        return []
    return _events(log, name)


def _events(log: Reply, name: str) -> list[tuple[datetime | None, dict[str, Any], dict[str, Any]]]:
    found: list[tuple[datetime | None, dict[str, Any], dict[str, Any]]] = []
    for item in [i for i in (log.field("items") or []) if isinstance(i, dict)][:EVENTS]:
        ident = item.get("id") if isinstance(item.get("id"), dict) else {}
        at = iso_time(ident.get("time") if isinstance(ident, dict) else None)
        found += [(at, item, e) for e in (item.get("events") or []) if isinstance(e, dict) and e.get("name") == name]
    return found


def _params(event: dict[str, Any]) -> dict[Any, Any]:
    return {p.get("name"): p.get("value") for p in (event.get("parameters") or []) if isinstance(p, dict)}


def _key(path: str, facts: AdminFacts) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_KEY_BYTES + 1)
        info = json.loads(raw.decode("utf-8")) if len(raw) <= MAX_KEY_BYTES else None
    except (OSError, UnicodeDecodeError, ValueError):
        info = None
    if not isinstance(info, dict) or not info.get("client_email") or not info.get("private_key"):
        facts.problems.append(AdminProblem(call="token", kind="invalid_credentials",
                                           detail="the key file is not a service account's JSON key"))
        return None
    return info


def _problem(call: str, reply: Reply, http: AdminHttp) -> AdminProblem:
    if reply.error is not None:
        return AdminProblem(call=call, kind="unreachable", code=reply.error.kind.value, detail=reply.error.detail)
    body = reply.body if isinstance(reply.body, dict) else {}
    error = body.get("error")
    code, message = str(reply.status), ""
    if isinstance(error, dict):  # {"error": {"code": 403, "message": "Not Authorized to access this resource/api"}}
        message = str(error.get("message", ""))
    elif isinstance(error, str):  # the token endpoint: {"error": "invalid_grant", "error_description": "…"}
        code, message = error, str(body.get("error_description", ""))
    kind: ProblemKind = "api_error"
    if call == "token":
        kind = "permission" if code == "unauthorized_client" else "invalid_credentials"
    elif reply.status == 401:
        kind = "invalid_credentials"
    elif reply.status == 404:
        kind = "unknown_user"
    elif reply.status == 403:
        kind = "permission"
    elif reply.status == 429:
        kind = "rate_limited"
    return AdminProblem(call=call, kind=kind, code=code, detail=http.redact(bounded(message)))
