"""Done-when, Tencent Exmail: a loopback HTTPS stand-in for api.exmail.qq.com, reached through the installed
command line in a lab world whose resolver (--nameserver) names it and whose CA (--ca-file) signs it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.admin.standin import Answer, ApiStandIn
from tests.lab.world import CUSTOMER, World
from tests.support.command import Result, run_mailprobe

API_HOST = "api.exmail.qq.com"
API_IP = "127.0.0.16"
USER = f"zhangsan@{CUSTOMER}"
CORP_SECRET = "corp-SECRET-lab-5f4e3d2c1b"
TOKEN = "lab-ACCESS-TOKEN-0a1b2c3d4e5f"
NOW = int(time.time())
ALIAS_DOMAIN = "alias-trading.com"  # its MX host is an alias (CNAME) of Exmail's MX host
ENV = {"MAILPROBE_EXMAIL_CORPID": "wwlab0001", "MAILPROBE_EXMAIL_CORPSECRET": CORP_SECRET}


def ok(**fields: Any) -> dict[str, Any]:
    return {"errcode": 0, "errmsg": "ok", **fields}


def routes(**overrides: Any) -> dict[str, Answer | Any]:
    answers: dict[str, Any] = {
        "GET /cgi-bin/gettoken": ok(access_token=TOKEN, expires_in=7200),
        "GET /cgi-bin/user/get": ok(userid=USER, name="张三", enable=1, cpwd_login=0, slaves=[]),
        "POST /cgi-bin/useroption/get": ok(option=[{"type": 1, "value": "0"}, {"type": 2, "value": "1"},
                                                   {"type": 3, "value": "1"}, {"type": 4, "value": "0"}]),
        "POST /cgi-bin/log/login": ok(list=[{"time": NOW - 7200, "ip": "203.0.113.7", "type": 4}]),
        "POST /cgi-bin/log/operation": ok(list=[]),
    }
    keys = {"gettoken": "GET /cgi-bin/gettoken", "user_get": "GET /cgi-bin/user/get",
            "useroption_get": "POST /cgi-bin/useroption/get", "log_login": "POST /cgi-bin/log/login",
            "log_operation": "POST /cgi-bin/log/operation"}
    answers.update({keys[key]: value for key, value in overrides.items()})
    return answers


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, ApiStandIn]]:
    world = World(tmp_path_factory.mktemp("admin-world"), domains={
        API_HOST: {"A": [API_IP]},
        ALIAS_DOMAIN: {"MX": [f"10 mx.{ALIAS_DOMAIN}."]}, f"mx.{ALIAS_DOMAIN}": {"CNAME": ["mxbiz1.qq.com."]}})
    with world:
        standin = ApiStandIn(routes(), tls=world.certs.server_context(API_HOST), host=API_IP)
        profile = world.providers_dir / "qq.toml"
        text = profile.read_text(encoding="utf-8")
        line = f'admin_api = {{type = "exmail", urls = {{api = "https://{API_HOST}:{standin.port}"}}}}\n'
        profile.write_text(text.replace("baseline = true\n", "baseline = true\n" + line, 1), encoding="utf-8")
        with standin:
            yield world, standin


def check(lab: tuple[World, ApiStandIn], *extra: str, env: dict[str, str] | None = None) -> Result:
    world, _ = lab
    return run_mailprobe("check", USER, *world.cli_args(), "--no-baseline", "--timeout", "8", *extra,
                         env=ENV if env is None else env)


def report_of(result: Result) -> dict[str, Any]:
    assert "Traceback" not in result.stderr, result.stderr
    return dict(json.loads(result.stdout))


def admin_check(report: dict[str, Any]) -> dict[str, Any]:
    found = [c for c in report["checks"] if c["kind"] == "admin"]
    assert len(found) == 1, report["checks"]
    return dict(found[0])


def never_said(result: Result) -> None:
    for secret in (CORP_SECRET, TOKEN):
        assert secret not in result.stdout and secret not in result.stderr


def test_a_disabled_user_is_account_not_activated_from_the_admin_record(lab: tuple[World, ApiStandIn]) -> None:
    lab[1].routes = {key: v if isinstance(v, Answer) else Answer(body=v) for key, v in routes(
        user_get=ok(userid=USER, enable=0, cpwd_login=0),
        log_operation=ok(list=[{"time": NOW - 3600, "operator": f"it-admin@{CUSTOMER}", "type": 22, "operand": USER}]),
    ).items()}
    result = check(lab, "--admin", "--format", "json")
    report = report_of(result)
    first = report["diagnosis"][0]
    assert first["cause"] == "account_not_activated"
    assert first["confidence"] >= 0.99 and first["variant"] == "admin_disabled_by"
    assert f"it-admin@{CUSTOMER}" in first["summary"]
    record = admin_check(report)
    assert record["status"] == "fail" and record["data"]["enabled"] is False
    assert any(q["text"] == "enable = 0" and q["at"] for q in record["data"]["quotes"])
    assert report["status"] == "critical" and result.code == 2
    never_said(result)
    sent = lab[1].seen
    assert any(s.path == "/cgi-bin/user/get" and s.query.get("access_token") == [TOKEN] for s in sent)
    assert any(s.path == "/cgi-bin/gettoken" and s.query.get("corpsecret") == [CORP_SECRET] for s in sent)


def test_imap_switched_off_for_the_user_is_protocol_disabled(lab: tuple[World, ApiStandIn]) -> None:
    lab[1].routes = {key: v if isinstance(v, Answer) else Answer(body=v) for key, v in routes(
        useroption_get=ok(option=[{"type": 1, "value": "0"}, {"type": 2, "value": "0"}, {"type": 3, "value": "1"},
                                  {"type": 4, "value": "0"}]),
    ).items()}
    report = report_of(check(lab, "--admin", "--format", "json"))
    first = report["diagnosis"][0]
    assert first["cause"] == "protocol_disabled" and first["variant"] == "admin_protocol_off"
    assert "IMAP" in first["summary"] and "type 2 (imap_smtp) = 0" in first["summary"]


def test_forced_secure_login_is_client_auth_code_required(lab: tuple[World, ApiStandIn]) -> None:
    lab[1].routes = {key: v if isinstance(v, Answer) else Answer(body=v) for key, v in routes(
        useroption_get=ok(option=[{"type": 1, "value": "1"}, {"type": 2, "value": "1"}, {"type": 3, "value": "1"},
                                  {"type": 4, "value": "1"}]),
    ).items()}
    report = report_of(check(lab, "--admin", "--format", "json", "--lang", "zh-Hans"))
    first = report["diagnosis"][0]
    assert first["cause"] == "client_auth_code_required" and first["variant"] == "admin_secure_login"
    assert "强制启用安全登录" in first["summary"]


def test_a_recent_password_change_explains_worked_before(lab: tuple[World, ApiStandIn]) -> None:
    lab[1].routes = {key: v if isinstance(v, Answer) else Answer(body=v) for key, v in routes(
        log_operation=ok(list=[{"time": NOW - 1800, "operator": f"it-admin@{CUSTOMER}", "type": 2, "operand": USER}]),
    ).items()}
    result = check(lab, "--admin")  # text
    assert "Traceback" not in result.stderr
    assert "password was changed at" in result.stdout and f"by it-admin@{CUSTOMER}" in result.stdout
    assert "worked before" in result.stdout
    page = check(lab, "--admin", "--format", "html", "--lang", "zh-Hant")
    assert "密碼已於" in page.stdout and "log/operation" in page.stdout
    never_said(result)
    never_said(page)


def test_invalid_admin_credentials_are_said_and_the_wire_checks_run_as_without(
    lab: tuple[World, ApiStandIn],
) -> None:
    lab[1].routes = {"GET /cgi-bin/gettoken": Answer(body={"errcode": 40001, "errmsg": "invalid credential"})}
    without = report_of(check(lab, "--format", "json", env={}))
    result = check(lab, "--admin", "--format", "json")
    report = report_of(result)
    record = admin_check(report)
    assert record["status"] == "error"
    assert record["data"]["problems"][0]["kind"] == "invalid_credentials"
    assert "refused the administrator credentials" in record["summary"]
    wire = {c["id"]: c["status"] for c in report["checks"] if c["kind"] != "admin"}
    assert wire == {c["id"]: c["status"] for c in without["checks"]}
    assert report["status"] == without["status"] and report["diagnosis"] == without["diagnosis"]
    never_said(result)


def test_admin_with_no_credentials_names_every_variable_it_looked_for(lab: tuple[World, ApiStandIn]) -> None:
    result = check(lab, "--admin", env={})
    assert result.code == 3 and result.stdout == "" and len(result.stderr.splitlines()) == 1
    for name in ("MAILPROBE_EXMAIL_CORPID", "MAILPROBE_EXMAIL_CORPSECRET", "MAILPROBE_GRAPH_TENANT",
                 "MAILPROBE_GRAPH_CLIENT_ID", "MAILPROBE_GRAPH_CLIENT_SECRET", "MAILPROBE_GOOGLE_KEY_FILE",
                 "MAILPROBE_GOOGLE_ADMIN", "--admin-credentials"):
        assert name in result.stderr


def test_a_credentials_file_others_may_read_is_refused_with_the_reason(
    lab: tuple[World, ApiStandIn], tmp_path: Path,
) -> None:
    path = tmp_path / "admin.toml"
    path.write_text(f'[exmail]\ncorpid = "wwlab0001"\ncorpsecret = "{CORP_SECRET}"\n', encoding="utf-8")
    os.chmod(path, 0o644)
    refused = check(lab, "--admin", "--admin-credentials", str(path), env={})
    assert refused.code == 3 and "chmod 600" in refused.stderr and "0644" in refused.stderr
    never_said(refused)
    os.chmod(path, 0o600)
    lab[1].routes = {key: v if isinstance(v, Answer) else Answer(body=v) for key, v in routes().items()}
    accepted = report_of(check(lab, "--admin", "--admin-credentials", str(path), "--format", "json", env={}))
    assert admin_check(accepted)["status"] == "pass"


def test_a_saved_admin_report_is_explained_in_another_language(lab: tuple[World, ApiStandIn], tmp_path: Path) -> None:
    lab[1].routes = {key: v if isinstance(v, Answer) else Answer(body=v) for key, v in routes(
        user_get=ok(userid=USER, enable=0, cpwd_login=0)).items()}
    saved = tmp_path / "report.json"
    saved.write_text(check(lab, "--admin", "--format", "json").stdout, encoding="utf-8")
    explained = run_mailprobe("explain", str(saved), "--lang", "zh-Hant", "-v")
    assert "Traceback" not in explained.stderr
    assert "服務商自己的紀錄顯示該帳號已被停用" in explained.stdout
    assert "騰訊企業郵箱開放介面 的紀錄：«enable = 0»（user/get，" in explained.stdout


def test_a_stalled_api_ends_with_the_deadline_and_the_wire_checks_stand(lab: tuple[World, ApiStandIn]) -> None:
    lab[1].routes = {key: v if isinstance(v, Answer) else Answer(body=v) for key, v in routes().items()}
    lab[1].routes["GET /cgi-bin/user/get"] = Answer(body=ok(userid=USER, enable=1), delay_s=30.0)
    world, _ = lab
    began = time.monotonic()
    result = run_mailprobe("check", USER, *world.cli_args(), "--no-baseline", "--timeout", "3", "--admin",
                           "--format", "json", env=ENV)
    took = time.monotonic() - began
    report = report_of(result)
    record = admin_check(report)
    assert record["status"] == "error" and record["data"]["problems"][0]["call"] == "user/get"
    assert took < 3 + 5  # the command's own bound, with room for a loaded machine; never the API's 30 s
    assert all(c["status"] == "pass" for c in report["checks"] if c["kind"] in ("imap", "smtp", "pop3"))


def test_a_provider_known_only_through_an_mx_host_alias_is_asked(lab: tuple[World, ApiStandIn]) -> None:
    """The plan knows Exmail only once the MX host's own lookup names mxbiz1.qq.com: the admin record waits for
    it (it once said "no administrator API" first)."""
    use_routes(lab)
    lab[1].seen.clear()
    world, _ = lab
    user = f"li@{ALIAS_DOMAIN}"
    result = run_mailprobe("check", user, *world.cli_args(), "--no-baseline", "--timeout", "8", "--admin",
                           "--format", "json", env=ENV)
    report = report_of(result)
    assert report["provider"]["id"] == "qq"
    record = admin_check(report)
    assert record["data"]["api"] == "exmail" and record["data"]["problems"] == [], record["data"]["problems"]
    assert any(s.path == "/cgi-bin/user/get" and s.query.get("userid") == [user] for s in lab[1].seen)


def use_routes(lab: tuple[World, ApiStandIn]) -> None:
    lab[1].routes = {key: v if isinstance(v, Answer) else Answer(body=v) for key, v in routes().items()}
