"""JSON Lines: one report a line, printed as each check finishes (cron, log shippers). Characters a terminal
would obey (bidi overrides, C1 controls) are written as JSON escapes: the same data, shown, never obeyed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mailprobe.render.options import RenderOptions
from mailprobe.safetext import json_shown

if TYPE_CHECKING:
    from mailprobe.report import Report


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    return "\n".join(json_shown(report.model_dump_json()) for report in reports)
