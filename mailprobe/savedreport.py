"""Reading a saved JSON report back (for `explain`): one report or an array, unknown fields ignored."""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import ValidationError

from mailprobe.errors import UsageError
from mailprobe.localinput import PATH_SHOWN, decode_utf8, deeper_than, read_bytes
from mailprobe.report import SCHEMA_VERSION, Report
from mailprobe.report_v1 import ReportV1
from mailprobe.safetext import quoted_input

MAX_REPORT_BYTES = 64 * 1024 * 1024
# A report nests some six levels (report → checks → check → data → certificate → names); anything far deeper
# was not written by mailprobe, and Python's JSON parser would hit its recursion limit on it.
MAX_REPORT_DEPTH = 64


class _NotJson(ValueError):
    """What json.loads would accept but JSON does not: NaN, Infinity, numbers beyond a float."""


def load_reports(path: str) -> list[Report]:
    raw = read_bytes(path, what="report", max_bytes=MAX_REPORT_BYTES)
    where = quoted_input(path, PATH_SHOWN)
    try:
        text = decode_utf8(raw, where)
    except UsageError as exc:
        raise UsageError(f"{exc}, so not JSON") from None
    try:
        items = _documents(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where} is not JSON ({exc})") from None
    except _NotJson as exc:
        raise UsageError(f"{where} is not JSON: {exc}") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise UsageError(f"{where} is not a mailprobe report: it holds a number thousands of digits long") from None
    except RecursionError:
        raise UsageError(f"{where} is not a mailprobe report: it nests deeper than {MAX_REPORT_DEPTH} levels") from None
    if not items:
        raise UsageError(f"{where} holds no report")
    if deeper_than(items, MAX_REPORT_DEPTH + 1):  # +1: the list _documents wraps them in
        raise UsageError(f"{where} is not a mailprobe report: it nests deeper than {MAX_REPORT_DEPTH} levels")
    return [_one(item, where, index) for index, item in enumerate(items)]


def _documents(text: str) -> list[Any]:
    """One JSON report, an array of them (`--format json`), or one a line (`--format jsonl`)."""
    try:
        data = _loads(text)
    except json.JSONDecodeError:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise
        return [_loads(line) for line in lines]
    return data if isinstance(data, list) else [data]


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_constant, parse_float=_finite)


def _constant(name: str) -> Any:
    raise _NotJson(f"it holds {name}, which JSON does not allow")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJson(f"the number {text[:20]} is too large")
    return value


def _one(item: Any, quoted_path: str, index: int) -> Report:
    where = quoted_path if index == 0 else f"{quoted_path} (report {index + 1})"
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
