"""The harness works: real Dovecot and Postfix accept the good password and refuse the wrong one.

Only the standard library talks to them (imaplib, poplib, smtplib), over TLS that trusts the test CA and
checks the certificate for the fixture's host name while connecting to its loopback address.

The refusals the real servers give (Dovecot 2.3.19 and Postfix 3.7 on Debian 12), which the login probe will
have to recognise:

    IMAP   LADL1 NO [AUTHENTICATIONFAILED] Authentication failed.        (imaplib's random tag)
    POP3   -ERR [AUTH] Authentication failed.
    SMTP   535 5.7.8 Error: authentication failed: (reason unavailable)  (Postfix asking Dovecot)

and, before STARTTLS, for plaintext credentials:

    IMAP   LADL1 NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.
    POP3   -ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.
    SMTP   530 5.7.0 Must issue a STARTTLS command first (and no AUTH in EHLO)

Each wrong password costs about 0.5 s (Dovecot answers failures in batches); the growing per-address penalty
is off in the fixture (see realservers.py).
"""

from __future__ import annotations

import imaplib
import poplib
import re
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.integration.realservers import RealServers

pytestmark = pytest.mark.integration

TIMEOUT_S = 10.0

IMAP_AUTH_FAILED = re.compile(rb"^[A-Z]+\d+ NO \[AUTHENTICATIONFAILED\] ")
IMAP_PRIVACY_REQUIRED = re.compile(rb"^[A-Z]+\d+ NO \[PRIVACYREQUIRED\] ")
POP3_AUTH_FAILED = re.compile(rb"^-ERR \[AUTH\] ")


# The standard clients take one `host` for both the address and the certificate name; these connect to the
# fixture's loopback ip and keep `host` (the real name) for SNI and the certificate check.


class _LoopbackIMAP4(imaplib.IMAP4):
    def __init__(self, servers: RealServers, port: int) -> None:
        self.ip = servers.ip
        self.lines: list[bytes] = []
        super().__init__(servers.host, port, timeout=TIMEOUT_S)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((self.ip, self.port), timeout)

    def readline(self) -> bytes:
        line = super().readline()
        self.lines.append(line.rstrip(b"\r\n"))
        return line


class _LoopbackIMAP4_SSL(imaplib.IMAP4_SSL):
    def __init__(self, servers: RealServers, port: int, context: ssl.SSLContext) -> None:
        self.ip, self.tls_context = servers.ip, context
        self.lines: list[bytes] = []
        super().__init__(servers.host, port, ssl_context=context, timeout=TIMEOUT_S)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = socket.create_connection((self.ip, self.port), timeout)
        return self.tls_context.wrap_socket(sock, server_hostname=self.host)

    def readline(self) -> bytes:
        line = super().readline()
        self.lines.append(line.rstrip(b"\r\n"))
        return line


class _LoopbackPOP3(poplib.POP3):
    def __init__(self, servers: RealServers, port: int) -> None:
        self.ip = servers.ip
        super().__init__(servers.host, port, timeout=TIMEOUT_S)

    def _create_socket(self, timeout: float) -> socket.socket:
        return socket.create_connection((self.ip, self.port), timeout)


class _LoopbackPOP3_SSL(poplib.POP3_SSL):
    def __init__(self, servers: RealServers, port: int, context: ssl.SSLContext) -> None:
        self.ip, self.tls_context = servers.ip, context
        super().__init__(servers.host, port, timeout=TIMEOUT_S, context=context)

    def _create_socket(self, timeout: float) -> socket.socket:
        sock = socket.create_connection((self.ip, self.port), timeout)
        return self.tls_context.wrap_socket(sock, server_hostname=self.host)


class _LoopbackSMTP(smtplib.SMTP):
    def __init__(self, servers: RealServers, port: int) -> None:
        self.ip = servers.ip
        super().__init__(servers.host, port, local_hostname="client.example.test", timeout=TIMEOUT_S)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return socket.create_connection((self.ip, port), timeout)


class _LoopbackSMTP_SSL(smtplib.SMTP_SSL):
    def __init__(self, servers: RealServers, port: int, context: ssl.SSLContext) -> None:
        self.ip, self.name, self.tls_context = servers.ip, servers.host, context
        super().__init__(
            servers.host, port, local_hostname="client.example.test", timeout=TIMEOUT_S, context=context
        )

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = socket.create_connection((self.ip, port), timeout)
        return self.tls_context.wrap_socket(sock, server_hostname=self.name)


@contextmanager
def imap(servers: RealServers, tls: str) -> Iterator[_LoopbackIMAP4]:
    context = servers.client_context()
    client: _LoopbackIMAP4
    if tls == "implicit":
        client = _LoopbackIMAP4_SSL(servers, servers.ports["imaps"], context)  # type: ignore[assignment]
    else:
        client = _LoopbackIMAP4(servers, servers.ports["imap_starttls"])
        client.starttls(ssl_context=context)
    try:
        yield client
    finally:
        if client.state != "LOGOUT":
            client.shutdown()


@contextmanager
def pop3(servers: RealServers, tls: str) -> Iterator[poplib.POP3]:
    context = servers.client_context()
    client: poplib.POP3
    if tls == "implicit":
        client = _LoopbackPOP3_SSL(servers, servers.ports["pop3s"], context)
    else:
        client = _LoopbackPOP3(servers, servers.ports["pop3_starttls"])
        client.stls(context=context)
    try:
        yield client
    finally:
        client.close()


