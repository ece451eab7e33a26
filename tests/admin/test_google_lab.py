"""Done-when, Google Workspace: a loopback HTTPS stand-in for oauth2.googleapis.com, admin.googleapis.com
(Directory and Reports) and gmail.googleapis.com, reached through the installed command line in a lab world
(--nameserver, --ca-file). google-auth only signs the service account's JWTs: the stand-in checks each
assertion's signature with the test key, who it acts as and what it asks for."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

pytest.importorskip("google.auth")

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt

from tests.admin.standin import Answer, ApiStandIn
from tests.lab.world import World
from tests.support.command import Result, run_mailprobe

DOMAIN = "acme-lab-workspace.com"
USER = f"wang@{DOMAIN}"
ADMIN = f"it-admin@{DOMAIN}"
IP = "127.0.0.18"
OAUTH, DIRECTORY, GMAIL = "oauth2.googleapis.com", "admin.googleapis.com", "gmail.googleapis.com"
TOKEN = "ya29.lab-GOOGLE-TOKEN-0123456789"
USER_PATH = f"GET /admin/directory/v1/users/{USER}"
LOGIN_PATH = f"GET /admin/reports/v1/activity/users/{USER}/applications/login"
ACCOUNTS_PATH = f"GET /admin/reports/v1/activity/users/{USER}/applications/user_accounts"
IMAP_PATH = f"GET /gmail/v1/users/{USER}/settings/imap"
PROFILE = """\
id = "google"
mx_patterns = ['(^|\\.)(google|googlemail)\\.com\\.?$']
admin_api = {{type = "google", urls = {{token = "https://{oauth}:{port}/token", \
directory = "https://{directory}:{port}", reports = "https://{directory}:{port}", gmail = "https://{gmail}:{port}"}}}}

[names]
en = "Google Workspace (lab)"
zh-Hans = "Google Workspace（实验室）"
zh-Hant = "Google Workspace（實驗室）"

[[servers]]
protocol = "imap"
host = "imap.gmail.com"
port = {imap}
tls = "implicit"
"""


def routes(user: Any = None, imap: Any = None, accounts: Any = None,
           token: Answer | None = None) -> dict[str, Answer | Any]:
    return {
        "POST /token": token or Answer(body={"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer"}),
        USER_PATH: user if user is not None else {"primaryEmail": USER, "suspended": False,
                                                  "isEnrolledIn2Sv": False, "isEnforcedIn2Sv": False},
        LOGIN_PATH: {"kind": "admin#reports#activities", "items": []},
        ACCOUNTS_PATH: accounts if accounts is not None else {"kind": "admin#reports#activities", "items": []},
        IMAP_PATH: imap if imap is not None else {"enabled": True, "autoExpunge": True, "expungeBehavior": "archive"},
    }


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, str]:
    """The service account's JSON key (owner-only), its public key, and its private key's PEM."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = private.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    path = tmp_path_factory.mktemp("google-key") / "key.json"
    path.write_text(json.dumps({"type": "service_account", "client_email": "probe@acme-lab.iam.gserviceaccount.com",
                                "private_key": pem, "private_key_id": "lab1",
                                "token_uri": f"https://{OAUTH}/token"}), encoding="utf-8")
    os.chmod(path, 0o600)
    return path, public, pem


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, ApiStandIn]]:
    world = World(tmp_path_factory.mktemp("google-world"), domains={
        DOMAIN: {"MX": ["1 aspmx.l.google.com."]}, "aspmx.l.google.com": {"A": [IP]}, "imap.gmail.com": {"A": [IP]},
        OAUTH: {"A": [IP]}, DIRECTORY: {"A": [IP]}, GMAIL: {"A": [IP]}})
    with world:
        standin = ApiStandIn(routes(), tls=world.certs.server_context(OAUTH, DIRECTORY, GMAIL), host=IP)
        (world.providers_dir / "google.toml").write_text(PROFILE.format(
            oauth=OAUTH, directory=DIRECTORY, gmail=GMAIL, port=standin.port, imap=world.ports["imap"]),
            encoding="utf-8")
        with standin:
            yield world, standin


def check(lab: tuple[World, ApiStandIn], key: tuple[Path, bytes, str], *extra: str,
          env: dict[str, str] | None = None) -> dict[str, Any]:
    world, standin = lab
    standin.seen.clear()
    given = {"MAILPROBE_GOOGLE_KEY_FILE": str(key[0]), "MAILPROBE_GOOGLE_ADMIN": ADMIN} if env is None else env
    result: Result = run_mailprobe("check", USER, *world.cli_args(), "--no-baseline", "--timeout", "8",
                                   "--format", "json", *extra, env=given)
    assert "Traceback" not in result.stderr, result.stderr
    secret_lines = [line for line in key[2].splitlines() if "PRIVATE KEY" not in line]
    for secret in (TOKEN, *secret_lines[:3]):
        assert secret not in result.stdout and secret not in result.stderr
    return dict(json.loads(result.stdout))


def use(lab: tuple[World, ApiStandIn], **kwargs: Any) -> None:
    lab[1].routes = {k: v if isinstance(v, Answer) else Answer(body=v) for k, v in routes(**kwargs).items()}


def admin_check(report: dict[str, Any]) -> dict[str, Any]:
    return dict(next(c for c in report["checks"] if c["kind"] == "admin"))


