"""Run the real command line, `python -m mailprobe …`, in a subprocess, as a user (or cron) would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[2]
CLI_TIMEOUT_S = 30.0
# Variables that would change what mailprobe does or which language it speaks: never inherited.
_SCRUBBED = ("LC_ALL", "LC_MESSAGES", "LC_CTYPE", "LANG", "LANGUAGE", "MAILPROBE_PROVIDERS_DIR", "MAILPROBE_PASSWORD",
             "NO_COLOR", "PYTHONWARNINGS", "PYTHONIOENCODING", "PYTHONUTF8")


class Result(NamedTuple):
    """`code, out, err = run(...)`, or `.code` / `.stdout` / `.stderr`."""

    code: int
    stdout: str
    stderr: str


Run = Callable[..., Result]


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update({"NO_COLOR": "1", "LANG": "C.UTF-8"})
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra or {})
    return env


def run_mailprobe(
    *args: str, env: Mapping[str, str] | None = None, unset: Sequence[str] = (), stdin: str | None = None,
    timeout: float = CLI_TIMEOUT_S, cwd: Path | None = None,
) -> Result:
    """`python -m mailprobe ARGS`; `env` adds or replaces variables, `unset` removes them (e.g. LANG)."""
    full_env = cli_env(env)
    for name in unset:
        full_env.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "-m", "mailprobe", *args], capture_output=True, text=True, encoding="utf-8",
        errors="replace", env=full_env, timeout=timeout, stdin=subprocess.DEVNULL if stdin is None else None,
        input=stdin, cwd=cwd or REPO,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def assert_bad_input(result: Result) -> str:
    """Exit 3 (unknown), exactly one line on stderr, nothing on stdout, no traceback. Returns the line."""
    assert result.code == 3, f"exit {result.code}, stderr: {result.stderr!r}"
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    assert lines[0].strip(), "the one stderr line is blank"
    return lines[0]
