"""--output never clobbers, and a run stopped by a signal leaves nothing behind and says one line.

`--output` writes a temporary file beside the path and renames it over the path: a rename replaces whatever
name is there. So only a regular file or a new path is replaced: a device node (on a root shell `--output
/dev/full` once replaced the machine's device), a FIFO, a directory and a symbolic link are refused in one line
before any check runs and are left as they were. An existing file keeps its mode; `-` and /dev/stdout are
standard output. SIGHUP, like SIGTERM, removes the temporary file; SIGTERM in a busy batch says one line, never
the tracebacks of the tasks it cut off. These tests also run as root (device nodes are made with os.mknod in a
temporary folder, never in /dev).
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.mailserver import Fault
from tests.lab.world import SITES, World
from tests.support.command import REPO, Run, assert_bad_input, cli_env

FIXTURE = REPO / "tests" / "fixtures" / "report-v1-outage.json"
SAFE = ("--nameserver", "127.0.0.1:1", "--timeout", "2", "--no-baseline")
GOOD = "user@b.example"
SLOW = "slow-trading.com"  # at qq, whose mail servers accept and then say nothing (tarpits)
QQ_MX = {"MX": ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]}
BUSY_DOMAINS = 100


def _only(folder: Path, *names: str) -> None:
    """FOLDER holds NAMES and nothing else: no temporary sibling was left."""
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


def _refused(run: Run, path: Path, *words: str) -> None:
    """Both writers refuse PATH: explain's (one page) and a check's (the batch's sink), before any check."""
    for args in (("explain", str(FIXTURE), "--format", "json"), ("check", *SAFE, GOOD)):
        line = assert_bad_input(run(*args, "--output", str(path)))
        assert f"--output '{path}'" in line
        for word in words:
            assert word in line, line


@pytest.fixture
def device(tmp_path: Path) -> Path:
    """A character device node like /dev/full (1, 7), made in a temporary folder (needs root)."""
    path = tmp_path / "full"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


def test_a_device_node_is_refused_and_left_a_device(run: Run, device: Path) -> None:
    _refused(run, device, "character device", "regular file")
    info = os.lstat(device)
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 7)
    _only(device.parent, "full")


def test_a_fifo_is_refused_and_left_a_fifo(run: Run, tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    _refused(run, fifo, "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    _only(tmp_path, "out.fifo")


def test_a_directory_is_refused(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    for args in (("explain", str(FIXTURE)), ("check", *SAFE, GOOD)):
        assert_bad_input(run(*args, "--output", str(folder)))
    assert folder.is_dir() and list(folder.iterdir()) == []


@pytest.mark.parametrize("points_to", ["file", "device"])
def test_a_symbolic_link_is_not_followed(run: Run, tmp_path: Path, points_to: str) -> None:
    if points_to == "device":
        target = tmp_path / "full"
        try:
            os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 7))
        except PermissionError:
            pytest.skip("making a device node needs root")
    else:
        target = tmp_path / "precious.txt"
        target.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "out.json"
    link.symlink_to(target)
    _refused(run, link, "symbolic link")
    assert link.is_symlink() and os.readlink(link) == str(target)
    if points_to == "file":
        assert target.read_text(encoding="utf-8") == "keep me\n"
    else:
        assert stat.S_ISCHR(os.lstat(target).st_mode)
    _only(tmp_path, link.name, target.name)


@pytest.mark.parametrize("command", ["explain", "check"])
def test_an_existing_file_keeps_its_mode(run: Run, tmp_path: Path, command: str) -> None:
    out = tmp_path / "report.json"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o600)
    args = ("explain", str(FIXTURE), "--format", "json") if command == "explain" else \
        ("check", *SAFE, GOOD, "--format", "json")
    result = run(*args, "--output", str(out))
    assert result.code in (2, 3), result.stderr
    assert result.stdout == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text(encoding="utf-8"))["status"]  # replaced whole by the report
    _only(tmp_path, "report.json")


