"""The login check's one line: protocol, mechanism, the server's words quoted (as redacted), code and cause."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailprobe.evidence import ErrorFacts, Failure, LoginAttempt, LoginCandidate, Status
from mailprobe.lang import Lang
from mailprobe.summaries import summarize


def _attempt(**facts: object) -> LoginAttempt:
    base: dict[str, object] = {"id": "login.imap/h/127.0.0.1", "target": "h:993", "status": Status.FAIL,
                               "protocol": "imap", "host": "h", "port": 993}
    return LoginAttempt.model_validate({**base, **facts})


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant"])
def test_a_refusal_quotes_the_reply_without_the_tag_and_names_code_and_cause(lang: Lang) -> None:
    attempt = _attempt(
        outcome="refused", mechanism="PLAIN", replies=["a3 NO [AUTHENTICATIONFAILED] bad for [login]"],
        candidates=[LoginCandidate(cause="password_incorrect", confidence=0.9, basis="code",
                                   code="AUTHENTICATIONFAILED")],
    )
    line = summarize(attempt, lang)
    assert "IMAP" in line and "PLAIN" in line
    assert "«NO [AUTHENTICATIONFAILED] bad for [login]»" in line
    assert line.endswith("(AUTHENTICATIONFAILED → password_incorrect)")


def test_success_and_guard_and_session_failure() -> None:
    assert summarize(_attempt(outcome="ok", mechanism="LOGIN", status=Status.PASS), "en") == (
        "IMAP login accepted (LOGIN), mailbox opened"
    )
    until = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    guard = _attempt(status=Status.ERROR, stage="guard", guard_until=until, guard_window_s=900.0)
    assert "15 min" in summarize(guard, "en") and "2026-01-02 03:04 UTC" in summarize(guard, "en")
    broken = _attempt(status=Status.SKIP, error=ErrorFacts(kind=Failure.NOT_OFFERED, stage="starttls"))
    assert summarize(broken, "en").startswith("IMAP login not attempted: ")
