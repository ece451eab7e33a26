"""The Microsoft Graph client against respx: app-only token, accountEnabled, sign-ins, errors in words, 429."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from mailprobe.evidence import Status
from mailprobe.kinds import summarize
from tests.admin.helpers import CLIENT_SECRET, GRAPH, GRAPH_TOKEN, LOGIN, USER, ask, context, graph_router


def graph(router: object, **kwargs: object) -> object:
    return ask(router, provider="microsoft365", apis=("graph",), **kwargs)  # type: ignore[arg-type]


def sign_in(code: int, client: str = "IMAP4", reason: str = "") -> dict[str, object]:
    return {"createdDateTime": "2026-12-07T10:42:00Z", "userPrincipalName": USER, "clientAppUsed": client,
            "ipAddress": "203.0.113.9", "status": {"errorCode": code, "failureReason": reason}}


def test_the_client_credentials_token_then_the_user_and_the_sign_ins() -> None:
    router = graph_router(sign_ins={"value": [sign_in(50126, reason="Invalid username or password.")]})
    record = graph(router)
    token = router.calls[0].request
    form = dict(httpx.QueryParams(token.content.decode()))
    assert form["grant_type"] == "client_credentials" and form["scope"] == "https://graph.microsoft.com/.default"
    assert form["client_id"] == "app-0001" and form["client_secret"] == CLIENT_SECRET
    users, signins = router.calls[1].request, router.calls[2].request
    assert users.headers["authorization"] == f"Bearer {GRAPH_TOKEN}"
    assert "accountEnabled" in users.url.params["$select"]
    assert signins.url.params["$filter"] == f"userPrincipalName eq '{USER}'"
    assert record.enabled is True and record.sign_ins[0].code == "50126"  # type: ignore[attr-defined]
    assert record.sign_ins[0].client == "IMAP4" and record.status is Status.FAIL  # type: ignore[attr-defined]
    assert "Invalid username or password." in summarize(record, "en")  # type: ignore[arg-type]


def test_account_enabled_false_is_read() -> None:
    record = graph(graph_router(user={"accountEnabled": False, "userPrincipalName": USER}))
    assert record.enabled is False  # type: ignore[attr-defined]


def test_a_recent_password_change_is_kept_an_old_one_only_quoted() -> None:
    recent = (datetime.now(UTC) - timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    record = graph(graph_router(user={"accountEnabled": True, "lastPasswordChangeDateTime": recent}))
    assert [c.what for c in record.changes] == ["password_changed"]  # type: ignore[attr-defined]
    old = graph(graph_router(user={"accountEnabled": True, "lastPasswordChangeDateTime": "2025-01-01T00:00:00Z"}))
    assert old.changes == [] and old.quotes  # type: ignore[attr-defined]


def test_an_invalid_client_secret_is_said_and_nothing_else_is_asked() -> None:
    router = graph_router(token_status=401, token={
        "error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
    record = graph(router)
    assert [p.kind for p in record.problems] == ["invalid_credentials"]  # type: ignore[attr-defined]
    assert record.status is Status.ERROR and len(router.calls) == 1  # type: ignore[attr-defined]
    assert "AADSTS7000215" in summarize(record, "en")  # type: ignore[arg-type]


def test_authorization_request_denied_on_the_sign_in_log_is_a_finding_in_words() -> None:
    denied = {"error": {"code": "Authorization_RequestDenied",
                        "message": "Insufficient privileges to complete the operation."}}
    record = graph(graph_router(sign_in_status=403, sign_ins=denied))
    assert record.enabled is True and record.status is Status.WARN  # type: ignore[attr-defined]
    assert [(p.kind, p.call, p.code) for p in record.problems] == [  # type: ignore[attr-defined]
        ("permission", "signIns", "Authorization_RequestDenied")]
    assert "lack the permission or licence for signIns" in summarize(record, "en")  # type: ignore[arg-type]


def test_a_missing_licence_403_is_a_permission_problem() -> None:
    premium = {"error": {"code": "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                         "message": "Neither tenant is B2C or tenant doesn't have premium license"}}
    record = graph(graph_router(sign_in_status=403, sign_ins=premium))
    assert record.problems[0].kind == "permission"  # type: ignore[attr-defined]


def test_an_unknown_user_is_said() -> None:
    record = graph(graph_router(user_status=404, user={"error": {"code": "Request_ResourceNotFound",
                                                                 "message": f"Resource '{USER}' does not exist"}}))
    assert record.problems[0].kind == "unknown_user" and record.status is Status.ERROR  # type: ignore[attr-defined]


def test_a_429_is_honoured_within_the_deadline() -> None:
    router = graph_router()
    router.get(f"{GRAPH}/auditLogs/signIns").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200, json={"value": [sign_in(50053)]})])
    record = graph(router)
    assert record.sign_ins[0].code == "50053" and not record.problems  # type: ignore[attr-defined]


def test_a_429_past_the_deadline_is_rate_limited_in_words() -> None:
    router = graph_router()
    router.get(f"{GRAPH}/auditLogs/signIns").respond(429, headers={"Retry-After": "60"}, json={
        "error": {"code": "TooManyRequests", "message": "Too many requests"}})
    record = graph(router, ctx=context(3.0))
    assert [p.kind for p in record.problems] == ["rate_limited"]  # type: ignore[attr-defined]
    assert record.duration_ms < 2000  # type: ignore[attr-defined]


def test_the_token_url_names_the_tenant() -> None:
    router = graph_router()
    graph(router)
    assert str(router.calls[0].request.url) == f"{LOGIN}/contoso.onmicrosoft.com/oauth2/v2.0/token"


def test_exchange_online_cas_mailbox_switches_are_read_with_their_own_token() -> None:
    router = graph_router(cas={"value": [{"Identity": USER, "ImapEnabled": False, "PopEnabled": True,
                                          "SmtpClientAuthenticationDisabled": True}]})
    record = graph(router)
    assert record.protocols_off == ["imap", "smtp"] and record.status is Status.FAIL  # type: ignore[attr-defined]
    scopes = [dict(httpx.QueryParams(c.request.content.decode())).get("scope") for c in router.calls
              if c.request.url.path.endswith("/token")]
    assert scopes == ["https://graph.microsoft.com/.default", "https://outlook.office365.com/.default"]
    invoke = next(c.request for c in router.calls if c.request.url.path.endswith("/InvokeCommand"))
    assert json.loads(invoke.content) == {"CmdletInput": {"CmdletName": "Get-CASMailbox",
                                                          "Parameters": {"Identity": USER}}}
    said = summarize(record, "en")  # type: ignore[arg-type]
    assert "ImapEnabled = False, SmtpClientAuthenticationDisabled = True" in said


def test_smtp_auth_following_the_organisation_is_not_off() -> None:
    record = graph(graph_router())  # SmtpClientAuthenticationDisabled null: the organisation's setting applies
    assert record.protocols_off == [] and record.problems == []  # type: ignore[attr-defined]


def test_exchange_permission_missing_is_said_and_never_fails_the_record() -> None:
    denied = {"error": {"code": "Forbidden", "message": "The role assigned to application isn't supported."}}
    record = graph(graph_router(cas=denied, cas_status=403))
    assert [(p.call, p.kind) for p in record.problems] == [("Get-CASMailbox", "permission")]  # type: ignore[attr-defined]
    assert record.status is Status.WARN and record.exists is True  # type: ignore[attr-defined]
    assert "Get-CASMailbox" in summarize(record, "en")  # type: ignore[arg-type]
