"""The lockout guard's state store: the window, history, schema, concurrency and broken files."""

from __future__ import annotations

import multiprocessing
import sqlite3
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailprobe.login.guard import DEFAULT_WINDOW_S, GuardError, LoginGuard
from mailprobe.store import MIGRATIONS, default_state_path

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ADDRESS = "alice@example.com"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "state.db"


def test_first_login_is_allowed(db: Path) -> None:
    with LoginGuard(db) as guard:
        assert guard.check(ADDRESS, ["imap", "smtp"], now=T0) is None


def test_second_login_within_the_window_is_refused_with_when_the_last_one_was(db: Path) -> None:
    with LoginGuard(db) as guard:
        guard.record(ADDRESS, "imap", "refused", "password_incorrect", at=T0)
        refusal = guard.check(ADDRESS, ["imap", "pop3", "smtp"], now=T0 + timedelta(minutes=14))
    assert refusal is not None
    assert (refusal.protocol, refusal.last_at, refusal.window_s) == ("imap", T0, DEFAULT_WINDOW_S)
    assert refusal.until == T0 + timedelta(minutes=15)


def test_login_after_the_window_is_allowed_again(db: Path) -> None:
    with LoginGuard(db) as guard:
        guard.record(ADDRESS, "imap", "ok", at=T0)
        assert guard.check(ADDRESS, ["imap"], now=T0 + timedelta(minutes=15)) is None
        assert guard.check(ADDRESS, ["imap"], window_s=3600, now=T0 + timedelta(minutes=15)) is not None


def test_successful_logins_count_too_every_login_spends_the_budget(db: Path) -> None:
    with LoginGuard(db) as guard:
        guard.record(ADDRESS, "smtp", "ok", at=T0)
        assert guard.check(ADDRESS, ["smtp"], now=T0 + timedelta(minutes=1)) is not None


def test_other_protocols_and_other_mailboxes_are_not_refused(db: Path) -> None:
    with LoginGuard(db) as guard:
        guard.record(ADDRESS, "imap", "refused", at=T0)
        later = T0 + timedelta(minutes=1)
        assert guard.check(ADDRESS, ["smtp"], now=later) is None
        assert guard.check("bob@example.com", ["imap"], now=later) is None
        assert guard.check(ADDRESS, [], now=later) is None


def test_the_address_is_one_mailbox_whatever_its_case(db: Path) -> None:
    with LoginGuard(db) as guard:
        guard.record(" Alice@Example.COM", "imap", "refused", at=T0)
        assert guard.check(ADDRESS, ["imap"], now=T0 + timedelta(minutes=1)) is not None


def test_a_clock_set_back_still_refuses(db: Path) -> None:
    with LoginGuard(db) as guard:
        guard.record(ADDRESS, "imap", "refused", at=T0)
        assert guard.check(ADDRESS, ["imap"], now=T0 - timedelta(hours=2)) is not None


def test_history_tells_worked_before_from_never_worked(db: Path) -> None:
    with LoginGuard(db) as guard:
        assert guard.history(ADDRESS, "imap").ever_succeeded is False
        guard.record(ADDRESS, "imap", "refused", "password_incorrect", at=T0)
        never = guard.history(ADDRESS, "imap")
        guard.record(ADDRESS, "imap", "ok", at=T0 + timedelta(days=1))
        guard.record(ADDRESS, "imap", "refused", "account_locked", at=T0 + timedelta(days=2))
        before = guard.history(ADDRESS, "imap")
        other = guard.history(ADDRESS, "smtp")
    assert (never.ever_succeeded, never.last_success_at, never.last_cause) == (False, None, "password_incorrect")
    assert before.ever_succeeded is True
    assert before.last_success_at == T0 + timedelta(days=1)
    assert (before.last_outcome, before.last_cause) == ("refused", "account_locked")
    assert before.last_attempt_at == T0 + timedelta(days=2)
    assert other.ever_succeeded is False and other.last_attempt_at is None


def test_claim_marks_the_login_started_so_a_crashed_run_still_counts(db: Path) -> None:
    with LoginGuard(db) as guard:
        assert guard.claim(ADDRESS, ["imap", "smtp"], now=T0) is None
        refusal = guard.claim(ADDRESS, ["smtp"], now=T0 + timedelta(seconds=5))
        history = guard.history(ADDRESS, "imap")
    assert refusal is not None and refusal.last_at == T0
    assert history.last_attempt_at is None  # a started login is not an outcome


