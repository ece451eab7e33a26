"""Google Workspace (optional extra `mailprobe[google]`, providers.md §8): a service account with domain-wide
delegation signs a JWT (google-auth, which only signs here: every request goes through admin/http.py), then the
Admin SDK's `users.get` (`suspended`, `suspensionReason`) and the Reports API's last `login_failure` events
(`login_failure_type`)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from mailprobe.admin.credentials import ApiCredentials
from mailprobe.admin.http import AdminHttp, Reply, bounded, signed_in
from mailprobe.kinds.admin import AdminFacts, AdminProblem, AdminQuote, AdminSignIn, ProblemKind

TOKEN_URL = "https://oauth2.googleapis.com/token"
ADMIN_URL = "https://admin.googleapis.com"
SCOPES = ("https://www.googleapis.com/auth/admin.directory.user.readonly "
          "https://www.googleapis.com/auth/admin.reports.audit.readonly")
EVENTS = 10
LOG_DAYS = 7
MAX_KEY_BYTES = 64 * 1024


def signed_assertion(info: dict[str, Any], subject: str, audience: str) -> str | None:
    """The service account's signed JWT, or None when google-auth is not installed."""
    try:
        from google.auth import crypt, jwt
    except ImportError:
        return None
    now = int(time.time())
    signer = crypt.RSASigner.from_service_account_info(info)  # type: ignore[no-untyped-call]
    payload = {"iss": info["client_email"], "sub": subject, "scope": SCOPES, "aud": audience,
               "iat": now, "exp": now + 3600}
    token: bytes = jwt.encode(signer, payload)  # type: ignore[no-untyped-call]
    return token.decode("ascii")


async def consult(http: AdminHttp, credentials: ApiCredentials, user: str, urls: dict[str, str],
                  facts: AdminFacts) -> None:
    token_url = urls.get("token", TOKEN_URL)
    directory, reports = urls.get("directory", ADMIN_URL).rstrip("/"), urls.get("reports", ADMIN_URL).rstrip("/")
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
    reply = await http.request("POST", token_url, form={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion})
    signed = await signed_in(http, reply, lambda call, got: _problem(call, got, http), facts, "users.get",
                             f"{directory}/admin/directory/v1/users/{quote(user, safe='@')}")
    if signed is None:
        return
    auth, account = signed.auth, signed.account
    if account.ok:
        facts.exists = True
        suspended = account.field("suspended")
        if isinstance(suspended, bool):
            facts.enabled = not suspended
            reason = account.field("suspensionReason")
            said = f"suspended = {str(suspended).lower()}" + (f", suspensionReason = {bounded(reason, 40)}"
                                                               if reason else "")
            facts.quotes.append(AdminQuote(at=datetime.now(UTC), source="directory", text=said, notable=suspended))

    since = (datetime.now(UTC) - timedelta(days=LOG_DAYS)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    log = await http.request(
        "GET", f"{reports}/admin/reports/v1/activity/users/{quote(user, safe='@')}/applications/login",
        headers=auth, params={"eventName": "login_failure", "maxResults": str(EVENTS), "startTime": since})
    if not log.ok:
        facts.problems.append(_problem("reports", log, http))
        return
    for item in [i for i in (log.field("items") or []) if isinstance(i, dict)][:EVENTS]:
        ident = item.get("id") if isinstance(item.get("id"), dict) else {}
        at = _time(ident.get("time") if isinstance(ident, dict) else None)
        for event in [e for e in (item.get("events") or []) if isinstance(e, dict)]:
            if event.get("name") != "login_failure":
                continue
            params = {p.get("name"): p.get("value") for p in (event.get("parameters") or []) if isinstance(p, dict)}
            code = bounded(params.get("login_failure_type") or "login_failure_unknown", 60)
            sign_in = AdminSignIn(at=at, code=code, client=bounded(params.get("login_type") or "", 40) or None,
                                  ip=bounded(item.get("ipAddress") or "", 60) or None)
            facts.sign_ins.append(sign_in)
            facts.quotes.append(AdminQuote(at=at, source="reports", notable=True,
                                           text=f"login_failure {code}, ip {sign_in.ip or '?'}"))
    facts.sign_ins.sort(key=lambda s: s.at or datetime.min.replace(tzinfo=UTC), reverse=True)


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


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
