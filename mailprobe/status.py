"""The words a finding, a report and the command share (SPEC): a finding's severity, a check's and a report's
status, and the exit code of each report status — written once, here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Severity = Literal["critical", "warning"]
OverallStatus = Literal["ok", "warning", "critical", "unknown"]
CheckStatus = Literal["pass", "warn", "fail", "skip", "error"]
EXIT_CODES: dict[str, int] = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}
EXIT_UNKNOWN = EXIT_CODES["unknown"]  # also bad input, and a command that could check nothing


def worst(statuses: Iterable[OverallStatus]) -> OverallStatus:
    """The worst of STATUSES by exit code; `unknown` when there are none."""
    return max(statuses, key=EXIT_CODES.__getitem__, default="unknown")
