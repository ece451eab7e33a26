"""What every renderer receives besides the reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailprobe.lang import Lang
    from mailprobe.report import Report


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False  # ANSI colours (only on a terminal, never with NO_COLOR)
    verbose: bool = False  # every check, also the skipped ones
    # The same reports re-worded in each language (html: the page carries all three and switches without a
    # reload). Filled by whoever may re-word a report (cli, `mailprobe.page`); renderers never re-word.
    translations: Mapping[Lang, Sequence[Report]] | None = None


Renderer = Callable[["Sequence[Report]", RenderOptions], str]
