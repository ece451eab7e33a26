"""Microsoft 365 through Microsoft Graph, app-only (client credentials, providers.md §8): the user's
`accountEnabled` and last password change, and the last sign-ins with their `status.errorCode` and
`clientAppUsed`; and, from Exchange Online's admin API, the mailbox's own IMAP, POP and SMTP AUTH switches
(Get-CASMailbox: per-user client access lives in Exchange, not in Graph). Missing permissions or licences
(Authorization_RequestDenied, a 403 on the sign-in log or on Exchange's API) are problems said in words; a 429
is waited out within the deadline (admin/http.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from mailprobe.admin.credentials import ApiCredentials
from mailprobe.admin.http import AdminHttp, Reply, bounded, iso_time, signed_in
from mailprobe.kinds.admin import AdminChange, AdminFacts, AdminProblem, AdminQuote, AdminSignIn, ProblemKind

LOGIN_URL = "https://login.microsoftonline.com"
GRAPH_URL = "https://graph.microsoft.com"
EXCHANGE_URL = "https://outlook.office365.com"
EXCHANGE_SCOPE = "https://outlook.office365.com/.default"
CAS_CALL = "Get-CASMailbox"
# Get-CASMailbox's switches: the field, the protocol it governs, and the value that switches it off.
CAS_SWITCHES = (("ImapEnabled", "imap", False), ("PopEnabled", "pop3", False),
                ("SmtpClientAuthenticationDisabled", "smtp", True))
SIGN_INS = 10
RECENT_DAYS = 7  # a password change this recent may explain "worked before, fails now"
_INVALID_GRANT = frozenset({"invalid_client", "unauthorized_client", "invalid_grant", "invalid_request",
                            "invalid_scope"})


async def _app_token(http: AdminHttp, credentials: ApiCredentials, login: str, scope: str) -> Reply:
    """The client-credentials grant for SCOPE, with the app's identifier and secret (the one credentials value)."""
    app = credentials.signs_in
    tenant = quote(credentials.text("tenant"), safe="")
    return await http.request("POST", f"{login}/{tenant}/oauth2/v2.0/token", form={
        "client_id": app.login_name or "", "client_secret": app.password.reveal(),
        "scope": scope, "grant_type": "client_credentials",
    })


async def consult(http: AdminHttp, credentials: ApiCredentials, user: str, urls: dict[str, str],
                  facts: AdminFacts) -> None:
    login, graph = urls.get("login", LOGIN_URL).rstrip("/"), urls.get("graph", GRAPH_URL).rstrip("/")
    http.redact.add(credentials.signs_in.password)
    reply = await _app_token(http, credentials, login, "https://graph.microsoft.com/.default")
    signed = await signed_in(http, reply, lambda call, got: _problem(call, got, http), facts, "users",
                             f"{graph}/v1.0/users/{quote(user, safe='@')}",
                             params={"$select": "accountEnabled,userPrincipalName,lastPasswordChangeDateTime"})
    if signed is None:
        return
    account = signed.account
    if account.ok:
        facts.exists = True
        enabled = account.field("accountEnabled")
        if isinstance(enabled, bool):
            facts.enabled = enabled
            facts.quotes.append(AdminQuote(at=datetime.now(UTC), source="users",
                                           text=f"accountEnabled = {str(enabled).lower()}", notable=not enabled))
        changed = iso_time(account.field("lastPasswordChangeDateTime"))
        if changed is not None:
            recent = datetime.now(UTC) - changed <= timedelta(days=RECENT_DAYS)
            if recent:  # an old change explains nothing about today's failure
                facts.changes.append(AdminChange(at=changed, what="password_changed"))
            facts.quotes.append(AdminQuote(at=changed, source="users", notable=recent,
                                           text=f"lastPasswordChangeDateTime = {changed.isoformat()}"))

    exchange = urls.get("exchange", EXCHANGE_URL).rstrip("/")
    await asyncio.gather(_sign_ins(http, graph, signed.auth, user, facts),
                         _cas_mailbox(http, credentials, login, exchange, user, facts))


