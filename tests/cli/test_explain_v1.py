"""A report saved by mailprobe 0.1 (schema_version 1, untyped `data`) still renders with `explain`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.command import Run

V1_REPORT = Path(__file__).resolve().parents[1] / "fixtures" / "report-v1-outage.json"


@pytest.mark.parametrize(("lang", "words"), [
    ("en", "down on the provider's side"),
    ("zh-Hans", "服务商"),
    ("zh-Hant", "服務商"),
])
def test_a_version_1_report_renders_in_every_language(run: Run, lang: str, words: str) -> None:
    code, out, err = run("explain", str(V1_REPORT), "--lang", lang)
    assert err == ""
    assert code == 2
    assert "server_outage" in out
    assert words in out


def test_a_version_1_report_comes_back_as_version_2_with_typed_checks(run: Run) -> None:
    code, out, _ = run("explain", str(V1_REPORT), "--format", "json", "--lang", "zh-Hant")
    assert code == 2
    report = json.loads(out)
    original = json.loads(V1_REPORT.read_text(encoding="utf-8"))
    assert report["schema_version"] == 2
    assert [c["id"] for c in report["checks"]] == [c["id"] for c in original["checks"]]
    for new, old in zip(report["checks"], original["checks"], strict=True):
        assert {k: new["data"][k] for k in old["data"]} == old["data"]  # every fact kept, now typed
    first = report["diagnosis"][0]
    assert first["cause"] == "server_outage"
    assert first["title"] and first["explanation"] and report["prevention"]
    assert "伺服器" in first["explanation"] or "服務商" in first["explanation"]
