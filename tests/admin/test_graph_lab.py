"""Done-when, Microsoft 365: loopback HTTPS stand-ins for login.microsoftonline.com and graph.microsoft.com,
reached through the installed command line in a lab world (--nameserver, --ca-file)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.admin.standin import Answer, ApiStandIn
from tests.lab.world import World
from tests.support.command import Result, run_mailprobe

DOMAIN = "contoso-lab.com"
USER = f"adele@{DOMAIN}"
IP = "127.0.0.17"
LOGIN, GRAPH, EXO = "login.microsoftonline.com", "graph.microsoft.com", "outlook.office365.com"
CLIENT_SECRET = "client~SECRET~lab~0123456789"
TOKEN = "eyJ0eXAiOiJKV1Qi.lab-GRAPH-TOKEN.sig"
ENV = {"MAILPROBE_GRAPH_TENANT": "contoso-lab.onmicrosoft.com", "MAILPROBE_GRAPH_CLIENT_ID": "app-lab",
       "MAILPROBE_GRAPH_CLIENT_SECRET": CLIENT_SECRET}
TOKEN_PATH = "POST /contoso-lab.onmicrosoft.com/oauth2/v2.0/token"
PROFILE = """\
id = "microsoft365"
mx_patterns = ['\\.mail\\.protection\\.outlook\\.com\\.?$']
admin_api = {{type = "graph", urls = {{login = "https://{login}:{port}", graph = "https://{graph}:{port}", \
exchange = "https://{exo}:{port}"}}}}

[names]
en = "Microsoft 365 (lab)"
zh-Hans = "Microsoft 365（实验室）"
zh-Hant = "Microsoft 365（實驗室）"

