"""The guard around one run's logins: claim before any login, carry history into the evidence, record after.

check.py calls `claim()` before the plan starts (a refused claim means no login step is planned at all, and
the report says why) and `settle()` once the engine is done. Only outcomes and cause ids are stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mailprobe.evidence import ErrorFacts, Failure, LoginAttempt, Observation, Status, check_id
from mailprobe.login.guard import DEFAULT_WINDOW_S, LoginGuard, LoginHistory, Outcome, Refusal
from mailprobe.secret import Secret

DEFAULT_PROTOCOLS: tuple[str, ...] = ("imap", "smtp")


@dataclass
class LoginOptions:
    """`--login` and its companions. `password` is a Secret: it prints as *** wherever it goes."""

    password: Secret = field(repr=False)
    user: str | None = None  # --login-user; None: the profile's login_name rule
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


def claim(address: str, options: LoginOptions, now: datetime | None = None) -> LoginRun:
    """Ask the guard once, before any login. Raises GuardError when the state file cannot be used."""
    with LoginGuard(options.state) as guard:
        histories = {protocol: guard.history(address, protocol) for protocol in options.protocols}
        # --force-login still marks the logins as started (a window of 0 refuses only a clock set back).
        refusal = guard.claim(address, options.protocols, 0.0 if options.force else options.interval_s, now)
        if options.force:
            refusal = None
    allowed = () if refusal is not None else options.protocols
    return LoginRun(address, allowed, refusal, histories, options.state)


def refused_logins(run: LoginRun, requested: tuple[str, ...]) -> list[Observation]:
    """One untested login per requested protocol, saying the guard kept it back, and until when."""
    refusal = run.refusal
    if refusal is None:
        return []
    detail = f"lockout guard: last login {refusal.last_at.isoformat()}, next after {refusal.until.isoformat()}"
    return [
        LoginAttempt(
            # "Could not be tested": shown in every report, and decides nothing (the exit code is the checks').
            id=check_id(f"login.{protocol}", "guard"), target=run.address, status=Status.ERROR,
            protocol=protocol,  # type: ignore[arg-type]  # requested protocols are mail protocols
            stage="guard", guard_until=refusal.until, guard_window_s=refusal.window_s,
            error=ErrorFacts(kind=Failure.NOT_OFFERED, stage="guard", detail=detail),
        )
        for protocol in requested
    ]


def settle(run: LoginRun, observations: list[Observation]) -> None:
    """Tell each login what earlier runs saw, then record how it ended (outcome and top cause only)."""
    attempts = [o for o in observations if isinstance(o, LoginAttempt) and o.stage != "guard"]
    for attempt in attempts:
        attempt.worked_before = _worked_before(run.histories.get(attempt.protocol))
    if not run.protocols:
        return
    with LoginGuard(run.state) as guard:
        for attempt in attempts:
            outcome = _outcome(attempt)
            cause = attempt.candidates[0].cause if outcome == "refused" and attempt.candidates else None
            guard.record(run.address, attempt.protocol, outcome, cause)


def _worked_before(history: LoginHistory | None) -> bool | None:
    if history is None or history.last_attempt_at is None:
        return None
    return history.ever_succeeded


def _outcome(attempt: LoginAttempt) -> Outcome:
    if attempt.accepted:
        return "ok"
    if attempt.outcome == "refused":
        return "refused"
    return "error"