async def _sign_ins(http: AdminHttp, graph: str, auth: dict[str, str], user: str, facts: AdminFacts) -> None:
    safe_user = user.replace("'", "''")
    signins = await http.request("GET", f"{graph}/v1.0/auditLogs/signIns", headers=auth, params={
        "$filter": f"userPrincipalName eq '{safe_user}'", "$top": str(SIGN_INS), "$orderby": "createdDateTime desc"})
    if not signins.ok:
        facts.problems.append(_problem("signIns", signins, http))
        return
    entries = [e for e in (signins.field("value") or []) if isinstance(e, dict)][:SIGN_INS]
    for entry in entries:
        found = entry.get("status")
        status: dict[str, object] = found if isinstance(found, dict) else {}
        code = str(status.get("errorCode", 0))
        sign_in = AdminSignIn(
            at=iso_time(entry.get("createdDateTime")), code=code,
            client=bounded(entry.get("clientAppUsed"), 40) if entry.get("clientAppUsed") else None,
            ip=bounded(entry.get("ipAddress"), 60) if entry.get("ipAddress") else None,
            reason=bounded(status.get("failureReason"), 160) if status.get("failureReason") else None,
        )
        facts.sign_ins.append(sign_in)
        said = f"errorCode {code}" + (f" «{sign_in.reason}»" if sign_in.reason else "")
        facts.quotes.append(AdminQuote(at=sign_in.at, source="signIns", notable=code != "0",
                                       text=f"{said}, clientAppUsed {sign_in.client or '?'}, ip {sign_in.ip or '?'}"))


async def _cas_mailbox(http: AdminHttp, credentials: ApiCredentials, login: str, exchange: str, user: str,
                       facts: AdminFacts) -> None:
    """Exchange Online's per-mailbox client access (Get-CASMailbox through the admin API's InvokeCommand, as the
    ExchangeOnlineManagement v3 module calls it): IMAP, POP and SMTP AUTH switched off for this one user. It needs
    the app role Exchange.ManageAsApp and an Exchange role for the app: without them a 401 or 403 is a problem
    said in words, never the end of the record."""
    reply = await _app_token(http, credentials, login, EXCHANGE_SCOPE)
    token = reply.field("access_token") if reply.ok else None
    if not isinstance(token, str) or not token:  # Graph's token worked: the app lacks Exchange's permission
        said = _problem(CAS_CALL, reply, http)
        facts.problems.append(said.model_copy(update={"kind": "unreachable" if reply.error else "permission"}))
        return
    http.redact.add(token)
    tenant = quote(credentials.text("tenant"), safe="")
    answer = await http.request(
        "POST", f"{exchange}/adminapi/beta/{tenant}/InvokeCommand", headers={"Authorization": f"Bearer {token}"},
        json_body={"CmdletInput": {"CmdletName": CAS_CALL, "Parameters": {"Identity": user}}})
    if not answer.ok:
        said = _problem(CAS_CALL, answer, http)
        if answer.status in (401, 403):
            said = said.model_copy(update={"kind": "permission"})
        facts.problems.append(said)
        return
    found = [v for v in (answer.field("value") or []) if isinstance(v, dict)]
    if not found:
        return
    mailbox, now, said_off = found[0], datetime.now(UTC), []
    for name, protocol, off_when in CAS_SWITCHES:
        value = mailbox.get(name)
        if not isinstance(value, bool):
            continue
        off = value is off_when
        if off:
            facts.protocols_off.append(protocol)
            said_off.append(f"{name} = {value}")
    shown = ", ".join(f"{name} = {mailbox.get(name)}" for name, _, _ in CAS_SWITCHES if name in mailbox)
    if shown:
        facts.quotes.append(AdminQuote(at=now, source=CAS_CALL, notable=bool(said_off),
                                       text=bounded(", ".join(said_off) if said_off else shown, 160)))


def _problem(call: str, reply: Reply, http: AdminHttp) -> AdminProblem:
    if reply.error is not None:
        return AdminProblem(call=call, kind="unreachable", code=reply.error.kind.value, detail=reply.error.detail)
    body = reply.body if isinstance(reply.body, dict) else {}
    error = body.get("error")
    code, message = "", ""
    if isinstance(error, dict):  # Graph: {"error": {"code": "Authorization_RequestDenied", "message": "…"}}
        code, message = str(error.get("code", "")), str(error.get("message", ""))
    elif isinstance(error, str):  # the token endpoint: {"error": "invalid_client", "error_description": "…"}
        code, message = error, str(body.get("error_description", ""))
    kind: ProblemKind = "api_error"
    token_refused = call == "token" and (code in _INVALID_GRANT or reply.status in (400, 401))
    if token_refused or reply.status == 401 or code == "InvalidAuthenticationToken":
        kind = "invalid_credentials"
    elif reply.status == 404 or code == "Request_ResourceNotFound":
        kind = "unknown_user"
    elif reply.status == 403 or code.startswith("Authorization_") or "NonPremium" in code:
        kind = "permission"
    elif reply.status == 429:
        kind = "rate_limited"
    return AdminProblem(call=call, kind=kind, code=code or str(reply.status), detail=http.redact(bounded(message)))
