"""The text report: verdict first, causes with evidence and cited remedies, colour only when asked for."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from mailprobe.compose import prevention
from mailprobe.evidence import MailFacts, TlsMode
from mailprobe.render.text import WIDTH
from mailprobe.render.text import render_report as render
from mailprobe.report import DiagnosisEntry, MailCheck, ProviderInfo, RemedyEntry, Report, ToolInfo


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
            evidence=["imap.993/imap.exmail.qq.com/203.0.113.10"],
            remedies=[RemedyEntry(section="3.3", text="Look at the provider's status page.", id="check_status_page")],
        )],
    )


def display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def test_the_verdict_leads_then_the_cause_with_its_evidence_and_cited_remedy() -> None:
    text = render(report())
    lines = text.splitlines()

    assert lines[3].startswith("Verdict: IMAP at imap.exmail.qq.com:993 is down")
    assert "1. server_outage" in text and "§2.3" in text
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


def test_a_report_with_a_problem_ends_with_the_articles_prevention_advice() -> None:
    text = render(report())

    tail = text[text.index("Next time"):]
    assert all(f"§4.{n}" in tail for n in range(1, 5))
