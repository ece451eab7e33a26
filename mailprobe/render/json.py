"""JSON: one report as an object, several as an array in input order (SPEC, schema_version 2).

A batch feeds the `Collector` one report at a time: each is written out as soon as every report before it in
the input is, so only the reports that ended ahead of a slower one wait, as text, never the whole batch.
Characters a terminal would obey (bidi overrides, C1 controls) are written as JSON escapes (`json_shown`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from mailprobe.render.options import RenderOptions
from mailprobe.safetext import json_shown

if TYPE_CHECKING:
    from mailprobe.report import Report


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    if not reports:
        return "[]"
    collector = Collector(options)
    pieces = [piece for position, report in enumerate(reports) for piece in collector.add(position, report)]
    return "\n".join([*pieces, *collector.finish()])


class Collector:
    """The array written an element at a time, in input order. An element's comma is written with the next
    one, so the last is held back until `finish`; a batch of one report is the report itself, not an array."""

    def __init__(self, options: RenderOptions | None = None) -> None:
        # position → its text as an element of the array, and as the whole output should it be the only one
        # (only while nothing is written yet: a later one cannot be); None: that position prints nothing.
        self._waiting: dict[int, tuple[str, str | None] | None] = {}
        self._next = 0  # the position written next
        self._held: str | None = None  # the last element written out, without its comma
        self._only: str | None = None  # the one report, while it is the only one
        self._written = 0

    def add(self, position: int, report: Report) -> list[str]:
        shown = json_shown(report.model_dump_json(indent=2))  # rendered once: as the array's element, indented
        alone = shown if self._written == 0 else None
        self._waiting[position] = ("\n".join("  " + line for line in shown.split("\n")), alone)
        return self._release()

    def skip(self, position: int) -> list[str]:
        """Position POSITION prints nothing (unchanged with --changes-only, a bad line said on stderr)."""
        self._waiting[position] = None
        return self._release()

    def finish(self) -> Iterator[str]:
        for position in sorted(self._waiting):  # whatever never came before them (an interrupted run)
            yield from self._write(self._waiting.pop(position))
        if self._written == 1 and self._only is not None:
            yield self._only
        elif self._held is not None:
            yield self._held
            yield "]"

    def _release(self) -> list[str]:
        pieces: list[str] = []
        while self._next in self._waiting:
            pieces += self._write(self._waiting.pop(self._next))
            self._next += 1
        return pieces

    def _write(self, waiting: tuple[str, str | None] | None) -> list[str]:
        if waiting is None:
            return []
        element, alone = waiting
        self._written += 1
        if self._written == 1:
            self._held, self._only = element, alone
            return []
        pieces = ["["] if self._written == 2 else []
        self._only = None
        pieces.append(f"{self._held},")
        self._held = element
        return pieces
