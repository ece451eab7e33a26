"""The state file both the login guard and the monitoring history keep (SQLite): where it is, how it is opened
(private, WAL, a busy timeout), its schema's migrations, one transaction at a time, failures as one line, and
the key a mailbox goes by. The guard (`login/guard.py`) and the history (`history.py`) each read and write
their own tables through it and nothing of each other's.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from mailprobe.address import mailbox_key as mailbox_key  # re-exported: the state file keys by it
from mailprobe.errors import GuardError

BUSY_TIMEOUT_MS = 5000

# Schema version N is reached by running the first N entries in order: the guard's tables and the history's,
# so one state file serves both.
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


def default_state_path() -> Path:
    """$XDG_STATE_HOME/mailprobe/state.db, else ~/.local/state/mailprobe/state.db."""
    state_home = os.environ.get("XDG_STATE_HOME", "")
    # The XDG spec says a relative path in the variable is invalid and must be ignored.
    base = Path(state_home) if state_home and os.path.isabs(state_home) else Path.home() / ".local" / "state"
    return base / "mailprobe" / "state.db"


def one_line(text: str) -> str:
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


class StateStore:
    """One connection to the state file, opened and migrated; use one per thread or process."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, busy_timeout_ms: int = BUSY_TIMEOUT_MS, *,
        read_only: bool = False,
    ) -> None:
        """READ_ONLY: open an existing file as it is (SQLite's mode=ro), never creating, switching to WAL or
        migrating it: for the commands that only read (`history`, `explain --id`), which may be pointed at any
        file."""
        self.path = Path(path) if path is not None else default_state_path()
        self.read_only = read_only
        self.db = self._open_read_only(busy_timeout_ms) if read_only else self._open(busy_timeout_ms)
        try:
            if read_only:
                self._check_version()
            else:
                self._migrate()
        except BaseException:
            self.db.close()
            raise

    def has_table(self, name: str) -> bool:
        with self.errors("read"):
            found = self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
            return found.fetchone() is not None

    def close(self) -> None:
        self.db.close()

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        return _transaction(self.db)

    def errors(self, doing: str) -> contextlib.AbstractContextManager[None]:
        return _errors(self.path, doing)

    def _open(self, busy_timeout_ms: int) -> sqlite3.Connection:
        with self.errors("open"):
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

    def _open_read_only(self, busy_timeout_ms: int) -> sqlite3.Connection:
        with self.errors("open"):
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            db = sqlite3.connect(uri, uri=True, timeout=busy_timeout_ms / 1000.0, isolation_level=None,
                                 check_same_thread=False)
            try:
                db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            except BaseException:
                db.close()
                raise
            return db

    def _check_version(self) -> None:
        with self.errors("open"):
            version = self._user_version()
        if version > len(MIGRATIONS):
            raise GuardError(
                f"state database {self.path} has schema version {version}, newer than this mailprobe knows"
            )

    def _migrate(self) -> None:
        with self.errors("open"):
            if self._user_version() == len(MIGRATIONS):
                return
            with self.transaction():
                # Read again under the write lock: another process may have migrated meanwhile.
                version = self._user_version()
                if version > len(MIGRATIONS):
                    raise GuardError(
                        f"state database {self.path} has schema version {version}, newer than this mailprobe knows"
                    )
                for migration in MIGRATIONS[version:]:
                    migration(self.db)
                self.db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")

    def _user_version(self) -> int:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        return int(version)


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
        message = one_line(str(exc))
        if isinstance(exc, sqlite3.OperationalError) and "locked" in message:
            raise GuardError(f"state database {path} is locked by another process ({message})") from None
        if "not a database" in message or "malformed" in message or "corrupt" in message:
            raise GuardError(f"state database {path} is corrupt ({message}); move it aside") from None
        raise GuardError(f"state database {path}: cannot {doing} ({message})") from None
    except OSError as exc:
        raise GuardError(f"state database {path}: cannot {doing} ({exc.strerror or one_line(str(exc))})") from None
