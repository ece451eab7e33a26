"""What a careless or hostile input does to the command line: one line on stderr, exit 3, and quickly.

A FIFO with no writer, /dev/zero, a directory, bytes that are not UTF-8, a 5,000-digit port, NaN in a saved
report, JSON nested 100,000 deep, a profile whose pattern backtracks for hours, a reader that closes our
output: none may hang mailprobe, eat the machine's memory, or end in "internal error" or a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import BinaryIO

import pytest

from tests.support.command import REPO, Result, Run, assert_bad_input, cli_env

SAFE = ("--nameserver", "127.0.0.1:1", "--timeout", "2", "--no-baseline")
GOOD = "user@b.example"
# Far less than the 30 s the runner allows, far more than the second these take on a busy machine.
QUICK_S = 15.0


def quick(run: Run, *args: str, stdin: str | None = None) -> str:
    started = time.monotonic()
    result = run(*args, stdin=stdin)
    assert time.monotonic() - started < QUICK_S
    return assert_bad_input(result)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "named.fifo"
    os.mkfifo(path)
    return path


# -- files that are not regular files -------------------------------------------------------------------


def test_fifo_as_input_ends_at_once(run: Run, fifo: Path) -> None:
    line = quick(run, "check", *SAFE, "--input", str(fifo))
    assert line == f"mailprobe: --input '{fifo}': not a regular file (a FIFO)"


def test_fifo_as_explain_report_ends_at_once(run: Run, fifo: Path) -> None:
    assert quick(run, "explain", str(fifo)).endswith("not a regular file (a FIFO)")


def test_fifo_as_ca_file_ends_at_once(run: Run, fifo: Path) -> None:
    line = quick(run, "check", *SAFE, "--ca-file", str(fifo), GOOD)
    assert line == f"mailprobe: --ca-file '{fifo}': not a regular file (a FIFO)"


def test_fifo_as_profile_ends_at_once(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "providers"
    folder.mkdir()
    os.mkfifo(folder / "mine.toml")
    line = quick(run, "check", GOOD, "--providers-dir", str(folder), *SAFE)
    assert line == f"mailprobe: provider profile '{folder / 'mine.toml'}': not a regular file (a FIFO)"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("check", *SAFE, "--input", "/dev/zero"), id="input"),
        pytest.param(("check", *SAFE, "--ca-file", "/dev/zero", GOOD), id="ca-file"),
        pytest.param(("explain", "/dev/zero"), id="explain"),
    ],
)
def test_dev_zero_is_refused_unread(run: Run, args: tuple[str, ...]) -> None:
    assert quick(run, *args).endswith("not a regular file (a character device)")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("check", *SAFE, "--input"), id="input"),
        pytest.param(("check", *SAFE, GOOD, "--ca-file"), id="ca-file"),
        pytest.param(("explain",), id="explain"),
    ],
)
def test_a_directory_is_bad_input(run: Run, tmp_path: Path, args: tuple[str, ...]) -> None:
    assert "directory" in quick(run, *args, str(tmp_path))


# Forks `python -m mailprobe` from a small interpreter and writes the child's peak memory to argv[1]. wait4's
# ru_maxrss counts the memory the process had when it called exec: forked from the test process itself, that is
# the whole test run's size (some 200 MB late in a full suite), not the command's.
_MEASURER = (
    "import os, sys\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    os.execv(sys.executable, [sys.executable, '-m', 'mailprobe', *sys.argv[2:]])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "with open(sys.argv[1], 'w', encoding='ascii') as out:\n"
    "    out.write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def _run_measured(args: list[str], stdin: BinaryIO | int, tmp_path: Path) -> tuple[Result, float, int]:
    """Run `python -m mailprobe ARGS`; also return the seconds it took and its own peak memory (KiB)."""
    out_path, err_path, peak_path = tmp_path / "stdout", tmp_path / "stderr", tmp_path / "peak"
    started = time.monotonic()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", _MEASURER, str(peak_path), *args], stdin=stdin, stdout=out,
                                stderr=err, env=cli_env(), cwd=REPO, start_new_session=True)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    result = Result(proc.returncode, out_path.read_text("utf-8", "replace"), err_path.read_text("utf-8", "replace"))
    peak = peak_path.read_text(encoding="ascii") if peak_path.exists() else ""
    return result, time.monotonic() - started, int(peak or 0)


def test_stdin_from_dev_zero_is_bounded(tmp_path: Path) -> None:
    """`mailprobe check --input - < /dev/zero`: without a cap it would read until the machine gives out."""
    with open("/dev/zero", "rb") as zero:
        result, seconds, peak_kib = _run_measured(["check", *SAFE, "--input", "-"], zero, tmp_path)
    line = assert_bad_input(result)
    assert line == "mailprobe: --input '-' (standard input) is larger than 16777216 bytes (16 MiB)"
    assert seconds < QUICK_S
    assert peak_kib < 150 * 1024  # 16 MiB read, then refused; never gigabytes


def test_stdin_that_never_ends_stops_within_the_timeout(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    try:
        result, seconds, _ = _run_measured(["check", *SAFE, "--input", "-"], read_end, tmp_path)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert "did not end within" in assert_bad_input(result)
    assert seconds < QUICK_S


# -- bytes that are not UTF-8, lines that are not addresses ---------------------------------------------


def bad_line_only(run: Run, *args: str) -> str:
    """The other lines are still checked (here: against a dead resolver); the bad one is one stderr line."""
    started = time.monotonic()
    result = run(*args)
    assert time.monotonic() - started < QUICK_S
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert "a@b.example" in result.stdout  # line 1 was checked
    assert result.code != 3 or "[UNKNOWN]" in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_invalid_utf8_on_one_input_line_names_the_line_and_the_others_are_checked(
    run: Run, tmp_path: Path
) -> None:
    listing = tmp_path / "list.txt"
    listing.write_bytes(b"a@b.example\nuser@\xc4.example\n")
    line = bad_line_only(run, "check", *SAFE, "--input", str(listing))
    assert line == (f"mailprobe: --input '{listing}' line 2: 'user@\\xc4.example' is not UTF-8 text (invalid byte "
                    "at column 6; check the file's encoding)")


def test_invalid_utf8_in_an_address_argument_is_bad_input_not_an_internal_error(run: Run) -> None:
    # Python passes the byte 0xff of argv on as the lone surrogate U+DCFF: subprocess turns it back.
    line = quick(run, "check", *SAFE, "\udcff@b.example")
    assert "internal error" not in line
    assert line.startswith("mailprobe: '\\udcff@b.example' is not valid UTF-8 text")


def test_invalid_utf8_in_settings_address_is_bad_input(run: Run) -> None:
    assert "not valid UTF-8" in quick(run, "settings", "us\udce9r@b.example", "--provider", "qq")


def test_a_line_too_long_to_be_an_address_is_a_bad_line(run: Run, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("a@b.example\n" + "x" * 100_000 + "@b.example\n", encoding="utf-8")
    line = bad_line_only(run, "check", *SAFE, "--input", str(listing))
    assert f"--input '{listing}' line 2: 'xxx" in line
    assert "longer than 1024 characters" in line
    assert len(line) < 600


# -- numbers too long to be numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [
        pytest.param("--nameserver", "127.0.0.1:" + "9" * 5000, id="nameserver"),
        pytest.param("--authoritative", "127.0.0.1:" + "9" * 5000, id="authoritative"),
        pytest.param("--nameserver", "[::1]:" + "9" * 5000, id="nameserver-ipv6"),
        pytest.param("--baseline", "imap.b.example:" + "9" * 5000, id="baseline"),
        pytest.param("--nameserver", "127.0.0.1:５３", id="nameserver-fullwidth-digits"),
        pytest.param("--baseline", "imap.b.example:९९३", id="baseline-devanagari-digits"),
    ],
)
def test_a_port_that_is_not_a_short_ascii_number_is_bad_input(run: Run, option: str, value: str) -> None:
    args = [a for a in SAFE if a != "127.0.0.1:1" and a != "--nameserver"] if option == "--nameserver" else SAFE
    line = quick(run, "check", *args, option, value, GOOD)
    assert option in line
    assert "internal error" not in line
    assert len(line) < 400  # the 5,000 digits are cut, not echoed


# -- saved reports that are not JSON a report could be --------------------------------------------------


def test_a_pattern_cheap_once_but_slow_over_a_whole_search_is_refused_at_load(run: Run, tmp_path: Path) -> None:
    # Issue 18, finding 8: one attempt of this pattern is within the budget, but a search tries it at each
    # of 1,024 start positions; five of them made `check --timeout 5` take 19 s against a hostile reply.
    slow = "".join(
        f'\n[[replies]]\npattern = "(?:[a.]{{1,2}}){{1,16}}#{n}"\ncause = "account_locked"\n' for n in range(5)
    )
    folder = _profile_dir(tmp_path, "[[remedies]]", slow + "\n[[remedies]]")
    line = quick(run, "check", "a@b.example", "--providers-dir", str(folder), "--nameserver", "127.0.0.1:1",
                 "--timeout", "2")
    assert str(folder / "evil.toml") in line
    assert "field 'replies.6.pattern'" in line  # the first of the five (qq.toml has six replies before them)
    assert "too many repeats" in line and "search over 1,024 characters" in line


def test_patterns_each_within_budget_but_too_slow_together_are_refused_at_load(run: Run, tmp_path: Path) -> None:
    # Each search of (?:a|.){10}# passes; a reply is matched against every one of the profile's patterns.
    many = "".join(
        f'\n[[replies]]\npattern = "(?:a|.){{10}}#{n}"\ncause = "account_locked"\n' for n in range(12)
    )
    folder = _profile_dir(tmp_path, "[[remedies]]", many + "\n[[remedies]]")
    line = quick(run, "check", "a@b.example", "--providers-dir", str(folder), "--nameserver", "127.0.0.1:1",
                 "--timeout", "2")
    assert str(folder / "evil.toml") in line
    assert "the replies together may take" in line


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        pytest.param('{"schema_version": 1, "duration_ms": NaN}', "NaN, which JSON does not allow", id="nan"),
        pytest.param('{"schema_version": 1, "duration_ms": -Infinity}', "-Infinity", id="minus-infinity"),
        pytest.param('{"schema_version": 1, "duration_ms": 1e999}', "too large", id="float-overflow"),
        pytest.param('{"schema_version": 1, "x": ' + "9" * 5000 + "}", "thousands of digits", id="huge-int"),
        pytest.param("[" * 100_000 + "]" * 100_000, "deeper than 64 levels", id="nested-100000"),
        pytest.param('{"schema_version": 1, "x": ' + "[" * 100 + "]" * 100 + "}", "deeper than 64 levels",
                     id="nested-100"),
    ],
)
def test_explain_of_json_no_report_can_hold_is_one_line(run: Run, tmp_path: Path, content: str, hint: str) -> None:
    report = tmp_path / "report.json"
    report.write_text(content, encoding="ascii")
    line = quick(run, "explain", str(report))
    assert str(report) in line
    assert hint in line


def test_explain_still_reads_a_report_nested_as_mailprobe_nests_it(run: Run, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"schema_version": 1}), encoding="utf-8")
    assert "field" in quick(run, "explain", str(report))  # past the JSON checks, refused by the model


# -- profiles -------------------------------------------------------------------------------------------


def _profile_dir(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "providers"
    folder.mkdir()
    text = (REPO / "providers" / "qq.toml").read_text(encoding="utf-8")
    assert old in text
    (folder / "evil.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        pytest.param("mx_patterns = [", "mx_patterns = ['^(a+)+$', ", "mx_patterns", id="mx-pattern"),
        pytest.param('pattern = "(?i)', 'pattern = "(?i)(x+x+)+y|', "replies.0.pattern", id="reply-pattern"),
    ],
)
def test_a_profile_pattern_that_backtracks_is_refused_at_load(
    run: Run, tmp_path: Path, old: str, new: str, field: str
) -> None:
    folder = _profile_dir(tmp_path, old, new)
    line = quick(run, "check", "a@b.example", "--providers-dir", str(folder), "--nameserver", "127.0.0.1:1",
                 "--timeout", "2")
    assert str(folder / "evil.toml") in line
    assert f"field '{field}'" in line
    assert "repeat inside a repeat" in line


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        pytest.param('id = "x"\nv = ' + "[" * 50_000 + "]" * 50_000 + "\n", "nested too deeply", id="arrays"),
        pytest.param("[" + ".".join(["t"] * 200) + "]\nx = 1\n", "nested deeper than 16 levels", id="tables"),
        pytest.param('id = "x"\nv = ' + "9" * 5000 + "\n", "thousands of digits", id="huge-int"),
    ],
)
def test_a_profile_no_provider_needs_is_one_line(run: Run, tmp_path: Path, content: str, hint: str) -> None:
    folder = tmp_path / "providers"
    folder.mkdir()
    (folder / "deep.toml").write_text(content, encoding="utf-8")
    line = quick(run, "providers", "--providers-dir", str(folder))
    assert str(folder / "deep.toml") in line
    assert hint in line


def test_a_profile_larger_than_1_mib_is_refused(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "providers"
    folder.mkdir()
    (folder / "big.toml").write_text("# padding\n" * 120_000, encoding="utf-8")
    assert "is larger than 1048576 bytes" in quick(run, "providers", "--providers-dir", str(folder))


# -- a reader that goes away ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("schema",), id="schema"),
        pytest.param(("providers",), id="providers"),
        pytest.param(("--help",), id="help"),
        pytest.param(("check", "--help"), id="check-help"),
    ],
)
def test_a_closed_stdout_ends_quietly_with_exit_3(args: tuple[str, ...]) -> None:
    """`mailprobe schema | head -c1`: no traceback, no "Exception ignored", and not exit 1 (warning)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before we write a byte
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "mailprobe", *args], stdout=write_end, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, env=cli_env(), cwd=REPO, timeout=30,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == b""
    assert proc.returncode == 3


def test_schema_piped_into_head_does_not_fail(tmp_path: Path) -> None:
    script = f"'{sys.executable}' -m mailprobe schema | head -c1 >/dev/null; echo \"${{PIPESTATUS[0]}}\""
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=cli_env(), cwd=REPO,
                          timeout=30)
    assert proc.stdout.strip() in {"0", "3"}  # 0 when it all fitted in the pipe before head left
    assert proc.stderr == ""
