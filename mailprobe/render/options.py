"""What every renderer receives besides the reports."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mailprobe.lang import Lang
    from mailprobe.report import Report


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False  # ANSI colours (only on a terminal, never with NO_COLOR)
    verbose: bool = False  # every check, also the skipped ones
    # The same reports re-worded in each language (html: the page carries all three and switches without a
    # reload). Filled by whoever may re-word a report (cli, `mailprobe.translations`); renderers never re-word.
    translations: Mapping[Lang, Sequence[Report]] | None = None


Renderer = Callable[["Sequence[Report]", RenderOptions], str]


class Collector(Protocol):
    """A format that needs more than one report before it can print (Prometheus groups each metric's samples;
    Nagios's first line sums up every mailbox; a JSON array is in input order), fed one report at a time: it
    keeps what it will print of each, never the report, so that a batch's memory does not grow with its
    reports. `position` is the address's place in the input: the output is in that order, whatever order the
    checks end in. Each method returns the pieces ready to print, each without its final newline (the sink
    adds it)."""

    def add(self, position: int, report: Report) -> list[str]: ...

    def skip(self, position: int) -> list[str]:
        """POSITION prints nothing (a bad line in a human format, unchanged with --changes-only)."""
        ...

    def finish(self) -> Iterator[str]:
        """The rest of the output, once every report is in."""
        ...
