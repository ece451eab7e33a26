"""`mailprobe check` makes one Deadline at its edge: the early DNS questions, reading --input and the check all
count from it, and the time a password was waited for is not charged to it."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest

import mailprobe.batch
import mailprobe.cli.check as cli_check
import mailprobe.login.passwords
from mailprobe.net import early
from mailprobe.net.deadline import Deadline
from mailprobe.secret import Credentials, Secret

PROMPT_S = 0.3  # how long the "person" takes to type the password


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the early questions and the run were given; nothing is asked of any network."""
    seen: dict[str, Any] = {"early": []}
    began = time.monotonic()
    seen["began"] = began
    monkeypatch.setattr(cli_check, "command_started", lambda: began)
    monkeypatch.setattr(early, "ask", lambda addresses, servers, deadline: seen["early"].append(deadline))
    monkeypatch.setattr(early, "prefetch", lambda profiles, servers, deadline, baseline: seen["early"].append(deadline))

    def run_batch(batch: Any, todo: Any) -> Any:
        seen["options"] = batch.options
        return SimpleNamespace(checked=1, exit_code=0)

    monkeypatch.setattr(mailprobe.batch, "run_batch", run_batch)
    return seen


def _run(*args: str) -> None:
    assert cli_check.check.main(["--no-baseline", *args], standalone_mode=False) == 0


def test_the_early_questions_and_the_check_share_one_deadline(seen: dict[str, Any]) -> None:
    _run("--timeout", "7", "someone@example.com")
    asked, prefetched = seen["early"]  # the domain's questions, then its provider hosts'
    assert isinstance(asked, Deadline) and prefetched is asked
    assert seen["options"].deadline is asked  # one value, not a second clock made from the same numbers
    assert asked.started == seen["began"] and asked.total == 7.0
    assert seen["options"].timeouts() is asked.timeouts


def test_the_time_at_a_password_prompt_is_not_charged(monkeypatch: pytest.MonkeyPatch, seen: dict[str, Any]) -> None:
    def typed(login_name: str | None, from_stdin: bool, timeout: float, prompt: Any) -> Credentials:
        time.sleep(PROMPT_S)
        return Credentials(login_name, Secret("typed-at-the-prompt"))

    monkeypatch.setattr(mailprobe.login.passwords, "password_waits", lambda from_stdin: True)
    monkeypatch.setattr(mailprobe.login.passwords, "read_credentials", typed)
    monkeypatch.setenv("MAILPROBE_STATE", "/nonexistent-mailprobe-test/state.db")
    _run("--login", "--timeout", "7", "someone@example.com")
    asked, prefetched = seen["early"]  # asked once, after the password: its wait left out
    assert prefetched is asked
    assert seen["options"].deadline is asked
    assert asked.started >= seen["began"] + PROMPT_S


def test_a_batch_gives_each_check_its_own_deadline(seen: dict[str, Any]) -> None:
    _run("--timeout", "7", "someone@example.com", "other@example.org")
    assert seen["options"].deadline is None  # each check makes its own as it starts
