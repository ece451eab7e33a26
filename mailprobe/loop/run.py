"""`check --loop`: after the quick checks, under the budget the plan declares (the run's deadline extended by it), send
ONE message over the submission port the login used, to the mailbox itself (or --loop-to), and find it over
IMAP. The IMAP side opens the inbox first, so the wait is measured from the moment the message went out."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mailprobe.address import Target
from mailprobe.errors import UsageError
from mailprobe.evidence import (
    Endpoint,
    ErrorFacts,
    Failure,
    Observation,
    Role,
    Status,
    TlsMode,
)
from mailprobe.kinds.login import LoginAttempt
from mailprobe.kinds.loop import LoopRun, SmtpStep
from mailprobe.kinds.mail import MailSession
from mailprobe.lang import Lang
from mailprobe.loop import message as loop_message
from mailprobe.loop import received
from mailprobe.loop.submit import Submission, submit
from mailprobe.loop.watch import Watch, watch
from mailprobe.net.dialogue import Dialogue
from mailprobe.plan import Plan
from mailprobe.probes.base import ProbeContext
from mailprobe.probes.imap import IMAP
from mailprobe.probes.mail import run_session
from mailprobe.probes.smtp import SMTP
from mailprobe.profiles import login_name

DEFAULT_BUDGET_S = 120.0
MAX_BUDGET_S = 900.0
# Of the budget, what is kept for the junk folder, the headers and the deletion once the inbox wait ends.
TAIL_SHARE = 0.2
TAIL_MAX_S = 5.0
SMTP_SUBMISSION_NEVER = 25  # the relay port: the loop never sends there

Say = Callable[[str, dict[str, object]], None]


@dataclass(frozen=True)
class LoopOptions:
    """--loop and its companions: the budget, and where the message may go."""

    budget_s: float = DEFAULT_BUDGET_S
    to: Target | None = None  # --loop-to, parsed where it was given; None: the mailbox itself
    allow: tuple[str, ...] = ()  # --loop-allow: domains or addresses --loop-to may name besides the own domain
    say: Say | None = field(default=None, compare=False)  # progress lines (a terminal), never evidence


def recipient(target: Target, options: LoopOptions) -> str:
    """Where the one message goes: the mailbox itself, or --loop-to when it is in the same domain or allowed.
    Raises UsageError for any other address: the loop never sends anywhere else."""
    to = options.to
    if to is None:
        return target.address
    allowed = {a.strip().lower().rstrip(".") for a in options.allow}
    if to.domain_ascii == target.domain_ascii or to.domain_ascii in allowed or to.key in allowed:
        return to.address
    raise UsageError(f"--loop-to {to.address}: not in {target.domain_ascii}; name it or its domain in --loop-allow")


def _endpoint(plan: Plan, attempt: LoginAttempt) -> Endpoint | None:
    for endpoint in plan.endpoints:
        if endpoint.protocol == attempt.protocol and endpoint.host == attempt.host and endpoint.port == attempt.port:
            return endpoint
    return None


def _accepted(observations: list[Observation], protocol: str) -> LoginAttempt | None:
    return next((o for o in observations if isinstance(o, LoginAttempt) and o.protocol == protocol
                 and o.accepted and o.role == Role.PROVIDER and o.stage != "guard" and o.address), None)


def _skipped(blank: LoopRun, reason: str) -> LoopRun:
    blank.status = Status.SKIP
    blank.error = ErrorFacts(kind=Failure.NOT_OFFERED, stage="plan", detail=reason)
    return blank


async def run_loop(options: LoopOptions, target: Target, observations: list[Observation], plan: Plan,
                   ctx: ProbeContext, lang: Lang) -> LoopRun:
    """The loop's one observation. Never raises on what a server does."""
    say = options.say
    to = recipient(target, options)
    run = LoopRun(id="loop", target=target.address, status=Status.SKIP, sender=target.address, recipient=to,
                  budget_s=options.budget_s)
    run.started_ms = round(ctx.deadline.elapsed_ms(), 1)
    began = time.monotonic()
    imap_login, smtp_login = _accepted(observations, "imap"), _accepted(observations, "smtp")
    if imap_login is None or smtp_login is None or ctx.credentials is None:
        return _skipped(run, "no_login")
    imap, smtp = _endpoint(plan, imap_login), _endpoint(plan, smtp_login)
    if smtp is None or smtp.tls is TlsMode.PLAIN or smtp.port == SMTP_SUBMISSION_NEVER:
        return _skipped(run, "no_submission")
    if imap is None or imap.tls is TlsMode.PLAIN:
        return _skipped(run, "no_imap")
    run.submission, run.submission_tls = smtp.target, smtp.tls.value  # type: ignore[assignment]
    run.mailbox = imap.target
    credentials = ctx.credentials
    named = credentials.named(login_name(target, plan.profile, credentials.login_name)[0])  # the login probe's rule
    deadline = ctx.deadline  # the phase's: the run's, extended by the budget the plan declares (check.py)
    tail = min(TAIL_MAX_S, options.budget_s * TAIL_SHARE)
    built = loop_message.build(target.address, to, lang)
    run.loop_id, run.message_id = built.loop_id, built.message_id
    state = Watch(loop_id=built.loop_id, wait_until=deadline.at - tail, progress=say)
    state.sent = asyncio.get_running_loop().create_future()
    sending = Submission(sender=target.address, recipient=to, message=built)

    async def on_imap(dialogue: Dialogue, session: MailSession) -> None:
        await watch(dialogue, session.capabilities, named, state, tls=True)

    async def on_smtp(dialogue: Dialogue, session: MailSession) -> None:
        if session.greeting_code:  # the submission's evidence starts with the server's greeting
            text = (session.greeting or "").split(" | ")[0].removeprefix(session.greeting_code).strip()
            sending.steps.append(SmtpStep(command="greeting", code=session.greeting_code, text=text))
        await submit(dialogue, session.capabilities, named, sending, tls=True)

    if say is not None:  # the quick checks are done, within --timeout; the loop's result follows
        say("loop.progress.start", {"seconds": round(ctx.deadline.elapsed_ms() / 1000.0, 1),
                                    "budget": round(options.budget_s)})
    watching = asyncio.ensure_future(run_session(IMAP, imap, imap_login.address or "", ctx, on_ready=on_imap))
    try:
        ready = asyncio.ensure_future(state.ready.wait())
        await asyncio.wait({ready, watching}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        smtp_session: MailSession | None = None
        if state.ready.is_set():
            run.stage = "submission"
            smtp_session = await run_session(SMTP, smtp, smtp_login.address or "", ctx, on_ready=on_smtp)
            if sending.accepted and say is not None:
                say("loop.progress.sent", {"at": sending.sent_wall.strftime("%H:%M:%S") if sending.sent_wall else "",
                                           "to": to, "budget": round(deadline.at - time.monotonic())})
        if not state.sent.done():
            state.sent.set_result(sending.sent_at)
        imap_session = await watching
    except BaseException:
        # Stopped: the IMAP side, cancelled once with this task, deletes a message that has arrived (watch.py,
        # within its own bound); a second cancel would cut that short.
        if not state.sent.done():
            state.sent.set_result(sending.sent_at)
        if not watching.done() and not watching.cancelling():
            watching.cancel()
        with contextlib.suppress(BaseException):
            await watching
        raise
    _fill(run, state, sending, imap_session, smtp_session)
    run.duration_ms = round((time.monotonic() - began) * 1000.0, 1)
    if say is not None and run.found_after_s is not None:
        say("loop.progress.found", {"seconds": f"{run.found_after_s:.1f}", "folder": run.folder or ""})
    return run


def _fill(run: LoopRun, state: Watch, sending: Submission, imap: MailSession, smtp: MailSession | None) -> None:
    run.replies = sending.steps
    run.queue_id = sending.queue_id
    run.sent_at = sending.sent_wall
    run.quota = state.quota
    run.watched_with = state.watched_with  # type: ignore[assignment]
    run.imap_replies = state.replies
    run.cleanup = state.cleanup
    run.stage = state.stage if sending.accepted else run.stage
    if state.uid is not None and sending.sent_at is not None and state.found_at is not None:
        run.found_after_s = round(max(0.0, state.found_at - sending.sent_at), 3)
        run.folder = state.folder
        if state.internaldate is not None and sending.sent_wall is not None:
            # INTERNALDATE counts whole seconds: compared with the second the message went out in
            whole = sending.sent_wall.replace(microsecond=0)
            run.internaldate_after_s = round((state.internaldate - whole).total_seconds(), 3)
        run.hops = received.hops(received.received_headers(state.headers), sending.sent_wall)
    refusal = run.refusal()
    if sending.accepted:
        run.outcome = "junk" if state.junk else ("delivered" if state.uid is not None else "delayed")
    elif refusal is not None:
        run.outcome = "deferred" if refusal.code.startswith("4") else "rejected"
    else:
        run.outcome = "error"
        run.error = _error(state, sending, imap, smtp)
    if run.outcome in ("delivered", "junk", "delayed") and state.result is not None and state.result.error:
        run.error = state.result.error  # the wait or the deletion broke off
    run.status = _status(run)


def _error(state: Watch, sending: Submission, imap: MailSession, smtp: MailSession | None) -> ErrorFacts:
    for result in (sending.result, state.result):
        if result is not None and result.error is not None:
            return result.error
    for session in (smtp, imap):
        if session is not None and session.error is not None:
            return session.error
    auth = next((s for s in sending.steps if s.command == "auth"), None)
    if auth is not None and auth.code[:1] != "2":
        return ErrorFacts(kind=Failure.REJECTED, stage="auth", detail=f"{auth.code} {auth.text}")
    if state.result is not None and not state.result.accepted:
        return ErrorFacts(kind=Failure.REJECTED, stage="auth", detail=" ".join(state.result.replies[-1:]))
    return ErrorFacts(kind=Failure.INTERNAL, stage=state.stage, detail="the loop ended without an answer")


def _status(run: LoopRun) -> Status:
    storage = run.storage()
    if run.outcome in ("rejected", "delayed"):
        return Status.FAIL
    if run.outcome == "error":
        return Status.ERROR if run.error is not None and run.error.stage == "deadline" else Status.FAIL
    if run.outcome in ("junk", "deferred") or (storage is not None and storage.percent >= 90.0):
        return Status.WARN
    if run.cleanup in ("not_allowed", "failed"):
        return Status.WARN
    return Status.PASS
