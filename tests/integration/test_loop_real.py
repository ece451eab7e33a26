"""`mailprobe check --loop` through the real command line against a real Postfix (submission, SASL through
Dovecot) delivering over LMTP to a real Dovecot (IDLE, UIDPLUS, QUOTA, special-use folders, Sieve) on
127.0.0.2: the message arrives, is measured and deleted; each cause of a broken loop is named."""

from __future__ import annotations

import imaplib
import json
import re
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.realservers import (
    BLOCKED_USER,
    DEFERRED_USER,
    FULL_USER,
    HELD_USER,
    JUNK_USER,
    USER,
    RealServers,
    check_args,
    mx_dns,
    profile,
)
from tests.lab.dnsserver import LabDnsServer
from tests.support.command import Result, assert_bad_input, run_mailprobe

NAME = "Example mail (real Postfix delivering to Dovecot)"


@pytest.fixture(scope="module")
def dns(loop_servers: RealServers) -> Iterator[LabDnsServer]:
    with mx_dns(loop_servers) as server:
        yield server


def world(real: RealServers, dns: LabDnsServer, tmp_path: Path, implicit: bool = False) -> list[str]:
    """The options that point a check at the real servers (realservers.check_args), with this world's profile."""
    return check_args(real, dns, tmp_path, profile(real, NAME, implicit=implicit))


