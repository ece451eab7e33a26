"""Run the real command with the socket hooks of tests/lab/sockethooks/sitecustomize.py."""

from __future__ import annotations

import os
from pathlib import Path

HOOKS = Path(__file__).resolve().parent / "sockethooks"
REPO = Path(__file__).resolve().parents[2]


def hooked_env(dial_log: Path | None = None, fake_emfile: str | None = None) -> dict[str, str]:
    """Variables for `python -m mailprobe` with the hooks on: PYTHONPATH starts with the hooks' folder."""
    env = {"PYTHONPATH": os.pathsep.join([str(HOOKS), str(REPO)])}
    if dial_log is not None:
        env["MAILPROBE_DIAL_LOG"] = str(dial_log)
    if fake_emfile is not None:
        env["MAILPROBE_FAKE_EMFILE"] = fake_emfile
    return env
