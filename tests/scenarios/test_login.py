"""`check --login` through the real command line, against scripted loopback login servers with the providers'
real host names: each cause named first from its reply, for each protocol; the secrets never leak; the guard."""

from __future__ import annotations

import base64
import contextlib
import html
import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from mailprobe.login.guard import LoginGuard
from tests.lab.loginserver import LoginServer
from tests.lab.world import CUSTOMER, World
from tests.support.command import REPO, Result, cli_env, run_mailprobe

ADDRESS = f"zhang.san@{CUSTOMER}"
PASSWORD = "Tr0ub4dor&3-lab"  # never a real one; long enough that an accidental match means a leak
PROTOCOLS = ("imap", "smtp", "pop3")

# One reply per cause and protocol, as the providers (and the standards) word them.
REPLIES: dict[str, dict[str, str]] = {
    "password_incorrect": {
        "imap": "NO [AUTHENTICATIONFAILED] Authentication failed.",
        "smtp": "535 5.7.8 Authentication credentials invalid",
        "pop3": "-ERR [AUTH] Invalid login",
    },
    "account_locked": {
        "imap": "NO [LIMIT] Too many failed logins, try again later",
        "smtp": "535 5.7.0 ERR.REQ.VERIFYCODE",
        "pop3": "-ERR [LOGIN-DELAY] Wait before logging in again",
    },
    "account_not_activated": {
        "imap": "NO [AUTHORIZATIONFAILED] ERR.LOGIN.USEREXP",
        "smtp": "535 5.7.0 ERR.LOGIN.USEREXP",
        "pop3": "-ERR ERR.LOGIN.DOMAINEXPED",
    },
    "client_auth_code_required": {
        "imap": "NO ERR.LOGIN.REQCODE",
        "smtp": "534 5.7.9 Application-specific password required",
        "pop3": "-ERR Please using authorized code to login",
    },
    "protocol_disabled": {
        "imap": "NO [NOPERM] User has no permission",
        "smtp": "535 5.7.0 User has no permission",
        "pop3": "-ERR User has no permission",
    },
    "modern_auth_required": {
        "imap": "NO basic authentication is disabled",
        "smtp": "535 5.7.139 Authentication unsuccessful, basic authentication is disabled.",
        "pop3": "-ERR basic authentication is disabled",
    },
    "login_restricted": {
        "imap": "NO ERR.LOGIN.IPDENY",
        "smtp": "535 5.7.0 ERR.LOGIN.IPDENY",
        "pop3": "-ERR ERR.LOGIN.IPDENY",
    },
}


def login_world(root: Path, per_protocol: dict[str, dict[str, Any]] | None = None, **common: Any) -> World:
    """The qq world with its IMAP, SMTP and POP3 servers authenticating ADDRESS / PASSWORD."""
    per_protocol = per_protocol or {}
    login = {
        f"qq.{protocol}": {"username": ADDRESS, "password": PASSWORD, **common, **per_protocol.get(protocol, {})}
        for protocol in PROTOCOLS
    }
    return World(root, login=login)


def servers(world: World) -> dict[str, LoginServer]:
    found = {protocol: world.servers[f"qq.{protocol}"] for protocol in PROTOCOLS}
    assert all(isinstance(server, LoginServer) for server in found.values())
    return found  # type: ignore[return-value]


def check_login(
    world: World, state: Path, *extra: str, password: str = PASSWORD, fmt: str = "json",
    env: dict[str, str] | None = None,
) -> Result:
    return run_mailprobe(
        "check", ADDRESS, *world.cli_args(), "--login", "--state", str(state), "--format", fmt, "--no-baseline",
        *extra, env={"MAILPROBE_PASSWORD": password, **(env or {})},
    )


def report_of(result: Result) -> dict[str, Any]:
    assert "Traceback" not in result.stderr, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def logins(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["data"]["protocol"]: check for check in report["checks"] if check["kind"] == "login"}


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state" / "state.db"