[[servers]]
protocol = "imap"
host = "outlook.office365.com"
port = {imap}
tls = "implicit"
"""


INVOKE_PATH = "POST /adminapi/beta/contoso-lab.onmicrosoft.com/InvokeCommand"


def routes(user: Any = None, sign_ins: Any = None, token: Answer | None = None,
           cas: Any = None) -> dict[str, Answer | Any]:
    return {
        TOKEN_PATH: token or Answer(body={"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}),
        f"GET /v1.0/users/{USER}": user if user is not None else {"accountEnabled": True},
        "GET /v1.0/auditLogs/signIns": sign_ins if sign_ins is not None else {"value": []},
        INVOKE_PATH: cas if cas is not None else {"value": [{"Identity": USER, "ImapEnabled": True, "PopEnabled": True,
                                                             "SmtpClientAuthenticationDisabled": None}]},
    }


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, ApiStandIn]]:
    mx = "contoso-lab-com.mail.protection.outlook.com"
    world = World(tmp_path_factory.mktemp("graph-world"), domains={
        DOMAIN: {"MX": [f"0 {mx}."]}, mx: {"A": [IP]}, "outlook.office365.com": {"A": [IP]},
        LOGIN: {"A": [IP]}, GRAPH: {"A": [IP]}})
    with world:
        standin = ApiStandIn(routes(), tls=world.certs.server_context(LOGIN, GRAPH, EXO), host=IP)
        (world.providers_dir / "microsoft365.toml").write_text(PROFILE.format(
            login=LOGIN, graph=GRAPH, exo=EXO, port=standin.port, imap=world.ports["imap"]), encoding="utf-8")
        with standin:
            yield world, standin


def check(lab: tuple[World, ApiStandIn], *extra: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    world, _ = lab
    result: Result = run_mailprobe("check", USER, *world.cli_args(), "--no-baseline", "--timeout", "8",
                                   "--format", "json", *extra, env=ENV if env is None else env)
    assert "Traceback" not in result.stderr, result.stderr
    for secret in (CLIENT_SECRET, TOKEN):
        assert secret not in result.stdout and secret not in result.stderr
    return dict(json.loads(result.stdout))


def use(lab: tuple[World, ApiStandIn], **kwargs: Any) -> None:
    lab[1].routes = {k: v if isinstance(v, Answer) else Answer(body=v) for k, v in routes(**kwargs).items()}


def sign_in(code: int, reason: str) -> dict[str, Any]:
    return {"value": [{"createdDateTime": "2026-12-07T10:42:00Z", "userPrincipalName": USER,
                       "clientAppUsed": "IMAP4", "ipAddress": "203.0.113.9",
                       "status": {"errorCode": code, "failureReason": reason}}]}


def test_a_disabled_user_is_account_not_activated(lab: tuple[World, ApiStandIn]) -> None:
    use(lab, user={"accountEnabled": False}, sign_ins=sign_in(50057, "User account is disabled."))
    report = check(lab, "--admin")
    first = report["diagnosis"][0]
    assert first["cause"] == "account_not_activated" and first["confidence"] >= 0.99
    assert "accountEnabled = false" in first["summary"]
    sent = lab[1].seen
    assert any(s.path == f"/v1.0/users/{USER}" and s.headers["authorization"] == f"Bearer {TOKEN}" for s in sent)
    assert any(s.path.endswith("/oauth2/v2.0/token") and b"grant_type=client_credentials" in s.body for s in sent)


def test_a_locked_account_from_the_sign_in_log(lab: tuple[World, ApiStandIn]) -> None:
    use(lab, sign_ins=sign_in(50053, "Account is locked because the user tried to sign in too many times."))
    first = check(lab, "--admin")["diagnosis"][0]
    assert first["cause"] == "account_locked" and "50053" in first["summary"] and "IMAP4" in first["summary"]


def test_a_recent_password_change_explains_worked_before(lab: tuple[World, ApiStandIn]) -> None:
    changed = (datetime.now(UTC) - timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M:%SZ")
    use(lab, user={"accountEnabled": True, "lastPasswordChangeDateTime": changed})
    report = check(lab, "--admin", "--lang", "zh-Hant")
    found = [d for d in report["diagnosis"] if d["variant"] == "admin_password_changed"]
    assert found and "密碼已於" in found[0]["summary"] and "lastPasswordChangeDateTime" in found[0]["summary"]


def test_invalid_admin_credentials_are_said_and_the_wire_checks_are_unaffected(
    lab: tuple[World, ApiStandIn],
) -> None:
    lab[1].routes = {TOKEN_PATH: Answer(401, {"error": "invalid_client",
                                              "error_description": "AADSTS7000215: Invalid client secret provided."})}
    without = check(lab, env={})
    report = check(lab, "--admin")
    admin = next(c for c in report["checks"] if c["kind"] == "admin")
    assert admin["status"] == "error" and "AADSTS7000215" in admin["summary"]
    assert {c["id"]: c["status"] for c in report["checks"] if c["kind"] != "admin"} == {
        c["id"]: c["status"] for c in without["checks"]}
    assert [d["cause"] for d in report["diagnosis"]] == [d["cause"] for d in without["diagnosis"]]


def test_a_denied_sign_in_log_is_said_in_words(lab: tuple[World, ApiStandIn]) -> None:
    use(lab, sign_ins=Answer(403, {"error": {"code": "Authorization_RequestDenied",
                                             "message": "Insufficient privileges to complete the operation."}}))
    admin = next(c for c in check(lab, "--admin")["checks"] if c["kind"] == "admin")
    assert admin["status"] == "warn" and "Authorization_RequestDenied" in admin["summary"]


def test_imap_off_for_the_mailbox_in_exchange_is_protocol_disabled(lab: tuple[World, ApiStandIn]) -> None:
    use(lab, cas={"value": [{"Identity": USER, "ImapEnabled": False, "PopEnabled": True,
                             "SmtpClientAuthenticationDisabled": None}]})
    first = check(lab, "--admin")["diagnosis"][0]
    assert first["cause"] == "protocol_disabled" and first["variant"] == "admin_protocol_off"
    assert "ImapEnabled = False" in first["summary"] and "Get-CASMailbox" in first["summary"]
    invoke = next(s for s in lab[1].seen if s.path.endswith("/InvokeCommand"))
    assert invoke.headers["host"].startswith(EXO) and invoke.headers["authorization"] == f"Bearer {TOKEN}"
    assert json.loads(invoke.body) == {"CmdletInput": {"CmdletName": "Get-CASMailbox",
                                                       "Parameters": {"Identity": USER}}}
    assert any(b"outlook.office365.com%2F.default" in s.body for s in lab[1].seen if s.path.endswith("/token"))


def test_sign_in_requiring_mfa_is_modern_auth_required(lab: tuple[World, ApiStandIn]) -> None:
    """Microsoft's "forced secure login": MFA demanded at sign-in (50076). A password-only IMAP client cannot
    give it, and Exchange Online takes no app password over IMAP/POP: OAuth sign-in, not a client password."""
    use(lab, sign_ins=sign_in(50076, "Due to a configuration change made by your administrator, or because you "
                                     "moved to a new location, you must use multi-factor authentication."))
    first = check(lab, "--admin")["diagnosis"][0]
    assert first["cause"] == "modern_auth_required" and "50076" in first["summary"]


def test_exchange_permission_missing_is_said_and_the_rest_is_read(lab: tuple[World, ApiStandIn]) -> None:
    use(lab, user={"accountEnabled": False},
        cas=Answer(403, {"error": {"code": "Forbidden", "message": "Exchange.ManageAsApp is not granted."}}))
    report = check(lab, "--admin")
    admin = next(c for c in report["checks"] if c["kind"] == "admin")
    assert "Get-CASMailbox" in admin["summary"] and "permission" in admin["summary"]
    assert report["diagnosis"][0]["cause"] == "account_not_activated"