def loop(real: RealServers, dns: LabDnsServer, tmp_path: Path, user: str, *extra: str,
         fmt: str = "json", implicit: bool = False) -> tuple[Result, dict[str, Any] | None]:
    result = run_mailprobe(
        "check", user, *world(real, dns, tmp_path, implicit), "--format", fmt, "--timeout", "10", *extra,
        env={"MAILPROBE_PASSWORD": real.password}, timeout=60,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert real.password not in result.stdout + result.stderr
    report = json.loads(result.stdout) if fmt == "json" and result.stdout.strip() else None
    return result, report


def loop_check(report: dict[str, Any]) -> dict[str, Any]:
    (check,) = [c for c in report["checks"] if c["kind"] == "loop"]
    return check


def causes(report: dict[str, Any]) -> list[str]:
    return [entry["cause"] for entry in report["diagnosis"]]


class _LoopbackIMAP4(imaplib.IMAP4_SSL):
    def __init__(self, servers: RealServers) -> None:
        self.ip = servers.ip
        super().__init__(servers.host, servers.ports["imaps"], ssl_context=servers.client_context(), timeout=10)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = socket.create_connection((self.ip, self.port), timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[union-attr]


def messages_with(servers: RealServers, user: str, loop_id: str) -> dict[str, list[bytes]]:
    """UIDs of the messages carrying LOOP_ID in its header, per folder, read with the standard imaplib."""
    found: dict[str, list[bytes]] = {}
    with _LoopbackIMAP4(servers) as imap:
        imap.login(user, servers.password)
        for folder in ("INBOX", "Junk", "Trash"):
            imap.select(folder)
            _, data = imap.uid("SEARCH", "HEADER", "X-Mailprobe-Loop", loop_id)
            found[folder] = data[0].split() if data and data[0] else []
    return found


def mail_commands(servers: RealServers) -> list[str]:
    """Postfix's `disconnect` lines: what each session did (`mail=1` is a MAIL FROM)."""
    return [line for line in servers.logs["postfix"].read_text().splitlines() if " disconnect from " in line]


def test_loop_delivers_reports_latency_and_hops_and_deletes_its_message(
    loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path
) -> None:
    before = len(mail_commands(loop_servers))
    history = tmp_path / "history.db"
    result, report = loop(loop_servers, dns, tmp_path, USER, "--loop", "--loop-timeout", "30", "--history",
                          str(history))
    assert report is not None
    assert result.code == 0, (result.stderr, [c["summary"] for c in report["checks"]])
    # One message: one session with a MAIL FROM (the login's own SMTP session has none).
    (session,) = [line for line in mail_commands(loop_servers)[before:] if " mail=" in line]
    assert " mail=1 rcpt=1 data=1 " in session, session
    check = loop_check(report)
    data = check["data"]
    assert check["status"] == "pass"
    assert data["outcome"] == "delivered" and data["folder"] == "INBOX"
    assert data["submission_tls"] == "starttls" and data["watched_with"] == "idle"
    assert [r["command"] for r in data["replies"]] == ["greeting", "auth", "mail", "rcpt", "data", "message"]
    assert re.fullmatch(r"[0-9A-F]{6,}", data["queue_id"] or ""), data["queue_id"]
    assert 0 <= data["found_after_s"] < 30
    protocols = [hop["protocol"] for hop in data["hops"]]
    assert protocols == ["ESMTPSA", "LMTP"], data["hops"]
    assert data["hops"][0]["id"] == data["queue_id"]
    assert data["cleanup"] == "expunged"
    assert data["quota"] and data["quota"][0]["resource"] == "STORAGE"
    assert report["diagnosis"] == []
    # Gone from the mailbox afterwards.
    assert messages_with(loop_servers, USER, data["loop_id"]) == {"INBOX": [], "Junk": [], "Trash": []}
    # The password never reaches the state file nor the history, which keeps the loop's figures.
    for store in (tmp_path / "state.db", history):
        assert loop_servers.password.encode() not in store.read_bytes()
        with sqlite3.connect(store) as db:
            dumped = "\n".join(db.iterdump())
        assert loop_servers.password not in dumped
    assert data["loop_id"] in dumped


def test_loop_sends_over_implicit_tls_too(loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path) -> None:
    result, report = loop(loop_servers, dns, tmp_path, USER, "--loop", "--loop-timeout", "30", implicit=True)
    assert report is not None and result.code == 0, result.stderr
    data = loop_check(report)["data"]
    assert (data["submission_tls"], data["outcome"], data["cleanup"]) == ("implicit", "delivered", "expunged")


def test_a_run_without_loop_sends_no_mail_from(loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path) -> None:
    before = len(mail_commands(loop_servers))
    result, report = loop(loop_servers, dns, tmp_path, USER, "--login")
    assert report is not None and result.code == 0, result.stderr
    assert not [c for c in report["checks"] if c["kind"] == "loop"]
    sessions = mail_commands(loop_servers)[before:]
    assert sessions, "the login's SMTP session is in Postfix's log"
    assert not [line for line in sessions if " mail=" in line], sessions


def test_loop_finds_a_message_filed_as_junk_and_deletes_it_there(
    loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path
) -> None:
    result, report = loop(loop_servers, dns, tmp_path, JUNK_USER, "--loop", "--loop-timeout", "4")
    assert report is not None
    assert result.code == 1
    data = loop_check(report)["data"]
    assert data["outcome"] == "junk" and data["folder"] == "Junk" and data["cleanup"] == "expunged"
    assert causes(report) == ["delivered_to_junk"]
    assert messages_with(loop_servers, JUNK_USER, data["loop_id"])["Junk"] == []


def test_a_mailbox_at_its_quota_is_named_full(loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path) -> None:
    result, report = loop(loop_servers, dns, tmp_path, FULL_USER, "--loop", "--loop-timeout", "3")
    assert report is not None
    assert result.code == 2
    assert causes(report)[0] == "mailbox_full"
    (entry,) = [e for e in report["diagnosis"] if e["cause"] == "mailbox_full"]
    assert entry["severity"] == "critical" and "KiB" in entry["summary"]


def test_a_refused_sender_is_sending_rejected_in_the_servers_words(
    loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path
) -> None:
    before = len(mail_commands(loop_servers))
    result, report = loop(loop_servers, dns, tmp_path, BLOCKED_USER, "--loop")
    assert report is not None
    assert result.code == 2
    data = loop_check(report)["data"]
    assert data["outcome"] == "rejected"
    refused = data["replies"][-1]
    assert (refused["command"], refused["code"], refused["enhanced"]) == ("mail", "553", "5.7.1")
    (entry,) = [e for e in report["diagnosis"] if e["cause"] == "sending_rejected"]
    assert entry["severity"] == "critical"
    assert "Mail from must equal authorized user" in entry["summary"]
    assert "differs from the account" in entry["summary"]
    # One MAIL FROM, never retried.
    sessions = [line for line in mail_commands(loop_servers)[before:] if " mail=" in line]
    assert len(sessions) == 1 and "mail=0/1" in sessions[0], sessions


def test_a_temporary_refusal_is_said_as_such_and_not_retried(
    loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path
) -> None:
    before = len(mail_commands(loop_servers))
    result, report = loop(loop_servers, dns, tmp_path, DEFERRED_USER, "--loop")
    assert report is not None
    assert result.code == 1
    data = loop_check(report)["data"]
    assert data["outcome"] == "deferred" and loop_check(report)["status"] == "warn"
    (entry,) = report["diagnosis"]
    assert (entry["cause"], entry["severity"]) == ("sending_rejected", "warning")
    assert "temporary" in entry["summary"]
    assert len([line for line in mail_commands(loop_servers)[before:] if " mail=" in line]) == 1


def test_a_message_held_in_the_queue_is_delivery_delayed_with_its_queue_id(
    loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path
) -> None:
    result, report = loop(loop_servers, dns, tmp_path, HELD_USER, "--loop", "--loop-timeout", "3")
    assert report is not None
    assert result.code == 2
    data = loop_check(report)["data"]
    assert data["outcome"] == "delayed" and data["queue_id"]
    (entry,) = report["diagnosis"]
    assert entry["cause"] == "delivery_delayed"
    assert data["queue_id"] in entry["summary"]


def test_loop_in_traditional_chinese_text_names_the_junk_folder(
    loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path
) -> None:
    result, _ = loop(loop_servers, dns, tmp_path, JUNK_USER, "--loop", "--loop-timeout", "4", "--lang", "zh-Hant",
                     fmt="text")
    assert result.code == 1
    assert "垃圾郵件" in result.stdout and "delivered_to_junk" in result.stdout


def test_loop_to_outside_the_domain_is_refused_before_anything_is_sent(
    loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path
) -> None:
    before = len(mail_commands(loop_servers))
    result, _ = loop(loop_servers, dns, tmp_path, USER, "--loop", "--loop-to", "someone@elsewhere.test")
    assert "elsewhere.test" in assert_bad_input(result)
    assert mail_commands(loop_servers)[before:] == []


def test_loop_figures_reach_prometheus_and_nagios(loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path) -> None:
    result, _ = loop(loop_servers, dns, tmp_path, USER, "--loop", "--loop-timeout", "30", fmt="prometheus")
    assert result.code == 0, result.stderr
    assert re.search(r'^mailprobe_loop_success\{mailbox="alice@example.test"\} 1\.0$', result.stdout, re.MULTILINE)
    assert re.search(r'^mailprobe_loop_delivery_seconds\{mailbox="alice@example.test"\} \d+(\.\d+)?$', result.stdout,
                     re.MULTILINE)
    result, _ = loop(loop_servers, dns, tmp_path, USER, "--loop", "--loop-timeout", "30", "--force-login",
                     fmt="nagios")
    assert result.code == 0, result.stderr
    assert re.search(r"'loop_delivery'=\d+\.\d{3}s;;;0;", result.stdout.splitlines()[0]), result.stdout


def test_stopped_while_waiting_the_loop_still_deletes_its_message(
    loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path
) -> None:
    """The Sieve rule files JUNK_USER's message as junk at once, while the loop waits in the inbox; SIGINT then:
    the loop finds it on its way out and deletes it."""
    import signal
    import subprocess
    import sys
    import time

    from tests.support.command import cli_env

    before = len(mail_commands(loop_servers))
    process = subprocess.Popen(
        [sys.executable, "-m", "mailprobe", "check", JUNK_USER, "--loop", "--loop-timeout", "60",
         *world(loop_servers, dns, tmp_path), "--format", "json"],
        env=cli_env({"MAILPROBE_PASSWORD": loop_servers.password}), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not [line for line in mail_commands(loop_servers)[before:] if " mail=1" in line]:
            assert time.monotonic() < deadline, "the loop sent nothing"
            time.sleep(0.1)
        time.sleep(1.5)  # delivered (LMTP, Sieve) while the loop waits in the inbox
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    sessions = [line for line in mail_commands(loop_servers)[before:] if " mail=" in line]
    assert len(sessions) == 1
    with _LoopbackIMAP4(loop_servers) as imap:
        imap.login(JUNK_USER, loop_servers.password)
        imap.select("Junk")
        _, data = imap.uid("SEARCH", "HEADER", "X-Mailprobe-Loop", '""')  # any loop message at all
        assert data == [b""], data


def test_a_refused_login_runs_no_loop_and_sends_nothing(
    loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path
) -> None:
    before = len(mail_commands(loop_servers))
    result = run_mailprobe(
        "check", USER, "--loop", *world(loop_servers, dns, tmp_path), "--format", "json",
        env={"MAILPROBE_PASSWORD": loop_servers.wrong_password}, timeout=60,
    )
    report = json.loads(result.stdout)
    assert result.code == 2 and causes(report)[0] == "password_incorrect"
    check = loop_check(report)
    assert (check["status"], check["data"]["outcome"]) == ("skip", "not_run")
    assert not [line for line in mail_commands(loop_servers)[before:] if " mail=" in line]
    assert loop_servers.wrong_password not in result.stdout + result.stderr


def test_the_text_report_shows_the_loops_latency_and_hops_without_v(
    loop_servers: RealServers, dns: LabDnsServer, tmp_path: Path
) -> None:
    result, _ = loop(loop_servers, dns, tmp_path, USER, "--loop", "--loop-timeout", "30", fmt="text")
    assert result.code == 0, result.stderr
    flat = " ".join(result.stdout.split())
    assert re.search(r"delivered to INBOX after \d+\.\d s over 2 hops \(mail\.example\.test with ESMTPSA \+\d+ s → "
                     r"\S+ with LMTP \+\d+ s\); deleted again \(UID EXPUNGE\)", flat), result.stdout
