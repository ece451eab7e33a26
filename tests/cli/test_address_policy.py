"""The address policy through the real command (SECURITY.md, "The address policy"; issue 18, finding 3): what a
hostile domain publishes is never dialled where no mail host can be, nor on this machine, and the report says
where it pointed, in every language.

Before: link-local (169.254.169.254, fe80::1), 0.0.0.0, multicast and broadcast targets of SRV records, an MX
host and a web guess were dialled on any port; a local service on 127.0.0.1 received a TLS ClientHello because
a domain's SRV record pointed there; the web probe never judged its first address.

Nothing here dials off loopback: the socket hooks (tests/lab/sockethooks) refuse and log any connect or sendto to
another address before a packet leaves, and the test requires that log to be empty — the policy refused those
targets before dialling. The lab's DNS server is on loopback, which makes a run a loopback lab
(addresspolicy.lab_run); the world declares its own addresses public (MAILPROBE_LAB_PUBLIC_NETS), so that the lab
stands for the internet and 127.0.0.1 for this machine.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab.sockethooks import hooked_env
from tests.lab.world import ALL_SITES, World
from tests.support.command import Result, run_mailprobe

RECORDS = "hostile-records.example"  # publishes SRV records
GUESSED = "hostile-guess.example"  # publishes no SRV: its MX host and the usual names are guessed
LAB_PUBLIC = ",".join(f"{site.ip}/32" for site in ALL_SITES.values())


class Listener:
    """A local service on 127.0.0.1 that counts the connections it accepts (it must accept none)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    service = Listener()
    yield service
    service.close()


def hostile_domains(local_port: int) -> dict[str, dict[str, list[str]]]:
    return {
        RECORDS: {"MX": [f"10 mx.{RECORDS}."], "A": ["224.0.0.1"]},  # the apex: its well-known autoconfig URL
        f"mx.{RECORDS}": {"A": ["93.184.216.34"]},  # never dialled: the domain publishes SRV, no MX guess is made
        f"_imaps._tcp.{RECORDS}": {"SRV": [
            f"0 1 993 meta.{RECORDS}.", f"0 1 {local_port} local.{RECORDS}.", f"1 1 993 ll.{RECORDS}.",
            f"2 1 993 bcast.{RECORDS}.",
        ]},
        f"meta.{RECORDS}": {"A": ["169.254.169.254"]},
        f"local.{RECORDS}": {"A": ["127.0.0.1"]},  # where the local service listens (SRV names its port below)
        f"ll.{RECORDS}": {"AAAA": ["fe80::1"]},
        f"bcast.{RECORDS}": {"A": ["255.255.255.255"]},
        f"_submissions._tcp.{RECORDS}": {"SRV": ["0 1 465 169.254.169.254."]},  # an IP literal as a target
        f"_pop3s._tcp.{RECORDS}": {"SRV": [f"0 1 995 azure.{RECORDS}."]},
        f"azure.{RECORDS}": {"A": ["168.63.129.16"]},  # Azure's host node: public-looking, never a mail host
        f"mail.{RECORDS}": {"A": ["0.0.0.0"], "AAAA": ["ff02::1"]},  # the webmail guess
        f"autoconfig.{RECORDS}": {"A": ["100.100.100.200"]},  # Alibaba Cloud's metadata address
        GUESSED: {"MX": ["10 169.254.169.254."]},  # an MX host written as an address
        f"imap.{GUESSED}": {"A": ["10.1.2.3"]},  # a private address, which only the user may name
        f"smtp.{GUESSED}": {"A": ["127.0.0.1"]},
        f"mail.{GUESSED}": {"A": ["169.254.170.2"]},
    }


def check(lab: World, tmp_path: Path, *args: str, lang: str = "en") -> tuple[Result, list[dict[str, Any]], str]:
    log = tmp_path / "dials.log"
    env = {**hooked_env(dial_log=log), "MAILPROBE_LAB_PUBLIC_NETS": LAB_PUBLIC}
    done = run_mailprobe("check", f"li@{RECORDS}", f"li@{GUESSED}", "--format", "json", "--timeout", "5",
                         "--lang", lang, *args, *lab.cli_args(), env=env)
    assert "Traceback" not in done.stderr, done.stderr
    return done, json.loads(done.stdout), log.read_text(encoding="utf-8") if log.exists() else ""


