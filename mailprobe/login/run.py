"""The guard around one run's logins: claim before any login, carry history into the evidence, record after.

check.py calls `claim()` before the plan starts (a refused claim means no login step is planned at all, and
the report carries what the guard remembers of the last login instead) and `settle()` once the engine is
done, or `abandon()` when the run ends early. Only outcomes, cause ids and the server's redacted words are
stored; a login that sent no credentials gives its claim back.
"""

from __future__ import annotations

import atexit
import contextlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mailprobe.errors import GuardError
from mailprobe.evidence import ErrorFacts, Failure, Observation, Status, check_id
from mailprobe.kinds.login import LoginAttempt, LoginCandidate
from mailprobe.login.guard import DEFAULT_WINDOW_S, GuardOutcome, LastLogin, LoginGuard, LoginHistory, Refusal
from mailprobe.secret import Credentials

DEFAULT_PROTOCOLS: tuple[str, ...] = ("imap", "smtp")
# What a remembered login stands as in this run's report: its status follows how it ended.
_REMEMBERED_STATUS = {"ok": Status.PASS, "mailbox_refused": Status.FAIL, "refused": Status.FAIL,
                      "error": Status.ERROR}
# A remembered cause stored without its confidence (an older state file): as sure as a bare pattern.
_REMEMBERED_CONFIDENCE = 0.5


@dataclass
class LoginOptions:
    """`--login` and its companions. `credentials`: --login-user (None: the profile's login_name rule) and the
    password, as one value that prints as *** wherever it goes."""

    credentials: Credentials = field(repr=False)
    protocols: tuple[str, ...] = DEFAULT_PROTOCOLS
    force: bool = False
    interval_s: float = DEFAULT_WINDOW_S
    state: Path | None = None  # None: login/guard.py default_state_path()


@dataclass
class LoginRun:
    """The guard's answer for this run: which protocols may log in, and what earlier runs saw."""

    address: str
    protocols: tuple[str, ...]  # allowed; empty when the guard refused
    refusal: Refusal | None
    histories: dict[str, LoginHistory]
    state: Path | None
    login_name: str | None = None  # --login-user: the guard keys on it as well as on the address
    claimed: dict[str, int] = field(default_factory=dict)  # protocol → its 'started' row


# Claims neither settled nor abandoned yet, with how to learn which of their logins began: what the process
# gives back as it exits should the run's own unwinding not reach `abandon` (a signal that cuts the event
# loop's clean-up short).
_UNSETTLED: dict[int, tuple[LoginRun, Callable[[], Collection[str]]]] = {}


def claim(
    address: str, options: LoginOptions, now: datetime | None = None,
    begun: Callable[[], Collection[str]] = frozenset,
) -> LoginRun:
    """Ask the guard once, before any login. Raises GuardError when the state file cannot be used. BEGUN tells,
    when asked, which protocols' logins have begun (see `settle`)."""
    with LoginGuard(options.state) as guard:
        histories = {protocol: guard.history(address, protocol) for protocol in options.protocols}
        # --force-login still marks the logins as started (a window of 0 refuses only a clock set back).
        window = 0.0 if options.force else options.interval_s
        claimed = guard.claim_rows(address, options.protocols, window, now, login_name=options.credentials.login_name)
    refusal = None if options.force else claimed.refusal
    allowed = () if refusal is not None else options.protocols
    run = LoginRun(address, allowed, refusal, histories, options.state, options.credentials.login_name,
                   claimed.rows)
    if run.claimed:
        _UNSETTLED[id(run)] = (run, begun)
    return run


def refused_logins(run: LoginRun, requested: tuple[str, ...], at_ms: float = 0.0) -> list[Observation]:
    """One login per requested protocol that the guard kept back, until when, and what it remembers of the
    last one over that protocol (when, how it ended, its cause, the server's words): evidence for this run,
    placed at AT_MS on the report's clock (when the guard was asked)."""
    refusal = run.refusal
    if refusal is None:
        return []
    last = {remembered.protocol: remembered for remembered in refusal.last}
    kept = [_kept_back(run.address, protocol, refusal, last.get(protocol)) for protocol in requested]
    for attempt in kept:
        attempt.started_ms = at_ms
    return list(kept)


