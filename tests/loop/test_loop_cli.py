"""--loop's options on the command line: bad values are bad input (one line, exit 3) before anything is sent."""

from __future__ import annotations

import pytest

from tests.support.command import assert_bad_input, run_mailprobe

PASSWORD = {"MAILPROBE_PASSWORD": "not-a-real-one-9"}


@pytest.mark.parametrize(("args", "said"), [
    (("--loop-timeout", "0"), "--loop-timeout"),
    (("--loop-timeout", "901"), "--loop-timeout"),
    (("--loop-timeout", "nan"), "--loop-timeout"),
    (("--loop-to", "bob@lab.test"), "--loop"),
    (("--loop-allow", "lab.test"), "--loop"),
])
def test_bad_loop_options_are_bad_input(args: tuple[str, ...], said: str) -> None:
    line = assert_bad_input(run_mailprobe("check", "alice@lab.test", *args, env=PASSWORD))
    assert said in line


def test_loop_to_outside_the_domain_is_refused() -> None:
    line = assert_bad_input(run_mailprobe("check", "alice@lab.test", "--loop", "--loop-to", "eve@elsewhere.test",
                                          "--loop-allow", "other.test", env=PASSWORD))
    assert "eve@elsewhere.test" in line and "--loop-allow" in line


def test_loop_takes_one_address() -> None:
    line = assert_bad_input(run_mailprobe("check", "alice@lab.test", "bob@lab.test", "--loop", env=PASSWORD))
    assert "one address" in line


def test_loop_options_are_in_the_help() -> None:
    result = run_mailprobe("check", "--help")
    for option in ("--loop", "--loop-to", "--loop-allow", "--loop-timeout"):
        assert option in result.stdout
