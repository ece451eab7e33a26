"""`check --login`'s options through the real command line: where the password may come from, and every
refusal as one line with exit 3 before anything is contacted."""

from __future__ import annotations

from pathlib import Path

from tests.support.command import Run, assert_bad_input

ADDRESS = "someone@example.invalid"
PASSWORD = "Tr0ub4dor&3-cli"


def test_there_is_no_password_option(run: Run) -> None:
    line = assert_bad_input(run("check", ADDRESS, "--login", "--password", PASSWORD))
    assert PASSWORD not in line


def test_login_without_any_password_source_is_refused(run: Run) -> None:
    line = assert_bad_input(run("check", ADDRESS, "--login", "--no-baseline"))
    assert "MAILPROBE_PASSWORD" in line and "--password-stdin" in line


def test_password_stdin_with_input_from_stdin_is_refused(run: Run) -> None:
    line = assert_bad_input(run("check", "--input", "-", "--login", "--password-stdin", stdin=f"{PASSWORD}\n"))
    assert "standard input" in line and PASSWORD not in line


def test_several_addresses_with_login_are_refused(run: Run) -> None:
    result = run("check", ADDRESS, "other@example.invalid", "--login", env={"MAILPROBE_PASSWORD": PASSWORD})
    assert "one password" in assert_bad_input(result)


def test_an_empty_password_on_stdin_is_refused(run: Run) -> None:
    assert_bad_input(run("check", ADDRESS, "--login", "--password-stdin", stdin="\n"))


def test_unknown_login_protocol_is_refused(run: Run) -> None:
    result = run("check", ADDRESS, "--login", "--login-protocols", "imap,jmap", env={"MAILPROBE_PASSWORD": PASSWORD})
    assert "imap, smtp, pop3" in assert_bad_input(result)


def test_login_options_without_login_are_refused(run: Run) -> None:
    assert_bad_input(run("check", ADDRESS, "--force-login"))


def test_an_unusable_state_file_is_one_line_and_never_the_password(run: Run, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    state.write_bytes(b"this is not a database at all, not even close" * 40)
    result = run(
        "check", ADDRESS, "--login", "--state", str(state), "--no-baseline", "--timeout", "2",
        env={"MAILPROBE_PASSWORD": PASSWORD},
    )
    line = assert_bad_input(result)
    assert "state database" in line and PASSWORD not in line


def test_state_comes_from_the_environment_too(run: Run, tmp_path: Path) -> None:
    state = tmp_path / "env-state.db"
    state.write_bytes(b"garbage " * 200)
    result = run("check", ADDRESS, "--login", "--no-baseline", env={"MAILPROBE_PASSWORD": PASSWORD,
                                                                  "MAILPROBE_STATE": str(state)})
    assert str(state) in assert_bad_input(result)
