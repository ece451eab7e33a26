"""The lockout guard's state: login attempts per mailbox, login name and protocol in SQLite, never a password.

Within its window the guard refuses a second login and remembers the last one: when it was tried, how it
ended, the cause it was given and the server's deciding words, redacted as the report carried them.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from mailprobe.errors import GuardError as GuardError  # re-exported: where callers have always found it

Outcome = Literal["ok", "refused", "error"]
OUTCOMES: tuple[str, ...] = ("ok", "refused", "error")
# How a login ended, as its report said (the login's own outcome): stored beside the guard's coarser one.
RESULTS: tuple[str, ...] = ("ok", "mailbox_refused", "refused", "error")
DEFAULT_WINDOW_S = 15 * 60
BUSY_TIMEOUT_MS = 5000
WORDS_CHARS = 512  # the server's deciding words, as much as a login result keeps of one line
_CAUSE_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_LEGACY_RESULTS = {"ok": "ok", "refused": "refused"}

# Schema version N is reached by running the first N entries in order; the monitoring history will append
# its own tables here, so one state file serves both.
Migration = Callable[[sqlite3.Connection], None]


def _v1_login_attempts(db: sqlite3.Connection) -> None:
    # 'started' rows are written by claim(): a login under way counts against the window even if the
    # run dies before it can record how it ended.
    db.execute(
        """CREATE TABLE login_attempts (
            id INTEGER PRIMARY KEY,
            address TEXT NOT NULL,
            protocol TEXT NOT NULL CHECK (protocol IN ('imap', 'pop3', 'smtp')),
            at REAL NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('started', 'ok', 'refused', 'error')),
            cause TEXT
        )"""
    )
    db.execute("CREATE INDEX login_attempts_by_mailbox ON login_attempts (address, protocol, at)")


def _v2_check_history(db: sqlite3.Connection) -> None:
    # The monitoring history (mailprobe/history.py): one row per checked mailbox per run, the whole report as
    # JSON (reports carry no secret), its status and first cause beside it for --changes-only.
    db.execute(
        """CREATE TABLE check_history (
            id INTEGER PRIMARY KEY,
            address TEXT NOT NULL,
            at REAL NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('ok', 'warning', 'critical', 'unknown')),
            cause TEXT,
            section TEXT,
            report TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX check_history_by_mailbox ON check_history (address, at)")


def _v3_login_memory(db: sqlite3.Connection) -> None:
    # What the guard reports instead of a login it will not retry: the login name it was tried as (keyed on
    # too, so that another address with the same name cannot log in again inside the window), how it ended
    # (`result`: the login's own outcome), its cause's confidence and the server's words (already redacted).
    # `readings`: the weaker readings of the same words (JSON), and whether the words said nothing at all.
    for column in ("login TEXT", "result TEXT", "confidence REAL", "words TEXT", "readings TEXT"):
        db.execute(f"ALTER TABLE login_attempts ADD COLUMN {column}")
    db.execute("CREATE INDEX login_attempts_by_login ON login_attempts (login, protocol, at)")


MIGRATIONS: list[Migration] = [_v1_login_attempts, _v2_check_history, _v3_login_memory]


@dataclass(frozen=True)
class LastLogin:
    """The last login over one protocol within the window, as the guard stored it."""

    protocol: str
    at: datetime
    outcome: str  # "started": its end was never recorded (still under way, cut off, or the run was killed)
    result: str | None = None  # how it ended, as its report said: ok, mailbox_refused, refused, error
    cause: str | None = None  # the cause it was given (the classifier's first), if any
    confidence: float | None = None
    words: str | None = None  # the server's deciding words, redacted as the report carried them
    also: tuple[tuple[str, float], ...] = ()  # the weaker readings of the same words: cause id, confidence
    bare: bool = False  # the words gave no reason at all (a bare refusal)

    @property
    def ended(self) -> bool:
        return self.outcome != "started" and self.result is not None


