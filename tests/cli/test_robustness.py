"""Bad input never stops the others, Ctrl-C, and the socket bound — through the real command line on loopback.

In one batch, a bad argument or --input line (malformed, control characters, an over-long label, a homograph
mix of scripts, bytes that are not UTF-8, a line far too long) is one line on stderr naming it (and its line
number), and every other address is still checked; exit 3 only when nothing could be checked. A history file
that is corrupt or locked past the busy timeout is said in one line and the run goes on without it, leaving
the file as it was. Ctrl-C ends a batch within a second with exit 130 and a consistent history.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailprobe.limits import RESERVED_FILES, SOCKETS_PER_CHECK
from tests.lab.mailserver import Fault
from tests.lab.world import CUSTOMER, World
from tests.support.command import REPO, Run, assert_bad_input, cli_env, run_mailprobe

USER = f"zhang.san@{CUSTOMER}"
SECOND = f"li.si@{CUSTOMER}"
NULL_MX = "no-mail.example.com"
SLOW = "slow-trading.com"  # at qq, whose mail servers accept and then say nothing (tarpits)
QQ_MX = {"MX": ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."], "TXT": ['"v=spf1 include:spf.mail.qq.com ~all"']}
BAD_ARGUMENTS = {
    "x@pаypal.example": "mixes Cyrillic and Latin letters",  # the 'а' is Cyrillic
    "a\x1b[2J@b.example": "control characters",
    "a@" + "x" * 70 + ".example": "Label too long",
    "no-at-sign": "not a mailbox address",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with World(tmp_path_factory.mktemp("world"), domains={NULL_MX: {"MX": ["0 ."]}}) as running:
        yield running


def check(world: World, *args: str, timeout: str = "5") -> tuple[int, str, str]:
    return tuple(run_mailprobe("check", *args, *world.cli_args(), "--timeout", timeout))  # type: ignore[return-value]


def _jsonl(text: str) -> dict[str, dict[str, object]]:
    return {item["address"]: item for item in map(json.loads, text.splitlines())}


def _no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr


# -- bad input never stops the others ---------------------------------------------------------------------


def test_bad_arguments_and_lines_are_named_and_every_other_address_is_checked(world: World, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_bytes(
        b"# mailboxes\n"
        + SECOND.encode() + b"\n"
        + b"m\xfcller@" + CUSTOMER.encode() + b"\n"  # Latin-1, in a UTF-8 list: line 3
        + b"x" * 5000 + b"@b.example\n"  # line 4
        + b"wang\x07\x1b]0;owned\x07@b.example\n"  # a bell and a title change: line 5
        + f"zhao.liu@{NULL_MX}\n".encode()
    )
    code, out, err = check(world, USER, *BAD_ARGUMENTS, "--input", str(listing), "--format", "jsonl")
    _no_traceback(err)
    reports = _jsonl(out)
    assert reports[USER]["status"] == "ok" and reports[SECOND]["status"] == "ok"
    assert reports[f"zhao.liu@{NULL_MX}"]["status"] == "critical"
    assert code == 2  # the worst of the addresses checked; the bad ones are said, never "unknown" for all
    lines = err.splitlines()
    assert len(lines) == len(BAD_ARGUMENTS) + 3, lines
    where = f"--input '{listing}'"
    for said in BAD_ARGUMENTS.values():
        assert sum(said in line for line in lines if where not in line) == 1, (said, lines)
    assert any(line.startswith(f"mailprobe: {where} line 3: ") and "not UTF-8" in line for line in lines)
    assert any(line.startswith(f"mailprobe: {where} line 4: ") and "longer than 1024" in line for line in lines)
    assert any(line.startswith(f"mailprobe: {where} line 5: ") and "control characters" in line for line in lines)
    assert all(len(line) < 600 for line in lines)
    assert "\x1b" not in err and "\x07" not in err
    unknown = [item for item in reports.values() if item["status"] == "unknown"]
    assert len(unknown) == len(BAD_ARGUMENTS) + 3  # machine formats carry each bad one as `unknown`


def test_nothing_checkable_is_exit_3(world: World, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_bytes(b"\xff\xfe\n" + b"not-an-address\n")
    code, _, err = check(world, "--input", str(listing), "--format", "jsonl")
    assert code == 3, err
    _no_traceback(err)
    assert len(err.splitlines()) == 2 and "line 1" in err and "line 2" in err


def test_a_homograph_address_alone_is_bad_input(run: Run) -> None:
    line = assert_bad_input(run("check", "--nameserver", "127.0.0.1:1", "--timeout", "2", "x@pаypal.example"))
    assert "mixes Cyrillic and Latin letters in the label 'pаypal'" in line


def test_corrupt_history_is_said_and_every_address_still_checked(world: World, tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    db.write_bytes(b"this is not SQLite\n" * 100)
    before = db.read_bytes()
    code, out, err = check(world, USER, SECOND, "--history", str(db), "--format", "jsonl")
    assert code == 0, err
    _no_traceback(err)
    assert set(_jsonl(out)) == {USER, SECOND}
    assert err.splitlines() == [f"mailprobe: state database {db} is corrupt (file is not a database); "
                                "move it aside: checking without the history"]
    assert db.read_bytes() == before  # nothing written into it
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


_HOLD_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("DELETE FROM check_history")  # uncommitted: never seen by anyone
print("locked", flush=True)
sys.stdin.read()
db.execute("ROLLBACK")
"""


