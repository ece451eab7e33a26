"""The login check's one line: protocol, mechanism, the server's words quoted (as redacted), code and cause."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailprobe.evidence import ErrorFacts, Failure, Status
from mailprobe.kinds import summarize
from mailprobe.kinds.login import LoginAttempt, LoginCandidate
from mailprobe.lang import Lang


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
    guard = _attempt(status=Status.ERROR, stage="guard", guard_until=until, guard_window_s=900.0,
                     outcome="not_attempted")
    assert summarize(guard, "en") == (
        "IMAP login not retried: this mailbox's last login was tried at 02:49 UTC; the lockout guard allows"
        " the next one after 03:04 UTC"
    )
    broken = _attempt(status=Status.SKIP, error=ErrorFacts(kind=Failure.NOT_OFFERED, stage="starttls"))
    assert summarize(broken, "en").startswith("IMAP login not attempted: ")


_TRIED = datetime(2026, 1, 2, 2, 49, tzinfo=UTC)
_UNTIL = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
# What the guard used to say after every login, and must never say of one that did not succeed.
_LOGGED_IN = {"en": "logged in", "zh-Hans": "已登录过", "zh-Hant": "已登入過"}
_REFUSED = {"en": "and refused", "zh-Hans": "被拒绝", "zh-Hant": "遭到拒絕"}


def _kept_back(outcome: str, **facts: object) -> LoginAttempt:
    return _attempt(stage="guard", guard_until=_UNTIL, guard_window_s=900.0, tried_at=_TRIED, outcome=outcome,
                    **facts)


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant"])
@pytest.mark.parametrize("outcome", ["refused", "mailbox_refused", "error", "unfinished", "ok"])
def test_a_login_the_guard_kept_back_says_when_it_was_tried_and_how_it_ended(outcome: str, lang: Lang) -> None:
    facts: dict[str, object] = {"replies": ["a3 NO [AUTHENTICATIONFAILED] bad for [login]"]}
    if outcome == "unfinished":
        attempt = _kept_back("not_attempted", tried_unfinished=True, status=Status.ERROR)
    else:
        candidates = [LoginCandidate(cause="password_incorrect", confidence=0.9, basis="remembered")]
        attempt = _kept_back(outcome, candidates=candidates if outcome != "ok" else [], **facts)
    line = summarize(attempt, lang)
    assert line.startswith("IMAP ") and "02:49" in line and "03:04" in line and "UTC" in line, line
    assert "--force-login" not in line  # the command line's hint is the text renderer's, not the report's
    assert _LOGGED_IN[lang] not in line, line
    if outcome == "refused":
        assert _REFUSED[lang] in line and "«NO [AUTHENTICATIONFAILED] bad for [login]»" in line
        assert line.count("password_incorrect") == 1
