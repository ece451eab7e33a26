"""The fault matrix: one hostile loopback world per row, each judged through the real CLI.

Every row asserts the same four things: the command ends within `--timeout` + 0.5 s (its own measure, and
the wall clock with the interpreter's start-up on top), the exit code, the first cause with the evidence that
names it, and no traceback. The whole module runs in `make test`; short deadlines keep it well under two
minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mailprobe.probes.dns import MAX_RECORDS
from tests.lab.mailserver import Fault, MailServer, ipv6_loopback_available
from tests.lab.world import CUSTOMER, SELF_HOSTED, SITES, World

REPO = Path(__file__).resolve().parents[2]
ADDRESS = f"zhang.san@{CUSTOMER}"
OWNER = f"owner@{SELF_HOSTED}"
# Long enough, even after a slow start-up, for a dropped SYN to outlast its own bound (Timeouts.connect_floor,
# 1.5 s) and a silent server or resolver the stall floor (1 s): a deadline that cut them off sooner would leave
# them not tested, never named (issue 16). Not 3: a session begun 0.9 s in (a loaded machine's start-up) would
# then reach its own cap (2 s) just as the deadline cuts it off, with no time left to record the stall.
TIMEOUT = 3.5
GRACE_S = 0.5  # the issue's bound past --timeout
STARTUP_S = 2.0  # the interpreter and imports, on a loaded machine, on top of the wall clock
EXIT = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}
MAIL = ("imap", "pop3", "smtp")

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


# -- servers that misbehave below the protocol ----------------------------------------------------------


class RawServer:
    """A listener whose every connection runs HANDLER (optionally after a TLS handshake); stopped with the world."""

    def __init__(self, handler: Handler, host: str, port: int, context: ssl.SSLContext | None = None) -> None:
        self.handler, self.host, self.port, self.context = handler, host, port, context
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> RawServer:
        self._server = await asyncio.start_server(self._handle, self.host, self.port, ssl=self.context)
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self.handler(reader, writer)
        except (OSError, ssl.SSLError, asyncio.CancelledError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.transport.abort()
            self._tasks.discard(task)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=2.0)


class FullAcceptQueue:
    """A listener that never accepts, its backlog already full: new SYNs are dropped (the client times out)."""

    def __init__(self, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, port))
        self.listener.listen(0)
        self.fillers: list[socket.socket] = []
        for _ in range(4):
            filler = socket.socket(family, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError, OSError):
                filler.connect((host, port))
            self.fillers.append(filler)
        time.sleep(0.1)

    async def stop(self) -> None:
        for sock in [*self.fillers, self.listener]:
            sock.close()


def serve(lab: World, name: str, server: Any) -> None:
    if hasattr(server, "start"):
        async def start() -> None:
            await server.start()

        lab._run(start())
    lab.servers[name] = server


def raw(lab: World, site: str, service: str, handler: Handler, *, tls: bool = True, ip: str | None = None) -> None:
    host = SITES[site].host(service) if site in SITES else f"{service}.{SELF_HOSTED}"
    context = lab.certs.server_context(host) if tls else None
    address = ip or (SITES[site].ip if site in SITES else "127.0.0.14")
    serve(lab, f"raw.{site}.{service}.{address}", RawServer(handler, address, lab.ports[service], context))


async def _silence(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(60)


async def _trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    for byte in b"* OK IMAP4rev1 ready, slowly\r\n":
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(1.0)


async def _ten_megabytes(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"* OK " + b"A" * (10 * 1024 * 1024))  # no newline, ever
    await writer.drain()
    await asyncio.sleep(60)


async def _tls_stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(4096)  # the ClientHello
    writer.write(b"\x16\x03\x03\x00\x50\x02\x00\x00")  # a ServerHello record that never completes
    await writer.drain()
    await asyncio.sleep(60)


async def _tls_alert(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(4096)
    writer.write(b"\x15\x03\x03\x00\x02\x02\x28")  # fatal handshake_failure
    await writer.drain()
    await asyncio.sleep(0.2)


async def _http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(4096)
    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    await writer.drain()
    await asyncio.sleep(0.2)


async def _smtp_close_after_starttls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 smtp.indie-shop.com ESMTP\r\n")
    await writer.drain()
    while line := await reader.readline():
        verb = line.split(b" ")[0].strip().upper()
        if verb in (b"EHLO", b"HELO"):
            writer.write(b"250-smtp.indie-shop.com\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n")
        elif verb == b"STARTTLS":
            writer.write(b"220 2.0.0 go ahead\r\n")
            await writer.drain()
            return  # and hang up instead of the handshake
        else:
            writer.write(b"502 5.5.2 no\r\n")
        await writer.drain()


# -- running one row --------------------------------------------------------------------------------


@dataclass
class Outcome:
    report: dict[str, Any]
    code: int
    wall: float
    stderr: str

    def first(self) -> tuple[str | None, str | None]:
        if not self.report["diagnosis"]:
            return None, None
        entry = self.report["diagnosis"][0]
        return entry["cause"], entry.get("variant")

    def check(self, check_id: str) -> dict[str, Any]:
        return next(c for c in self.report["checks"] if c["id"].startswith(check_id))

    def verdicts(self) -> list[tuple[str, str | None, str]]:
        return [(d["cause"], d.get("variant"), d["severity"]) for d in self.report["diagnosis"]]


def run(tmp_path: Path, setup: Callable[[World], None] | None = None, address: str = ADDRESS,
        timeout: float = TIMEOUT, resolver: Callable[[World], str] | None = None, **world: Any) -> Outcome:
    with World(tmp_path / "world", **world) as lab:
        if setup is not None:
            setup(lab)
        env = {**os.environ, "NO_COLOR": "1", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        args = lab.cli_args()
        if resolver is not None:  # another resolver in front of the lab's
            args[args.index("--nameserver") + 1] = resolver(lab)
        command = [sys.executable, "-m", "mailprobe", "check", address, "--format", "json",
                   "--timeout", str(timeout), *args]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout + 30, env=env, cwd=REPO)
        wall = time.monotonic() - started
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    outcome = Outcome(report, done.returncode, wall, done.stderr)
    assert report["duration_ms"] <= (timeout + GRACE_S) * 1000, report["duration_ms"]
    assert wall < timeout + GRACE_S + STARTUP_S, wall
    assert done.returncode == EXIT[report["status"]]
    return outcome


def expect(outcome: Outcome, code: int, cause: str | None, variant: str | None = None) -> None:
    assert outcome.code == code, outcome.verdicts()
    first_cause, first_variant = outcome.first()
    assert first_cause == cause, outcome.verdicts()
    if variant is not None:
        assert first_variant == variant, outcome.verdicts()


def failed_with(outcome: Outcome, check_id: str, *kinds: str) -> None:
    check = outcome.check(check_id)
    assert check["status"] in ("fail", "error"), check
    assert check["data"]["error"]["kind"] in kinds, check["data"]["error"]


# == the network path ===============================================================================


def test_connect_refused(tmp_path: Path) -> None:
    outcome = run(tmp_path, down={"qq.imap"})
    expect(outcome, 2, "server_outage", "service_down")
    failed_with(outcome, "imap.", "refused")


def test_syn_dropped_full_accept_queue(tmp_path: Path) -> None:
    def setup(lab: World) -> None:
        serve(lab, "synq", FullAcceptQueue(SITES["qq"].ip, lab.ports["imap"]))

    outcome = run(tmp_path, setup, down={"qq.imap"})
    expect(outcome, 2, "server_outage")
    failed_with(outcome, "imap.", "timeout")


def test_every_port_of_the_provider_dropped_while_others_answer_is_their_outage_but_not_for_sure(
    tmp_path: Path,
) -> None:
    """Every port of one provider silent while other providers answer: their outage, or this network dropping
    their addresses; a dropped SYN cannot tell which, so the verdict is not said at full confidence."""
    services = ("imap", "pop3", "smtp", "web")

    def setup(lab: World) -> None:
        for service in services:
            serve(lab, f"synq.{service}", FullAcceptQueue(SITES["qq"].ip, lab.ports[service]))

    outcome = run(tmp_path, setup, down={f"qq.{service}" for service in services})
    expect(outcome, 2, "server_outage")
    assert outcome.report["diagnosis"][0]["confidence"] <= 0.7, outcome.verdicts()
    assert "network_problem" not in [cause for cause, _, _ in outcome.verdicts()]


def test_one_dropped_port_while_the_providers_others_answer_stays_a_sure_outage(tmp_path: Path) -> None:
    def setup(lab: World) -> None:
        serve(lab, "synq", FullAcceptQueue(SITES["qq"].ip, lab.ports["imap"]))

    outcome = run(tmp_path, setup, down={"qq.imap"})
    expect(outcome, 2, "server_outage", "service_down")
    assert outcome.report["diagnosis"][0]["confidence"] >= 0.9, outcome.verdicts()


def test_accept_then_silence(tmp_path: Path) -> None:
    outcome = run(tmp_path, mail={"qq.imap": {"fault": Fault.TARPIT}})
    expect(outcome, 2, "server_outage")
    failed_with(outcome, "imap.", "timeout")


def test_greeting_trickling_a_byte_a_second(tmp_path: Path) -> None:
    outcome = run(tmp_path, lambda lab: raw(lab, "qq", "imap", _trickle), down={"qq.imap"})
    expect(outcome, 2, "server_outage")
    failed_with(outcome, "imap.", "timeout", "bad_reply")


def test_ten_megabyte_greeting_without_a_newline(tmp_path: Path) -> None:
    outcome = run(tmp_path, lambda lab: raw(lab, "qq", "imap", _ten_megabytes), down={"qq.imap"})
    expect(outcome, 2, "server_outage", "server_broken")
    failed_with(outcome, "imap.", "bad_reply")


def test_binary_garbage_greeting(tmp_path: Path) -> None:
    outcome = run(tmp_path, mail={"qq.imap": {"fault": Fault.GARBAGE_GREETING}})
    expect(outcome, 2, "server_outage", "server_broken")
    failed_with(outcome, "imap.", "bad_reply")


def test_tls_handshake_stalled_half_way(tmp_path: Path) -> None:
    outcome = run(tmp_path, lambda lab: raw(lab, "qq", "imap", _tls_stall, tls=False), down={"qq.imap"})
    expect(outcome, 2, "server_outage")
    failed_with(outcome, "imap.", "timeout", "tls_handshake")


def test_tls_alert(tmp_path: Path) -> None:
    outcome = run(tmp_path, lambda lab: raw(lab, "qq", "imap", _tls_alert, tls=False), down={"qq.imap"})
    expect(outcome, 2, "server_outage", "server_broken")
    failed_with(outcome, "imap.", "tls_handshake")


def test_http_spoken_on_the_imaps_port(tmp_path: Path) -> None:
    outcome = run(tmp_path, lambda lab: raw(lab, "qq", "imap", _http, tls=False), down={"qq.imap"})
    expect(outcome, 2, "server_outage", "server_broken")
    failed_with(outcome, "imap.", "tls_handshake", "bad_reply")


def test_421_on_connect(tmp_path: Path) -> None:
    outcome = run(tmp_path, mail={"qq.smtp": {"fault": Fault.REFUSE}})
    expect(outcome, 2, "server_outage", "refused_service")  # the server's own refusal, quoted
    failed_with(outcome, "smtp.", "rejected")


def _submission_srv(lab: World, port: int) -> None:
    lab.dns.set_records(f"_submissions._tcp.{SELF_HOSTED}", "SRV", [])
    lab.dns.set_records(f"_submission._tcp.{SELF_HOSTED}", "SRV", [f"0 1 {port} smtp.indie-shop.com."])


def test_server_closing_after_starttls(tmp_path: Path) -> None:
    def setup(lab: World) -> None:
        server = RawServer(_smtp_close_after_starttls, "127.0.0.14", 0)
        serve(lab, "raw.starttls-close", server)
        assert server._server is not None
        _submission_srv(lab, server._server.sockets[0].getsockname()[1])

    outcome = run(tmp_path, setup, address=OWNER)
    expect(outcome, 2, "server_outage")
    failed_with(outcome, "smtp.", "closed", "tls_handshake", "reset")


def test_starttls_advertised_but_refused(tmp_path: Path) -> None:
    def setup(lab: World) -> None:
        server = MailServer("smtp", tls="starttls", lab=lab.certs, hostname="smtp.indie-shop.com",
                            host="127.0.0.14", starttls_error=True)
        serve(lab, "starttls-refused", server)
        _submission_srv(lab, server.port)

    outcome = run(tmp_path, setup, address=OWNER)
    expect(outcome, 2, "server_outage")
    failed_with(outcome, "smtp.", "not_offered", "rejected")


# == certificates ===================================================================================


@pytest.mark.parametrize(("kind", "variant"), [
    ("expired", "expired"), ("not_yet_valid", "not_yet_valid"), ("wrong_host", "hostname_mismatch"),
    ("chain_incomplete", "server_chain"),
])
def test_certificate(tmp_path: Path, kind: str, variant: str) -> None:
    outcome = run(tmp_path, mail={"qq.imap": {"cert": kind}})
    expect(outcome, 2, "tls_certificate_problem", variant)
    failed_with(outcome, "imap.", "tls_verify")


def test_self_signed_certificate(tmp_path: Path) -> None:
    import trustme

    def setup(lab: World) -> None:
        alone = trustme.CA(organization_name="imap.exmail.qq.com")  # a CA of its own: self-signed in effect
        leaf = alone.issue_cert("imap.exmail.qq.com")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf.configure_cert(context)

        async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"* OK ready\r\n")
            await writer.drain()
            await asyncio.sleep(5)

        serve(lab, "self-signed", RawServer(greet, SITES["qq"].ip, lab.ports["imap"], context))

    outcome = run(tmp_path, setup, down={"qq.imap"})
    expect(outcome, 2, "tls_certificate_problem")
    failed_with(outcome, "imap.", "tls_verify")


# == addresses =======================================================================================


def test_one_address_of_several_dead(tmp_path: Path) -> None:
    outcome = run(tmp_path, lambda lab: lab.dns.set_records("imap.exmail.qq.com", "A", ["127.0.0.11", "127.0.0.35"]))
    expect(outcome, 1, "server_outage", "partial")
    assert "127.0.0.35" in outcome.report["diagnosis"][0]["summary"]


@pytest.mark.skipif(not ipv6_loopback_available(), reason="no ::1 on this machine")
def test_ipv6_blackholed_while_ipv4_works(tmp_path: Path) -> None:
    def setup(lab: World) -> None:
        lab.dns.set_records("imap.exmail.qq.com", "AAAA", ["::1"])
        serve(lab, "v6-black", FullAcceptQueue("::1", lab.ports["imap"]))

    outcome = run(tmp_path, setup)
    assert outcome.code in (0, 1), outcome.verdicts()  # clients fall back to IPv4: never critical
    v6 = outcome.check("imap.").get("address")
    assert v6 is not None


# == hostile DNS =======================================================================================


def test_cname_loop_on_the_mx_target(tmp_path: Path) -> None:
    loop = {CUSTOMER: {"MX": ["10 mx.acme-trading.com."]},
            "mx.acme-trading.com": {"CNAME": ["mx2.acme-trading.com."]},
            "mx2.acme-trading.com": {"CNAME": ["mx.acme-trading.com."]}}
    outcome = run(tmp_path, domains=loop)
    expect(outcome, 2, "mx_not_configured", "mx_dangling")
    assert "CNAME loop" in outcome.check("dns.a/mx.acme-trading.com")["data"]["error"]["detail"]


def test_cname_loop_on_a_provider_host(tmp_path: Path) -> None:
    loop = {"imap.exmail.qq.com": {"CNAME": ["imap-loop.qq.com."]},
            "imap-loop.qq.com": {"CNAME": ["imap.exmail.qq.com."]}}
    outcome = run(tmp_path, domains=loop)
    expect(outcome, 2, "dns_resolution_problem")


def test_cname_loop_on_an_srv_target(tmp_path: Path) -> None:
    loop = {"imap.indie-shop.com": {"CNAME": ["imap2.indie-shop.com."]},
            "imap2.indie-shop.com": {"CNAME": ["imap.indie-shop.com."]}}
    outcome = run(tmp_path, domains=loop, address=OWNER)
    # The host the domain itself publishes does not resolve: the domain's own configuration.
    expect(outcome, 2, "mx_not_configured", "host_missing")
    assert "CNAME loop" in outcome.check("dns.a/imap.indie-shop.com")["data"]["error"]["detail"]


def test_cname_chain_to_the_providers_hosts_is_followed(tmp_path: Path) -> None:
    chain = {CUSTOMER: {"MX": ["10 mx.acme-trading.com."]},
             "mx.acme-trading.com": {"CNAME": ["mx-alias.acme-trading.com."]},
             "mx-alias.acme-trading.com": {"CNAME": ["mxbiz1.qq.com."]}}
    outcome = run(tmp_path, domains=chain)
    expect(outcome, 0, None)
    assert outcome.report["provider"]["id"] == "qq"


def test_mx_naming_an_ip_literal(tmp_path: Path) -> None:
    outcome = run(tmp_path, domains={CUSTOMER: {"MX": ["10 127.0.0.11."]}})
    expect(outcome, 2, "mx_not_configured", "mx_dangling")


def test_a_hundred_mx_records_truncated_over_udp(tmp_path: Path) -> None:
    records = ["5 mxbiz1.qq.com."] + [f"{10 + n} mx{n}.backup-relay.example." for n in range(99)]

    def setup(lab: World) -> None:
        lab.dns.set_faults(CUSTOMER, truncate=True)

    outcome = run(tmp_path, setup, domains={CUSTOMER: {"MX": records}})
    expect(outcome, 0, None)
    assert outcome.report["provider"]["id"] == "qq"
    mx = outcome.check("dns.mx/")["data"]
    # Read whole over TCP; the report keeps the first MAX_RECORDS by preference and says how many more there were.
    assert (len(mx["mx"]), mx["records_not_kept"]) == (MAX_RECORDS, 100 - MAX_RECORDS)


@pytest.mark.parametrize("fault", ["servfail", "refused", "drop"])
def test_resolver_failing_on_the_domain(tmp_path: Path, fault: str) -> None:
    outcome = run(tmp_path, lambda lab: lab.dns.set_faults(CUSTOMER, **{fault: True}))
    expect(outcome, 2, "dns_resolution_problem")
    assert outcome.report["provider"]["matched_by"] == "mx_failed"


def test_nodata_with_soa_only(tmp_path: Path) -> None:
    soa = "ns1.acme-trading.com. hostmaster.acme-trading.com. 1 3600 600 86400 60"
    outcome = run(tmp_path, domains={CUSTOMER: {"SOA": [soa]}})
    expect(outcome, 2, "mx_not_configured", "no_mx")


def test_silent_resolver(tmp_path: Path) -> None:
    outcome = run(tmp_path, lambda lab: lab.dns.set_faults(drop=True))
    expect(outcome, 2, "dns_resolution_problem")


class WrongSourceResolver:
    """Forwards every question to the lab DNS and sends the answer back from another port: a spoofed or
    NATed-away reply that a careful client must not accept."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        import threading

        self.upstream = upstream
        self.listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.listen.bind(("127.0.0.1", 0))
        self.listen.settimeout(0.1)
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.other.bind(("127.0.0.1", 0))
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.listen.getsockname()[1]}"

    def _serve(self) -> None:
        import dns.message
        import dns.query

        while self.running:
            try:
                data, client = self.listen.recvfrom(4096)
                reply = dns.query.udp(dns.message.from_wire(data), self.upstream[0], port=self.upstream[1], timeout=1)
                self.other.sendto(reply.to_wire(), client)
            except Exception:  # a test resolver keeps serving whatever one question did
                continue

    async def stop(self) -> None:
        self.running = False
        await asyncio.to_thread(self.thread.join, 2)
        self.listen.close()
        self.other.close()


def test_answers_from_a_wrong_source_port_are_not_accepted(tmp_path: Path) -> None:
    def resolver(lab: World) -> str:
        proxy = WrongSourceResolver(lab.dns.address)
        lab.servers["wrong-source"] = proxy  # type: ignore[assignment]
        return proxy.nameserver

    outcome = run(tmp_path, resolver=resolver)
    expect(outcome, 2, "dns_resolution_problem")
