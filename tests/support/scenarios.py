"""What the scenario tests read of a report."""

from __future__ import annotations

from collections.abc import Callable

from mailprobe.report import Report
from tests.lab.world import CUSTOMER

ADDRESS = f"zhang.san@{CUSTOMER}"
CheckIn = Callable[..., Report]


def causes(report: Report) -> list[str]:
    return [entry.cause for entry in report.diagnosis]


def first_cause(report: Report) -> str | None:
    return report.diagnosis[0].cause if report.diagnosis else None