def test_locked_history_is_said_and_every_address_still_checked(world: World, tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    code, _, err = check(world, USER, "--history", str(db), "--format", "jsonl")
    assert code == 0, err
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        started = time.monotonic()
        code, out, err = check(world, USER, SECOND, f"zhao.liu@{NULL_MX}", "--history", str(db),
                               "--format", "jsonl")
        spent = time.monotonic() - started
    finally:
        holder.communicate("", timeout=10)
    assert code == 2, err
    _no_traceback(err)
    assert set(_jsonl(out)) == {USER, SECOND, f"zhao.liu@{NULL_MX}"}
    lines = err.splitlines()
    assert len(lines) == 1 and f"state database {db} is locked by another process" in lines[0], lines
    assert lines[0].endswith("the history is not written for the rest of this run")
    assert spent < 5.0 + 5.0 + 4.0  # one busy timeout (5 s) in all, not one per address
    with sqlite3.connect(db) as reader:
        assert reader.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert reader.execute("SELECT count(*) FROM check_history").fetchone() == (1,)  # the first run only


def test_a_broken_profile_refuses_the_run_before_any_check_and_writes_nothing(world: World, tmp_path: Path) -> None:
    # The decision (README): a profile configures every check, so a broken one is not skipped (the built-in
    # would silently diagnose with other hosts); the run is refused before the first connection, naming the file.
    folder = tmp_path / "providers"
    folder.mkdir()
    (folder / "good.toml").write_text((world.providers_dir / "qq.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "mine.toml").write_text('id = "mine"\nmx_patterns = [\n', encoding="utf-8")
    db = tmp_path / "history.db"
    result = run_mailprobe("check", USER, SECOND, "--history", str(db), "--providers-dir", str(folder),
                           "--nameserver", world.dns.nameserver, "--timeout", "5")
    line = assert_bad_input(result)
    assert line.startswith(f"mailprobe: provider profile {folder / 'mine.toml'}: not valid TOML")
    assert not db.exists()


def test_explain_of_an_unknown_schema_version_is_one_line(run: Run, tmp_path: Path) -> None:
    saved = tmp_path / "future.json"
    saved.write_text(json.dumps({"schema_version": 99, "address": USER}), encoding="utf-8")
    line = assert_bad_input(run("explain", str(saved)))
    assert line == f"mailprobe: '{saved}' has schema_version 99; this mailprobe reads 1 and 2"


# -- Ctrl-C -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tarpits = {f"qq.{service}": {"fault": Fault.TARPIT} for service in ("imap", "pop3", "smtp")}
    domains = {NULL_MX: {"MX": ["0 ."]}, SLOW: dict(QQ_MX)}
    with World(tmp_path_factory.mktemp("slow"), domains=domains, mail=tarpits) as running:
        yield running


def _rows(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as reader:
            return int(reader.execute("SELECT count(*) FROM check_history").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_ctrl_c_ends_a_batch_at_once_with_130_and_a_consistent_history(slow_world: World, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    quick = [f"user{n}@{NULL_MX}" for n in range(6)]
    slow = [f"user{n}@{SLOW}" for n in range(40)]
    listing.write_text("\n".join(quick + slow) + "\n", encoding="utf-8")
    db = tmp_path / "history.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailprobe", "check", "--input", str(listing), "--history", str(db), "--format",
         "jsonl", "--concurrency", "4", "--timeout", "20", *slow_world.cli_args()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=REPO,
    )
    try:
        waited = time.monotonic()
        while _rows(db) < len(quick) and time.monotonic() - waited < 20:  # the quick ones are in
            time.sleep(0.05)
        time.sleep(0.5)  # and the slow ones are waiting on the tarpits
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        ended = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert ended <= 1.0, f"took {ended:.2f} s after SIGINT"
    assert proc.returncode == 130, err
    _no_traceback(err)
    assert err.splitlines() == ["mailprobe: interrupted"]
    with sqlite3.connect(db) as reader:
        assert reader.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        statuses = [row[0] for row in reader.execute("SELECT status FROM check_history")]
    assert len(statuses) >= len(quick) and set(statuses) == {"critical"}  # whole reports, the quick ones
    later = run_mailprobe("history", quick[0], "--history", str(db))
    assert later.code == 2, later.stderr



def test_sigterm_ends_a_batch_with_143_and_leaves_no_temporary_output(slow_world: World, tmp_path: Path) -> None:
    """cron's `timeout`, systemd and `kill` send SIGTERM: the run unwinds as it does for Ctrl-C, so the
    `--output` file's temporary sibling is removed and nothing half-written is left in its folder."""
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailprobe", "check", *(f"user{n}@{SLOW}" for n in range(4)), "--format", "json",
         "--output", str(out / "report.json"), "--timeout", "20", *slow_world.cli_args()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=REPO,
    )
    try:
        waited = time.monotonic()
        while not list(out.iterdir()) and time.monotonic() - waited < 20:  # the output is being written
            time.sleep(0.05)
        time.sleep(0.5)  # and the checks are waiting on the tarpits
        assert proc.poll() is None, "the batch ended before it could be terminated"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143, err
    _no_traceback(err)
    assert err.splitlines() == ["mailprobe: terminated"]
    assert list(out.iterdir()) == []


# -- the socket bound ---------------------------------------------------------------------------------------


def _peak_fds(pid: int, peak: list[int], stop: threading.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(OSError):
            peak[0] = max(peak[0], len(os.listdir(f"/proc/{pid}/fd")))
        stop.wait(0.002)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_open_files_stay_under_concurrency_times_sockets_per_check(world: World, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    # Mostly names that do not exist (answered at once), some healthy mailboxes at the lab's qq.
    addresses = [f"user{n}@{CUSTOMER}" if n % 10 == 0 else f"user{n}@nx{n}.example" for n in range(300)]
    listing.write_text("\n".join(addresses) + "\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailprobe", "check", "--input", str(listing), "--format", "jsonl",
         "--concurrency", "4", "--timeout", "5", *world.cli_args()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=REPO,
    )
    peak, stop = [0], threading.Event()
    watcher = threading.Thread(target=_peak_fds, args=(proc.pid, peak, stop), daemon=True)
    watcher.start()
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        stop.set()
        watcher.join()
        if proc.poll() is None:
            proc.kill()
    _no_traceback(err)
    assert len(out.splitlines()) == len(addresses)
    assert 0 < peak[0] <= 4 * SOCKETS_PER_CHECK + RESERVED_FILES, peak[0]
