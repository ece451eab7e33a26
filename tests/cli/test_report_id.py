"""The report id everywhere, and findable, through the real command line: a report's JSON carries it (and the
schema says so), every format and language shows the same one, the history keeps it, and `explain --id`
finds the stored report again and renders it in any language or format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.lab.world import CUSTOMER, World
from tests.support.command import REPO, Run, assert_bad_input

ADDRESS = f"zhang.san@{CUSTOMER}"
ID = re.compile(r"[A-Z2-7]{4}-[A-Z2-7]{4}")
V1_REPORT = REPO / "tests" / "fixtures" / "report-v1-outage.json"


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One check of a world whose IMAP server refuses: its JSON report, and a history holding it and one more."""
    from tests.support.command import run_mailprobe

    root = tmp_path_factory.mktemp("report-id")
    saved, history = root / "report.json", root / "history.db"
    with World(root / "world", down={"qq.imap"}) as lab:
        first = run_mailprobe("check", ADDRESS, *lab.cli_args(), "--timeout", "5", "--format", "json",
                              "--history", str(history), "--output", str(saved))
        assert first.code == 2, first.stderr
        later = run_mailprobe("check", ADDRESS, *lab.cli_args(), "--timeout", "5", "--format", "nagios",
                              "--history", str(history))
        assert later.code == 2, later.stderr
    return saved, history


def test_the_json_report_carries_its_id_and_the_schema_lists_it(run: Run, failing: tuple[Path, Path]) -> None:
    report = json.loads(failing[0].read_text(encoding="utf-8"))
    assert ID.fullmatch(report["report_id"])
    schema = json.loads(run("schema").stdout)
    assert "report_id" in schema["properties"] and "report_id" in schema["required"]


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant"])
def test_every_format_and_language_shows_the_same_id(run: Run, failing: tuple[Path, Path], lang: str) -> None:
    code = json.loads(failing[0].read_text(encoding="utf-8"))["report_id"]
    text = run("explain", str(failing[0]), "--lang", lang)
    assert code in text.stdout.splitlines()[0]
    nagios = run("explain", str(failing[0]), "--lang", lang, "--format", "nagios")
    assert nagios.stdout.startswith("MAILPROBE CRITICAL - ") and f"[report {code}]" in nagios.stdout.splitlines()[0]
    metrics = run("explain", str(failing[0]), "--lang", lang, "--format", "prometheus")
    assert f'mailprobe_report_info{{id="{code}",mailbox="{ADDRESS}"}} 1.0' in metrics.stdout
    again = json.loads(run("explain", str(failing[0]), "--lang", lang, "--format", "json").stdout)
    assert again["report_id"] == code
    page = run("explain", str(failing[0]), "--lang", lang, "--format", "html")
    assert "data-report-id aria-label" in page.stdout and f">{code}</code>" in page.stdout


def test_the_history_keeps_the_id_and_explain_id_finds_the_report(run: Run, failing: tuple[Path, Path]) -> None:
    saved, history = failing
    code = json.loads(saved.read_text(encoding="utf-8"))["report_id"]

    timeline = json.loads(run("history", ADDRESS, "--history", str(history), "--format", "json").stdout)
    ids = [r["report_id"] for r in timeline["runs"]]
    assert ids[0] == code and len(ids) == 2 and all(ID.fullmatch(i) for i in ids)
    assert f"[report {code}]" in run("history", ADDRESS, "--history", str(history)).stdout

    # As read out on the phone: any case, a space for the dash, an 0 heard for an O.
    heard = code.lower().replace("-", " ").replace("o", "0")
    found = run("explain", "--id", heard, "--history", str(history), "--lang", "zh-Hant")
    assert found.code == 2, found.stderr
    assert f"報告編號: {code}" in found.stdout and "imap.exmail.qq.com" in found.stdout
    as_json = json.loads(run("explain", "--id", code, "--history", str(history), "--format", "json").stdout)
    assert as_json["report_id"] == code
    assert as_json["checks"] == json.loads(saved.read_text(encoding="utf-8"))["checks"]  # the whole report


def test_explain_id_bad_input_is_one_line_and_never_creates_a_history(run: Run, failing: tuple[Path, Path],
                                                                     tmp_path: Path) -> None:
    history = failing[1]
    assert "is not a report id" in assert_bad_input(run("explain", "--id", "nope", "--history", str(history)))
    assert "no such report" in assert_bad_input(run("explain", "--id", "ZZZZ-ZZZZ", "--history", str(history)))
    typo = tmp_path / "typo.db"
    assert "no history at" in assert_bad_input(run("explain", "--id", "ZZZZ-ZZZZ", "--history", str(typo)))
    assert not typo.exists()
    assert "one of them" in assert_bad_input(run("explain"))
    assert "one of them" in assert_bad_input(run("explain", str(failing[0]), "--id", "ZZZZ-ZZZZ"))


def test_a_report_written_before_ids_gets_one_on_reading_the_same_each_time(run: Run) -> None:
    first = json.loads(run("explain", str(V1_REPORT), "--format", "json").stdout)
    second = run("explain", str(V1_REPORT), "--lang", "zh-Hans")
    assert ID.fullmatch(first["report_id"])
    assert first["report_id"] in second.stdout.splitlines()[0]
