"""SMTP probe against scripted loopback servers: each test is one way a mail server behaves."""

from __future__ import annotations

import time

import pytest

from mailprobe.evidence import Endpoint, Failure, Status, TlsMode
from mailprobe.kinds.mail import MailSession
from mailprobe.probes import smtp
from tests.lab.certs import CertLab
from tests.lab.mailserver import MailServer, ipv6_loopback_available, lab_context
from tests.lab.steps import probe_once


async def run(server: MailServer, ca_file: str | None, seconds: float = 5.0) -> MailSession:
    async with server:
        return await probe_once(smtp, server.endpoint, server.address, lab_context(seconds, ca_file))


QQ_GREETING = "220 smtp.qq.com Esmtp QQ Mail Server"


async def test_smtps_465_qq_like_server_passes(lab: CertLab, ca_file: str) -> None:
    server = MailServer("smtp", tls="implicit", lab=lab, hostname="smtp.qq.com", greeting=QQ_GREETING)
    session = await run(server, ca_file)
    assert session.status == Status.PASS, session.error
    assert session.id == f"smtp.{server.port}/smtp.qq.com/127.0.0.1"
    assert session.greeting_code == "220" and session.greeting == QQ_GREETING
    assert session.tls is not None and session.tls.verified
    assert "AUTH LOGIN PLAIN" in session.capabilities and "SIZE 73400320" in session.capabilities
    assert not any(cap.startswith("SMTP.QQ.COM") for cap in session.capabilities)  # the EHLO banner line
    assert server.commands == ["EHLO [127.0.0.1]", "QUIT"]


async def test_submission_587_starttls_upgrades_and_rereads_ehlo(lab: CertLab, ca_file: str) -> None:
    server = MailServer("smtp", tls="starttls", lab=lab)
    session = await run(server, ca_file)
    assert session.status == Status.PASS, session.error
    assert session.starttls_offered is True and session.starttls_ok is True
    assert "STARTTLS" not in session.capabilities and "AUTH LOGIN PLAIN" in session.capabilities
    assert server.commands == ["EHLO [127.0.0.1]", "STARTTLS", "EHLO [127.0.0.1]", "QUIT"]


async def test_421_greeting_fails_rejected(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("smtp", tls="starttls", lab=lab, fault="refuse"), ca_file)
    assert session.error is not None and session.error.kind == Failure.REJECTED
    assert session.error.stage == "greeting" and session.greeting_code == "421"
    assert "Service not available" in session.error.detail


async def test_554_greeting_fails_rejected_and_quits_politely(lab: CertLab, ca_file: str) -> None:
    server = MailServer("smtp", tls="plain", greeting="554 5.7.1 Your IP is on our block list")
    session = await run(server, ca_file)
    assert session.error is not None and session.error.kind == Failure.REJECTED
    assert session.greeting_code == "554"
    assert server.commands == ["QUIT"]  # RFC 5321 3.1: after 554 the server waits for QUIT


async def test_multiline_greeting_passes_with_all_lines(lab: CertLab, ca_file: str) -> None:
    server = MailServer("smtp", tls="plain", greeting="220-mx.lab.test ESMTP\r\n220 no UCE")
    session = await run(server, ca_file)
    assert session.status == Status.PASS, session.error
    assert session.greeting == "220 mx.lab.test ESMTP | 220 no UCE"


async def test_ehlo_refused_falls_back_to_helo(lab: CertLab, ca_file: str) -> None:
    server = MailServer("smtp", tls="implicit", lab=lab, capability_error=True)
    session = await run(server, ca_file)
    assert session.status == Status.PASS, session.error
    assert session.capabilities == []
    assert server.commands[:2] == ["EHLO [127.0.0.1]", "HELO [127.0.0.1]"]


async def test_ehlo_answered_421_fails_rejected(lab: CertLab, ca_file: str) -> None:
    server = MailServer("smtp", tls="plain", replies={"EHLO": "421 4.7.0 Too many errors, closing"})
    session = await run(server, ca_file)
    assert session.error is not None and session.error.kind == Failure.REJECTED
    assert session.error.stage == "capabilities"