@dataclass(frozen=True)
class Refusal:
    """A login the guard will not allow yet: one for this mailbox (or login name) was tried within the window.
    `last` holds what the guard remembers of the last login over each protocol asked for."""

    address: str
    protocol: str
    last_at: datetime
    window_s: float
    last: tuple[LastLogin, ...] = ()

    @property
    def until(self) -> datetime:
        return self.last_at + timedelta(seconds=self.window_s)


@dataclass(frozen=True)
class Claim:
    """The guard's answer to a claim: a refusal, or the 'started' row written for each protocol."""

    refusal: Refusal | None
    rows: dict[str, int]


@dataclass(frozen=True)
class LoginHistory:
    """What earlier runs saw: tells "worked before, fails now" from "never worked"."""

    ever_succeeded: bool
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_outcome: str | None
    last_cause: str | None


def default_state_path() -> Path:
    """$XDG_STATE_HOME/mailprobe/state.db, else ~/.local/state/mailprobe/state.db."""
    state_home = os.environ.get("XDG_STATE_HOME", "")
    # The XDG spec says a relative path in the variable is invalid and must be ignored.
    base = Path(state_home) if state_home and os.path.isabs(state_home) else Path.home() / ".local" / "state"
    return base / "mailprobe" / "state.db"


def _key(address: str) -> str:
    # Providers treat the whole address case-insensitively at login; one lockout budget per mailbox.
    return address.strip().lower()


def _keys(address: str, login: str | None) -> list[str]:
    """The names one lockout budget goes by: the mailbox's address and the login name it logs in as."""
    return sorted({_key(address), _key(login or address)})


def _readings(stored: object) -> tuple[tuple[tuple[str, float], ...], bool]:
    """The weaker readings and the bare flag as stored; nothing where the text is not what `record` wrote."""
    try:
        data = json.loads(stored) if isinstance(stored, str) else {}
        also = tuple(
            (str(cause), float(score)) for cause, score in data.get("also", [])
            if _CAUSE_ID.match(str(cause)) and math.isfinite(float(score)) and 0.0 <= float(score) <= 1.0
        )
        return also, data.get("bare") is True
    except (ValueError, TypeError, AttributeError):
        return (), False