def _kept_back(address: str, protocol: str, refusal: Refusal, remembered: LastLogin | None) -> LoginAttempt:
    attempt = LoginAttempt(
        id=check_id(f"login.{protocol}", "guard"), target=address, status=Status.ERROR,
        protocol=protocol,  # type: ignore[arg-type]  # requested protocols are mail protocols
        stage="guard", guard_until=refusal.until, guard_window_s=refusal.window_s,
        tried_at=remembered.at if remembered is not None else refusal.last_at,
    )
    if remembered is None or not remembered.ended:
        # Nothing remembered over this protocol, or a login whose end was never recorded: not tested.
        detail = f"lockout guard: last login {refusal.last_at.isoformat()}, next after {refusal.until.isoformat()}"
        attempt.error = ErrorFacts(kind=Failure.NOT_OFFERED, stage="guard", detail=detail)
        attempt.outcome = "not_attempted"
        attempt.tried_unfinished = remembered is not None
        return attempt
    result = remembered.result or "error"
    attempt.status = _REMEMBERED_STATUS.get(result, Status.ERROR)
    attempt.outcome = result  # type: ignore[assignment]  # one of RESULTS, which are login outcomes
    attempt.accepted = result in ("ok", "mailbox_refused")
    attempt.credentials_sent = True  # only logins that sent the password are remembered as ended
    attempt.replies = [remembered.words] if remembered.words else []
    if remembered.cause is not None:
        confidence = remembered.confidence if remembered.confidence is not None else _REMEMBERED_CONFIDENCE
        readings = [(remembered.cause, confidence), *remembered.also]
        attempt.candidates = [LoginCandidate(cause=c, confidence=p, basis="remembered") for c, p in readings]
        attempt.bare_refusal = remembered.bare
    return attempt


def settle(run: LoginRun, observations: list[Observation], begun: Collection[str] = ()) -> None:
    """Tell each login what earlier runs saw, then record how it ended (outcome, top cause, the server's
    redacted words). A claim whose login sent no password is given back: the run never reached the login
    (the deadline ran out, no TLS channel), or the server offered nothing to log in with. BEGUN names the
    protocols whose login dialogue started: one of those cut off by the deadline may have sent the password,
    so it counts, its end unknown."""
    attempts: dict[str, LoginAttempt] = {
        o.protocol: o for o in observations if isinstance(o, LoginAttempt) and o.stage != "guard"
    }
    for attempt in attempts.values():
        attempt.worked_before = _worked_before(run.histories.get(attempt.protocol))
    _UNSETTLED.pop(id(run), None)
    if not run.protocols:
        return
    release: list[int] = []
    with LoginGuard(run.state) as guard:
        for protocol in run.protocols:
            ended = attempts.get(protocol)
            if ended is not None and ended.credentials_sent:
                _record(guard, run, ended)
            elif protocol in begun and (ended is None or _cut_off(ended)):
                guard.record(run.address, protocol, "error", login_name=run.login_name)  # sent or not: unknown
            elif protocol in run.claimed:
                release.append(run.claimed[protocol])
        guard.release(release)


def abandon(run: LoginRun, begun: Collection[str]) -> None:
    """The run ends early (interrupted, cancelled): give back the claims of logins that never began. A login
    under way keeps its 'started' row, which counts against the window with no recorded end."""
    _UNSETTLED.pop(id(run), None)
    unused = [row for protocol, row in run.claimed.items() if protocol not in begun]
    if not unused:
        return
    with contextlib.suppress(GuardError), LoginGuard(run.state) as guard:
        guard.release(unused)


@atexit.register
def _give_back_at_exit() -> None:
    for run, begun in list(_UNSETTLED.values()):
        abandon(run, begun())


def _record(guard: LoginGuard, run: LoginRun, attempt: LoginAttempt) -> None:
    outcome = _outcome(attempt)
    result = attempt.outcome if attempt.outcome in ("ok", "mailbox_refused", "refused", "error") else "error"
    readings = attempt.candidates if result != "ok" else []
    top = readings[0] if readings else None
    words = attempt.replies[-1] if attempt.replies else (attempt.error.detail if attempt.error else None)
    guard.record(
        run.address, attempt.protocol, outcome, top.cause if top is not None else None, login_name=run.login_name,
        result=result, confidence=top.confidence if top is not None else None, words=words,
        also=[(c.cause, c.confidence) for c in readings[1:]], bare=attempt.bare_refusal,
    )


def _cut_off(attempt: LoginAttempt) -> bool:
    return attempt.error is not None and attempt.error.stage == "deadline"


def _worked_before(history: LoginHistory | None) -> bool | None:
    if history is None or history.last_attempt_at is None:
        return None
    return history.ever_succeeded


def _outcome(attempt: LoginAttempt) -> GuardOutcome:
    if attempt.accepted:
        return "ok"
    if attempt.outcome == "refused":
        return "refused"
    return "error"