def assertions(lab: tuple[World, ApiStandIn], public: bytes) -> list[dict[str, Any]]:
    """Every JWT the run sent to the token endpoint, its signature checked with the test key."""
    claims = []
    for seen in lab[1].seen:
        if seen.method == "POST" and seen.path == "/token":
            form = parse_qs(seen.body.decode())
            assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
            claims.append(jwt.decode(form["assertion"][0], certs=public, verify=True))  # type: ignore[no-untyped-call]
    return claims


def test_a_suspended_user_is_account_not_activated(lab: tuple[World, ApiStandIn],
                                                   key: tuple[Path, bytes, str]) -> None:
    use(lab, user={"primaryEmail": USER, "suspended": True, "suspensionReason": "ADMIN"})
    report = check(lab, key, "--admin")
    first = report["diagnosis"][0]
    assert first["cause"] == "account_not_activated" and first["confidence"] >= 0.99
    assert "suspended = true, suspensionReason = ADMIN" in first["summary"]
    claims = assertions(lab, key[1])  # a suspended user is never acted for
    assert [c["sub"] for c in claims] == [ADMIN] and "admin.directory.user.readonly" in claims[0]["scope"]
    assert all(s.headers["authorization"] == f"Bearer {TOKEN}" for s in lab[1].seen if s.method == "GET")


def test_imap_off_for_the_user_is_protocol_disabled(lab: tuple[World, ApiStandIn],
                                                    key: tuple[Path, bytes, str]) -> None:
    use(lab, imap={"enabled": False, "autoExpunge": True, "expungeBehavior": "archive"})
    first = check(lab, key, "--admin")["diagnosis"][0]
    assert first["cause"] == "protocol_disabled" and first["variant"] == "admin_protocol_off"
    assert "IMAP" in first["summary"] and "imap enabled = false" in first["summary"]
    assert any(s.path == f"/gmail/v1/users/{USER}/settings/imap" and s.headers["host"].startswith(GMAIL)
               for s in lab[1].seen)
    claims = assertions(lab, key[1])
    assert {c["sub"] for c in claims} == {ADMIN, USER}  # the Directory as the admin, Gmail's settings as the user
    assert [c["scope"] for c in claims if c["sub"] == USER] == ["https://www.googleapis.com/auth/gmail.settings.basic"]


def test_two_step_verification_needs_an_app_password(lab: tuple[World, ApiStandIn],
                                                     key: tuple[Path, bytes, str]) -> None:
    use(lab, user={"primaryEmail": USER, "suspended": False, "isEnrolledIn2Sv": True, "isEnforcedIn2Sv": True})
    report = check(lab, key, "--admin", "--lang", "zh-Hans")
    first = report["diagnosis"][0]
    assert first["cause"] == "client_auth_code_required" and first["confidence"] >= 0.99
    assert first["variant"] == "admin_two_step" and "两步验证" in first["summary"]
    assert "isEnforcedIn2Sv = true" in first["summary"]


def test_a_recent_password_change_explains_worked_before(lab: tuple[World, ApiStandIn],
                                                         key: tuple[Path, bytes, str]) -> None:
    at = (datetime.now(UTC) - timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    use(lab, accounts={"items": [{"id": {"time": at, "applicationName": "user_accounts"},
                                  "actor": {"email": ADMIN}, "ipAddress": "203.0.113.4",
                                  "events": [{"type": "password_change", "name": "password_edit"}]}]})
    report = check(lab, key, "--admin")
    found = [d for d in report["diagnosis"] if d["variant"] == "admin_password_changed_by"]
    assert found, report["diagnosis"]
    assert ADMIN in found[0]["summary"] and "password_edit" in found[0]["summary"]
    assert "worked before" in found[0]["summary"]


def test_invalid_admin_credentials_are_said_and_the_wire_checks_are_unaffected(
    lab: tuple[World, ApiStandIn], key: tuple[Path, bytes, str],
) -> None:
    use(lab, token=Answer(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}))
    without = check(lab, key, env={})
    report = check(lab, key, "--admin")
    admin = admin_check(report)
    assert admin["status"] == "error" and "invalid_grant" in admin["summary"]
    assert "refused the administrator credentials" in admin["summary"]
    assert {c["id"]: c["status"] for c in report["checks"] if c["kind"] != "admin"} == {
        c["id"]: c["status"] for c in without["checks"]}
    assert [d["cause"] for d in report["diagnosis"]] == [d["cause"] for d in without["diagnosis"]]


def test_a_gmail_scope_not_delegated_is_said_and_the_rest_is_read(lab: tuple[World, ApiStandIn],
                                                                  key: tuple[Path, bytes, str]) -> None:
    use(lab, user={"primaryEmail": USER, "suspended": False, "changePasswordAtNextLogin": True},
        imap=Answer(403, {"error": {"code": 403, "message": "Delegation denied for " + USER}}))
    report = check(lab, key, "--admin")
    admin = admin_check(report)
    assert "gmail.settings" in admin["summary"] and "permission" in admin["summary"]
    first = report["diagnosis"][0]
    assert first["cause"] == "password_incorrect" and first["variant"] == "admin_must_change"
    assert "changePasswordAtNextLogin = true" in first["summary"]