@contextmanager
def smtp(servers: RealServers, tls: str) -> Iterator[smtplib.SMTP]:
    context = servers.client_context()
    client: smtplib.SMTP
    if tls == "implicit":
        client = _LoopbackSMTP_SSL(servers, servers.ports["smtps"], context)
    else:
        client = _LoopbackSMTP(servers, servers.ports["submission"])
        client.starttls(context=context)
    client.ehlo()
    try:
        yield client
    finally:
        client.close()


def smtp_auth_plain(client: smtplib.SMTP, user: str, password: str) -> tuple[int, bytes]:
    client.user, client.password = user, password
    return client.auth("PLAIN", client.auth_plain)


TLS_MODES = pytest.mark.parametrize("tls", ["implicit", "starttls"])


def _tls_of(client: Any) -> ssl.SSLSocket:
    sock = client.sock
    assert isinstance(sock, ssl.SSLSocket)
    return sock


# IMAP


@TLS_MODES
def test_imap_good_password_logs_in_and_examines_inbox(real_dovecot: RealServers, tls: str) -> None:
    with imap(real_dovecot, tls) as client:
        assert _tls_of(client).version() in {"TLSv1.2", "TLSv1.3"}
        status, data = client.login(real_dovecot.user, real_dovecot.password)
        assert status == "OK", data
        examined, messages = client.select("INBOX", readonly=True)  # EXAMINE
        assert examined == "OK", messages
        assert client.lines[-1].split()[1:3] == [b"OK", b"[READ-ONLY]"]
        client.logout()


@TLS_MODES
def test_imap_wrong_password_is_refused(real_dovecot: RealServers, tls: str) -> None:
    with imap(real_dovecot, tls) as client:
        with pytest.raises(imaplib.IMAP4.error):
            client.login(real_dovecot.user, real_dovecot.wrong_password)
        refusal = client.lines[-1]
        assert IMAP_AUTH_FAILED.match(refusal), refusal
        assert refusal.endswith(b"Authentication failed.")


def test_imap_refuses_plaintext_login_before_starttls(real_dovecot: RealServers) -> None:
    client = _LoopbackIMAP4(real_dovecot, real_dovecot.ports["imap_starttls"])
    try:
        assert "LOGINDISABLED" in client.capabilities
        assert "STARTTLS" in client.capabilities
        with pytest.raises(imaplib.IMAP4.error):
            client.login(real_dovecot.user, real_dovecot.password)
        assert IMAP_PRIVACY_REQUIRED.match(client.lines[-1]), client.lines[-1]
    finally:
        client.shutdown()


# POP3


@TLS_MODES
def test_pop3_good_password_logs_in_and_stats(real_dovecot: RealServers, tls: str) -> None:
    with pop3(real_dovecot, tls) as client:
        _tls_of(client)
        assert client.user(real_dovecot.user).startswith(b"+OK")
        assert client.pass_(real_dovecot.password).startswith(b"+OK")
        assert client.stat() == (0, 0)
        assert client.quit().startswith(b"+OK")


@TLS_MODES
def test_pop3_wrong_password_is_refused(real_dovecot: RealServers, tls: str) -> None:
    with pop3(real_dovecot, tls) as client:
        client.user(real_dovecot.user)
        with pytest.raises(poplib.error_proto) as refused:
            client.pass_(real_dovecot.wrong_password)
        refusal = refused.value.args[0]
        assert POP3_AUTH_FAILED.match(refusal), refusal
        assert refusal.endswith(b"Authentication failed.")


def test_pop3_refuses_plaintext_login_before_stls(real_dovecot: RealServers) -> None:
    client = _LoopbackPOP3(real_dovecot, real_dovecot.ports["pop3_starttls"])
    try:
        assert "STLS" in client.capa()
        with pytest.raises(poplib.error_proto) as refused:
            client.user(real_dovecot.user)
            client.pass_(real_dovecot.password)
        assert POP3_AUTH_FAILED.match(refused.value.args[0]), refused.value.args[0]
    finally:
        client.close()


# SMTP submission (Postfix, SASL through Dovecot)


@TLS_MODES
def test_smtp_good_password_authenticates_with_plain(real_servers: RealServers, tls: str) -> None:
    with smtp(real_servers, tls) as client:
        _tls_of(client)
        assert "PLAIN" in client.esmtp_features["auth"].split()
        code, message = smtp_auth_plain(client, real_servers.user, real_servers.password)
        assert code == 235, message
        assert message.startswith(b"2.7.0 ")
        client.quit()


@TLS_MODES
def test_smtp_wrong_password_is_refused(real_servers: RealServers, tls: str) -> None:
    with smtp(real_servers, tls) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            smtp_auth_plain(client, real_servers.user, real_servers.wrong_password)
        assert refused.value.smtp_code == 535
        message = refused.value.smtp_error
        assert isinstance(message, bytes)
        assert message.startswith(b"5.7.8 "), message


def test_smtp_offers_no_auth_before_starttls_and_relays_for_no_one(real_servers: RealServers) -> None:
    client = _LoopbackSMTP(real_servers, real_servers.ports["submission"])
    try:
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")
        code, message = client.mail("someone@example.test")
        assert (code, message[:6]) == (530, b"5.7.0 ")
        client.starttls(context=real_servers.client_context())
        client.ehlo()
        # Loopback is in mynetworks, yet without AUTH nothing is accepted for anywhere.
        code, _ = client.mail("someone@example.test")
        assert code == 250
        code, message = client.rcpt("someone@example.org")
        assert code == 554, message
        client.quit()
    finally:
        client.close()
