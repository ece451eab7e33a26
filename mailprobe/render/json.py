"""JSON: one report as an object, several as an array (SPEC, schema_version 1)."""

from __future__ import annotations

import json

from mailprobe.report import Report


def render(report: Report) -> str:
    return report.model_dump_json(indent=2)


def render_many(reports: list[Report]) -> str:
    if len(reports) == 1:
        return render(reports[0])
    return json.dumps([r.model_dump(mode="json") for r in reports], indent=2, ensure_ascii=False)