def test_a_new_file_gets_the_umask_like_any_other(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    subprocess.run([sys.executable, "-m", "mailprobe", "explain", str(FIXTURE), "--format", "json", "--output",
                    str(out)], env=cli_env(), cwd=REPO, timeout=30, capture_output=True, check=False,
                   preexec_fn=lambda: os.umask(0o027))
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    _only(tmp_path, "report.json")


def test_dash_and_dev_stdout_are_standard_output(run: Run) -> None:
    """Code that renames over /dev/stdout would, on a root shell, replace the machine's /dev/stdout: so
    /dev/stdout is tried last, once /proc/self/fd/1 (where such code cannot create its temporary file, and
    fails harmlessly) has shown that the code under test writes to standard output."""
    dev_stdout_was_a_link = os.path.islink("/dev/stdout")
    for name in ("-", "/proc/self/fd/1", "/dev/stdout"):
        if name == "/dev/stdout" and not dev_stdout_was_a_link:
            continue
        for args in (("explain", str(FIXTURE), "--format", "json"), ("check", *SAFE, GOOD, "--format", "json")):
            result = run(*args, "--output", name)
            assert result.code in (2, 3), (name, result.stderr)
            assert result.stdout.startswith("{") and json.loads(result.stdout)["status"], (name, result.stderr)
    assert os.path.islink("/dev/stdout") == dev_stdout_was_a_link


# -- signals ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tarpits = {f"qq.{service}": {"fault": Fault.TARPIT} for service in ("imap", "pop3", "smtp")}
    with World(tmp_path_factory.mktemp("slow"), domains={SLOW: dict(QQ_MX)}, mail=tarpits) as running:
        yield running


def _start(argv: list[str], nohup: bool = False) -> subprocess.Popen[str]:
    """NOHUP: started as `nohup` starts it, with SIGHUP ignored."""
    ignore = (lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)) if nohup else None
    return subprocess.Popen([sys.executable, "-m", "mailprobe", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=REPO, preexec_fn=ignore)


def _stop(proc: subprocess.Popen[str], signum: int) -> str:
    try:
        assert proc.poll() is None, "the batch ended before it could be stopped"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return err


def test_sighup_leaves_no_temporary_file_and_says_one_line(slow_world: World, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    proc = _start(["check", *(f"user{n}@{SLOW}" for n in range(4)), "--format", "prometheus", "--output",
                   str(out / "mail.prom"), "--timeout", "20", *slow_world.cli_args()])
    waited = time.monotonic()
    while not list(out.iterdir()) and time.monotonic() - waited < 20:  # the temporary file is there
        time.sleep(0.05)
    time.sleep(0.5)  # and the checks wait on the tarpits
    err = _stop(proc, signal.SIGHUP)
    assert proc.returncode == 129, err
    assert err.splitlines() == ["mailprobe: hung up"]
    assert list(out.iterdir()) == []


def test_under_nohup_a_hang_up_is_ignored_and_the_batch_goes_on(slow_world: World, tmp_path: Path) -> None:
    """`nohup mailprobe …` ignores SIGHUP, and the command keeps it ignored (it used to put its own handler back
    and stop at the hang-up nohup was meant to survive); SIGTERM still stops it."""
    out = tmp_path / "out"
    out.mkdir()
    proc = _start(["check", *(f"user{n}@{SLOW}" for n in range(4)), "--format", "prometheus", "--output",
                   str(out / "mail.prom"), "--timeout", "20", *slow_world.cli_args()], nohup=True)
    waited = time.monotonic()
    while not list(out.iterdir()) and time.monotonic() - waited < 20:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGHUP)
    time.sleep(1.0)
    assert proc.poll() is None, proc.communicate()[1]
    err = _stop(proc, signal.SIGTERM)
    assert proc.returncode == 143, err
    assert err.splitlines() == ["mailprobe: terminated"]


@pytest.fixture(scope="module")
def busy_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A hundred domains at the lab's providers, each answered at once: a batch of them keeps the event loop
    busy with DNS questions and sessions, where a signal lands between the tasks' steps."""
    sites = list(SITES.values())
    zones = {f"customer{n:03d}.example": {"MX": [f"{10 * (i + 1)} {mx}."
                                                 for i, mx in enumerate(sites[n % len(sites)].mx)]}
             for n in range(BUSY_DOMAINS)}
    with World(tmp_path_factory.mktemp("busy"), domains=zones) as running:
        yield running


def test_sigterm_in_a_busy_batch_says_one_line_and_no_traceback(busy_world: World, tmp_path: Path) -> None:
    """SIGTERM landing while the loop runs its tasks (not while it waits for them) left the tasks it cut off
    to print "Task exception was never retrieved", "unhandled exception during asyncio.run() shutdown" and
    their tracebacks: 54 to 1,000 lines, in many runs. Five runs, stopped at different moments, must each
    say one line (tests/test_runloop.py shows the same without a lab, every time)."""
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f"user{n}@customer{n % BUSY_DOMAINS:03d}.example\n" for n in range(500)),
                       encoding="utf-8")
    for delay_s in (1.0, 1.75, 2.5, 3.25, 4.0):
        out = tmp_path / f"out-{delay_s}"
        out.mkdir()
        proc = _start(["check", "--input", str(listing), "--format", "jsonl", "--concurrency", "32", "--timeout",
                       "10", "--output", str(out / "mail.jsonl"), *busy_world.cli_args()])
        time.sleep(delay_s)
        err = _stop(proc, signal.SIGTERM)
        assert proc.returncode == 143, err[-3000:]
        assert err.splitlines() == ["mailprobe: terminated"], (delay_s, err[-3000:])
        assert list(out.iterdir()) == []
