"""The loop's pure parts: its message, the Received hops, IMAP folder names and quota, where it may send, and
its budget as a part of the run's deadline."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest

from mailprobe.address import parse_address
from mailprobe.errors import UsageError
from mailprobe.kinds.loop import LoopRun, QuotaRoot
from mailprobe.loop import imapwire, received
from mailprobe.loop.message import LOOP_HEADER, build, dot_stuffed
from mailprobe.loop.run import LoopOptions, recipient
from mailprobe.net.deadline import Deadline

POSTFIX_TO_DOVECOT = [  # as Dovecot 2.3 and Postfix 3.7 write them, newest first
    "from mail.example.test by vm with LMTP id uN4JCkI5F2sEbAAAg+zDdQ (envelope-from <alice@example.test>) "
    "for <alice@example.test>; Mon, 07 Dec 2026 22:54:59 +0000",
    "from [127.0.0.1] (unknown [127.0.0.1]) by mail.example.test (Postfix) with ESMTPSA id 2835B2120DD "
    "for <alice@example.test>; Mon,  7 Dec 2026 22:54:58 +0000 (UTC)",
]


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant"])
def test_the_message_carries_its_id_in_a_header_and_the_subject_and_a_two_line_body(lang: str) -> None:
    built = build("alice@example.test", "alice@example.test", lang)  # type: ignore[arg-type]
    parsed = message_from_bytes(built.data, policy=default)
    assert parsed[LOOP_HEADER] == built.loop_id and built.loop_id in str(parsed["Subject"])
    assert parsed["Message-ID"] == built.message_id and parsed["Date"] and parsed["From"] == parsed["To"]
    body = parsed.get_content()
    assert len(body.strip().splitlines()) == 2 and built.loop_id in body
    assert b"\r\n" in built.data and b"\n" not in built.data.replace(b"\r\n", b"")


def test_two_messages_never_share_an_id() -> None:
    assert build("a@b.test", "a@b.test", "en").loop_id != build("a@b.test", "a@b.test", "en").loop_id


def test_data_is_dot_stuffed_and_ends_with_the_end_of_data_line() -> None:
    assert dot_stuffed(b"a\r\n.b\r\n..\r\n") == b"a\r\n..b\r\n...\r\n.\r\n"


def test_hops_read_oldest_first_with_their_delays() -> None:
    sent = datetime(2026, 12, 7, 22, 54, 57, tzinfo=UTC)
    hops = received.hops(POSTFIX_TO_DOVECOT, sent)
    assert [(h.by_host, h.protocol, h.id) for h in hops] == [
        ("mail.example.test", "ESMTPSA", "2835B2120DD"), ("vm", "LMTP", "uN4JCkI5F2sEbAAAg+zDdQ"),
    ]
    assert [h.delay_s for h in hops] == [1.0, 1.0]


def test_received_headers_come_from_the_header_block() -> None:
    block = "".join(f"Received: {value}\r\n" for value in POSTFIX_TO_DOVECOT).encode() + b"\r\n"
    assert received.received_headers(block) == [" ".join(value.split()) for value in POSTFIX_TO_DOVECOT]


def test_a_hop_without_a_date_has_no_delay() -> None:
    (hop,) = received.hops(["from a by b with SMTP id X"])
    assert (hop.from_host, hop.by_host, hop.at, hop.delay_s) == ("a", "b", None, None)


def test_junk_is_found_by_its_attribute_or_by_a_chinese_name_in_modified_utf7() -> None:
    listing = ['* LIST (\\HasNoChildren) "/" INBOX', '* LIST (\\HasNoChildren) "/" "&V4NXPpCuTvY-"',
               '* LIST (\\HasNoChildren \\Trash) "/" "&XfJSIJZkkK5O9g-"']
    folders = imapwire.folders(listing)
    junk = imapwire.special(folders, "\\Junk", imapwire.JUNK_NAMES)
    assert junk is not None and (junk.name, junk.shown) == ("&V4NXPpCuTvY-", "垃圾邮件")
    trash = imapwire.special(folders, "\\Trash", imapwire.TRASH_NAMES)
    assert trash is not None and trash.shown == "已删除邮件"
    flagged = imapwire.folders(['* LIST (\\Junk) "." "Bulk"', '* LIST () "." "Spam"'])
    assert imapwire.special(flagged, "\\Junk", imapwire.JUNK_NAMES).name == "Bulk"  # type: ignore[union-attr]


def test_quota_and_search_answers() -> None:
    (storage,) = imapwire.quota(['* QUOTAROOT INBOX "User quota"', '* QUOTA "User quota" (STORAGE 19 20)'])
    assert (storage.root, storage.used, storage.limit, round(storage.percent)) == ("User quota", 19, 20, 95)
    assert imapwire.search_uids(["* SEARCH 5 7"]) == [5, 7]
    assert imapwire.search_uids(["* SEARCH"]) == []
    line = '* 5 FETCH (UID 5 INTERNALDATE " 7-Dec-2026 22:54:58 +0000" BODY[HEADER.FIELDS (RECEIVED)] {358}'
    assert imapwire.internaldate(line) == datetime(2026, 12, 7, 22, 54, 58, tzinfo=UTC)
    assert imapwire.literal_size(line) == 358


def test_the_loop_sends_only_to_the_mailbox_its_domain_or_what_loop_allow_names() -> None:
    target = parse_address("alice@example.test")
    assert recipient(target, LoopOptions()) == "alice@example.test"
    assert recipient(target, LoopOptions(to=parse_address("bob@example.test"))) == "bob@example.test"
    assert recipient(target, LoopOptions(to=parse_address("c@other.test"), allow=("other.test",))) == "c@other.test"
    assert recipient(target, LoopOptions(to=parse_address("c@other.test"), allow=("C@Other.test",))) == "c@other.test"
    for to, allow in (("c@other.test", ()), ("c@other.test", ("d@other.test",)), ("c@sub.example.test", ())):
        with pytest.raises(UsageError):
            recipient(target, LoopOptions(to=parse_address(to), allow=allow))


def test_the_loop_budget_is_a_part_of_the_run_deadline_not_a_second_clock() -> None:
    run = Deadline(10.0, time.monotonic() - 4.0)
    part = run.extended(120.0)  # as check.py extends it by the budget the plan declares
    assert part.started == run.started and part.timeouts is run.timeouts
    assert 119.0 < part.remaining() <= 120.0
    assert part.run_ends == pytest.approx(run.run_ends + 120.0)


def _quota_findings(used: int, limit: int) -> list[tuple[str, str, str]]:
    from mailprobe.diagnosis.facts import EvidenceView
    from mailprobe.diagnosis.rules.loop import loop_findings
    from mailprobe.evidence import Evidence, PlanSummary, Status

    run = LoopRun(id="loop", target="alice@example.test", status=Status.PASS, outcome="delivered",
                  quota=[QuotaRoot(root="User quota", resource="STORAGE", used=used, limit=limit)])
    evidence = Evidence(target=parse_address("alice@example.test"), plan=PlanSummary(None, "generic"),
                        observations=[run])
    return [(f.cause.value, f.severity, f.variant) for f in loop_findings(EvidenceView(evidence))]


def test_a_mailbox_from_90_percent_full_is_a_warning_and_at_its_quota_critical() -> None:
    assert _quota_findings(890, 1000) == []
    assert _quota_findings(900, 1000) == [("mailbox_full", "warning", "near")]
    assert _quota_findings(1000, 1000) == [("mailbox_full", "critical", "quota")]
    assert _quota_findings(5, 0) == []  # no limit: nothing to be full of


def _runs() -> list[LoopRun]:
    from mailprobe.evidence import ErrorFacts, Failure, Status
    from mailprobe.kinds.loop import Hop, SmtpStep

    base = {"id": "loop", "target": "li@example.test", "status": Status.PASS, "sender": "li@example.test",
            "recipient": "li@example.test", "budget_s": 120.0}
    hops = [Hop(by_host="mail.example.test", protocol="ESMTPSA", delay_s=0.2),
            Hop(by_host="imap.example.test", protocol="LMTP")]
    refused = SmtpStep(command="mail", code="553", text="Mail from must equal authorized user")
    return [
        LoopRun(**base, outcome="delivered", folder="INBOX", found_after_s=2.5, hops=hops, cleanup="expunged",
                quota=[QuotaRoot(root="", resource="STORAGE", used=95, limit=100)]),
        LoopRun(**base, outcome="junk", folder="Junk E-mail", found_after_s=2.5, cleanup="not_allowed"),
        LoopRun(**base, outcome="delayed", queue_id="2835B2120DD", hops=hops),
        LoopRun(**base, outcome="rejected", replies=[refused]),
        LoopRun(**base, outcome="deferred", replies=[SmtpStep(command="rcpt", code="451", text="MI:SFQ try later")]),
        LoopRun(**base, outcome="not_run", error=ErrorFacts(kind=Failure.NOT_OFFERED, stage="plan", detail="no_login")),
        *(LoopRun(**base, outcome="error", stage=stage, error=ErrorFacts(kind=Failure.CLOSED, stage=stage))
          for stage in ("submission", "wait", "junk", "fetch", "cleanup")),
    ]


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_the_loops_line_is_all_chinese_in_every_outcome(lang: str) -> None:
    """The folder a server names is quoted as its words; the loop's stages have words of their own."""
    from mailprobe.kinds import summarize
    from tests.render.untranslated import leaks

    for run in _runs():
        line = summarize(run, lang)  # type: ignore[arg-type]
        assert not leaks(line), (run.outcome, line)
