"""POP3 probe against scripted loopback servers: each test is one way a mailbox server behaves."""

from __future__ import annotations

import time

from mailprobe.evidence import Endpoint, Failure, Status, TlsMode
from mailprobe.kinds.mail import MailSession
from mailprobe.probes import pop3
from tests.lab.certs import CertLab
from tests.lab.mailserver import MailServer, lab_context
from tests.lab.steps import probe_once


async def run(server: MailServer, ca_file: str | None, seconds: float = 5.0) -> MailSession:
    async with server:
        return await probe_once(pop3, server.endpoint, server.address, lab_context(seconds, ca_file))


async def test_pop3s_995_healthy_server_passes_and_says_quit(lab: CertLab, ca_file: str) -> None:
    server = MailServer("pop3", tls="implicit", lab=lab)
    session = await run(server, ca_file)
    assert session.status == Status.PASS, session.error
    assert session.kind == "pop3" and session.id == f"pop3.{server.port}/pop.lab.test/127.0.0.1"
    assert session.greeting_code == "+OK"
    assert session.greeting is not None and "POP3 ready" in session.greeting
    assert session.tls is not None and session.tls.verified
    assert "USER" in session.capabilities and "SASL PLAIN LOGIN" in session.capabilities
    assert server.commands == ["CAPA", "QUIT"]


async def test_err_greeting_fails_rejected(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("pop3", tls="implicit", lab=lab, fault="refuse"), ca_file)
    assert session.error is not None and session.error.kind == Failure.REJECTED
    assert session.error.stage == "greeting" and session.greeting_code == "-ERR"


async def test_capa_answered_err_still_passes_with_no_capabilities(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("pop3", tls="implicit", lab=lab, capability_error=True), ca_file)
    assert session.status == Status.PASS, session.error
    assert session.capabilities == []


async def test_stls_on_110_upgrades_and_rereads_capabilities(lab: CertLab, ca_file: str) -> None:
    server = MailServer("pop3", tls="starttls", lab=lab)
    session = await run(server, ca_file)
    assert session.status == Status.PASS, session.error
    assert session.starttls_offered is True and session.starttls_ok is True
    assert "STLS" not in session.capabilities and "USER" in session.capabilities
    assert server.commands == ["CAPA", "STLS", "CAPA", "QUIT"]


async def test_stls_not_offered_fails_not_offered(lab: CertLab, ca_file: str) -> None:
    server = MailServer("pop3", tls="starttls", lab=lab, starttls_offered=False)
    session = await run(server, ca_file)
    assert session.error is not None and session.error.kind == Failure.NOT_OFFERED
    assert session.error.stage == "starttls" and "STLS" in session.error.detail
    assert server.commands[-1] == "QUIT"  # the server is still talking: say goodbye


async def test_stls_answered_err_fails_rejected(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("pop3", tls="starttls", lab=lab, starttls_error=True), ca_file)
    assert session.error is not None and session.error.kind == Failure.REJECTED
    assert session.error.stage == "starttls" and "TLS not available" in session.error.detail


async def test_expired_certificate_after_stls_fails_tls_verify_with_facts(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("pop3", tls="starttls", lab=lab, cert="expired"), ca_file)
    assert session.error is not None and session.error.kind == Failure.TLS_VERIFY
    assert session.error.stage == "tls"
    assert session.tls is not None and session.tls.verify_error == "expired"
    assert session.tls.certificate is not None
    assert "USER" in session.capabilities  # read after the unverified upgrade


async def test_untrusted_issuer_is_named_untrusted(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("pop3", tls="implicit", lab=lab, cert="untrusted"), ca_file)
    assert session.tls is not None and session.tls.verify_error == "untrusted"
    assert session.tls.certificate is not None
    assert session.tls.certificate.issuer_org == "Interception Proxy CA"


async def test_gbk_greeting_of_a_chinese_server_is_decoded(lab: CertLab, ca_file: str) -> None:
    greeting = "+OK 欢迎使用网易企业邮箱 POP3 服务".encode("gbk")
    session = await run(MailServer("pop3", tls="implicit", lab=lab, greeting=greeting), ca_file)
    assert session.status == Status.PASS, session.error
    assert session.greeting == "+OK 欢迎使用网易企业邮箱 POP3 服务"


async def test_tarpit_fails_timeout_within_the_deadline(lab: CertLab, ca_file: str) -> None:
    started = time.monotonic()
    session = await run(MailServer("pop3", tls="plain", fault="tarpit"), ca_file, seconds=1.0)
    assert time.monotonic() - started < 3.0
    assert session.error is not None and session.error.kind == Failure.TIMEOUT


async def test_garbage_greeting_fails_bad_reply(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("pop3", tls="implicit", lab=lab, fault="garbage_greeting"), ca_file)
    assert session.error is not None and session.error.kind == Failure.BAD_REPLY
    assert session.error.stage == "greeting"


async def test_close_after_greeting_fails_closed_at_capabilities(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("pop3", tls="implicit", lab=lab, fault="close_after_greeting"), ca_file)
    assert session.error is not None and session.error.kind in (Failure.CLOSED, Failure.RESET)
    assert session.error.stage == "capabilities" and session.greeting_code == "+OK"


async def test_reset_after_accept_fails_reset_or_closed(ca_file: str) -> None:
    session = await run(MailServer("pop3", tls="plain", fault="reset"), ca_file)
    assert session.error is not None and session.error.kind in (Failure.RESET, Failure.CLOSED)
    assert session.error.stage == "greeting"


async def test_garbage_instead_of_tls_after_stls_fails_tls_handshake(lab: CertLab, ca_file: str) -> None:
    session = await run(MailServer("pop3", tls="starttls", lab=lab, fault="tls_garbage"), ca_file)
    assert session.error is not None and session.error.kind == Failure.TLS_HANDSHAKE
    assert session.error.stage == "tls" and session.starttls_ok is False


async def test_closed_port_fails_refused(ca_file: str, unused_tcp_port: int) -> None:
    endpoint = Endpoint(protocol="pop3", host="pop.lab.test", port=unused_tcp_port, tls=TlsMode.STARTTLS)
    session = await probe_once(pop3, endpoint, "127.0.0.1", lab_context(2.0, ca_file))
    assert session.error is not None and session.error.kind == Failure.REFUSED
