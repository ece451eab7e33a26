"""One clock, through the real command line: the deadline counts from the process's start and leaves out the
time spent waiting for a password (typed at a terminal prompt, or --password-stdin's line); every check's
started_ms and the report's duration_ms count from that one origin; a password line that never comes ends
the command within --timeout; a signal during start-up unwinds as Ctrl-C does.

No timing targets here: a wait the old clock counted is made longer than the deadline, so that counting it
shows as a run cut short; the bounds below are generous margins against a hang, not speed targets."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.lab.loginserver import LoginServer
from tests.lab.world import ALL_SITES, CUSTOMER, World
from tests.support.command import REPO, Result, assert_bad_input, cli_env, run_mailprobe

ADDRESS = f"zhang.san@{CUSTOMER}"
PASSWORD = "Tr0ub4dor&3-clock"
TIMEOUT_S = 4.0  # the check's --timeout in the prompt tests: a healthy lab check fits in it, even on a busy machine
TYPING_S = TIMEOUT_S + 1.5  # longer than the whole deadline: counted, it would leave the check no time at all
MARGIN_S = 15.0  # a run that hangs is one that takes this much longer than it may


def _login_world(root: Path) -> World:
    return World(root, login={"qq.imap": {"username": ADDRESS, "password": PASSWORD}})


def _read_until(fd: int, marker: bytes, limit_s: float) -> bytes:
    """What the terminal showed until MARKER (the prompt), read from the pty's master side."""
    seen = b""
    waited = time.monotonic()
    while marker not in seen:
        left = limit_s - (time.monotonic() - waited)
        assert left > 0, f"no {marker!r} on the terminal: {seen!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                chunk = b""
            assert chunk, f"the terminal closed before {marker!r}: {seen!r}"
            seen += chunk
    return seen


def _typed_after(args: list[str], delay_s: float, typed: bytes) -> tuple[int, bytes, str]:
    """Run `mailprobe ARGS` on a terminal (a pty as standard input and error), wait for its password prompt,
    type TYPED DELAY_S seconds later. Returns the exit code, standard output and what the terminal showed."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailprobe", *args], stdin=slave, stdout=subprocess.PIPE, stderr=slave,
        env=cli_env(), cwd=REPO, start_new_session=True,
    )
    os.close(slave)
    try:
        shown = _read_until(master, b"Password", 60)
        time.sleep(delay_s)  # the user types slowly
        os.write(master, typed)
        out, _ = proc.communicate(timeout=60)
        with contextlib.suppress(OSError):
            while select.select([master], [], [], 0)[0]:
                chunk = os.read(master, 4096)
                if not chunk:
                    break
                shown += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return proc.returncode, out, shown.decode("utf-8", "replace")


def _one_clock(report: dict[str, Any]) -> None:
    """Every check starts and ends inside the report's own span, on its clock."""
    for check in report["checks"]:
        assert 0.0 <= check["started_ms"] <= report["duration_ms"], check
        assert check["started_ms"] + check["duration_ms"] <= report["duration_ms"] + 1.0, (check, report["duration_ms"])


# -- the password prompt is the human's time, not the check's ----------------------------------------------


def test_time_spent_typing_the_password_is_not_counted_against_the_deadline(tmp_path: Path) -> None:
    """Issue 16, case 2: typing for longer than --timeout used to leave the check no time at all (DNS "failing",
    no login). The deadline now starts after the password: the check runs whole, the login is made, and no
    answer's recorded duration holds the typing time."""
    with _login_world(tmp_path / "world") as world:
        code, out, shown = _typed_after(
            ["check", ADDRESS, *world.cli_args(), "--login", "--login-protocols", "imap", "--no-baseline",
             "--state", str(tmp_path / "state.db"), "--format", "json", "--timeout", str(TIMEOUT_S)],
            TYPING_S, PASSWORD.encode() + b"\n",
        )
        imap = world.servers["qq.imap"]
        assert isinstance(imap, LoginServer)
        logins = list(imap.logins)

    assert PASSWORD not in shown  # a hidden prompt
    report = json.loads(out)
    assert code == 0, (shown, report["diagnosis"])
    assert report["status"] == "ok" and report["diagnosis"] == []
    assert [login.password for login in logins] == [PASSWORD.encode()]
    mx = next(check for check in report["checks"] if check["id"].startswith("dns.mx/"))
    assert mx["status"] == "pass"
    assert mx["duration_ms"] < TYPING_S * 1000  # the answer did not wait for the typing
    assert report["duration_ms"] < TYPING_S * 1000  # the report's span leaves the typing out
    _one_clock(report)


# -- one clock in the report -------------------------------------------------------------------------------


def test_every_started_ms_counts_from_the_origin_of_duration_ms(tmp_path: Path) -> None:
    """Issue 16, case 6: started_ms used to count from the command's start and duration_ms from the check's,
    some 300 ms later, so the first check started "after" a report that had already ended."""
    with World(tmp_path / "world") as world:
        result = run_mailprobe("check", ADDRESS, *world.cli_args(), "--format", "json", "--timeout", "10")

    report = json.loads(result.stdout)
    assert result.code == 0, report["diagnosis"]
    _one_clock(report)