async def test_plaintext_injected_with_the_starttls_go_ahead_is_discarded(lab: CertLab, ca_file: str) -> None:
    server = MailServer("smtp", tls="starttls", lab=lab, fault="starttls_injection")
    session = await run(server, ca_file)
    assert session.status == Status.PASS, session.error
    assert "AUTH LOGIN PLAIN" in session.capabilities  # the real post-TLS EHLO reply, not the injected one


async def test_starttls_not_offered_fails_not_offered(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("smtp", tls="starttls", lab=lab, starttls_offered=False), ca_file)
    assert session.error is not None and session.error.kind == Failure.NOT_OFFERED
    assert session.error.stage == "starttls" and session.starttls_offered is False


async def test_starttls_answered_454_fails_rejected(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("smtp", tls="starttls", lab=lab, starttls_error=True), ca_file)
    assert session.error is not None and session.error.kind == Failure.REJECTED
    assert session.error.stage == "starttls" and session.error.detail.startswith("454")


async def test_plain_port_records_starttls_offer_and_passes(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("smtp", tls="plain"), ca_file)
    assert session.status == Status.PASS and session.starttls_offered is False and session.tls is None


async def test_garbage_instead_of_tls_after_starttls_fails_tls_handshake(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("smtp", tls="starttls", lab=lab, fault="tls_garbage"), ca_file)
    assert session.error is not None and session.error.kind == Failure.TLS_HANDSHAKE
    assert session.error.stage == "tls"


async def test_wrong_host_certificate_on_465_is_hostname_mismatch(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("smtp", tls="implicit", lab=lab, cert="wrong_host"), ca_file)
    assert session.error is not None and session.error.kind == Failure.TLS_VERIFY
    assert session.tls is not None and session.tls.verify_error == "hostname_mismatch"
    assert session.tls.certificate is not None and session.tls.certificate.san == ["wrong-host.invalid"]
    assert session.greeting_code == "220"


async def test_garbage_greeting_fails_bad_reply(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("smtp", tls="plain", fault="garbage_greeting"), ca_file)
    assert session.error is not None and session.error.kind == Failure.BAD_REPLY
    assert session.error.stage == "greeting"


async def test_http_server_on_the_smtp_port_fails_bad_reply(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("smtp", tls="plain", greeting="HTTP/1.1 400 Bad Request"), ca_file)
    assert session.error is not None and session.error.kind == Failure.BAD_REPLY
    assert "HTTP/1.1 400" in session.error.detail


async def test_very_long_greeting_line_fails_bad_reply(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("smtp", tls="plain", fault="long_line"), ca_file)
    assert session.error is not None and session.error.kind == Failure.BAD_REPLY


async def test_tarpit_fails_timeout_within_the_deadline(lab: CertLab, ca_file: str) -> None:
    started = time.monotonic()
    # Long enough for the silence to outlast Timeouts.stall_floor: a deadline that ended it sooner would have
    # cut the greeting off, not tested (issue 16).
    session = await run(MailServer("smtp", tls="starttls", lab=lab, fault="tarpit"), ca_file, seconds=2.0)
    assert time.monotonic() - started < 3.0
    assert session.error is not None and session.error.kind == Failure.TIMEOUT
    assert session.error.stage == "greeting"


async def test_reset_after_accept_fails_reset_or_closed(ca_file: str) -> None:
    session = await run(MailServer("smtp", tls="plain", fault="reset"), ca_file)
    assert session.error is not None and session.error.kind in (Failure.RESET, Failure.CLOSED)


async def test_closed_port_fails_refused(ca_file: str, unused_tcp_port: int) -> None:
    endpoint = Endpoint(protocol="smtp", host="smtp.lab.test", port=unused_tcp_port, tls=TlsMode.IMPLICIT)
    session = await probe_once(smtp, endpoint, "127.0.0.1", lab_context(2.0, ca_file))
    assert session.error is not None and session.error.kind == Failure.REFUSED


@pytest.mark.skipif(not ipv6_loopback_available(), reason="no IPv6 loopback on this machine")
async def test_ehlo_over_ipv6_uses_an_ipv6_address_literal(lab: CertLab, ca_file: str) -> None:
    server = MailServer("smtp", tls="plain", host="::1")
    session = await run(server, ca_file)
    assert session.status == Status.PASS, session.error
    assert server.commands[0] == "EHLO [IPv6:::1]"
