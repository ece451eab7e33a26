"""The Exmail client against respx: the documented answers and each errcode said in words (HTTP 200)."""

from __future__ import annotations

import httpx
import pytest

from mailprobe.evidence import Status
from mailprobe.kinds import summarize
from mailprobe.kinds.admin import AdminRecord
from tests.admin.helpers import CORP_SECRET, EXMAIL, EXMAIL_TOKEN, NOW, USER, ask, context, exmail_router, ok


def calls(router: object) -> list[str]:
    return [call.request.url.path for call in router.calls]  # type: ignore[attr-defined]


def test_the_documented_answers_of_a_healthy_account() -> None:
    router = exmail_router()
    record = ask(router)
    assert record.status is Status.PASS and record.exists and record.enabled is True
    assert record.must_change_password is False and record.secure_login_forced is False
    assert record.protocols_off == [] and record.last_login_via == "client" and record.last_login_ip == "203.0.113.7"
    assert calls(router) == ["/cgi-bin/gettoken", "/cgi-bin/user/get", "/cgi-bin/useroption/get",
                             "/cgi-bin/log/login", "/cgi-bin/log/operation"]
    option = router.calls[2].request
    assert option.url.params["access_token"] == EXMAIL_TOKEN
    assert b'"type":[1,2,3,4]' in option.content.replace(b" ", b"") and USER.encode() in option.content
    assert all(q.at is not None for q in record.quotes)


def test_disabled_and_must_change_password_are_read_from_user_get() -> None:
    record = ask(exmail_router(user=ok(userid=USER, enable=0, cpwd_login=1)))
    assert record.enabled is False and record.must_change_password is True and record.status is Status.FAIL


def test_imap_smtp_off_leaves_smtp_on_while_pop_smtp_is_on() -> None:
    record = ask(exmail_router(option=ok(option=[{"type": 2, "value": "0"}, {"type": 3, "value": "1"}])))
    assert record.protocols_off == ["imap"]
    both = ask(exmail_router(option=ok(option=[{"type": 2, "value": "0"}, {"type": 3, "value": "0"}])))
    assert both.protocols_off == ["imap", "smtp", "pop3"]


def test_forced_secure_login_is_option_type_1() -> None:
    assert ask(exmail_router(option=ok(option=[{"type": 1, "value": "1"}]))).secure_login_forced is True


def test_the_operation_log_is_filtered_to_this_account_most_recent_first() -> None:
    record = ask(exmail_router(operation=ok(list=[
        {"time": NOW - 7200, "operator": "it@acme-trading.com", "type": 22, "operand": USER},
        {"time": NOW - 600, "operator": "it@acme-trading.com", "type": 2, "operand": USER},
        {"time": NOW - 60, "operator": "it@acme-trading.com", "type": 22, "operand": "other@acme-trading.com"},
    ])))
    assert [c.what for c in record.changes] == ["password_changed", "disabled"]
    assert record.changes[0].by == "it@acme-trading.com"


@pytest.mark.parametrize(("call", "answer", "kind", "words"), [
    ("gettoken", {"errcode": 40001, "errmsg": "invalid credential"}, "invalid_credentials",
     "refused the administrator credentials"),
    ("user", {"errcode": 60111, "errmsg": "userid not found"}, "unknown_user", "does not know this account"),
    ("operation", {"errcode": 48002, "errmsg": "api forbidden"}, "permission", "lack the permission"),
    ("login", {"errcode": 45009, "errmsg": "api freq out of limit"}, "rate_limited", "asked to slow down"),
    ("option", {"errcode": 60003, "errmsg": "something else"}, "api_error", "answered useroption/get with an error"),
])
def test_each_errcode_with_http_200_is_said_in_words(call: str, answer: dict[str, object], kind: str,
                                                     words: str) -> None:
    record = ask(exmail_router(**{call: answer}))
    assert [p.kind for p in record.problems] == [kind]
    assert str(answer["errcode"]) in summarize(record, "en") and words in summarize(record, "en")
    for lang in ("zh-Hans", "zh-Hant"):
        assert str(answer["errcode"]) in summarize(record, lang)  # type: ignore[arg-type]
    blocking = kind in ("invalid_credentials", "unknown_user")
    assert record.status is (Status.ERROR if blocking else Status.WARN)


def test_an_invalid_credential_stops_before_any_account_call() -> None:
    router = exmail_router(gettoken={"errcode": 40001, "errmsg": "invalid credential"})
    ask(router)
    assert calls(router) == ["/cgi-bin/gettoken"]


def test_an_unreachable_api_is_said_and_masked() -> None:
    router = exmail_router()
    router.get(f"{EXMAIL}/gettoken").mock(side_effect=httpx.ConnectError(
        f"cannot connect to {EXMAIL}/gettoken?corpid=ww&corpsecret={CORP_SECRET}"))
    record = ask(router)
    assert record.status is Status.ERROR and record.problems[0].kind == "unreachable"
    assert CORP_SECRET not in record.model_dump_json() and "corpsecret=[credential]" in record.problems[0].detail


def test_a_429_is_waited_out_when_it_fits_in_the_deadline() -> None:
    router = exmail_router()
    router.get(f"{EXMAIL}/user/get").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200, json=ok(userid=USER, enable=1))])
    record = ask(router)
    assert record.enabled is True and not record.problems


def test_a_429_longer_than_the_deadline_is_not_waited_for() -> None:
    router = exmail_router()
    router.get(f"{EXMAIL}/user/get").respond(429, headers={"Retry-After": "120"})
    record: AdminRecord = ask(router, ctx=context(3.0))
    assert [p.kind for p in record.problems] == ["rate_limited"] and record.duration_ms < 2000


def test_only_the_documented_operation_types_name_a_change() -> None:
    """Tencent's documentation lists log/operation types 1–41 (2 修改密码, 21 启用用户, 22 禁用用户, 37 IP登录权限);
    a type it does not list (45, 47, 50, 51 were once read as password and secure-login changes) names none."""
    entries = [{"time": NOW - 60 * n, "operator": "admin@acme-trading.com", "type": kind, "operand": USER}
               for n, kind in enumerate((45, 47, 50, 51, 23, 2, 37), start=1)]
    record = ask(exmail_router(operation=ok(list=entries)))
    assert [c.what for c in record.changes] == ["password_changed", "ip_rule_changed"]