def test_what_is_stored_is_the_login_its_end_its_cause_and_the_redacted_words_never_more(db: Path) -> None:
    with LoginGuard(db) as guard:
        guard.record(ADDRESS, "imap", "refused", "password_incorrect", at=T0, login_name="Alice", result="refused",
                     confidence=0.9, words="a3 NO [AUTHENTICATIONFAILED] bad password [password]\r\n  more")
    with sqlite3.connect(db) as raw:
        columns = [row[1] for row in raw.execute("PRAGMA table_info(login_attempts)")]
        tables = [row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        row = raw.execute("SELECT login, result, confidence, words FROM login_attempts").fetchone()
    assert tables == ["login_attempts", "check_history"]  # the monitoring history shares the file
    assert columns == ["id", "address", "protocol", "at", "outcome", "cause", "login", "result", "confidence",
                       "words", "readings"]
    assert row == ("alice", "refused", 0.9, "a3 NO [AUTHENTICATIONFAILED] bad password [password] more")


def test_record_rejects_what_is_not_an_outcome_or_a_cause_id(db: Path) -> None:
    with LoginGuard(db) as guard:
        with pytest.raises(ValueError):
            guard.record(ADDRESS, "imap", "maybe", at=T0)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            guard.record(ADDRESS, "imap", "refused", "the password was hunter2", at=T0)
        with pytest.raises(ValueError):
            guard.check(ADDRESS, ["imap"], now=datetime(2026, 3, 1))  # naive: which zone?


def test_database_is_wal_with_a_versioned_schema_and_private(db: Path) -> None:
    LoginGuard(db).close()
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    LoginGuard(db).close()  # opening an up-to-date file migrates nothing


def test_a_database_from_a_newer_mailprobe_is_refused(db: Path) -> None:
    LoginGuard(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(GuardError, match="newer"):
        LoginGuard(db)


def test_corrupt_file_gives_one_clear_line(db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not an SQLite database, it is a text file someone saved here\n" * 100)
    with pytest.raises(GuardError) as caught:
        LoginGuard(db)
    message = str(caught.value)
    assert "\n" not in message and str(db) in message and "corrupt" in message


def test_locked_database_gives_one_clear_line(db: Path) -> None:
    LoginGuard(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with LoginGuard(db, busy_timeout_ms=100) as guard, pytest.raises(GuardError) as caught:
            guard.record(ADDRESS, "imap", "ok", at=T0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked" in str(caught.value) and "\n" not in str(caught.value)


def test_unwritable_place_gives_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(GuardError, match="cannot open"):
        LoginGuard(blocker / "state.db")


def test_default_path_follows_xdg_state_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_state_path() == tmp_path / "mailprobe" / "state.db"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/dir")  # invalid per the XDG spec: ignored
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_state_path() == tmp_path / "home" / ".local" / "state" / "mailprobe" / "state.db"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_state_path() == tmp_path / "home" / ".local" / "state" / "mailprobe" / "state.db"
    with LoginGuard() as guard:
        assert guard.path == tmp_path / "home" / ".local" / "state" / "mailprobe" / "state.db"


# --- two writers at once ---------------------------------------------------------------------------------

WRITES = 50


def _write_many(path: str, protocol: str) -> None:
    with LoginGuard(path) as guard:
        for i in range(WRITES):
            guard.record(ADDRESS, protocol, "error", at=T0 + timedelta(seconds=i))


def test_two_processes_writing_at_once_lose_nothing(db: Path) -> None:
    LoginGuard(db).close()
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_write_many, args=(str(db), p)) for p in ("imap", "smtp")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    with sqlite3.connect(db) as raw:
        counts = dict(raw.execute("SELECT protocol, count(*) FROM login_attempts GROUP BY protocol").fetchall())
    assert counts == {"imap": WRITES, "smtp": WRITES}


def test_two_threads_opening_a_fresh_file_and_racing_to_claim_only_one_wins(db: Path) -> None:
    start = threading.Barrier(2)
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(10)
            with LoginGuard(db) as guard:
                results.append(guard.claim(ADDRESS, ["imap"], now=T0))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(result is None for result in results) == [False, True]


# --- what the guard remembers, and who it keys on (issue 16 case 3, issue 18 finding 14) ------------------------


def test_a_refusal_carries_the_last_login_of_each_protocol_as_it_ended(db: Path) -> None:
    with LoginGuard(db) as guard:
        assert guard.claim(ADDRESS, ["imap", "smtp"], now=T0) is None
        guard.record(ADDRESS, "imap", "refused", "password_incorrect", at=T0 + timedelta(seconds=2),
                     result="refused", confidence=0.9, words="a3 NO [AUTHENTICATIONFAILED] Authentication failed.")
        guard.record(ADDRESS, "smtp", "ok", at=T0 + timedelta(seconds=3), result="ok")
        refusal = guard.check(ADDRESS, ["imap", "smtp", "pop3"], now=T0 + timedelta(minutes=5))
    assert refusal is not None and refusal.until == T0 + timedelta(seconds=3, minutes=15)
    last = {m.protocol: m for m in refusal.last}
    assert set(last) == {"imap", "smtp"}  # nothing over POP3 to remember
    imap = last["imap"]
    assert (imap.at, imap.outcome, imap.result, imap.cause, imap.confidence) == (
        T0 + timedelta(seconds=2), "refused", "refused", "password_incorrect", 0.9)
    assert imap.words == "a3 NO [AUTHENTICATIONFAILED] Authentication failed." and imap.ended
    assert (last["smtp"].result, last["smtp"].cause, last["smtp"].ended) == ("ok", None, True)


def test_a_login_with_no_recorded_end_is_remembered_as_unfinished(db: Path) -> None:
    with LoginGuard(db) as guard:
        guard.claim(ADDRESS, ["imap"], now=T0)
        refusal = guard.check(ADDRESS, ["imap"], now=T0 + timedelta(minutes=1))
    assert refusal is not None
    (imap,) = refusal.last
    assert (imap.outcome, imap.result, imap.ended) == ("started", None, False)


def test_another_address_with_the_same_login_name_is_refused_within_the_window(db: Path) -> None:
    later = T0 + timedelta(minutes=1)
    with LoginGuard(db) as guard:
        assert guard.claim(ADDRESS, ["imap"], now=T0, login_name="shared@example.com") is None
        assert guard.claim("bob@example.com", ["imap"], now=later, login_name="Shared@Example.com") is not None
        # the address a login name stands for counts too, whichever of the two a run names
        assert guard.claim("shared@example.com", ["imap"], now=later) is not None
        assert guard.claim("carol@example.com", ["imap"], now=later, login_name=ADDRESS) is not None
        assert guard.claim("carol@example.com", ["imap"], now=later) is None  # its own name, another mailbox


def test_release_gives_back_a_claim_and_only_a_claim(db: Path) -> None:
    with LoginGuard(db) as guard:
        claim = guard.claim_rows(ADDRESS, ["imap", "smtp"], now=T0)
        assert claim.refusal is None and set(claim.rows) == {"imap", "smtp"}
        guard.record(ADDRESS, "smtp", "refused", at=T0 + timedelta(seconds=1), result="refused")
        guard.release(claim.rows.values())
        refusal = guard.check(ADDRESS, ["imap", "smtp"], now=T0 + timedelta(minutes=1))
        assert refusal is not None and [m.protocol for m in refusal.last] == ["smtp"]
        assert guard.check(ADDRESS, ["imap"], now=T0 + timedelta(minutes=1)) is None


def test_record_rejects_a_result_or_confidence_that_is_not_one(db: Path) -> None:
    with LoginGuard(db) as guard:
        with pytest.raises(ValueError):
            guard.record(ADDRESS, "imap", "refused", result="maybe", at=T0)
        with pytest.raises(ValueError):
            guard.record(ADDRESS, "imap", "refused", confidence=float("nan"), at=T0)


def test_a_state_file_of_the_previous_schema_is_migrated_and_its_rows_still_count(db: Path) -> None:
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as raw:
        for migration in MIGRATIONS[:2]:
            migration(raw)
        raw.execute("PRAGMA user_version = 2")
        raw.execute("INSERT INTO login_attempts (address, protocol, at, outcome, cause) VALUES (?, ?, ?, ?, ?)",
                    (ADDRESS, "imap", T0.timestamp(), "refused", "account_locked"))
    with LoginGuard(db) as guard:
        refusal = guard.check(ADDRESS, ["imap"], now=T0 + timedelta(minutes=1))
    assert refusal is not None
    (imap,) = refusal.last
    assert (imap.outcome, imap.cause, imap.result, imap.ended) == ("refused", "account_locked", "refused", True)


def test_the_weaker_readings_and_a_bare_refusal_are_remembered_and_a_bad_stored_value_is_none(db: Path) -> None:
    with LoginGuard(db) as guard:
        guard.record(ADDRESS, "imap", "refused", "password_incorrect", at=T0, result="refused", confidence=0.6,
                     also=[("account_locked", 0.3), ("account_not_activated", 0.2)], bare=True)
        guard.record(ADDRESS, "smtp", "refused", "password_incorrect", at=T0, result="refused")
        with pytest.raises(ValueError):
            guard.record(ADDRESS, "pop3", "refused", at=T0, also=[("not a cause id", 0.3)])
        guard._db.execute("UPDATE login_attempts SET readings = '{\"also\": 5}' WHERE protocol = 'smtp'")
        refusal = guard.check(ADDRESS, ["imap", "smtp"], now=T0 + timedelta(minutes=1))
    assert refusal is not None
    last = {m.protocol: m for m in refusal.last}
    assert last["imap"].also == (("account_locked", 0.3), ("account_not_activated", 0.2)) and last["imap"].bare
    assert (last["smtp"].also, last["smtp"].bare) == ((), False)