def refusals(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The checks the address policy refused, by the address they were about."""
    return {c["address"]: c for c in report["checks"]
            if c["kind"] != "dns" and (c["data"].get("error") or {}).get("kind") == "policy"
            and c["data"]["error"]["stage"] == "policy"}


def test_a_hostile_domain_reaches_neither_metadata_link_local_multicast_nor_this_machine(
    tmp_path: Path, listener: Listener,
) -> None:
    with World(tmp_path / "w", domains=hostile_domains(listener.port)) as lab:
        done, (records, guessed), dials = check(lab, tmp_path)
    assert dials == "", f"dialled off loopback:\n{dials}"
    assert listener.accepted == 0  # no TLS ClientHello, not even a connection
    refused = refusals(records)
    for ip in ("169.254.169.254", "fe80::1", "255.255.255.255", "168.63.129.16", "0.0.0.0", "ff02::1"):
        assert ip in refused, (ip, sorted(refused))
        assert refused[ip]["data"]["error"]["detail"].endswith("where no mail server can be: never dialled")
    assert refused["127.0.0.1"]["data"]["error"]["detail"].endswith("dialled only where the user names it")
    assert refused["127.0.0.1"]["status"] == "error" and refused["127.0.0.1"]["target"].endswith(f":{listener.port}")
    assert refused["0.0.0.0"]["kind"] == "web" and refused["0.0.0.0"]["status"] == "skip"  # a guess: not offered
    autoconfig = {c["address"]: c for c in records["checks"] if c["id"].startswith("autoconfig/")}
    for ip in ("100.100.100.200", "224.0.0.1"):
        assert autoconfig[ip]["data"]["error"]["kind"] == "policy", autoconfig
    assert {"169.254.169.254", "10.1.2.3", "127.0.0.1", "169.254.170.2"} <= set(refusals(guessed))
    assert records["status"] == "unknown" and done.code == 3  # nothing of the domain was tested: never "ok"
    assert [d["cause"] for d in records["diagnosis"]] == []


def test_a_refusal_is_said_in_every_language(tmp_path: Path, listener: Listener) -> None:
    with World(tmp_path / "w", domains=hostile_domains(listener.port)) as lab:
        _, (records, _guessed), _ = check(lab, tmp_path)
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(records), encoding="utf-8")
    said = {"en": ("refused: DNS points it at 169.254.169.254, a cloud metadata address, where no mail server can be",
                   "refused: DNS points it at 127.0.0.1, this machine (loopback), which mailprobe dials only where",
                   "point its mail servers at addresses mailprobe does not dial"),
            "zh-Hans": ("已拒绝：DNS 将它指向 169.254.169.254（云元数据地址），邮件服务器不可能在那里",
                        "已拒绝：DNS 将它指向 127.0.0.1（本机回环地址）", "指向 mailprobe 不会连接的地址"),
            "zh-Hant": ("已拒絕：DNS 將它指向 169.254.169.254（雲端中繼資料位址），郵件伺服器不可能在那裡",
                        "已拒絕：DNS 將它指向 127.0.0.1（本機迴路位址）", "指向 mailprobe 不會連線的位址")}
    for lang, phrases in said.items():
        shown = run_mailprobe("explain", str(saved), "--lang", lang, "--format", "text")
        assert shown.code == 3 and "Traceback" not in shown.stderr, shown.stderr
        flat = "".join(shown.stdout.split())  # the text renderer wraps long lines
        for phrase in phrases:
            assert "".join(phrase.split()) in flat, (lang, phrase, shown.stdout)


def test_what_the_user_names_on_this_machine_is_dialled(tmp_path: Path, listener: Listener) -> None:
    """The same local service, named by the user with --baseline, is theirs to test."""
    with World(tmp_path / "w", domains=hostile_domains(listener.port)) as lab:
        _, (records, _guessed), dials = check(lab, tmp_path, "--baseline", f"127.0.0.1:{listener.port}")
    assert dials == ""
    assert listener.accepted >= 1
    assert any(c["kind"] == "baseline" and c["address"] == "127.0.0.1" for c in records["checks"])


def test_a_loopback_lab_dials_what_its_records_name_on_loopback(tmp_path: Path) -> None:
    """Without MAILPROBE_LAB_PUBLIC_NETS, a run whose resolvers are all on loopback (every lab world's) is a lab:
    the self-hosted domain's SRV targets, on 127.0.0.14, are dialled and healthy."""
    with World(tmp_path / "w") as lab:
        done = run_mailprobe("check", "li@indie-shop.com", "--format", "json", "--timeout", "5", *lab.cli_args())
    report = json.loads(done.stdout)
    sessions = [c for c in report["checks"] if c["kind"] == "imap" and c["address"] == "127.0.0.14"]
    assert sessions and all(c["status"] == "pass" for c in sessions), sessions
    assert refusals(report) == {}