def _epoch(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("the guard needs time-zone aware datetimes")
    return moment.timestamp()


def _moment(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _switch_to_wal(db: sqlite3.Connection, within_s: float) -> None:
    """WAL mode, waiting out another process or thread that is switching the same fresh file right now: SQLite
    answers that race with an immediate "database is locked" rather than through the busy timeout."""
    ends = time.monotonic() + within_s
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= ends:
                raise
            time.sleep(0.02)


class LoginGuard:
    """One connection to the state file; use one guard per thread or process."""

    def __init__(self, path: str | os.PathLike[str] | None = None, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path) if path is not None else default_state_path()
        self._db = self._open(busy_timeout_ms)
        try:
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    def __enter__(self) -> LoginGuard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # --- the API ---------------------------------------------------------------------------------------

    def check(
        self, address: str, protocols: Iterable[str], window_s: float = DEFAULT_WINDOW_S, now: datetime | None = None,
        *, login: str | None = None,
    ) -> Refusal | None:
        """A Refusal when a login for ADDRESS (or, with LOGIN, for that login name) over any of PROTOCOLS
        happened less than WINDOW_S ago."""
        protocols = list(protocols)
        at = _epoch(now or datetime.now(UTC))
        with self._errors("read"):
            return self._refusal(_key(address), _keys(address, login), protocols, window_s, at)

    def claim(
        self, address: str, protocols: Iterable[str], window_s: float = DEFAULT_WINDOW_S, now: datetime | None = None,
        *, login: str | None = None,
    ) -> Refusal | None:
        """check() and, when allowed, mark the logins as started, in one transaction: two runs racing for
        the same mailbox cannot both pass."""
        return self.claim_rows(address, protocols, window_s, now, login=login).refusal

    def claim_rows(
        self, address: str, protocols: Iterable[str], window_s: float = DEFAULT_WINDOW_S, now: datetime | None = None,
        *, login: str | None = None,
    ) -> Claim:
        """claim(), also saying which 'started' row stands for each protocol (for `release`)."""
        protocols = list(protocols)
        at = _epoch(now or datetime.now(UTC))
        keys = _keys(address, login)
        rows: dict[str, int] = {}
        with self._errors("write"), self._transaction():
            refusal = self._refusal(_key(address), keys, protocols, window_s, at)
            if refusal is None:
                for protocol in protocols:
                    rows[protocol] = self._insert(_key(address), protocol, at, "started", login=_key(login or address))
            return Claim(refusal, rows)

    def release(self, rows: Iterable[int]) -> None:
        """Withdraw claims whose logins sent no credentials: their 'started' rows go, as if never made."""
        ids = list(rows)
        if not ids:
            return
        marks = ", ".join("?" for _ in ids)
        with self._errors("write"), self._transaction():
            self._db.execute(f"DELETE FROM login_attempts WHERE outcome = 'started' AND id IN ({marks})", ids)

    def record(
        self, address: str, protocol: str, outcome: Outcome, cause: str | None = None, at: datetime | None = None,
        *, login: str | None = None, result: str | None = None, confidence: float | None = None,
        words: str | None = None, also: Sequence[tuple[str, float]] = (), bare: bool = False,
    ) -> None:
        """One login's end: ok, refused (with the cause id when one was found) or error; with what the guard
        reports within its window: the login's own outcome, its cause's confidence and weaker readings, and
        the server's words (redacted by the caller, as the report carried them; kept to one bounded line)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        if cause is not None and not _CAUSE_ID.match(cause):
            raise ValueError("cause must be a cause id")
        if result is not None and result not in RESULTS:
            raise ValueError(f"result must be one of {', '.join(RESULTS)}")
        for score in (confidence, *(p for _, p in also)):
            if score is not None and not (math.isfinite(score) and 0.0 <= score <= 1.0):
                raise ValueError("confidence must be between 0 and 1")
        if any(not _CAUSE_ID.match(reading) for reading, _ in also):
            raise ValueError("cause must be a cause id")
        when = _epoch(at or datetime.now(UTC))
        line = _one_line(words)[:WORDS_CHARS] if words else None
        readings = json.dumps({"also": [[c, p] for c, p in also], "bare": bare}) if also or bare else None
        with self._errors("write"), self._transaction():
            self._insert(_key(address), protocol, when, outcome, cause, login=_key(login or address), result=result,
                         confidence=confidence, words=line, readings=readings)

    def history(self, address: str, protocol: str) -> LoginHistory:
        key = _key(address)
        with self._errors("read"):
            success = self._db.execute(
                "SELECT max(at) FROM login_attempts WHERE address = ? AND protocol = ? AND outcome = 'ok'",
                (key, protocol),
            ).fetchone()[0]
            last = self._db.execute(
                "SELECT at, outcome, cause FROM login_attempts WHERE address = ? AND protocol = ?"
                " AND outcome != 'started' ORDER BY at DESC, id DESC LIMIT 1",
                (key, protocol),
            ).fetchone()
        return LoginHistory(
            ever_succeeded=success is not None,
            last_success_at=_moment(success),
            last_attempt_at=_moment(last[0]) if last else None,
            last_outcome=last[1] if last else None,
            last_cause=last[2] if last else None,
        )

    # --- inside ----------------------------------------------------------------------------------------

    def _refusal(
        self, address: str, keys: list[str], protocols: list[str], window_s: float, at: float
    ) -> Refusal | None:
        if not protocols:
            return None
        names, marks = ", ".join("?" for _ in keys), ", ".join("?" for _ in protocols)
        row = self._db.execute(
            f"SELECT protocol, at FROM login_attempts WHERE (address IN ({names}) OR login IN ({names}))"
            f" AND protocol IN ({marks}) ORDER BY at DESC, id DESC LIMIT 1",
            (*keys, *keys, *protocols),
        ).fetchone()
        if row is None:
            return None
        # A clock set back puts the last login "in the future": still inside the window, on the safe side.
        if at - row[1] >= window_s:
            return None
        last_at = _moment(row[1])
        assert last_at is not None
        last = tuple(m for m in (self._last(keys, p, at - window_s) for p in protocols) if m is not None)
        return Refusal(address=address, protocol=row[0], last_at=last_at, window_s=window_s, last=last)

    def _last(self, keys: list[str], protocol: str, since: float) -> LastLogin | None:
        """The newest row over PROTOCOL since SINCE: rows are written in the order things happen, so the id
        orders them even when the clock was changed in between."""
        names = ", ".join("?" for _ in keys)
        row = self._db.execute(
            "SELECT at, outcome, result, cause, confidence, words, readings FROM login_attempts"
            f" WHERE (address IN ({names}) OR login IN ({names})) AND protocol = ? AND at > ?"
            " ORDER BY id DESC LIMIT 1",
            (*keys, *keys, protocol, since),
        ).fetchone()
        if row is None:
            return None
        at = _moment(row[0])
        assert at is not None
        # A row from before the guard remembered how logins ended: its refusal or success says enough; its
        # "error" may have been a login that never sent the password.
        result = row[2] or _LEGACY_RESULTS.get(row[1])
        also, bare = _readings(row[6])
        return LastLogin(protocol=protocol, at=at, outcome=row[1], result=result, cause=row[3], confidence=row[4],
                         words=row[5], also=also, bare=bare)

    def _insert(
        self, key: str, protocol: str, at: float, outcome: str, cause: str | None = None, *, login: str,
        result: str | None = None, confidence: float | None = None, words: str | None = None,
        readings: str | None = None,
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO login_attempts (address, protocol, at, outcome, cause, login, result, confidence, words,"
            " readings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, protocol, at, outcome, cause, login, result, confidence, words, readings),
        )
        return int(cursor.lastrowid or 0)

    def _open(self, busy_timeout_ms: int) -> sqlite3.Connection:
        with self._errors("open"):
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Created private before SQLite touches it: the file names mailboxes and when they logged in.
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
            # check_same_thread off: a batch writes its history from a worker thread (one at a time), so that
            # waiting out the busy timeout never stalls the checks in flight on the event loop.
            db = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000.0, isolation_level=None,
                                 check_same_thread=False)
            try:
                db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
                _switch_to_wal(db, busy_timeout_ms / 1000.0)
                db.execute("PRAGMA synchronous = NORMAL")
            except BaseException:
                db.close()
                raise
            return db

    def _migrate(self) -> None:
        with self._errors("open"):
            if self._user_version() == len(MIGRATIONS):
                return
            with self._transaction():
                # Read again under the write lock: another process may have migrated meanwhile.
                version = self._user_version()
                if version > len(MIGRATIONS):
                    raise GuardError(
                        f"state database {self.path} has schema version {version}, newer than this mailprobe knows"
                    )
                for migration in MIGRATIONS[version:]:
                    migration(self._db)
                self._db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")

    def _user_version(self) -> int:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        return int(version)

    def _transaction(self) -> contextlib.AbstractContextManager[None]:
        return _transaction(self._db)

    def _errors(self, doing: str) -> contextlib.AbstractContextManager[None]:
        return _errors(self.path, doing)


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT: takes the write lock up front, so the busy timeout applies to waiting for
    it (a deferred transaction upgrading to a writer under WAL fails at once instead of waiting)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@contextlib.contextmanager
def _errors(path: Path, doing: str) -> Iterator[None]:
    """Turns SQLite and file-system failures into one GuardError line naming the file."""
    try:
        yield
    except GuardError:
        raise
    except sqlite3.DatabaseError as exc:
        message = _one_line(str(exc))
        if isinstance(exc, sqlite3.OperationalError) and "locked" in message:
            raise GuardError(f"state database {path} is locked by another process ({message})") from None
        if "not a database" in message or "malformed" in message or "corrupt" in message:
            raise GuardError(f"state database {path} is corrupt ({message}); move it aside") from None
        raise GuardError(f"state database {path}: cannot {doing} ({message})") from None
    except OSError as exc:
        raise GuardError(f"state database {path}: cannot {doing} ({exc.strerror or _one_line(str(exc))})") from None
