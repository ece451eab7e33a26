"""mailprobe: tells why a company mailbox will not log in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailprobe.version import __version__

if TYPE_CHECKING:
    from mailprobe.check import CheckOptions
    from mailprobe.report import Report

__all__ = ["__version__", "check"]


def check(address: str, options: CheckOptions | None = None) -> Report:
    """Run one complete check of ADDRESS and return its report (the public entry point)."""
    from mailprobe.check import run_check_sync

    return run_check_sync(address, options)


def __getattr__(name: str) -> Any:
    # The report models are public too, but importing them eagerly would slow `mailprobe --help`.
    if name == "Report":
        from mailprobe.report import Report

        return Report
    if name == "CheckOptions":
        from mailprobe.check import CheckOptions

        return CheckOptions
    raise AttributeError(name)
