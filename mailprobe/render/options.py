"""What every renderer receives besides the reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailprobe.report import Report


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False  # ANSI colours (only on a terminal, never with NO_COLOR)
    verbose: bool = False  # every check, also the skipped ones


Renderer = Callable[["Sequence[Report]", RenderOptions], str]
