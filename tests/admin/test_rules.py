"""One test per mapping from the provider's records to a cause (diagnosis/rules/admin.py), through diagnose()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailprobe.causes import Cause
from mailprobe.diagnosis.diagnose import diagnose
from mailprobe.diagnosis.finding import Finding
from mailprobe.evidence import Status
from mailprobe.kinds.admin import AdminChange, AdminQuote, AdminRecord, AdminSignIn
from mailprobe.kinds.login import LoginAttempt, LoginCandidate
from tests.support.evidence import evidence, mx_ok, session

AT = datetime(2026, 12, 7, 10, 42, tzinfo=UTC)


def record(**facts: object) -> AdminRecord:
    values: dict[str, object] = {"api": "exmail", **facts}
    return AdminRecord(id=f"admin/{values['api']}/user@example.com", target=str(values["api"]), status=Status.FAIL,
                       user="user@example.com", exists=True, **values)  # type: ignore[arg-type]


def refused_login(cause: str = "password_incorrect") -> LoginAttempt:
    return LoginAttempt(id="login.imap/imap.exmail.qq.com/127.0.0.11", target="imap.exmail.qq.com:993",
                        status=Status.FAIL, protocol="imap", outcome="refused", credentials_sent=True,
                        replies=["a1 NO [AUTHENTICATIONFAILED] Invalid login"], bare_refusal=True,
                        candidates=[LoginCandidate(cause=cause, confidence=0.6, basis="text"),
                                    LoginCandidate(cause="account_locked", confidence=0.2, basis="text")])


def findings(*observations: object) -> list[Finding]:
    return diagnose(evidence(mx_ok(), session("127.0.0.11"), *observations)).findings  # type: ignore[arg-type]


def test_a_disabled_account_is_account_not_activated_for_certain_with_who_and_when() -> None:
    found = findings(record(enabled=False,
                            quotes=[AdminQuote(at=AT, source="user/get", text="enable = 0")],
                            changes=[AdminChange(at=AT, by="it@example.com", what="disabled")]))
    first = found[0]
    assert (first.cause, first.confidence, first.variant) == (Cause.ACCOUNT_NOT_ACTIVATED, 0.99, "admin_disabled_by")
    assert first.params["who"] == "it@example.com" and first.params["when"] == "2026-12-07 10:42 UTC"


def test_a_disabled_account_without_an_operation_log_quotes_the_record() -> None:
    first = findings(record(enabled=False, quotes=[AdminQuote(at=AT, source="user/get", text="enable = 0")]))[0]
    assert first.variant == "admin_disabled" and first.params["record"] == "enable = 0 (user/get, 2026-12-07 10:42 UTC)"


def test_imap_switched_off_makes_protocol_disabled_near_certain() -> None:
    first = findings(record(protocols_off=["imap", "smtp"], quotes=[
        AdminQuote(at=AT, source="useroption/get", text="type 1 (force_secure_login) = 0"),
        AdminQuote(at=AT, source="useroption/get", text="type 2 (imap_smtp) = 0", notable=True)]))[0]
    assert (first.cause, first.confidence) == (Cause.PROTOCOL_DISABLED, 0.95)
    assert first.params["protocols"] == "IMAP/SMTP" and "type 2 (imap_smtp) = 0" in str(first.params["record"])


def test_forced_secure_login_makes_client_auth_code_required_certain() -> None:
    first = findings(record(secure_login_forced=True, quotes=[
        AdminQuote(at=AT, source="useroption/get", text="type 1 (force_secure_login) = 1")]))[0]
    assert (first.cause, first.confidence, first.variant) == (
        Cause.CLIENT_AUTH_CODE_REQUIRED, 0.99, "admin_secure_login")


def test_must_change_password_has_its_own_wording_under_password_incorrect() -> None:
    first = findings(record(must_change_password=True, quotes=[
        AdminQuote(at=AT, source="user/get", text="cpwd_login = 1")]))[0]
    assert (first.cause, first.variant) == (Cause.PASSWORD_INCORRECT, "admin_must_change")


@pytest.mark.parametrize(("code", "cause", "variant"), [
    ("50126", Cause.PASSWORD_INCORRECT, "admin_sign_in"),
    ("50053", Cause.ACCOUNT_LOCKED, "admin_sign_in"),
    ("50057", Cause.ACCOUNT_NOT_ACTIVATED, "admin_sign_in"),
    ("50055", Cause.PASSWORD_INCORRECT, "admin_password_expired"),
    ("53003", Cause.LOGIN_RESTRICTED, "admin_sign_in"),
    ("50076", Cause.MODERN_AUTH_REQUIRED, "admin_sign_in"),
    ("50079", Cause.MODERN_AUTH_REQUIRED, "admin_sign_in"),
    ("login_failure_invalid_password", Cause.PASSWORD_INCORRECT, "admin_sign_in"),
    ("login_failure_account_disabled", Cause.ACCOUNT_NOT_ACTIVATED, "admin_sign_in"),
])
def test_a_sign_in_error_code_maps_onto_its_cause(code: str, cause: Cause, variant: str) -> None:
    sign_in = AdminSignIn(at=AT, code=code, client="IMAP4", reason="provider's words")
    first = findings(record(api="graph", sign_ins=[sign_in]))[0]
    assert (first.cause, first.variant, first.params["code"]) == (cause, variant, code)
    assert "IMAP4" in str(first.params["record"]) and "2026-12-07 10:42 UTC" in str(first.params["record"])


def test_a_successful_last_sign_in_maps_onto_nothing() -> None:
    assert findings(record(api="graph", enabled=True, sign_ins=[AdminSignIn(at=AT, code="0")])) == []


def test_a_recent_password_change_explains_worked_before_and_is_critical_with_a_refused_login() -> None:
    change = AdminChange(at=AT, by="it@example.com", what="password_changed")
    quote = AdminQuote(at=AT, source="log/operation", text="type 2 (password_changed) by it@example.com")
    alone = findings(record(changes=[change], quotes=[quote]))[0]
    assert (alone.cause, alone.variant, alone.severity) == (
        Cause.PASSWORD_INCORRECT, "admin_password_changed_by", "warning")
    with_login = findings(record(changes=[change], quotes=[quote]), refused_login())[0]
    assert (with_login.variant, with_login.severity, with_login.confidence) == (
        "admin_password_changed_by", "critical", 0.9)
    assert "login.imap/imap.exmail.qq.com/127.0.0.11" in with_login.evidence


def test_the_record_outranks_the_wire_a_refusal_read_as_a_wrong_password_is_folded() -> None:
    found = findings(record(enabled=False, quotes=[AdminQuote(at=AT, source="user/get", text="enable = 0")]),
                     refused_login())
    assert [f.cause for f in found] == [Cause.ACCOUNT_NOT_ACTIVATED]
    assert Cause.PASSWORD_INCORRECT in [a.cause for a in found[0].also_possible]
    assert all(a.confidence <= 0.2 for a in found[0].also_possible)
    # Without the record, the same refusal reads as a wrong password first.
    assert findings(refused_login())[0].cause is Cause.PASSWORD_INCORRECT


def test_an_old_password_change_is_no_finding_for_graph() -> None:
    # graph.py keeps a change as such only within RECENT_DAYS; the rule reads only kept changes.
    quote = AdminQuote(at=AT - timedelta(days=90), source="users", text="lastPasswordChangeDateTime = …")
    assert findings(record(api="graph", enabled=True, quotes=[quote])) == []


@pytest.mark.parametrize(("variant", "cause", "wanted", "unwanted"), [
    ("admin_must_change", Cause.PASSWORD_INCORRECT, "set_new_password_in_webmail", "retype_password"),
    ("admin_password_changed_by", Cause.PASSWORD_INCORRECT, "update_apps_after_change", "retype_password"),
    ("admin_disabled", Cause.ACCOUNT_NOT_ACTIVATED, "ask_admin_activate", "find_activation_mail"),
])
def test_the_remedies_fit_what_the_records_say(variant: str, cause: Cause, wanted: str, unwanted: str) -> None:
    from mailprobe.compose import remedies

    ids = [r.id for r in remedies(cause, None, "en", variant)]
    assert wanted in ids and unwanted not in ids and 2 <= len(ids) <= 4


def test_the_accounts_own_secure_login_also_needs_a_client_password() -> None:
    first = findings(record(secure_login_enabled=True, quotes=[
        AdminQuote(at=AT, source="useroption/get", text="type 4 (secure_login) = 1")]))[0]
    assert (first.cause, first.confidence) == (Cause.CLIENT_AUTH_CODE_REQUIRED, 0.95)
    assert "type 4 (secure_login) = 1" in str(first.params["record"])


def test_an_ip_login_permission_changed_is_login_restricted() -> None:
    change = AdminChange(at=AT, by="it@example.com", what="ip_rule_changed")
    quote = AdminQuote(at=AT, source="log/operation", text="type 37 (ip_rule_changed) by it@example.com")
    alone = findings(record(changes=[change], quotes=[quote]))[0]
    assert (alone.cause, alone.variant, alone.severity) == (Cause.LOGIN_RESTRICTED, "admin_ip_rule", "warning")
    assert findings(record(changes=[change], quotes=[quote]), refused_login())[0].severity == "critical"


def test_the_mail_apps_sign_in_speaks_before_a_later_browser_one() -> None:
    browser = AdminSignIn(at=AT, code="0", client="Browser")
    imap = AdminSignIn(at=AT - timedelta(minutes=5), code="50126", client="IMAP4")
    first = findings(record(api="graph", sign_ins=[browser, imap]))[0]
    assert (first.cause, first.params["code"]) == (Cause.PASSWORD_INCORRECT, "50126")


def test_a_password_change_the_mail_apps_logged_in_after_explains_nothing() -> None:
    change = AdminChange(at=AT, by="it@example.com", what="password_changed")
    after = record(changes=[change], last_login_via="client", last_login_at=AT + timedelta(minutes=10))
    assert findings(after) == []
    graph = record(api="graph", changes=[change], sign_ins=[
        AdminSignIn(at=AT + timedelta(minutes=10), code="0", client="IMAP4")])
    assert findings(graph) == []
    before = record(changes=[change], last_login_via="client", last_login_at=AT - timedelta(minutes=10))
    assert findings(before)[0].variant == "admin_password_changed_by"


def test_google_two_step_verification_has_its_own_wording_and_quotes_the_directory() -> None:
    enforced = findings(record(api="google", secure_login_enabled=True, secure_login_forced=True, quotes=[
        AdminQuote(at=AT, source="directory", text="suspended = false"),
        AdminQuote(at=AT, source="directory", text="isEnrolledIn2Sv = true, isEnforcedIn2Sv = true", notable=True)]))
    first = enforced[0]
    assert (first.cause, first.confidence, first.variant) == (Cause.CLIENT_AUTH_CODE_REQUIRED, 0.99, "admin_two_step")
    assert "isEnforcedIn2Sv = true" in str(first.params["record"])
    enrolled = findings(record(api="google", secure_login_enabled=True, secure_login_forced=False, quotes=[
        AdminQuote(at=AT, source="directory", text="isEnrolledIn2Sv = true, isEnforcedIn2Sv = false")]))[0]
    assert (enrolled.confidence, enrolled.variant) == (0.95, "admin_two_step")


def test_imap_off_quotes_gmail_or_exchange_not_another_record() -> None:
    gmail = findings(record(api="google", protocols_off=["imap"], quotes=[
        AdminQuote(at=AT, source="directory", text="suspended = false"),
        AdminQuote(at=AT, source="gmail", text="imap enabled = false", notable=True)]))[0]
    assert gmail.cause is Cause.PROTOCOL_DISABLED
    assert str(gmail.params["record"]).startswith("imap enabled = false (gmail")
    exchange = findings(record(api="graph", protocols_off=["imap"], quotes=[
        AdminQuote(at=AT, source="users", text="accountEnabled = true"),
        AdminQuote(at=AT, source="Get-CASMailbox", text="ImapEnabled = False", notable=True)]))[0]
    assert str(exchange.params["record"]).startswith("ImapEnabled = False (Get-CASMailbox")


def ok_login(protocol: str) -> LoginAttempt:
    return LoginAttempt(id=f"login.{protocol}/imap.exmail.qq.com/127.0.0.11", target="imap.exmail.qq.com:993",
                        status=Status.PASS, protocol=protocol, outcome="ok", credentials_sent=True)


def test_only_pop3_switched_off_is_a_warning_not_the_verdict() -> None:
    """IMAP is left on: a mail app using it is not stopped by the POP3 switch, so no near-certain blame."""
    found = [f for f in findings(record(protocols_off=["pop3"])) if f.cause is Cause.PROTOCOL_DISABLED]
    assert [(f.severity, f.confidence) for f in found] == [("warning", 0.5)]


def test_only_pop3_off_with_a_pop3_login_refused_is_near_certain() -> None:
    pop_refused = refused_login().model_copy(update={"protocol": "pop3", "id": "login.pop3/x/127.0.0.11"})
    found = [f for f in findings(record(protocols_off=["pop3"]), pop_refused) if f.cause is Cause.PROTOCOL_DISABLED]
    assert [(f.severity, f.confidence) for f in found] == [("critical", 0.95)]


def test_a_switch_the_record_calls_off_while_the_login_over_it_worked_is_not_the_cause() -> None:
    found = [f for f in findings(record(protocols_off=["imap"]), ok_login("imap"))
             if f.cause is Cause.PROTOCOL_DISABLED]
    assert [(f.severity, f.confidence) for f in found] == [("warning", 0.5)]
