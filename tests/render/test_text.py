"""The text report: verdict first, causes with evidence and cited remedies, colour only when asked for."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from mailprobe.compose import prevention
from mailprobe.evidence import TlsMode
from mailprobe.kinds.mail import MailCheck, MailFacts
from mailprobe.render.options import RenderOptions
from mailprobe.render.text import WIDTH
from mailprobe.render.text import render as render_all
from mailprobe.render.text import render_report as render
from mailprobe.report import DiagnosisEntry, ProviderInfo, RemedyEntry, Report, ToolInfo


def report(lang: str = "en", summary: str = "IMAP at imap.exmail.qq.com:993 is down on the provider's side.") -> Report:
    return Report(
        schema_version=2, tool=ToolInfo(version="0"), address="li@acme.com", domain="acme.com",
        domain_ascii="acme.com", started_at=datetime(2026, 11, 25, tzinfo=UTC), duration_ms=1234.0,
        status="critical", provider=ProviderInfo(id="qq", name="Tencent Exmail", matched_by="mx"), lang=lang,
        prevention=prevention(lang),  # type: ignore[arg-type]
        checks=[MailCheck(id="imap.993/imap.exmail.qq.com/203.0.113.10", kind="imap",
                          target="imap.exmail.qq.com:993", address="203.0.113.10", status="fail",
                          summary="IMAP 993: connection refused",
                          data=MailFacts(host="imap.exmail.qq.com", port=993, tls_mode=TlsMode.IMPLICIT))],
        diagnosis=[DiagnosisEntry(
            cause="server_outage", section="2.3", severity="critical", confidence=0.9, summary=summary,
            title={"en": "Provider's mail servers failing", "zh-Hans": "邮件服务器故障",
                   "zh-Hant": "郵件伺服器故障"}[lang],
            evidence=["imap.993/imap.exmail.qq.com/203.0.113.10"],
            remedies=[RemedyEntry(section="3.3", text="Look at the provider's status page.", id="check_status_page")],
        )],
    )


def display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def test_the_verdict_leads_then_the_cause_with_its_evidence_and_cited_remedy() -> None:
    text = render(report())
    lines = text.splitlines()

    assert lines[0].startswith("mailprobe · li@acme.com  [CRITICAL]  Report ID: ")
    assert lines[1].startswith("Verdict: IMAP at imap.exmail.qq.com:993 is down")
    assert "1. Provider's mail servers failing [server_outage]  (critical, 90% likely, article §2.3)" in text
    assert "✗ imap.exmail.qq.com:993 203.0.113.10: IMAP 993: connection refused" in text
    assert "Look at the provider's status page. (article §3.3)" in text
    assert "\x1b[" not in text


def test_colour_only_when_asked_for() -> None:
    assert "\x1b[31m" in render(report(), color=True)


def test_chinese_lines_wrap_by_display_width_without_splitting_words_or_numbers() -> None:
    sentence = "服务商的 IMAP 服务器 imap.exmail.qq.com:993 无法连接（connection refused），"
    long = (sentence + "而其他服务商的 993 端口正常：") * 3
    text = render(report(lang="zh-Hans", summary=long))
    verdict = [line for line in text.splitlines() if line.startswith(("结论", "   服务商", "   "))][:4]

    assert all(display_width(line) <= WIDTH for line in text.splitlines() if "imap.993/" not in line)
    assert len(verdict) > 1
    # A host name is never cut in two: every occurrence stands whole on one line.
    whole = sum(line.count("imap.exmail.qq.com:993") for line in text.splitlines())
    assert whole == long.count("imap.exmail.qq.com:993") + 1  # the verdict's three, and the evidence line


def test_the_advice_for_next_time_comes_only_with_v() -> None:
    assert "Next time" not in render(report())
    tail = (text := render(report(), verbose=True))[text.index("Next time"):]
    assert all(f"§4.{n}" in tail for n in range(1, 5))


def weak_readings(lang: str = "en") -> Report:
    """The first cause, then one of 60 % (shown whole) and two under 50 % (weak readings)."""
    first = report(lang)
    extra = [
        DiagnosisEntry(cause="tls_certificate_problem", section="2.4", severity="critical", confidence=0.6,
                       title="Certificate problem", summary="The certificate is odd.",
                       remedies=[RemedyEntry(section="3.4", text="Check the certificate.", id="x")]),
        DiagnosisEntry(cause="network_problem", section="2.4", severity="critical", confidence=0.4,
                       title="Problem with your own network", summary="Maybe the network.",
                       evidence=[first.checks[0].id],
                       remedies=[RemedyEntry(section="3.4", text="Restart the router.", id="y")]),
        DiagnosisEntry(cause="account_locked", section="2.2", severity="critical", confidence=0.2,
                       title="Account locked", summary="Maybe locked.",
                       remedies=[RemedyEntry(section="3.2", text="Wait for the unlock.", id="z")]),
    ]
    return first.model_copy(update={"diagnosis": [*first.diagnosis, *extra]})


def test_weak_readings_fold_into_also_possible_lines_without_remedies() -> None:
    text = render(weak_readings())

    assert "2. Certificate problem [tls_certificate_problem]" in text and "Check the certificate." in text
    assert "Also possible: Problem with your own network [network_problem] (40% likely, article §2.4)" in text
    assert "Also possible: Account locked [account_locked] (20% likely, article §2.2)" in text
    assert "Restart the router." not in text and "Wait for the unlock." not in text
    assert "Maybe the network." not in text  # a weak reading is one line: no summary, evidence or remedies


def test_a_batch_ends_with_one_summary_line_worst_first_and_the_advice_once() -> None:
    healthy = report().model_copy(update={"status": "ok", "diagnosis": [], "address": "ok@acme.com"})
    text = render_all([healthy, report(), weak_readings()], RenderOptions(verbose=True))

    assert text.splitlines()[-1] != ""
    assert "3 mailboxes checked: 2 critical, 1 ok." in text
    assert text.count("Next time") == 1
    assert text.index("3 mailboxes checked") < text.index("Next time")
    chinese = render_all([healthy.model_copy(update={"lang": "zh-Hans"}), report("zh-Hans")], RenderOptions())
    assert chinese.splitlines()[-1] == "共检查 2 个邮箱：严重 1 个、正常 1 个。"


def test_passing_checks_are_counted_and_v_lists_every_one() -> None:
    from mailprobe.kinds.dns import DnsCheck, DnsFacts

    dns = DnsCheck(id="dns.mx/acme.com", kind="dns", target="acme.com", status="pass", summary="MX: 5 mx.qq.com",
                   data=DnsFacts(name="acme.com", rdtype="MX", purpose="mx", nameserver="192.0.2.53:53"))
    skipped = dns.model_copy(update={"id": "dns.srv/acme.com", "status": "skip", "summary": "not tested"})
    full = report().model_copy(update={"checks": [dns, skipped, *report().checks]})

    short = render(full)
    assert "Checks: 1 passed, 1 failed, 1 not tested (-v lists every check)" in short
    assert "dns.mx/acme.com" not in short and "MX: 5 mx.qq.com" not in short
    every = render(full, verbose=True)
    assert "dns.mx/acme.com" in every and "dns.srv/acme.com" in every and "MX: 5 mx.qq.com" in every


def test_a_healthy_generic_domain_is_not_called_an_unrecognised_provider() -> None:
    healthy = report().model_copy(update={
        "status": "ok", "diagnosis": [],
        "provider": ProviderInfo(id="generic", name="unrecognised provider", matched_by="generic")})
    assert "Verdict: Everything answers: the mail servers of acme.com look healthy from here." in render(healthy)
    chinese = render(healthy.model_copy(update={"lang": "zh-Hans",
                                                "provider": ProviderInfo(id="generic", name="未识别的服务商",
                                                                         matched_by="generic")}))
    assert "从这里看，acme.com 的邮件服务器运行良好。" in chinese
    assert "未识别的服务商 运行良好" not in chinese and "未识别的服务商运行良好" not in chinese
