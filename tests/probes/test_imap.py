"""IMAP probe against scripted loopback servers: each test is one way a mailbox server behaves."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest

from mailprobe.certdays import CertThresholds
from mailprobe.evidence import Endpoint, Failure, Status, TlsMode
from mailprobe.kinds.mail import MailSession
from mailprobe.net.dialogue import Dialogue
from mailprobe.probes import imap
from mailprobe.probes.mail import Greeting, run_session
from tests.lab.certs import CertLab
from tests.lab.mailserver import MailServer, ipv6_loopback_available, lab_context
from tests.lab.steps import probe_once


async def run(server: MailServer, ca_file: str | None, seconds: float = 5.0) -> MailSession:
    async with server:
        return await probe_once(imap, server.endpoint, server.address, lab_context(seconds, ca_file))


async def test_imaps_993_healthy_server_passes_with_tls_greeting_and_capabilities(
    lab: CertLab, ca_file: str
) -> None:
    server = MailServer("imap", tls="implicit", lab=lab)
    session = await run(server, ca_file)
    assert session.status == Status.PASS, session.error
    assert session.error is None
    assert session.id == f"imap.{server.port}/imap.lab.test/127.0.0.1"
    assert session.target == f"imap.lab.test:{server.port}"
    assert session.address == "127.0.0.1"
    assert session.tls_mode == TlsMode.IMPLICIT
    assert session.greeting_code == "OK"
    assert session.greeting is not None and session.greeting.startswith("* OK [CAPABILITY IMAP4rev1")
    assert session.connect_ms is not None and session.greeting_ms is not None
    assert session.tls is not None and session.tls.verified and session.tls.version is not None
    assert session.tls.certificate is not None and "imap.lab.test" in session.tls.certificate.san
    assert "IMAP4REV1" in session.capabilities and "AUTH=PLAIN" in session.capabilities
    assert session.starttls_offered is None  # nothing to upgrade on an implicit-TLS port


async def test_probe_says_goodbye_with_logout(lab: CertLab, ca_file: str) -> None:
    server = MailServer("imap", tls="implicit", lab=lab)
    await run(server, ca_file)
    assert [line.split(" ", 1)[1] for line in server.commands] == ["CAPABILITY", "LOGOUT"]


async def test_greeting_delayed_300ms_still_passes_and_greeting_ms_shows_the_wait(
    lab: CertLab, ca_file: str
) -> None:
    session = await run(MailServer("imap", tls="implicit", lab=lab, greeting_delay=0.3), ca_file)
    assert session.status == Status.PASS
    # The two ends start their clocks at slightly different moments: a generous bound, not an exact one.
    assert session.greeting_ms is not None and session.greeting_ms >= 200


async def test_bye_greeting_fails_rejected(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("imap", tls="implicit", lab=lab, fault="refuse"), ca_file)
    assert session.status == Status.FAIL
    assert session.error is not None and session.error.kind == Failure.REJECTED
    assert session.error.stage == "greeting"
    assert session.greeting_code == "BYE"
    assert "Too many connections" in session.error.detail


async def test_tarpit_fails_timeout_within_the_deadline(lab: CertLab, ca_file: str) -> None:
    started = time.monotonic()
    # Long enough for the silence to outlast Timeouts.stall_floor: a deadline that ended it sooner would have
    # cut the greeting off, not tested (issue 16).
    session = await run(MailServer("imap", tls="implicit", lab=lab, fault="tarpit"), ca_file, seconds=2.0)
    assert time.monotonic() - started < 3.0
    assert session.error is not None and session.error.kind == Failure.TIMEOUT
    assert session.error.stage == "greeting"
    assert session.tls is not None and session.tls.verified  # TLS worked; the server then said nothing


async def test_expired_certificate_fails_tls_verify_but_shows_the_server_works(
    lab: CertLab, ca_file: str
) -> None:
    session = await run(MailServer("imap", tls="implicit", lab=lab, cert="expired"), ca_file)
    assert session.status == Status.FAIL
    assert session.error is not None and session.error.kind == Failure.TLS_VERIFY
    assert session.error.stage == "tls"
    assert session.tls is not None and not session.tls.verified
    assert session.tls.verify_error == "expired"
    assert session.tls.verify_message
    assert session.tls.certificate is not None and session.tls.days_left is not None
    assert session.tls.days_left < 0
    assert session.greeting_code == "OK" and "IMAP4REV1" in session.capabilities


@pytest.mark.parametrize(
    ("cert", "verify_error"),
    [("untrusted", "untrusted"), ("wrong_host", "hostname_mismatch"), ("not_yet_valid", "not_yet_valid")],
)
async def test_faulty_certificate_is_named(lab: CertLab, ca_file: str, cert: str, verify_error: str) -> None:
    session = await run(MailServer("imap", tls="implicit", lab=lab, cert=cert), ca_file)
    assert session.error is not None and session.error.kind == Failure.TLS_VERIFY
    assert session.tls is not None and session.tls.verify_error == verify_error
    assert session.tls.certificate is not None


async def test_lab_ca_is_untrusted_without_ca_file_and_trusted_with_it(lab: CertLab, ca_file: str) -> None:
    without = await run(MailServer("imap", tls="implicit", lab=lab), None)
    with_ca = await run(MailServer("imap", tls="implicit", lab=lab), ca_file)
    assert without.tls is not None and without.tls.verify_error == "untrusted"
    assert with_ca.status == Status.PASS


async def test_certificate_expiring_in_5_days_warns(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("imap", tls="implicit", lab=lab, cert="expiring_soon"), ca_file)
    assert session.status == Status.WARN
    assert session.error is None
    assert session.tls is not None and session.tls.days_left is not None and session.tls.days_left < 14


async def test_the_run_s_certificate_thresholds_decide_the_session_status(lab: CertLab, ca_file: str) -> None:
    """--cert-warn-days / --cert-crit-days reach the session's own status, not only the diagnosis: a
    certificate with 5 days left passes under 1-day thresholds, one with a year left warns under 400 days."""
    server = MailServer("imap", tls="implicit", lab=lab, cert="expiring_soon")
    async with server:
        ctx = dataclasses.replace(lab_context(5.0, ca_file), cert=CertThresholds(warn_days=1.0, crit_days=0.0))
        lenient = await probe_once(imap, server.endpoint, server.address, ctx)
    async with MailServer("imap", tls="implicit", lab=lab) as healthy:
        ctx = dataclasses.replace(lab_context(5.0, ca_file), cert=CertThresholds(warn_days=400.0, crit_days=3.0))
        strict = await probe_once(imap, healthy.endpoint, healthy.address, ctx)
    assert lenient.status == Status.PASS, lenient.tls
    assert strict.status == Status.WARN, strict.tls


async def test_starttls_on_143_upgrades_and_rereads_capabilities(lab: CertLab, ca_file: str) -> None:
    server = MailServer("imap", tls="starttls", lab=lab)
    session = await run(server, ca_file)
    assert session.status == Status.PASS, session.error
    assert session.starttls_offered is True and session.starttls_ok is True
    assert session.tls is not None and session.tls.verified
    # Before TLS the lab server says LOGINDISABLED; after it, AUTH=PLAIN: the list shown is the post-TLS one.
    assert "AUTH=PLAIN" in session.capabilities
    assert "LOGINDISABLED" not in session.capabilities and "STARTTLS" not in session.capabilities
    assert [line.split(" ", 1)[1] for line in server.commands] == [
        "CAPABILITY", "STARTTLS", "CAPABILITY", "LOGOUT",
    ]


async def test_starttls_not_offered_fails_not_offered(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("imap", tls="starttls", lab=lab, starttls_offered=False), ca_file)
    assert session.error is not None and session.error.kind == Failure.NOT_OFFERED
    assert session.error.stage == "starttls"
    assert session.starttls_offered is False
    assert session.tls is None


async def test_starttls_answered_no_fails_rejected(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("imap", tls="starttls", lab=lab, starttls_error=True), ca_file)
    assert session.error is not None and session.error.kind == Failure.REJECTED
    assert session.error.stage == "starttls"
    assert "TLS is not available" in session.error.detail
    assert session.starttls_offered is True and session.starttls_ok is False


async def test_starttls_with_wrong_host_certificate_still_collects_post_tls_capabilities(
    lab: CertLab, ca_file: str
) -> None:
    session = await run(MailServer("imap", tls="starttls", lab=lab, cert="wrong_host"), ca_file)
    assert session.error is not None and session.error.kind == Failure.TLS_VERIFY
    assert session.tls is not None and session.tls.verify_error == "hostname_mismatch"
    assert session.starttls_ok is True and "AUTH=PLAIN" in session.capabilities


async def test_preauth_greeting_on_starttls_port_is_not_offered(lab: CertLab, ca_file: str) -> None:
    greeting = "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] logged in as the connection's owner"
    server = MailServer("imap", tls="starttls", lab=lab, greeting=greeting)
    session = await run(server, ca_file)
    assert session.greeting_code == "PREAUTH"
    assert session.error is not None and session.error.kind == Failure.NOT_OFFERED


async def test_greeting_capability_code_is_used_when_capability_command_fails(
    lab: CertLab, ca_file: str
) -> None:
    server = MailServer("imap", tls="implicit", lab=lab, capability_error=True)
    session = await run(server, ca_file)
    assert session.status == Status.PASS
    assert "IMAP4REV1" in session.capabilities and "AUTH=LOGIN" in session.capabilities


async def test_garbage_greeting_fails_bad_reply_quoting_the_bytes(lab: CertLab, ca_file: str) -> None:
    started = time.monotonic()
    session = await run(MailServer("imap", tls="plain", fault="garbage_greeting"), ca_file)
    assert time.monotonic() - started < 2.0  # named at once, not after a timeout
    assert session.error is not None and session.error.kind == Failure.BAD_REPLY
    assert session.error.stage == "greeting"
    assert "\\x00\\x17" in session.error.detail


async def test_very_long_greeting_line_fails_bad_reply(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("imap", tls="implicit", lab=lab, fault="long_line"), ca_file)
    assert session.error is not None and session.error.kind == Failure.BAD_REPLY
    assert "longer than" in session.error.detail


async def test_not_an_imap_greeting_fails_bad_reply(lab: CertLab, ca_file: str) -> None:
    server = MailServer("imap", tls="plain", greeting="220 smtp.qq.com Esmtp QQ Mail Server")
    session = await run(server, ca_file)
    assert session.error is not None and session.error.kind == Failure.BAD_REPLY
    assert "220 smtp.qq.com" in session.error.detail


async def test_reset_after_accept_fails_reset_or_closed(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("imap", tls="implicit", lab=lab, fault="reset"), ca_file)
    assert session.error is not None and session.error.kind in (Failure.RESET, Failure.CLOSED)
    assert session.error.stage == "tls"


async def test_close_after_greeting_fails_closed_at_capabilities(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("imap", tls="plain", fault="close_after_greeting"), ca_file)
    assert session.greeting_code == "OK"
    assert session.error is not None and session.error.kind in (Failure.CLOSED, Failure.RESET)
    assert session.error.stage == "capabilities"


async def test_garbage_instead_of_tls_handshake_fails_tls_handshake(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("imap", tls="implicit", lab=lab, fault="tls_garbage"), ca_file)
    assert session.error is not None and session.error.kind == Failure.TLS_HANDSHAKE
    assert session.error.stage == "tls"


async def test_closed_port_fails_refused(ca_file: str, unused_tcp_port: int) -> None:
    endpoint = Endpoint(protocol="imap", host="imap.lab.test", port=unused_tcp_port, tls=TlsMode.IMPLICIT)
    session = await probe_once(imap, endpoint, "127.0.0.1", lab_context(2.0, ca_file))
    assert session.error is not None and session.error.kind == Failure.REFUSED
    assert session.error.stage == "connect" and session.stage == "connect"


@pytest.mark.skipif(not ipv6_loopback_available(), reason="no IPv6 loopback on this machine")
async def test_imaps_over_ipv6_loopback_passes(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("imap", tls="implicit", lab=lab, host="::1"), ca_file)
    assert session.status == Status.PASS, session.error
    assert session.address == "::1" and session.id.endswith("/::1")


def test_lab_server_in_a_thread_serves_a_probe_from_another_loop(lab: CertLab, ca_file: str) -> None:
    with MailServer("imap", tls="starttls", lab=lab).in_thread() as server:
        session = asyncio.run(probe_once(imap, server.endpoint, server.address, lab_context(5.0, ca_file)))
    assert session.status == Status.PASS, session.error


async def test_a_bug_in_a_protocol_piece_becomes_internal_evidence_not_an_exception(
    lab: CertLab, ca_file: str
) -> None:
    async def broken_greeting(dialogue: Dialogue) -> Greeting:
        raise KeyError("surprise")

    broken = dataclasses.replace(imap.IMAP, read_greeting=broken_greeting)
    async with MailServer("imap", tls="implicit", lab=lab) as server:
        session = await run_session(broken, server.endpoint, server.address, lab_context(5.0, ca_file))
    assert session.status == Status.ERROR  # mailprobe's own fault: not tested, never the server's failure
    assert session.error is not None and session.error.kind == Failure.INTERNAL
    assert session.error.stage == "greeting" and "KeyError" in session.error.detail