def test_the_html_waterfall_runs_from_the_first_probe_to_the_report(tmp_path: Path) -> None:
    """The page's waterfall starts where the first probe starts (not at 0 with a wide empty margin) and ends at
    the duration its header states."""
    import re

    page = tmp_path / "report.html"
    with World(tmp_path / "world") as world:
        json_run = run_mailprobe("check", ADDRESS, *world.cli_args(), "--format", "json", "--timeout", "10")
        html_run = run_mailprobe("check", ADDRESS, *world.cli_args(), "--format", "html", "--timeout", "10",
                                 "--output", str(page), "--lang", "en")
    assert json_run.code == 0 and html_run.code == 0, html_run.stderr
    text = page.read_text(encoding="utf-8")
    lefts = [int(tenths) for tenths in re.findall(r'class="bar gx-([0-9]+) ', text)]  # tenths of a percent
    assert lefts, "the page has bars"
    assert min(lefts) == 0  # the first bar starts at the axis's start
    note = re.search(r"One bar per probe, in the order they started, from ([0-9]+) ms to ([0-9]+) ms", text)
    assert note is not None
    assert int(note.group(1)) > 0  # the start-up before the first probe is left off the axis
    duration = re.search(r"<dt>Duration</dt><dd>([0-9]+) ms</dd>", text)
    assert duration is not None and abs(int(duration.group(1)) - int(note.group(2))) <= 1


# -- the whole command, from the process's start ------------------------------------------------------------


def _silent_world(root: Path) -> World:
    """Every server accepts and says nothing: only the deadline ends the probes."""
    mail = {f"{site}.{service}": {"fault": "tarpit"} for site in ALL_SITES for service in ("imap", "pop3", "smtp")}
    return World(root, mail=mail, web={site: {"silent": True} for site in ALL_SITES})


def test_a_check_that_reaches_its_deadline_reports_within_it(tmp_path: Path) -> None:
    """The report is made at the deadline, on the clock that started with the process: its duration_ms is
    about --timeout (the command's start-up included), no check runs past it."""
    with _silent_world(tmp_path / "world") as world:
        result = run_mailprobe("check", ADDRESS, *world.cli_args(), "--format", "json", "--timeout", "2",
                               timeout=2 + MARGIN_S)
    report = json.loads(result.stdout)
    _one_clock(report)
    # Before the report, the engine waits for the deadline: the report's span reaches it (start-up included,
    # which the old clock left out, along with some 300 ms of the probes' time).
    assert report["duration_ms"] >= 1800.0, report["duration_ms"]


# -- --password-stdin is bounded -----------------------------------------------------------------------------


def test_password_stdin_that_never_sends_a_line_ends_within_the_timeout() -> None:
    """Issue 18, finding 13: a pipe that stays open and silent used to hold the command forever."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailprobe", "check", "someone@example.invalid", "--login", "--password-stdin",
         "--timeout", "1", "--no-baseline"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=REPO,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        proc.wait(timeout=MARGIN_S)  # the pipe stays open: nothing is written to it, it is not closed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
    line = assert_bad_input(Result(proc.returncode, proc.stdout.read(), proc.stderr.read()))
    assert "--password-stdin" in line and "--timeout (1 s)" in line


def test_a_password_line_longer_than_any_password_is_refused(tmp_path: Path) -> None:
    result = run_mailprobe("check", "someone@example.invalid", "--login", "--password-stdin", "--timeout", "1",
                           "--nameserver", "127.0.0.1:9", "--no-baseline", "--state", str(tmp_path / "state.db"),
                           stdin="x" * 5000 + "\n")
    line = assert_bad_input(result)
    assert "--password-stdin" in line and "longer than" in line and "xxxx" not in line


# -- a signal during start-up -------------------------------------------------------------------------------


@pytest.mark.parametrize(("signum", "code", "line"), [
    (signal.SIGTERM, 143, "mailprobe: terminated"), (signal.SIGHUP, 129, "mailprobe: hung up"),
])
def test_a_signal_while_the_command_loads_unwinds_as_ctrl_c_does(
    tmp_path: Path, signum: int, code: int, line: str
) -> None:
    """Issue 18, finding 22: a SIGTERM in the first ~50 ms, before the handler was in place, killed the process
    where it stood. The handlers are now installed before anything else is imported: a stand-in for the first
    heavy import (click) holds the start-up still until the signal has come."""
    stand_in = tmp_path / "slow"
    stand_in.mkdir()
    ready = tmp_path / "loading"
    (stand_in / "click.py").write_text(
        "import pathlib, time\n"
        f"pathlib.Path({str(ready)!r}).touch()\n"
        "time.sleep(30)\n",
        encoding="utf-8",
    )
    env = cli_env()
    env["PYTHONPATH"] = os.pathsep.join([str(stand_in), env["PYTHONPATH"]])
    proc = subprocess.Popen([sys.executable, "-m", "mailprobe", "--help"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        waited = time.monotonic()
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() - waited < MARGIN_S, proc.communicate()
            time.sleep(0.01)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=MARGIN_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, err
    assert err.splitlines() == [line]
    assert out == ""