@pytest.fixture
def world_root(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "world"


# -- healthy -----------------------------------------------------------------------------------------


def test_good_password_logs_in_once_per_protocol_in_order_and_nothing_is_diagnosed(
    world_root: Path, state: Path
) -> None:
    with login_world(world_root) as world:
        result = check_login(world, state, "--login-protocols", "pop3,smtp,imap")
        report = report_of(result)
        seen = servers(world)

    assert result.code == 0, (result.stderr, report["diagnosis"])
    assert report["diagnosis"] == []
    checks = logins(report)
    assert set(checks) == set(PROTOCOLS)
    assert all(check["status"] == "pass" and check["data"]["outcome"] == "ok" for check in checks.values())
    assert checks["imap"]["data"]["mailbox_ok"] is True and checks["pop3"]["data"]["mailbox_ok"] is True
    assert all(len(server.logins) == 1 and server.logins[0].tls for server in seen.values())
    # IMAP first, then SMTP, then POP3: each login starts after the one before it was done.
    starts = {protocol: check["started_ms"] for protocol, check in checks.items()}
    assert starts["imap"] <= starts["smtp"] <= starts["pop3"]
    assert not any("MAIL FROM" in command.upper() for command in seen["smtp"].commands)


def test_coremail_that_wants_id_before_select_is_healthy_because_id_is_sent(world_root: Path, state: Path) -> None:
    with login_world(world_root, require_id=True) as world:
        result = check_login(world, state, "--login-protocols", "imap")
        report = report_of(result)
        imap = servers(world)["imap"]

    assert result.code == 0 and report["diagnosis"] == []
    assert logins(report)["imap"]["data"]["mailbox_ok"] is True
    verbs = [command.split(" ")[1].upper() for command in imap.commands if " " in command]
    assert verbs.index("ID") < verbs.index("EXAMINE")


# -- each cause, named first from the reply, for each protocol --------------------------------------------


@pytest.mark.parametrize("cause", sorted(REPLIES))
def test_refusal_names_its_cause_first_for_each_protocol(cause: str, world_root: Path, state: Path) -> None:
    refusals = {protocol: {"refusal": REPLIES[cause][protocol]} for protocol in PROTOCOLS}
    with login_world(world_root, refusals) as world:
        result = check_login(world, state, "--login-protocols", "imap,smtp,pop3")
        report = report_of(result)
        seen = servers(world)

    assert result.code == 2, result.stderr
    assert report["status"] == "critical"
    first = report["diagnosis"][0]
    assert first["cause"] == cause, [(d["cause"], d["confidence"]) for d in report["diagnosis"]]
    checks = logins(report)
    for protocol in PROTOCOLS:
        data = checks[protocol]["data"]
        assert checks[protocol]["status"] == "fail"
        assert data["candidates"][0]["cause"] == cause, (protocol, data["candidates"])
        assert checks[protocol]["id"] in {e for d in report["diagnosis"] for e in d["evidence"]}
        assert len(seen[protocol].logins) == 1  # a refused login is never retried
    assert first["variant"] in {"login", "worked_before"} or first["variant"].startswith("hygiene_")
    assert "«" in first["summary"]  # the server's words are quoted


def test_several_candidates_of_one_refusal_are_one_finding_with_the_others_also_possible(
    world_root: Path, state: Path
) -> None:
    tencent = "NO Login fail. Account is abnormal, service is not open, password is incorrect, login frequency limited"
    with login_world(world_root, {"imap": {"refusal": tencent}}) as world:
        report = report_of(check_login(world, state, "--login-protocols", "imap"))

    [finding] = report["diagnosis"]
    assert finding["cause"] == "password_incorrect"
    also = [a["cause"] for a in finding["also_possible"]]
    assert also[0] == "protocol_disabled"
    assert {"client_auth_code_required", "account_locked", "account_not_activated"} <= set(also)
    confidences = [finding["confidence"], *(a["confidence"] for a in finding["also_possible"])]
    assert confidences == sorted(confidences, reverse=True)


# -- bare refusals and temporary answers (issue 16, case 4) ----------------------------------------------------

BARE = {"imap": "NO Login failed.", "pop3": "-ERR Login failed.", "smtp": "535 Incorrect authentication data"}


@pytest.mark.parametrize("protocol", sorted(BARE))
def test_a_bare_refusal_is_a_wrong_password_at_modest_confidence_never_an_outage(
    protocol: str, world_root: Path, state: Path
) -> None:
    with login_world(world_root, {protocol: {"refusal": BARE[protocol]}}) as world:
        report = report_of(check_login(world, state, "--login-protocols", protocol))

    assert report["status"] == "critical"
    causes = [d["cause"] for d in report["diagnosis"]]
    assert causes == ["password_incorrect"], causes  # the provider's servers are not failing
    [first] = report["diagnosis"]
    assert first["variant"] == "bare" and first["confidence"] <= 0.5
    assert BARE[protocol].split(" ", 1)[1] in first["summary"]  # the server's words, quoted
    also = {a["cause"]: a for a in first["also_possible"]}
    assert list(also) == ["account_locked", "account_not_activated"]
    # Each alternative comes with what tells it apart: the webmail login, the administrator.
    assert [r["id"] for r in also["account_locked"]["remedies"]] == ["webmail_says_locked"]
    assert "webmail" in also["account_locked"]["remedies"][0]["text"]
    assert [r["id"] for r in also["account_not_activated"]["remedies"]] == ["ask_admin_account_active"]
    assert "administrator" in also["account_not_activated"]["remedies"][0]["text"]
    check = logins(report)[protocol]
    assert check["data"]["bare_refusal"] is True
    assert check["summary"].endswith("(password_incorrect)")


def test_a_bare_refusal_reads_the_same_in_text_and_in_chinese(world_root: Path, state: Path) -> None:
    with login_world(world_root, {"imap": {"refusal": BARE["imap"]}}) as world:
        text = check_login(world, state, "--login-protocols", "imap", fmt="text")
        hant = check_login(world, state, "--login-protocols", "imap", "--force-login", "--lang", "zh-Hant", fmt="text")

    assert "Traceback" not in text.stderr + hant.stderr
    assert "server_outage" not in text.stdout and "server_outage" not in hant.stdout
    assert "Also possible:" in text.stdout and "webmail" in text.stdout
    assert "«NO Login failed.»" in text.stdout and "The server gives no reason" in text.stdout
    assert "其他可能原因" in hant.stdout and "伺服器沒有說明原因" in hant.stdout


@pytest.mark.parametrize(
    ("protocol", "words"),
    [
        pytest.param("imap", "NO [UNAVAILABLE] Temporary authentication failure", id="imap-unavailable"),
        pytest.param("pop3", "-ERR [SYS/TEMP] Temporary system failure", id="pop3-sys-temp"),
        pytest.param("smtp", "421 4.3.2 Service shutting down", id="smtp-421"),
        pytest.param("smtp", "454 4.7.0 Temporary authentication failure", id="smtp-454"),
        pytest.param("imap", "NO ERR.LOGIN.SYSTEMBUSY", id="netease-system-busy"),
    ],
)
def test_an_explicitly_temporary_answer_stays_the_providers_trouble(
    protocol: str, words: str, world_root: Path, state: Path
) -> None:
    with login_world(world_root, {protocol: {"refusal": words}}) as world:
        report = report_of(check_login(world, state, "--login-protocols", protocol))

    first = report["diagnosis"][0]
    assert first["cause"] == "server_outage", [d["cause"] for d in report["diagnosis"]]
    assert logins(report)[protocol]["data"]["bare_refusal"] is False


@pytest.mark.parametrize(
    ("protocol", "words", "cause"),
    [
        pytest.param("imap", "NO Too many connections from your IP", "account_locked", id="imap-connection-limit"),
        pytest.param("pop3", "-ERR Unable to lock maildrop", "account_locked", id="pop3-maildrop-locked"),
        pytest.param("smtp", "550 5.7.1 Client host rejected: your IP is listed", "login_restricted",
                     id="smtp-ip-listed"),
        pytest.param("smtp", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
                     "login_restricted", id="smtp-ip-blocklisted"),
    ],
)
def test_a_refusal_naming_a_connection_limit_or_this_networks_address_is_neither_the_password_nor_an_outage(
    protocol: str, words: str, cause: str, world_root: Path, state: Path
) -> None:
    with login_world(world_root, {protocol: {"refusal": words}}) as world:
        report = report_of(check_login(world, state, "--login-protocols", protocol))

    found = [d["cause"] for d in report["diagnosis"]]
    assert report["status"] == "critical"
    assert found[0] == cause, found
    assert "password_incorrect" not in found and "server_outage" not in found, found
    assert logins(report)[protocol]["data"]["bare_refusal"] is False


def test_a_mailbox_refused_after_a_good_login_is_the_servers_trouble_not_the_password(
    world_root: Path, state: Path
) -> None:
    with login_world(world_root, {"imap": {"replies": {"EXAMINE": "NO Internal error occurred."}}}) as world:
        report = report_of(check_login(world, state, "--login-protocols", "imap"))

    assert [(d["cause"], d["variant"]) for d in report["diagnosis"]] == [("server_outage", "mailbox_refused")]
    assert logins(report)["imap"]["data"]["bare_refusal"] is False


def test_netease_unsafe_login_after_id_names_its_security_policy_and_how_to_allow_the_client(
    world_root: Path, state: Path
) -> None:
    unsafe = "NO EXAMINE Unsafe Login. Please contact kefu@188.com for help"
    login = {"netease.imap": {"username": ADDRESS, "password": PASSWORD, "replies": {"EXAMINE": unsafe}}}
    netease_mx = {CUSTOMER: {"MX": ["10 qiye163mx01.mxmail.netease.com."]}}
    with World(world_root, login=login, domains=netease_mx) as world:
        report = report_of(check_login(world, state, "--login-protocols", "imap"))
        imap = world.servers["netease.imap"]

    assert report["provider"]["id"] == "netease"
    verbs = [command.split(" ")[1].upper() for command in imap.commands if " " in command]
    assert verbs.index("ID") < verbs.index("EXAMINE")  # mailprobe did identify itself first
    first = report["diagnosis"][0]
    assert (first["cause"], first["variant"]) == ("login_restricted", "mailbox_refused")
    assert "server_outage" not in [d["cause"] for d in report["diagnosis"]]
    assert "Unsafe Login" in first["summary"] and "client settings" in first["summary"]
    assert "allow_client_in_webmail" in [r["id"] for r in first["remedies"]]


# -- classification slips (issue 16, case 7) ---------------------------------------------------------------


def _with_builtin_replies(world: World, provider: str) -> None:
    """Give the lab's override of PROVIDER the built-in profile's known replies (the lab's has none)."""
    builtin = (Path(__file__).resolve().parents[2] / "providers" / f"{provider}.toml").read_text(encoding="utf-8")
    replies = builtin[builtin.index("[[replies]]"): builtin.index("[[remedies]]")]
    path = world.providers_dir / f"{provider}.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + replies, encoding="utf-8")


def test_tencents_five_causes_reply_with_the_qq_profile_is_annotated_as_it_is_ranked(
    world_root: Path, state: Path
) -> None:
    tencent = ("NO Login fail. Account is abnormal, service is not open, password is incorrect, login frequency "
               "limited, or system is busy. More information at https://help.mail.qq.com/detail/108/1023")
    with login_world(world_root, {"imap": {"refusal": tencent}}) as world:
        _with_builtin_replies(world, "qq")
        report = report_of(check_login(world, state, "--login-protocols", "imap"))

    check = logins(report)["imap"]
    [finding] = report["diagnosis"]
    assert finding["cause"] == "password_incorrect"
    assert check["summary"].endswith(f"({finding['cause']})"), check["summary"]
    assert "account_locked" in [a["cause"] for a in finding["also_possible"]]


def test_a_code_is_not_credited_with_what_the_text_said_and_weak_readings_fold_in(
    world_root: Path, state: Path
) -> None:
    with login_world(world_root, {"imap": {"refusal": "NO [AUTHORIZATIONFAILED] 请使用授权码登录"}}) as world:
        report = report_of(check_login(world, state, "--login-protocols", "imap"))

    check = logins(report)["imap"]
    assert check["summary"].endswith("(client_auth_code_required)"), check["summary"]
    assert "AUTHORIZATIONFAILED →" not in check["summary"]
    [finding] = report["diagnosis"]  # not three critical causes
    assert finding["cause"] == "client_auth_code_required" and finding["confidence"] >= 0.9
    also = [(a["cause"], a["confidence"]) for a in finding["also_possible"]]
    assert also == [("account_not_activated", 0.6), ("protocol_disabled", 0.4)]


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_a_password_typing_mistake_is_shown_whatever_the_refusals_cause(
    fmt: str, world_root: Path, state: Path
) -> None:
    code_wanted = {"imap": {"refusal": "NO Login Fail. Please enter your authorization code to login."}}
    with login_world(world_root, code_wanted) as world:
        result = check_login(world, state, "--login-protocols", "imap", password=PASSWORD + " ", fmt=fmt)
        again = report_of(check_login(world, state, "--login-protocols", "imap", "--force-login",
                                      password=PASSWORD + " "))

    first = again["diagnosis"][0]
    assert first["cause"] == "client_auth_code_required"
    assert first["params"]["hygiene"] == "surrounding_whitespace"
    assert "starts or ends with a space" in first["summary"]
    assert "space or line break at its start or end" in logins(again)["imap"]["summary"]
    assert "starts or ends with a space" in result.stdout
    assert PASSWORD not in result.stdout + json.dumps(again)


def test_login_accepted_but_mailbox_refused_is_a_finding(world_root: Path, state: Path) -> None:
    with login_world(world_root, {"imap": {"replies": {"EXAMINE": "NO Mailbox is temporarily unavailable"}}}) as world:
        result = check_login(world, state, "--login-protocols", "imap")
        report = report_of(result)

    assert result.code == 2
    check = logins(report)["imap"]
    assert check["data"]["outcome"] == "mailbox_refused" and check["data"]["accepted"] is True
    assert report["diagnosis"][0]["evidence"] == [check["id"]]


def test_password_typing_mistake_goes_into_the_wrong_password_verdict_without_the_password(
    world_root: Path, state: Path
) -> None:
    typed = "ＴＲ０ＵＢ４ＤＯＲ"  # full-width, as an input method in full-width mode types it
    with login_world(world_root) as world:
        report = report_of(check_login(world, state, "--login-protocols", "imap", password=typed))

    first = report["diagnosis"][0]
    assert (first["cause"], first["variant"]) == ("password_incorrect", "hygiene_fullwidth")
    assert "full-width" in first["summary"]
    text = json.dumps(report, ensure_ascii=False)
    assert typed not in text and str(len(typed)) not in first["summary"]


def test_worked_before_fails_now_changes_the_verdict(world_root: Path, state: Path) -> None:
    with login_world(world_root) as world:
        assert check_login(world, state, "--login-protocols", "imap").code == 0
        again = check_login(world, state, "--login-protocols", "imap", "--force-login", password="old-one-9")
        report = report_of(again)

    first = report["diagnosis"][0]
    assert (first["cause"], first["variant"]) == ("password_incorrect", "worked_before")
    assert logins(report)["imap"]["data"]["worked_before"] is True


# -- the guard ----------------------------------------------------------------------------------------------


def test_a_second_login_within_the_window_is_refused_without_contacting_the_server(
    world_root: Path, state: Path
) -> None:
    with login_world(world_root) as world:
        first = check_login(world, state)
        seen = servers(world)
        before = {protocol: len(server.logins) for protocol, server in seen.items()}
        connections = {protocol: server.connections for protocol, server in seen.items()}
        second = check_login(world, state, fmt="text")
        again = report_of(check_login(world, state))
        after = {protocol: len(server.logins) for protocol, server in seen.items()}

    assert first.code == 0
    assert before == after == {"imap": 1, "smtp": 1, "pop3": 0}
    assert "lockout guard" in second.stdout and "--force-login" in second.stdout
    checks = logins(again)
    # The guard remembers the logins it keeps back: both succeeded, so the report may be ok.
    assert {p: (c["status"], c["data"]["outcome"]) for p, c in checks.items()} == {
        "imap": ("pass", "ok"), "smtp": ("pass", "ok")}
    assert again["status"] == "ok"
    # Only the ordinary probes connected again (no login session): one per check run, per server.
    assert all(seen[p].connections - connections[p] <= 2 for p in ("imap", "smtp"))


def test_force_login_logs_in_again(world_root: Path, state: Path) -> None:
    with login_world(world_root) as world:
        check_login(world, state, "--login-protocols", "imap")
        result = check_login(world, state, "--login-protocols", "imap", "--force-login")
        imap = servers(world)["imap"]

    assert result.code == 0 and len(imap.logins) == 2


# -- secrecy -------------------------------------------------------------------------------------------------


def _forms(password: str, login: str = ADDRESS) -> list[str]:
    raw = password.encode()
    return [
        password,
        base64.b64encode(raw).decode(),
        base64.b64encode(b"\0" + login.encode() + b"\0" + raw).decode(),
    ]


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_the_password_never_appears_in_any_output_or_the_state(fmt: str, world_root: Path, state: Path) -> None:
    # The server echoes the password back in its refusal: the report must still not carry it.
    echo = {"refusal": "NO [AUTHENTICATIONFAILED] bad password {password}"}
    smtp_echo = {"refusal": "535 5.7.8 credentials {password} invalid"}
    with login_world(world_root, {"imap": echo, "smtp": smtp_echo}) as world:
        result = check_login(world, state, "-v", fmt=fmt)

    outputs = result.stdout + result.stderr + state.read_bytes().decode("latin-1")
    for extra in state.parent.iterdir():
        outputs += extra.read_bytes().decode("latin-1")
    for form in _forms(PASSWORD):
        assert form not in outputs, f"leaked as {form!r}"
    assert result.code == 2


def test_the_state_holds_outcomes_and_causes_only(world_root: Path, state: Path) -> None:
    with login_world(world_root) as world:
        check_login(world, state, "--login-protocols", "imap", password="wrong-but-long")
    with sqlite3.connect(state) as db:
        rows = db.execute("SELECT address, protocol, outcome, cause FROM login_attempts ORDER BY id").fetchall()
    assert rows == [(ADDRESS, "imap", "started", None), (ADDRESS, "imap", "refused", "password_incorrect")]


def _profile_with(world: World, protocol: str, tls: str) -> None:
    """Rewrite the lab qq profile so that PROTOCOL's server is reached with TLS mode TLS."""
    path = world.providers_dir / "qq.toml"
    block = re.compile(rf'(protocol = "{protocol}"\nhost = "[^"]*"\nport = \d+\ntls = )"[a-z]+"')
    text, count = block.subn(rf'\g<1>"{tls}"', path.read_text(encoding="utf-8"))
    assert count == 1
    path.write_text(text, encoding="utf-8")


def test_a_plaintext_only_server_never_receives_the_password(world_root: Path, state: Path) -> None:
    world = login_world(world_root, {"imap": {"tls": "starttls", "starttls_offered": False}})
    with world:
        _profile_with(world, "imap", "starttls")
        result = check_login(world, state, "--login-protocols", "imap")
        imap = servers(world)["imap"]
        _profile_with(world, "imap", "plain")
        plain = report_of(check_login(world, state, "--login-protocols", "imap", "--force-login"))

    assert imap.logins == [] and PASSWORD.encode() not in imap.everything()
    assert logins(report_of(result))["imap"]["data"]["credentials_sent"] is False
    assert "imap" not in logins(plain)  # a plaintext endpoint gets no login step at all


def test_a_server_whose_starttls_fails_never_receives_the_password(world_root: Path, state: Path) -> None:
    world = login_world(world_root, {"imap": {"tls": "starttls", "starttls_error": True}})
    with world:
        _profile_with(world, "imap", "starttls")
        result = check_login(world, state, "--login-protocols", "imap")
        imap = servers(world)["imap"]

    assert imap.logins == [] and PASSWORD.encode() not in imap.everything()
    check = logins(report_of(result))["imap"]
    assert check["status"] == "skip" and check["data"]["credentials_sent"] is False


def test_after_a_successful_starttls_the_login_goes_over_tls(world_root: Path, state: Path) -> None:
    world = login_world(world_root, {"imap": {"tls": "starttls"}})
    with world:
        _profile_with(world, "imap", "starttls")
        result = check_login(world, state, "--login-protocols", "imap")
        imap = servers(world)["imap"]

    assert result.code == 0, result.stdout
    assert len(imap.logins) == 1 and imap.logins[0].tls
    assert PASSWORD.encode() not in imap.plaintext()


def test_password_from_stdin_logs_in_and_is_not_echoed(world_root: Path, state: Path) -> None:
    with login_world(world_root) as world:
        result = run_mailprobe(
            "check", ADDRESS, *world.cli_args(), "--login", "--password-stdin", "--login-protocols", "imap",
            "--state", str(state), "--no-baseline", "--format", "json", stdin=f"{PASSWORD}\n",
        )
        imap = servers(world)["imap"]

    assert result.code == 0, result.stderr
    assert [login.password for login in imap.logins] == [PASSWORD.encode()]
    assert PASSWORD not in result.stdout + result.stderr


def test_a_mailbox_the_server_says_does_not_exist_is_not_worded_as_a_refused_login(
    world_root: Path, state: Path
) -> None:
    missing = {"imap": {"replies": {"EXAMINE": "NO [NONEXISTENT] Mailbox doesn't exist: INBOX"}}}
    with login_world(world_root, missing) as world:
        report = report_of(check_login(world, state, "--login-protocols", "imap"))

    first = report["diagnosis"][0]
    assert (first["cause"], first["variant"]) == ("account_not_activated", "mailbox_refused")
    assert "refused" not in first["summary"].lower()


# -- a non-ASCII password echoed in every encoding (issue 18, finding 4) ---------------------------------------

WIDE_PASSWORD = "Tr0ub4dor&3-密码-Ünï"  # CJK and Latin-1 letters, and an HTML special: every encoding differs


def _recoverable(password: str) -> dict[str, str]:
    """Each text from which the exact password can be got back, as a report could carry it."""
    raw = password.encode("utf-8")
    texts = {
        "as typed": password,
        "misread as GB18030": raw.decode("gb18030", "replace"),
        "misread as GBK": raw.decode("gbk", "replace"),
        "misread as Latin-1": raw.decode("latin-1"),
        "percent": quote(raw, safe=""),
        "html": "".join(c if ord(c) < 0x80 else f"&#{ord(c)};" for c in html.escape(password)),
    }
    for name, data in [("utf-8", raw), ("gb18030", password.encode("gb18030")),
                       ("gb18030 misreading", texts["misread as GB18030"].encode()),
                       ("latin-1 misreading", texts["misread as Latin-1"].encode())]:
        texts[f"base64 of {name}"] = base64.b64encode(data).decode("ascii")
    texts["auth plain"] = base64.b64encode(b"\0" + ADDRESS.encode() + b"\0" + raw).decode("ascii")
    return texts


# (IMAP, SMTP, POP3) refusals, each echoing the password one way; a Chinese server's words in GBK.
_ECHOES = [
    ("NO [AUTHENTICATIONFAILED] bad password {password}", "535 5.7.8 {password:gb18030} invalid",
     "-ERR [AUTH] {password:latin-1} is wrong"),
    ("NO 密码错误：{password}", "535 5.7.8 密码 {password:as-gb18030} 错误", "-ERR 密码错误 {password:raw}"),
    ("NO [AUTHENTICATIONFAILED] /login?pw={password:percent}", "535 5.7.8 <b>{password:html}</b>",
     "-ERR [AUTH] {password:percent-lower}"),
    ("NO [AUTHENTICATIONFAILED] {password:base64} / {password:base64-gb18030}",
     "535 5.7.8 {password:base64-latin-1}", "-ERR [AUTH] {password:base64-as-gb18030}"),
]
_CHARSETS = ["utf-8", "gbk", "utf-8", "utf-8"]


@pytest.mark.parametrize("index", range(len(_ECHOES)), ids=["misread", "gbk-line", "escaped", "base64"])
def test_a_wide_password_echoed_in_any_encoding_is_in_no_output_no_file_and_no_database(
    index: int, world_root: Path, state: Path, tmp_path: Path
) -> None:
    imap_echo, smtp_echo, pop3_echo = _ECHOES[index]
    charset = _CHARSETS[index]
    echoes = {
        "imap": {"refusal": imap_echo, "refusal_charset": charset},
        "smtp": {"refusal": smtp_echo, "refusal_charset": charset},
        "pop3": {"refusal": pop3_echo, "refusal_charset": charset},
    }
    output, history = tmp_path / "report.json", tmp_path / "history.db"
    with login_world(world_root, echoes) as world:
        text = check_login(world, state, "--login-protocols", "imap,smtp,pop3", "-v", password=WIDE_PASSWORD,
                           fmt="text")
        saved = check_login(world, state, "--login-protocols", "imap,smtp,pop3", "--force-login",
                            "--output", str(output), "--history", str(history), password=WIDE_PASSWORD)
        shown = run_mailprobe("history", ADDRESS, "--history", str(history))
        heard = {protocol: server.everything() for protocol, server in servers(world).items()}

    assert text.code == 2 and saved.code == 2, (text.stderr, saved.stderr)
    report = json.loads(output.read_text(encoding="utf-8"))
    # Each server received the password (else its echo proves nothing).
    plain = base64.b64encode(b"\0" + ADDRESS.encode() + b"\0" + WIDE_PASSWORD.encode())
    assert all(plain in received for received in heard.values()), "a login did not reach its server"
    with sqlite3.connect(history) as db:
        stored = [row[0] for row in db.execute("SELECT report FROM check_history")]
    with sqlite3.connect(state) as db:
        remembered = [str(row) for row in db.execute("SELECT * FROM login_attempts")]
    places = {
        "text": text.stdout + text.stderr,
        "json": saved.stdout + saved.stderr,
        "output file": json.dumps(report, ensure_ascii=False),
        "history database": " ".join(json.dumps(json.loads(r), ensure_ascii=False) for r in stored),
        "history command": shown.stdout + shown.stderr,
        "state database": " ".join(remembered),
    }
    for place, content in places.items():
        for form, leak in _recoverable(WIDE_PASSWORD).items():
            assert leak not in content, f"the password {form} is in the {place}"
    replies = [check["data"]["replies"][-1] for check in report["checks"] if check["kind"] == "login"]
    assert len(replies) == 3 and all("[password]" in r or "[credential]" in r for r in replies), replies


def test_a_password_that_is_part_of_a_mask_text_is_in_no_output_and_no_database(
    world_root: Path, state: Path,
) -> None:
    """"sword]" is the tail of "[password]": masked with that text, every echo would spell it again. The one
    masker picks a mask it cannot spell (issue 17)."""
    password = "sword]"
    echoes = {"imap": "NO [AUTHENTICATIONFAILED] not {password} / {password:base64}",
              "smtp": "535 5.7.8 not {password} / {password:base64}", "pop3": "-ERR not {password} / {password:base64}"}
    per_protocol = {protocol: {"refusal": echo} for protocol, echo in echoes.items()}
    with login_world(world_root, per_protocol, password=password) as world:
        result = check_login(world, state, "--login-protocols", "imap,smtp,pop3", password=password)
        heard = [server.everything() for server in servers(world).values()]
    plain = base64.b64encode(b"\0" + ADDRESS.encode() + b"\0" + password.encode())
    assert all(plain in received or password.encode() in received for received in heard), "a login went nowhere"
    report = report_of(result)
    replies = [check["data"]["replies"][-1] for check in logins(report).values()]
    assert len(replies) == 3 and all("not *** / ***" in reply for reply in replies), replies
    with sqlite3.connect(state) as db:
        remembered = " ".join(str(row) for row in db.execute("SELECT * FROM login_attempts"))
    for place in (result.stdout, result.stderr, remembered):
        assert password not in place


# -- the guard remembers, and says so (issue 16, case 3) ---------------------------------------------------------

LANGS = ("en", "zh-Hans", "zh-Hant")
# How each language says that a login was tried and refused, and that the guard did not retry it.
TRIED_AND_REFUSED = {
    "en": ("A login was tried at", "refused", "Not retried: the lockout guard (next login after"),
    "zh-Hans": ("曾尝试过一次", "被拒绝", "未再重试：防锁定保护（"),
    "zh-Hant": ("曾嘗試過一次", "遭到拒絕", "未再重試：防鎖定保護（"),
}
# What the guard used to say after any login, refused or not.
LOGGED_IN = {"en": "logged in less than", "zh-Hans": "内已登录过", "zh-Hant": "內已登入過"}


def _clock(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(UTC).strftime("%H:%M")


def _says(text: str, words: str) -> bool:
    """WORDS in TEXT, wherever the text renderer wrapped its lines."""
    return re.sub(r"\s+", "", words) in re.sub(r"\s+", "", text)


def test_a_refused_login_is_remembered_within_the_window_and_the_report_stays_critical(
    world_root: Path, state: Path
) -> None:
    wrong = "wrong-but-long"
    with login_world(world_root) as world:
        first = report_of(check_login(world, state, "--login-protocols", "imap", password=wrong))
        second = check_login(world, state, "--login-protocols", "imap", password=wrong)
        texts = {lang: check_login(world, state, "--login-protocols", "imap", "--lang", lang, password=wrong,
                                   fmt="text") for lang in LANGS}
        page = check_login(world, state, "--login-protocols", "imap", password=wrong, fmt="html")
        imap = servers(world)["imap"]

    assert len(imap.logins) == 1  # every later run was kept from logging in again
    report = report_of(second)
    assert second.code == 2 and report["status"] == "critical", report["status"]
    was, top = first["diagnosis"][0], report["diagnosis"][0]
    assert (top["cause"], top["confidence"]) == (was["cause"], was["confidence"]) == ("password_incorrect", 0.9)
    kept = logins(report)["imap"]
    assert kept["id"] == "login.imap/guard" and kept["id"] in top["evidence"]
    assert (kept["status"], kept["data"]["outcome"], kept["data"]["stage"]) == ("fail", "refused", "guard")
    assert kept["data"]["replies"] == logins(first)["imap"]["data"]["replies"][-1:]  # as stored, redacted
    tried, until = kept["data"]["tried_at"], kept["data"]["guard_until"]
    assert first["started_at"] <= tried <= report["started_at"]
    assert f"A login was tried at {_clock(tried)} UTC over IMAP and refused." in top["summary"]
    assert top["summary"].endswith(f"Not retried: the lockout guard (next login after {_clock(until)} UTC).")
    assert "«NO [AUTHENTICATIONFAILED] Authentication failed.»" in top["summary"]
    for lang, text in texts.items():
        assert text.code == 2 and "[OK]" not in text.stdout, (lang, text.stdout)
        assert all(_says(text.stdout, words) for words in TRIED_AND_REFUSED[lang]), (lang, text.stdout)
        assert _clock(until) in text.stdout and not _says(text.stdout, LOGGED_IN[lang])
    assert page.code == 2
    for lang in LANGS:  # the page carries every language
        assert all(_says(page.stdout, words) for words in TRIED_AND_REFUSED[lang]), lang
        assert not _says(page.stdout, LOGGED_IN[lang])
    assert "stage.guard" not in page.stdout and "--force-login" not in page.stdout
    assert "not retried by the lockout guard" in page.stdout
    # A saved report re-worded in another language keeps the guard's words.
    saved = state.parent / "report.json"
    saved.write_text(second.stdout, encoding="utf-8")
    explained = run_mailprobe("explain", str(saved), "--lang", "zh-Hant")
    assert explained.code == 2 and all(_says(explained.stdout, w) for w in TRIED_AND_REFUSED["zh-Hant"])


def test_a_login_the_guard_remembers_as_unfinished_is_unknown_never_ok(world_root: Path, state: Path) -> None:
    # A run killed while it logged in leaves its claim with no recorded end.
    with LoginGuard(state) as guard:
        assert guard.claim(ADDRESS, ["imap"]) is None
    with login_world(world_root) as world:
        result = check_login(world, state, "--login-protocols", "imap", fmt="text")
        report = report_of(check_login(world, state, "--login-protocols", "imap"))
        imap = servers(world)["imap"]

    assert imap.logins == []
    assert result.code == 3 and "[UNKNOWN]" in result.stdout, result.stdout
    assert _says(result.stdout, "has no recorded end") and "logged in" not in result.stdout
    assert report["status"] == "unknown" and report["diagnosis"] == []
    kept = logins(report)["imap"]
    assert (kept["status"], kept["data"]["tried_unfinished"]) == ("error", True)


# -- a run that sent no credentials gives its claim back (issue 16, case 2) --------------------------------------


def test_a_run_whose_deadline_ran_out_before_the_login_does_not_keep_the_next_one_from_logging_in(
    tmp_path: Path, state: Path
) -> None:
    with login_world(tmp_path / "slow", {"imap": {"greeting_delay": 5.0}}) as slow:
        cut = report_of(check_login(slow, state, "--login-protocols", "imap", "--timeout", "1.5"))
        never = servers(slow)["imap"].logins
    with login_world(tmp_path / "healthy") as healthy:
        result = check_login(healthy, state, "--login-protocols", "imap")
        imap = servers(healthy)["imap"]

    assert never == [] and not any(c["data"]["credentials_sent"] for c in logins(cut).values())
    assert result.code == 0, (result.stdout, result.stderr)
    assert len(imap.logins) == 1  # the cut-off run's claim did not hold this one back
    with sqlite3.connect(state) as db:
        outcomes = [row[0] for row in db.execute("SELECT outcome FROM login_attempts ORDER BY id")]
    assert outcomes == ["started", "ok"]  # the first run's claim is gone, as if it had never been made


def test_a_server_that_offers_no_password_login_does_not_claim_the_window(world_root: Path, state: Path) -> None:
    with login_world(world_root, {"imap": {"login_disabled": True}}) as world:
        first = report_of(check_login(world, state, "--login-protocols", "imap"))
        second = report_of(check_login(world, state, "--login-protocols", "imap"))

    assert logins(first)["imap"]["data"]["outcome"] == "not_attempted"
    again = logins(second)["imap"]
    assert again["data"]["stage"] != "guard" and again["data"]["outcome"] == "not_attempted"


# -- the guard is keyed on the login name too (issue 18, finding 14) ---------------------------------------------


def test_another_address_with_the_same_login_user_is_not_logged_in_again_within_the_window(
    world_root: Path, state: Path
) -> None:
    shared = f"shared.box@{CUSTOMER}"
    with login_world(world_root) as world:
        first = check_login(world, state, "--login-protocols", "imap", "--login-user", shared)
        other = run_mailprobe(
            "check", f"li.si@{CUSTOMER}", *world.cli_args(), "--login", "--login-protocols", "imap",
            "--login-user", shared.upper(), "--state", str(state), "--format", "json", "--no-baseline",
            env={"MAILPROBE_PASSWORD": PASSWORD},
        )
        imap = servers(world)["imap"]

    assert first.code == 2  # the lab server knows no such login: refused
    assert [login.username for login in imap.logins] == [shared.encode()]  # one login with that name, not two
    kept = logins(report_of(other))["imap"]
    assert kept["id"] == "login.imap/guard" and kept["data"]["outcome"] == "refused"


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_run_stopped_before_its_login_began_gives_its_claim_back(
    stop: signal.Signals, world_root: Path, state: Path
) -> None:
    with login_world(world_root, {"imap": {"greeting_delay": 20.0}}) as world:
        command = [sys.executable, "-m", "mailprobe", "check", ADDRESS, *world.cli_args(), "--login",
                   "--login-protocols", "imap", "--state", str(state), "--no-baseline", "--timeout", "15"]
        with subprocess.Popen(command, env=cli_env({"MAILPROBE_PASSWORD": PASSWORD}), cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
            ends = time.monotonic() + 20
            while not _outcomes(state) and time.monotonic() < ends and proc.poll() is None:
                time.sleep(0.05)
            assert _outcomes(state) == ["started"]  # claimed; the login waits for the server's greeting
            proc.send_signal(stop)
            _, stderr = proc.communicate(timeout=20)
        imap = servers(world)["imap"]

    assert proc.returncode in (130, 143), stderr
    assert imap.logins == []
    assert _outcomes(state) == []  # nothing was sent: the claim is gone


def _outcomes(state: Path) -> list[str]:
    if not state.exists():
        return []
    with contextlib.closing(sqlite3.connect(state)) as db:
        try:
            return [row[0] for row in db.execute("SELECT outcome FROM login_attempts ORDER BY id")]
        except sqlite3.OperationalError:  # not migrated yet
            return []


def test_a_bare_refusal_is_remembered_with_the_same_finding_and_its_alternatives(
    world_root: Path, state: Path
) -> None:
    with login_world(world_root, {"imap": {"refusal": "NO Login failed."}}) as world:
        first = report_of(check_login(world, state, "--login-protocols", "imap"))
        second = report_of(check_login(world, state, "--login-protocols", "imap"))

    def reading(report: dict[str, Any]) -> tuple[Any, ...]:
        top = report["diagnosis"][0]
        return top["cause"], top["variant"], top["confidence"], top.get("also_possible")

    assert reading(second) == reading(first), (reading(first), reading(second))
    assert reading(first)[:2] == ("password_incorrect", "bare")
    assert second["status"] == "critical" and "Not retried: the lockout guard" in second["diagnosis"][0]["summary"]
