"""History and --changes-only through the real command line, three runs with a change between them; two
overlapping writers; a run killed midway leaves a consistent database."""

from __future__ import annotations

import json
import multiprocessing
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailprobe.errors import GuardError
from mailprobe.history import History, timeline
from mailprobe.report import Report
from mailprobe.store import MIGRATIONS
from tests.lab.world import World
from tests.support.command import REPO, cli_env, run_mailprobe
from tests.support.exporter import OTHER_DOMAIN, SECOND, USER, mailprobe_check


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_changes_only_across_three_runs(world: World, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    other = f"wang.wu@{OTHER_DOMAIN}"
    listing.write_text(f"# mailboxes\n{USER}\n\nnot-an-address\n{SECOND}\n{other}\n", encoding="utf-8")
    db = tmp_path / "h.db"
    args = ("--input", str(listing), "--format", "jsonl", "--history", str(db), "--changes-only")

    first = mailprobe_check(world, *args)  # a first run is a change for every mailbox, and for the bad line
    assert first.code == 0, first.stderr
    records = {r["address"]: r for r in _lines(first.stdout)}
    assert sorted(records) == sorted([USER, SECOND, other, "not-an-address"])
    assert records["not-an-address"]["status"] == "unknown"  # its record, once
    assert "line 4" in first.stderr and "not-an-address" in first.stderr  # the bad line, named

    second = mailprobe_check(world, *args)  # nothing changed, the bad line included: silent, exit 0
    assert (second.code, second.stdout, second.stderr) == (0, "", "")

    world.dns.set_records(OTHER_DOMAIN, "MX", ["0 ."])  # the other domain stops taking mail
    try:
        third = mailprobe_check(world, *args)
    finally:
        world.dns.set_records(OTHER_DOMAIN, "MX", ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."])
    assert third.code == 2, third.stderr
    changed = _lines(third.stdout)
    assert [r["address"] for r in changed] == [other]
    assert changed[0]["diagnosis"][0]["cause"] == "mx_not_configured"  # type: ignore[index]

    with History(db) as store:
        assert [run.status for run in store.runs(other)] == ["ok", "ok", "critical"]
        line = timeline(store, other, days=1)
    assert [run.status for run in line.changes] == ["ok", "critical"]
    assert line.last_good is not None and line.failing_since == line.runs[-1].at
    shown = run_mailprobe("history", other, "--history", str(db))
    assert shown.code == 2
    assert "worked at" in shown.stdout and "fails since" in shown.stdout
    # What fails now (the null MX its cause names) beside the same check in the last good run, with summaries.
    then = shown.stdout[shown.stdout.index("last good run"):shown.stdout.index("now (")]
    assert [row.split()[:2] for row in then.splitlines()[1:] if row.strip()] == [["pass", f"dns.mx/{OTHER_DOMAIN}"]]
    assert "MX: 5 mxbiz1.qq.com, 10 mxbiz2.qq.com" in then
    assert "null MX" in shown.stdout[shown.stdout.index("now ("):]
    as_json = json.loads(run_mailprobe("history", other, "--history", str(db), "--format", "json").stdout)
    assert as_json["current"]["cause"] == "mx_not_configured"
    assert as_json["current_failure"]["status"] == "critical"
    assert [c["id"] for c in as_json["current_failure"]["checks"]] == [f"dns.mx/{OTHER_DOMAIN}"]
    assert [(c["id"], c["status"]) for c in as_json["last_good"]["checks"]] == [(f"dns.mx/{OTHER_DOMAIN}", "pass")]
    assert as_json["last_good"]["checks"][0]["summary"].startswith("MX: ")


def test_history_reads_and_never_creates_the_file(tmp_path: Path) -> None:
    """A misspelt --history (or no history stored yet) is one line and exit 3: nothing is created."""
    typo = tmp_path / "typo.db"
    result = run_mailprobe("history", USER, "--history", str(typo))
    assert (result.code, result.stdout) == (3, "")
    [line] = result.stderr.splitlines()
    assert str(typo) in line and "no such file" in line
    assert not typo.exists() and list(tmp_path.iterdir()) == []

    state = tmp_path / "state"  # the default: the state file in $XDG_STATE_HOME, not there yet
    result = run_mailprobe("history", USER, env={"XDG_STATE_HOME": str(state)}, unset=("MAILPROBE_HISTORY",))
    assert (result.code, result.stdout, len(result.stderr.splitlines())) == (3, "", 1)
    assert not state.exists()


def test_history_only_reads_a_file_that_is_not_its_own(tmp_path: Path) -> None:
    """`history` opens the file read-only (SQLite mode=ro): someone else's SQLite file is said in one line and
    left byte for byte as it was, never given the state tables, WAL or a schema version."""
    foreign = tmp_path / "app.db"
    with sqlite3.connect(foreign) as raw:
        raw.execute("CREATE TABLE notes (body TEXT)")
        raw.execute("INSERT INTO notes VALUES ('keep me')")
    raw.close()
    before = foreign.read_bytes()
    result = run_mailprobe("history", USER, "--history", str(foreign))
    assert (result.code, result.stdout) == (3, "")
    [line] = result.stderr.splitlines()
    assert str(foreign) in line and "not a mailprobe history" in line
    assert foreign.read_bytes() == before and list(tmp_path.iterdir()) == [foreign]
    explained = run_mailprobe("explain", "--id", "ABCD-EFGH", "--history", str(foreign))
    assert explained.code == 3 and foreign.read_bytes() == before


def test_history_reads_an_older_state_file_without_migrating_it(tmp_path: Path) -> None:
    """A state file of an older mailprobe (the guard's table only, schema 1) has no run yet: said so, and the
    file stays at its version for the mailprobe that wrote it."""
    older = tmp_path / "state.db"
    with sqlite3.connect(older) as raw:
        MIGRATIONS[0](raw)
        raw.execute("PRAGMA user_version = 1")
    raw.close()
    before = older.read_bytes()
    result = run_mailprobe("history", USER, "--history", str(older))
    assert result.code == 3 and USER in result.stdout and result.stderr == ""
    assert older.read_bytes() == before and list(tmp_path.iterdir()) == [older]


def test_a_read_only_history_never_creates_its_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "h.db"
    with pytest.raises(GuardError):
        History(missing, read_only=True)
    assert not missing.parent.exists()


def test_history_lives_in_the_guard_state_file(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    with History(db):
        pass
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"login_attempts", "check_history"} <= tables


def _report(address: str, status: str, at: datetime) -> Report:
    from mailprobe.batch import Entry, unknown_report

    return unknown_report(Entry(0, address), "en").model_copy(update={"status": status, "started_at": at})


def _writer(db: str, who: int, count: int) -> None:
    with History(db) as store:
        for n in range(count):
            store.record(_report(f"m{n % 5}@w{who}.example", "ok", datetime.now(UTC)))


def test_two_overlapping_writers(tmp_path: Path) -> None:
    db = str(tmp_path / "h.db")
    ctx = multiprocessing.get_context("spawn")
    writers = [ctx.Process(target=_writer, args=(db, who, 200)) for who in range(2)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(60)
        assert w.exitcode == 0
    raw = sqlite3.connect(db)
    assert raw.execute("SELECT count(*) FROM check_history").fetchone()[0] == 400
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_healthy_share_is_time_weighted(tmp_path: Path) -> None:
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    with History(tmp_path / "h.db") as store:
        store.record(_report("a@x.example", "ok", start))
        store.record(_report("a@x.example", "critical", start + timedelta(hours=3)))
        line = timeline(store, "a@x.example", days=1, now=start + timedelta(hours=4))
    assert line.healthy_share is not None and abs(line.healthy_share - 0.75) < 1e-9
    assert line.failing_since == start + timedelta(hours=3)


def test_interrupted_run_leaves_a_consistent_database(world: World, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f"user{n}@{OTHER_DOMAIN}\n" for n in range(400)), encoding="utf-8")
    db = tmp_path / "h.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailprobe", "check", "--input", str(listing), "--format", "jsonl", "--history",
         str(db), "--concurrency", "8", *world.cli_args()],
        env=cli_env(), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if db.exists():
                try:
                    with sqlite3.connect(db, timeout=5) as raw:
                        if raw.execute("SELECT count(*) FROM check_history").fetchone()[0] >= 5:
                            break
                except sqlite3.OperationalError:
                    continue
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = raw.execute("SELECT report FROM check_history").fetchall()
    assert 5 <= len(rows) < 400
    for (text,) in rows:  # every stored report is whole
        assert Report.model_validate_json(text).address.endswith(OTHER_DOMAIN)
