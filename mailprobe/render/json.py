"""JSON: one report as an object, several as an array (SPEC, schema_version 2)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mailprobe.render.options import RenderOptions

if TYPE_CHECKING:
    from mailprobe.report import Report


def render(reports: Sequence[Report], options: RenderOptions) -> str:
    if len(reports) == 1:
        return reports[0].model_dump_json(indent=2)
    return json.dumps([r.model_dump(mode="json") for r in reports], indent=2, ensure_ascii=False)
