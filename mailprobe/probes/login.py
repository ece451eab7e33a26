"""The login step (`--login`): one authentication over TLS on its own session, its reply classified and redacted."""

from __future__ import annotations

from mailprobe.evidence import ErrorFacts, Failure, Observation, Status
from mailprobe.kinds import login as login_kind
from mailprobe.kinds.login import LoginAttempt, LoginCandidate
from mailprobe.kinds.mail import MailSession
from mailprobe.login.classify import bare_refusal, classify
from mailprobe.login.dialogues import LOGIN_DIALOGUES
from mailprobe.login.hygiene import check_password
from mailprobe.login.result import LoginOutcome, LoginResult
from mailprobe.net.dialogue import Dialogue
from mailprobe.plan import Step
from mailprobe.probes.base import ProbeContext, endpoint_of
from mailprobe.probes.imap import IMAP
from mailprobe.probes.mail import MailProtocol, run_session
from mailprobe.probes.pop3 import POP3
from mailprobe.probes.smtp import SMTP
from mailprobe.profiles import login_name
from mailprobe.secret import Credentials

SESSIONS: dict[str, MailProtocol] = {"imap": IMAP, "pop3": POP3, "smtp": SMTP}
_STATUS = {
    LoginOutcome.OK: Status.PASS,
    LoginOutcome.MAILBOX_REFUSED: Status.FAIL,
    LoginOutcome.REFUSED: Status.FAIL,
    LoginOutcome.NOT_ATTEMPTED: Status.SKIP,
    LoginOutcome.ERROR: Status.ERROR,
}


async def probe(step: Step, ctx: ProbeContext) -> list[Observation]:
    attempt = login_kind.blank(endpoint_of(step), step.ip)
    credentials, target = ctx.credentials, ctx.target
    if credentials is None or target is None or step.endpoint is None or step.ip is None:
        attempt.error = ErrorFacts(kind=Failure.NOT_OFFERED, stage="session", detail="no credentials")
        return [attempt]
    name, attempt.login_name_form = login_name(target, step.session.profile, credentials.login_name)
    named = credentials.named(name)  # what goes on the wire, and its one masker
    attempt.hygiene = [finding.value for finding in check_password(credentials.password)]
    outcome: list[LoginResult] = []

    async def log_in(dialogue: Dialogue, session: MailSession) -> None:
        dialogue_of = LOGIN_DIALOGUES[step.endpoint.protocol]  # type: ignore[union-attr,index]
        ctx.logins_begun.add(step.endpoint.protocol)  # type: ignore[union-attr]
        outcome.append(await dialogue_of(dialogue, session.capabilities, named, tls=True))

    session = await run_session(SESSIONS[step.endpoint.protocol], step.endpoint, step.ip, ctx, on_ready=log_in)
    attempt.duration_ms = session.duration_ms
    if not outcome:  # no TLS channel was reached: nothing was sent
        attempt.error = session.error or ErrorFacts(
            kind=Failure.NOT_OFFERED, stage="session", detail="no TLS channel to log in over"
        )
        return [attempt]
    _fill(attempt, outcome[0], named, step)
    return [attempt]


def _fill(attempt: LoginAttempt, result: LoginResult, credentials: Credentials, step: Step) -> None:
    masked = credentials.redactor.text  # the replies were masked as they came; their words are masked again

    attempt.outcome = result.outcome.value
    attempt.status = _STATUS[result.outcome]
    attempt.stage = result.stage
    attempt.mechanism = result.mechanism
    attempt.accepted = result.accepted
    attempt.mailbox_ok = result.mailbox_ok
    attempt.credentials_sent = result.credentials_sent
    attempt.replies = [masked(line) for line in result.replies]
    if result.error is not None:
        attempt.error = result.error.model_copy(update={"detail": masked(result.error.detail)})
    if result.outcome in (LoginOutcome.REFUSED, LoginOutcome.MAILBOX_REFUSED):
        profiles = [step.session.profile] if step.session.profile is not None else []
        found = classify(result.replies, result.protocol, profiles)
        if not found and result.outcome is LoginOutcome.REFUSED:
            # The credentials were refused in words nothing explains: still a refusal of the credentials.
            found, attempt.bare_refusal = bare_refusal(), True
        attempt.candidates = [
            LoginCandidate(cause=c.cause, confidence=c.confidence, basis=c.basis, code=c.code) for c in found
        ]
