"""Check summaries and the UI message catalogue: one line per check, in every language, from typed facts."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest

from mailprobe.causes import Cause
from mailprobe.diagnosis.catalogue import entry, verdict
from mailprobe.evidence import CertificateFacts, ErrorFacts, Failure, Observation, Status, TlsFacts, TlsMode
from mailprobe.kinds import summarize
from mailprobe.kinds.baseline import Reachability
from mailprobe.kinds.dns import DnsLookup, MxRecord, SrvRecord
from mailprobe.kinds.mail import MailSession
from mailprobe.kinds.web import PageResource, RedirectHop, WebVisit
from mailprobe.lang import LANGS, Lang
from mailprobe.locales import en, zh_hans, zh_hant
from mailprobe.locales.messages import MESSAGES, format_span, placeholders, t
from mailprobe.summaries import quote

SIMPLIFIED_ONLY = set("这说网络邮码账帐设认证时钟浏览务缓开关为与号启录"
                      "个请连线锁验户讯话处级过还错误页后发复")


def cert(**changes: object) -> CertificateFacts:
    facts: dict[str, object] = {
        "subject": "CN=imap.exmail.qq.com", "issuer": "CN=DigiCert", "issuer_cn": "DigiCert",
        "san": ["imap.exmail.qq.com"], "not_before": datetime(2025, 1, 2, tzinfo=UTC),
        "not_after": datetime(2026, 1, 2, tzinfo=UTC), "serial": "01", "sha256": "ab",
    }
    return CertificateFacts.model_validate({**facts, **changes})


def mail(**changes: object) -> MailSession:
    facts: dict[str, object] = {
        "id": "imap.993/imap.exmail.qq.com/127.0.0.1", "kind": "imap", "target": "imap.exmail.qq.com:993",
        "status": Status.PASS, "host": "imap.exmail.qq.com", "port": 993, "tls_mode": TlsMode.IMPLICIT,
        "stage": "capabilities", "greeting_ms": 212.4, "greeting": "* OK ready",
        "capabilities": ["IMAP4rev1", "IDLE", "ID", "UIDPLUS", "MOVE", "NAMESPACE", "CHILDREN", "AUTH=LOGIN",
                         "AUTH=PLAIN"],
        "tls": TlsFacts(version="TLSv1.3", verified=True, certificate=cert(), days_left=200),
    }
    return MailSession.model_validate({**facts, **changes})


def dns(**changes: object) -> DnsLookup:
    facts: dict[str, object] = {
        "id": "dns.mx/example.com", "target": "example.com", "status": Status.PASS, "name": "example.com",
        "rdtype": "MX", "purpose": "mx",
    }
    return DnsLookup.model_validate({**facts, **changes})


def web(**changes: object) -> WebVisit:
    facts: dict[str, object] = {
        "id": "web/exmail.qq.com", "target": "exmail.qq.com:443", "status": Status.PASS,
        "host": "exmail.qq.com", "port": 443, "url": "https://exmail.qq.com/login", "status_code": 200,
        "ttfb_ms": 340.2, "tls": TlsFacts(version="TLSv1.3", verified=True, days_left=90),
        "redirects": [RedirectHop(url="https://exmail.qq.com/", status_code=302, location="/login"),
                      RedirectHop(url="https://exmail.qq.com/x", status_code=302, location="/login")],
    }
    return WebVisit.model_validate({**facts, **changes})


def baseline(**changes: object) -> Reachability:
    facts: dict[str, object] = {
        "id": "baseline/imap.qiye.163.com:993", "target": "imap.qiye.163.com:993", "status": Status.PASS,
        "host": "imap.qiye.163.com", "port": 993, "service": "imap", "connect_ms": 12.3,
        "role": "baseline",
    }
    return Reachability.model_validate({**facts, **changes})


def failed(kind: Failure, stage: str = "connect", detail: str = "") -> dict[str, object]:
    return {"status": Status.FAIL, "error": ErrorFacts(kind=kind, stage=stage, detail=detail)}


def in_every_language(observation: Observation) -> dict[Lang, str]:
    lines = {lang: summarize(observation, lang) for lang in LANGS}
    for lang, line in lines.items():
        assert line.strip(), lang
        assert "{" not in line, (lang, line)  # every placeholder was filled
        assert "\n" not in line
    assert not SIMPLIFIED_ONLY & set(lines["zh-Hant"]), lines["zh-Hant"]
    return lines


# -- DNS ------------------------------------------------------------------------------------------


def test_mx_answer_lists_preference_and_exchange_in_order() -> None:
    lookup = dns(mx=[MxRecord(preference=10, exchange="mxbiz2.qq.com"),
                     MxRecord(preference=5, exchange="mxbiz1.qq.com")])
    lines = in_every_language(lookup)
    assert lines["en"] == "MX: 5 mxbiz1.qq.com, 10 mxbiz2.qq.com"
    assert lines["zh-Hans"] == "MX：5 mxbiz1.qq.com、10 mxbiz2.qq.com"


def test_long_answers_are_cut_with_a_count() -> None:
    lookup = dns(rdtype="A", purpose="host", records=[f"192.0.2.{n}" for n in range(1, 8)])
    assert summarize(lookup, "en") == "A: 192.0.2.1, 192.0.2.2, 192.0.2.3, 192.0.2.4, +3 more"


def test_null_mx_and_missing_mx_read_differently() -> None:
    assert in_every_language(dns(null_mx=True, mx=[MxRecord(preference=0, exchange=".")]))["en"] == (
        "null MX: the domain accepts no mail")
    assert in_every_language(dns(**failed(Failure.NO_ANSWER, "resolve")))["en"] == "no MX record"


def test_srv_dot_target_says_the_service_is_declared_absent() -> None:
    lookup = dns(rdtype="SRV", purpose="srv", srv=[SrvRecord(priority=0, weight=0, port=0, target=".")])
    assert "'.'" in in_every_language(lookup)["en"]
    record = SrvRecord(priority=0, weight=1, port=993, target="imap.x.cn")
    found = dns(rdtype="SRV", purpose="srv", srv=[record])
    assert in_every_language(found)["en"] == "SRV: 0 1 993 imap.x.cn"


@pytest.mark.parametrize(("kind", "detail", "expected"), [
    (Failure.NXDOMAIN, "", "NXDOMAIN: example.com does not exist"),
    (Failure.SERVFAIL, "SERVFAIL from 127.0.0.53", "resolver failed (SERVFAIL)"),
    (Failure.SERVFAIL, "answer REFUSED", "resolver failed (REFUSED)"),
    (Failure.DNS_TIMEOUT, "", "resolver did not answer in time"),
    (Failure.NO_RESOLVER, "", "no DNS resolver is configured on this machine"),
])
def test_resolver_failures_say_which(kind: Failure, detail: str, expected: str) -> None:
    assert in_every_language(dns(**failed(kind, "resolve", detail)))["en"] == expected


# -- mail sessions --------------------------------------------------------------------------------


def test_a_healthy_imap_session_in_one_line() -> None:
    lines = in_every_language(mail())
    assert lines["en"] == "IMAP 993: TLSv1.3, greeting in 212 ms, 9 capabilities"
    assert lines["zh-Hant"] == "IMAP 993：TLSv1.3，212 毫秒收到歡迎訊息，9 項功能"


def test_starttls_session_and_missing_starttls() -> None:
    upgraded = mail(kind="smtp", port=587, tls_mode=TlsMode.STARTTLS, starttls_offered=True, starttls_ok=True,
                    capabilities=["STARTTLS"])
    assert in_every_language(upgraded)["en"] == (
        "SMTP 587: STARTTLS, TLSv1.3, greeting in 212 ms, 1 capability")
    plain = mail(kind="pop3", port=110, tls_mode=TlsMode.STARTTLS, tls=None, starttls_offered=False,
                 capabilities=[], status=Status.WARN)
    assert in_every_language(plain)["en"] == "POP3 110: STARTTLS not offered, greeting in 212 ms"


def test_a_certificate_close_to_expiry_is_mentioned() -> None:
    soon = mail(tls=TlsFacts(version="TLSv1.2", verified=True, days_left=5.5), status=Status.WARN)
    assert in_every_language(soon)["en"].endswith("certificate expires in 5 days")


@pytest.mark.parametrize(("stage", "expected"), [
    ("connect", "IMAP 993: no answer: timed out"),
    ("greeting", "IMAP 993: timed out after connect: no greeting"),
    ("tls", "IMAP 993: timed out during TLS handshake"),
])
def test_timeouts_say_where(stage: str, expected: str) -> None:
    assert in_every_language(mail(**failed(Failure.TIMEOUT, stage)))["en"] == expected


def test_a_refused_connection() -> None:
    assert in_every_language(mail(**failed(Failure.REFUSED)))["en"] == "IMAP 993: connection refused"


def test_server_refusal_is_quoted_and_bounded() -> None:
    words = "421 4.3.2 Service not available, closing transmission channel " + "x" * 200
    session = mail(kind="smtp", port=465, greeting=words, **failed(Failure.REJECTED, "greeting"))
    line = in_every_language(session)["en"]
    assert line.startswith("SMTP 465: server refused service: 421 4.3.2 Service not available")
    assert len(line) < 120 and line.endswith("…")


def test_quote_flattens_control_characters() -> None:
    assert quote("-ERR\r\n\tlogin\x00 disabled") == "-ERR login disabled"
    assert len(quote("y" * 500)) == 80


@pytest.mark.parametrize(("facts", "expected"), [
    (TlsFacts(verify_error="expired", certificate=cert()), "certificate expired on 2026-01-02"),
    (TlsFacts(verify_error="not_yet_valid", certificate=cert()), "certificate not valid before 2025-01-02"),
    (TlsFacts(verify_error="hostname_mismatch", certificate=cert(san=["*.other.example"])),
     "certificate is for another host (*.other.example)"),
    (TlsFacts(verify_error="untrusted", certificate=cert(issuer_cn="Kaspersky Anti-Virus Personal Root")),
     "certificate issued by an untrusted issuer 'Kaspersky Anti-Virus Personal Root'"),
    (TlsFacts(verify_error="self_signed", certificate=cert(subject="CN=mail.local")),
     "self-signed certificate 'CN=mail.local'"),
    (TlsFacts(verify_error="other", verify_message="unsupported certificate purpose"),
     "certificate did not verify: unsupported certificate purpose"),
    (None, "certificate did not verify"),
])
def test_certificate_failures_name_the_reason(facts: TlsFacts | None, expected: str) -> None:
    session = mail(tls=facts, **failed(Failure.TLS_VERIFY, "tls"))
    assert in_every_language(session)["en"] == f"IMAP 993: {expected}"


# -- webmail --------------------------------------------------------------------------------------


def test_a_healthy_webmail_visit() -> None:
    lines = in_every_language(web())
    assert lines["en"] == "HTTP 200 in 340 ms, TLSv1.3, 2 redirects"


def test_webmail_failures() -> None:
    assert in_every_language(web(status_code=503, **failed(Failure.HTTP_STATUS, "http")))["en"] == "HTTP 503"
    assert in_every_language(web(**failed(Failure.REDIRECT_LOOP, "http")))["en"] == "redirect loop"
    assert in_every_language(web(**failed(Failure.TOO_MANY_REDIRECTS, "http")))["en"] == (
        "too many redirects (2)")


def test_webmail_facts_that_break_browsers() -> None:
    visit = web(clock_offset_s=7200.0, legacy_tls_only=True, legacy_tls_version="TLSv1.0", redirects=[],
                resources=[PageResource(url="https://exmail.qq.com/a.js", status=Status.FAIL)])
    assert in_every_language(visit)["en"] == (
        "HTTP 200 in 340 ms, only TLSv1.0 offered (browsers refuse it), server clock 2 h ahead, "
        "1 page resource failed (https://exmail.qq.com/a.js)")
    assert "server clock 45 min behind" in summarize(web(clock_offset_s=-2700.0), "en")


def test_a_webmail_offering_only_tls_1_1_is_said_once_and_in_the_readers_language() -> None:
    detail = "the server offers only TLSv1.1 (TLS 1.0/1.1), which current browsers refuse"
    visit = web(legacy_tls_only=True, legacy_tls_version="TLSv1.1", status_code=None,
                **failed(Failure.TLS_HANDSHAKE, "tls", detail))
    words = in_every_language(visit)
    assert words["en"] == "only TLSv1.1 offered (browsers refuse it)"
    assert all("offers only" not in text and "current browsers" not in text for text in words.values())


def test_failed_page_resources_are_named() -> None:
    broken = [PageResource(url=f"https://cdn.example.com/{name}", status=Status.FAIL) for name in ("a.js", "b.css",
                                                                                                  "c.png")]
    text = summarize(web(resources=broken), "en")
    assert "3 page resources failed (https://cdn.example.com/a.js, https://cdn.example.com/b.css, +1 more)" in text


# -- baseline and the rest ------------------------------------------------------------------------


def test_baseline_lines() -> None:
    assert in_every_language(baseline())["en"] == "baseline: reachable in 12 ms"
    assert in_every_language(baseline(**failed(Failure.UNREACHABLE)))["en"] == (
        "baseline: network unreachable: no route to the host")
    assert in_every_language(baseline(status=Status.SKIP))["en"] == "baseline: not tested"


def test_skipped_and_untestable_checks() -> None:
    assert in_every_language(mail(status=Status.SKIP, tls=None, greeting_ms=None, capabilities=[]))["en"] == (
        "IMAP 993: not tested")
    plain = Observation(id="x", kind="login", target="t", status=Status.ERROR)
    assert in_every_language(plain)["en"] == "could not be tested"


@pytest.mark.parametrize("kind", list(Failure))
def test_every_failure_has_a_phrase_for_every_kind_of_check(kind: Failure) -> None:
    for key in (f"failure.{kind.value}",):
        assert all(key in messages for messages in MESSAGES.values())
    other = Observation.model_validate({"id": "o", "kind": "login", "target": "t", **failed(kind)})
    for observation in (dns(**failed(kind, "resolve")), mail(**failed(kind, "greeting", "x")),
                        web(status_code=None, **failed(kind, "http")), baseline(**failed(kind)), other):
        in_every_language(observation)


# -- the message catalogue ------------------------------------------------------------------------


def test_every_key_exists_in_every_language_with_the_same_params() -> None:
    assert set(en.MESSAGES) == set(zh_hans.MESSAGES) == set(zh_hant.MESSAGES)
    for key, text in en.MESSAGES.items():
        assert placeholders(zh_hans.MESSAGES[key]) == placeholders(text), key
        assert placeholders(zh_hant.MESSAGES[key]) == placeholders(text), key
        for messages in (en.MESSAGES, zh_hans.MESSAGES, zh_hant.MESSAGES):
            list(string.Formatter().parse(messages[key]))  # well-formed


def test_required_keys_exist() -> None:
    required = ["heading.verdict", "heading.cause", "heading.evidence", "heading.remedies", "heading.checks",
                "heading.provider", "heading.duration", "heading.status", "verdict.healthy"]
    required += [f"status.{s}" for s in ("ok", "warning", "critical", "unknown")]
    required += [f"check.{s.value}" for s in Status]
    for key in required:
        assert key in en.MESSAGES, key
    assert all(entry(cause).verdict["default"] for cause in Cause)  # a cause's verdicts are in causes.toml


def test_cause_verdicts_need_no_params() -> None:
    assert not placeholders(en.MESSAGES["verdict.inconclusive"])
    for cause in Cause:
        for lang in LANGS:
            assert not placeholders(entry(cause).verdict["default"].get(lang)), cause


def test_t_falls_back_and_never_raises() -> None:
    assert t("verdict.healthy", "en", provider="Tencent Exmail") == (
        "Everything answers: Tencent Exmail looks healthy from here.")
    assert t("verdict.healthy", "zh-Hant") == "一切正常：從這裡看，{provider} 運作良好。"
    assert t("no.such.key", "zh-Hans") == "no.such.key"
    assert t("unit.ms", "en", n="fast", extra=1) == "fast ms"


def test_t_falls_back_to_english_for_a_key_missing_in_a_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(zh_hant.MESSAGES, "heading.cause")
    assert t("heading.cause", "zh-Hant") == "Cause"


def test_verdict_picks_the_variant_sentence_and_falls_back_to_the_cause() -> None:
    line = verdict("server_outage", "service_down", "en", service="imap", host="imap.exmail.qq.com", port=993)
    assert line.startswith("IMAP at imap.exmail.qq.com:993 is down")
    assert verdict("server_outage", "service_down", "en", host="x") == entry(Cause.SERVER_OUTAGE).verdict[
        "default"].get("en")
    assert verdict("password_incorrect", "whatever", "zh-Hans") == entry(Cause.PASSWORD_INCORRECT).verdict[
        "default"].get("zh-Hans")


def test_clock_verdict_reads_the_offset_sign() -> None:
    assert "about 2 h behind" in verdict("clock_skew", "date_header", "en", offset_s=7200, offset_min=120)
    assert "快了约 10 分钟" in verdict("clock_skew", "date_header", "zh-Hans", offset_s=-600, offset_min=-10)


@pytest.mark.parametrize(("seconds", "expected"), [(45, "45 s"), (900, "15 min"), (7200, "2 h"),
                                                   (-259200, "3 days")])
def test_format_span(seconds: float, expected: str) -> None:
    assert format_span(seconds, "en") == expected


# -- what mailprobe and its libraries say is worded, never quoted as the server's (issue 19) -------------------


@pytest.mark.parametrize(("error", "english"), [
    (ErrorFacts(kind=Failure.BAD_REPLY, stage="redirect", detail="redirect to http://x.example/: not HTTPS"),
     "not HTTPS"),
    (ErrorFacts(kind=Failure.TLS_HANDSHAKE, stage="tls", detail="EOF occurred in violation of protocol"),
     "violation"),
    (ErrorFacts(kind=Failure.TLS_HANDSHAKE, stage="tls",
                detail="[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)"), "wrong version"),
])
@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_our_own_and_a_librarys_english_never_reach_a_chinese_summary(
    error: ErrorFacts, english: str, lang: Lang
) -> None:
    from mailprobe.summaries import failure_phrase

    said = failure_phrase(error, lang)
    assert english not in said, said
    if "WRONG_VERSION_NUMBER" in error.detail:
        assert "WRONG_VERSION_NUMBER" in said  # a library's code is shown as it is, in every language


def test_a_servers_refusal_is_quoted_in_chinese() -> None:
    from mailprobe.summaries import failure_phrase

    refusal = ErrorFacts(kind=Failure.REJECTED, stage="greeting", detail="421 4.3.2 Service not available")
    assert failure_phrase(refusal, "zh-Hans") == "服务器拒绝提供服务：«421 4.3.2 Service not available»"
