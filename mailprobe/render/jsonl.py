"""JSON Lines: one report a line, printed as each check finishes (cron, log shippers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mailprobe.render.options import RenderOptions

if TYPE_CHECKING:
    from mailprobe.report import Report


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    return "\n".join(report.model_dump_json() for report in reports)
