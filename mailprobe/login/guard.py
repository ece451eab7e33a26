"""The lockout guard's state: login attempts per mailbox, login name and protocol in SQLite, never a password.

Within its window the guard refuses a second login and remembers the last one: when it was tried, how it
ended, the cause it was given and the server's deciding words, redacted as the report carried them.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from mailprobe.errors import GuardError as GuardError  # re-exported: where callers have always found it
from mailprobe.store import BUSY_TIMEOUT_MS, StateStore, mailbox_key, one_line

GuardOutcome = Literal["ok", "refused", "error"]
OUTCOMES: tuple[str, ...] = ("ok", "refused", "error")
# How a login ended, as its report said (the login's own outcome): stored beside the guard's coarser one.
RESULTS: tuple[str, ...] = ("ok", "mailbox_refused", "refused", "error")
DEFAULT_WINDOW_S = 15 * 60
WORDS_CHARS = 512  # the server's deciding words, as much as a login result keeps of one line
_CAUSE_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_LEGACY_RESULTS = {"ok": "ok", "refused": "refused"}


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


def _keys(address: str, login_name: str | None) -> list[str]:
    """The names one lockout budget goes by: the mailbox's address and the login name it logs in as."""
    return sorted({mailbox_key(address), mailbox_key(login_name or address)})


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


class LoginGuard:
    """One connection to the state file; use one guard per thread or process."""

    def __init__(self, path: str | os.PathLike[str] | None = None, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self._store = StateStore(path, busy_timeout_ms)
        self.path = self._store.path
        self._db = self._store.db
        self._transaction = self._store.transaction
        self._errors = self._store.errors

    def __enter__(self) -> LoginGuard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._store.close()

    # --- the API ---------------------------------------------------------------------------------------

    def check(
        self, address: str, protocols: Iterable[str], window_s: float = DEFAULT_WINDOW_S, now: datetime | None = None,
        *, login_name: str | None = None,
    ) -> Refusal | None:
        """A Refusal when a login for ADDRESS (or, with LOGIN_NAME, for that login name) over any of PROTOCOLS
        happened less than WINDOW_S ago."""
        protocols = list(protocols)
        at = _epoch(now or datetime.now(UTC))
        with self._errors("read"):
            return self._refusal(mailbox_key(address), _keys(address, login_name), protocols, window_s, at)

    def claim(
        self, address: str, protocols: Iterable[str], window_s: float = DEFAULT_WINDOW_S, now: datetime | None = None,
        *, login_name: str | None = None,
    ) -> Refusal | None:
        """check() and, when allowed, mark the logins as started, in one transaction: two runs racing for
        the same mailbox cannot both pass."""
        return self.claim_rows(address, protocols, window_s, now, login_name=login_name).refusal

    def claim_rows(
        self, address: str, protocols: Iterable[str], window_s: float = DEFAULT_WINDOW_S, now: datetime | None = None,
        *, login_name: str | None = None,
    ) -> Claim:
        """claim(), also saying which 'started' row stands for each protocol (for `release`)."""
        protocols = list(protocols)
        at = _epoch(now or datetime.now(UTC))
        keys = _keys(address, login_name)
        rows: dict[str, int] = {}
        with self._errors("write"), self._transaction():
            refusal = self._refusal(mailbox_key(address), keys, protocols, window_s, at)
            if refusal is None:
                for protocol in protocols:
                    rows[protocol] = self._insert(mailbox_key(address), protocol, at, "started",
                                                  login=mailbox_key(login_name or address))
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
        self, address: str, protocol: str, outcome: GuardOutcome, cause: str | None = None, at: datetime | None = None,
        *, login_name: str | None = None, result: str | None = None, confidence: float | None = None,
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
        line = one_line(words)[:WORDS_CHARS] if words else None
        readings = json.dumps({"also": [[c, p] for c, p in also], "bare": bare}) if also or bare else None
        with self._errors("write"), self._transaction():
            self._insert(mailbox_key(address), protocol, when, outcome, cause, login=mailbox_key(login_name or address),
                         result=result, confidence=confidence, words=line, readings=readings)

    def history(self, address: str, protocol: str) -> LoginHistory:
        key = mailbox_key(address)
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

