"""Reading a saved JSON report back (for `explain`): one report or an array, unknown fields ignored."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from mailprobe.errors import UsageError
from mailprobe.report import SCHEMA_VERSION, Report
from mailprobe.report_v1 import ReportV1

MAX_REPORT_BYTES = 64 * 1024 * 1024


def load_reports(path: str) -> list[Report]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read '{path}': {exc.strerror or exc}") from None
    if len(raw) > MAX_REPORT_BYTES:
        raise UsageError(f"'{path}' is too large to be a mailprobe report")
    try:
        text = raw.decode("utf-8-sig")
        items = _documents(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"'{path}' is not JSON ({exc})") from None
    if not items:
        raise UsageError(f"'{path}' holds no report")
    return [_one(item, path, index) for index, item in enumerate(items)]


def _documents(text: str) -> list[Any]:
    """One JSON report, an array of them (`--format json`), or one a line (`--format jsonl`)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise
        return [json.loads(line) for line in lines]
    return data if isinstance(data, list) else [data]


def _one(item: Any, path: str, index: int) -> Report:
    where = f"'{path}'" if index == 0 else f"'{path}' (report {index + 1})"
    if not isinstance(item, dict) or "schema_version" not in item:
        raise UsageError(f"{where} is not a mailprobe report (no schema_version)")
    version = item.get("schema_version")
    if version not in (1, SCHEMA_VERSION) or isinstance(version, bool):
        raise UsageError(f"{where} has schema_version {version!r}; this mailprobe reads 1 and {SCHEMA_VERSION}")
    try:
        if version == 1:
            return upgrade(ReportV1.model_validate(item))
        return Report.model_validate(item)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"{where} is not a valid mailprobe report: field '{field}': {first['msg']}") from None


def upgrade(old: ReportV1) -> Report:
    """A version-1 report in today's types: each check's `data` typed by its kind. The words (summaries,
    titles, explanations, prevention) are written anew by `explain` in the reader's language."""
    fields = old.model_dump(exclude={"schema_version", "checks", "diagnosis"})
    return Report.model_validate({
        **fields,
        "schema_version": SCHEMA_VERSION,
        "checks": [check.model_dump() for check in old.checks],
        "diagnosis": [entry.model_dump() for entry in old.diagnosis],
    })
