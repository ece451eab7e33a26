"""The Google Workspace client (optional extra) against respx: a service account's signed JWT, users.get's
`suspended`, the Reports API's `login_failure` events. Skipped where google-auth is not installed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

pytest.importorskip("google.auth")

import respx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailprobe.admin.credentials import AdminCredentials, ApiCredentials
from mailprobe.admin.run import AdminOptions, observe
from mailprobe.evidence import Status
from mailprobe.kinds import summarize
from tests.admin.helpers import USER, context, profile

TOKEN = "ya29.google-TOKEN-abcdef"
ADMIN = "https://admin.googleapis.com/admin"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path / "key.json"
    path.write_text(json.dumps({"type": "service_account", "client_email": "probe@acme.iam.gserviceaccount.com",
                                "private_key": pem, "private_key_id": "k1",
                                "token_uri": "https://oauth2.googleapis.com/token"}), encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def router(user: object = None, user_status: int = 200, events: object = None, token_status: int = 200,
           token: object = None) -> respx.MockRouter:
    mock = respx.MockRouter(assert_all_called=False)
    mock.post("https://oauth2.googleapis.com/token").respond(
        token_status, json=token if token is not None else {"access_token": TOKEN, "expires_in": 3600})
    mock.get(f"{ADMIN}/directory/v1/users/{USER}").respond(
        user_status, json=user if user is not None else {"primaryEmail": USER, "suspended": False})
    mock.get(f"{ADMIN}/reports/v1/activity/users/{USER}/applications/login").respond(
        json=events if events is not None else {"items": []})
    mock.get(f"{ADMIN}/reports/v1/activity/users/{USER}/applications/user_accounts").respond(json={"items": []})
    mock.get(f"https://gmail.googleapis.com/gmail/v1/users/{USER}/settings/imap").respond(json={"enabled": True})
    return mock


def ask_google(mock: respx.MockRouter, key_file: Path) -> object:
    import asyncio

    creds = AdminCredentials({"google": ApiCredentials("google", {"key_file": str(key_file),
                                                                  "admin": "admin@acme-trading.com"})})
    options = AdminOptions(creds, transport=httpx.MockTransport(mock.async_handler))
    chosen = profile("google")
    return asyncio.run(observe(context(), options, lambda: chosen, lambda: True))


def test_a_suspended_user_with_its_reason(key_file: Path) -> None:
    mock = router(user={"primaryEmail": USER, "suspended": True, "suspensionReason": "ADMIN"})
    record = ask_google(mock, key_file)
    assert record.enabled is False and record.status is Status.FAIL  # type: ignore[attr-defined]
    assert "suspensionReason = ADMIN" in summarize(record, "en")  # type: ignore[arg-type]
    form = dict(httpx.QueryParams(mock.calls[0].request.content.decode()))
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" and form["assertion"].count(".") == 2
    assert mock.calls[1].request.headers["authorization"] == f"Bearer {TOKEN}"


def test_login_failure_events_with_their_type(key_file: Path) -> None:
    events = {"items": [{"id": {"time": "2026-12-07T10:42:00.000Z"}, "ipAddress": "203.0.113.5", "events": [{
        "type": "login", "name": "login_failure", "parameters": [
            {"name": "login_type", "value": "google_password"},
            {"name": "login_failure_type", "value": "login_failure_invalid_password"}]}]}]}
    mock = router(events=events)
    record = ask_google(mock, key_file)
    assert record.sign_ins[0].code == "login_failure_invalid_password"  # type: ignore[attr-defined]
    asked = [c.request.url.params.get("eventName") for c in mock.calls]
    assert "login_failure" in asked and "password_edit" in asked


def test_an_unauthorised_service_account_is_said(key_file: Path) -> None:
    mock = router(token_status=401, token={"error": "unauthorized_client",
                                           "error_description": "Client is unauthorized to retrieve access tokens"})
    record = ask_google(mock, key_file)
    assert [p.kind for p in record.problems] == ["permission"]  # type: ignore[attr-defined]
    assert record.status is Status.WARN or record.status is Status.ERROR  # type: ignore[attr-defined]
    assert TOKEN not in record.model_dump_json()  # type: ignore[attr-defined]
    assert "PRIVATE KEY" not in record.model_dump_json()  # type: ignore[attr-defined]


def test_every_call_answered_leaves_no_problem(key_file: Path) -> None:
    record = ask_google(router(), key_file)
    assert record.problems == [] and record.status is Status.PASS  # type: ignore[attr-defined]


def test_two_step_verification_enrolled_but_not_enforced(key_file: Path) -> None:
    record = ask_google(router(user={"primaryEmail": USER, "suspended": False, "isEnrolledIn2Sv": True,
                                     "isEnforcedIn2Sv": False, "changePasswordAtNextLogin": True}), key_file)
    assert record.secure_login_enabled is True and record.secure_login_forced is False  # type: ignore[attr-defined]
    assert record.must_change_password is True  # type: ignore[attr-defined]


def test_the_gmail_token_and_the_users_jwt_never_reach_the_record(key_file: Path) -> None:
    """Gmail's own token (the JWT acting as the user) is masked like the Directory's, even when the API echoes
    it back in its error words."""
    gmail_token = "ya29.gmail-TOKEN-fedcba9876"
    mock = router()

    def token(request: httpx.Request) -> httpx.Response:
        assertion = dict(httpx.QueryParams(request.content.decode()))["assertion"]
        claims = json.loads(_b64(assertion.split(".")[1]))
        return httpx.Response(200, json={"access_token": gmail_token if claims["sub"] == USER else TOKEN})

    mock.post("https://oauth2.googleapis.com/token").mock(side_effect=token)
    mock.get(f"https://gmail.googleapis.com/gmail/v1/users/{USER}/settings/imap").respond(
        403, json={"error": {"code": 403, "message": f"token {gmail_token} may not read this mailbox"}})
    record = ask_google(mock, key_file)
    assertions = [dict(httpx.QueryParams(c.request.content.decode()))["assertion"] for c in mock.calls
                  if c.request.url.host == "oauth2.googleapis.com"]
    assert len(assertions) == 2
    said = [record.model_dump_json()] + [summarize(record, lang) for lang in ("en", "zh-Hans", "zh-Hant")]  # type: ignore[attr-defined,arg-type]
    assert [p.call for p in record.problems] == ["gmail.settings"]  # type: ignore[attr-defined]
    for text in said:
        for secret in (gmail_token, TOKEN, *assertions):
            assert secret not in text


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
