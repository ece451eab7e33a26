"""`mailprobe explain`: the help desk reads a user's saved report back, in its own language."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab.world import CUSTOMER, World
from tests.support.command import Run, run_mailprobe

USER = f"zhang.san@{CUSTOMER}"
# Characters that exist only in one script: the same words in Simplified / Traditional Chinese.
SIMPLIFIED_ONLY = "务证网连议检结论设据项时启码户"
TRADITIONAL_ONLY = "務證網連議檢結論設據項時啟碼戶"
STATUS_CODE = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """qq's IMAP server is down: the report has a diagnosis with remedies."""
    with World(tmp_path_factory.mktemp("outage"), down={"qq.imap"}) as world:
        yield world


@pytest.fixture(scope="module")
def saved(outage: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = run_mailprobe("check", USER, "--format", "json", "--lang", "en", *outage.cli_args())
    assert result.code == 2, result.stderr
    path = tmp_path_factory.mktemp("saved") / "report.json"
    path.write_text(result.stdout, encoding="utf-8")
    report = json.loads(result.stdout)
    assert report["diagnosis"], "the outage world should give a diagnosis"
    return path


@pytest.fixture(scope="module")
def original(saved: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(saved.read_text(encoding="utf-8"))
    return report


def _hans(text: str) -> set[str]:
    return set(text) & set(SIMPLIFIED_ONLY)


def _hant(text: str) -> set[str]:
    return set(text) & set(TRADITIONAL_ONLY)


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant"])
def test_explain_renders_in_each_language_with_the_reports_exit_code(
    run: Run, saved: Path, original: dict[str, Any], lang: str
) -> None:
    code, out, err = run("explain", str(saved), "--lang", lang)
    assert code == STATUS_CODE[original["status"]] == 2, err
    assert err == ""
    assert USER in out
    for entry in original["diagnosis"]:
        assert entry["cause"] in out  # ids never translated


def test_explain_zh_hant_is_traditional_and_zh_hans_simplified(run: Run, saved: Path) -> None:
    _, hant, _ = run("explain", str(saved), "--lang", "zh-Hant")
    _, hans, _ = run("explain", str(saved), "--lang", "zh-Hans")
    assert _hant(hant), "no Traditional characters in the zh-Hant rendering"
    assert _hans(hant) == set(), f"Simplified characters in the zh-Hant rendering: {_hans(hant)}"
    assert _hans(hans), "no Simplified characters in the zh-Hans rendering"
    assert _hant(hans) == set(), f"Traditional characters in the zh-Hans rendering: {_hant(hans)}"
    assert hant != hans


def test_explain_en_has_no_chinese_from_the_catalogue(run: Run, saved: Path) -> None:
    _, out, _ = run("explain", str(saved), "--lang", "en")
    assert "Verdict" in out
    assert _hans(out) == set() and _hant(out) == set()


def test_explain_json_zh_hant_translates_words_and_keeps_ids(
    run: Run, saved: Path, original: dict[str, Any], outage: World
) -> None:
    code, out, err = run("explain", str(saved), "--format", "json", "--lang", "zh-Hant",
                         "--providers-dir", str(outage.providers_dir))
    assert code == 2, err
    again = json.loads(out)
    assert isinstance(again, dict)  # one report in, one object out, as `check --format json` writes it
    assert again["lang"] == "zh-Hant"
    assert [c["id"] for c in again["checks"]] == [c["id"] for c in original["checks"]]
    assert [c["status"] for c in again["checks"]] == [c["status"] for c in original["checks"]]
    assert again["status"] == original["status"]
    assert [d["cause"] for d in again["diagnosis"]] == [d["cause"] for d in original["diagnosis"]]
    assert [d["evidence"] for d in again["diagnosis"]] == [d["evidence"] for d in original["diagnosis"]]
    assert [[r["section"] for r in d["remedies"]] for d in again["diagnosis"]] == \
        [[r["section"] for r in d["remedies"]] for d in original["diagnosis"]]

    # The words are the very ones a zh-Hant check of the same world writes.
    code, fresh_out, _ = run("check", USER, "--format", "json", "--lang", "zh-Hant", *outage.cli_args())
    fresh = json.loads(fresh_out)
    assert [d["summary"] for d in again["diagnosis"]] == [d["summary"] for d in fresh["diagnosis"]]
    assert [[r["text"] for r in d["remedies"]] for d in again["diagnosis"]] == \
        [[r["text"] for r in d["remedies"]] for d in fresh["diagnosis"]]
    for entry, before in zip(again["diagnosis"], original["diagnosis"], strict=True):
        assert entry["summary"] != before["summary"]
        assert _hant(entry["summary"] + "".join(r["text"] for r in entry["remedies"]))


def test_explain_json_back_to_en_is_the_original_wording(run: Run, saved: Path, original: dict[str, Any],
                                                        tmp_path: Path, outage: World) -> None:
    """en → zh-Hant → en gives back the en words: nothing is lost on the way."""
    _, hant, _ = run("explain", str(saved), "--format", "json", "--lang", "zh-Hant",
                     "--providers-dir", str(outage.providers_dir))
    hop = tmp_path / "hant.json"
    hop.write_text(hant, encoding="utf-8")
    code, back, _ = run("explain", str(hop), "--format", "json", "--lang", "en",
                        "--providers-dir", str(outage.providers_dir))
    assert code == 2
    report = json.loads(back)
    assert [d["summary"] for d in report["diagnosis"]] == [d["summary"] for d in original["diagnosis"]]
    assert [[r["text"] for r in d["remedies"]] for d in report["diagnosis"]] == \
        [[r["text"] for r in d["remedies"]] for d in original["diagnosis"]]
    assert [c["summary"] for c in report["checks"]] == [c["summary"] for c in original["checks"]]
    for key in ("address", "domain", "domain_ascii", "started_at", "duration_ms", "status", "provider"):
        assert report[key] == original[key], key


def test_explain_json_validates_against_the_schema(run: Run, saved: Path) -> None:
    import jsonschema

    schema = json.loads(run("schema").stdout)
    _, out, _ = run("explain", str(saved), "--format", "json", "--lang", "zh-Hans")
    jsonschema.Draft202012Validator(schema).validate(json.loads(out))


def test_explain_tolerates_unknown_fields_from_a_newer_version(
    run: Run, saved: Path, original: dict[str, Any], tmp_path: Path
) -> None:
    newer = json.loads(json.dumps(original))
    newer["future_field"] = 1
    newer["checks"][0]["future_field"] = {"nested": [1, 2]}
    newer["diagnosis"][0]["future_field"] = "x"
    newer["provider"]["future_field"] = True
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(newer), encoding="utf-8")
    code, out, err = run("explain", str(path), "--lang", "zh-Hant")
    assert code == 2, err
    assert err == ""
    assert original["diagnosis"][0]["cause"] in out


def test_explain_reads_an_array_and_exits_with_the_worst(
    run: Run, original: dict[str, Any], tmp_path: Path
) -> None:
    healthy = json.loads(json.dumps(original))
    healthy.update(status="ok", diagnosis=[], address=f"li.si@{CUSTOMER}")
    path = tmp_path / "two.json"
    path.write_text(json.dumps([healthy, original]), encoding="utf-8")
    code, out, _ = run("explain", str(path), "--lang", "en")
    assert code == 2
    assert f"li.si@{CUSTOMER}" in out and USER in out


def test_explain_of_a_healthy_report_exits_0(run: Run, original: dict[str, Any], tmp_path: Path) -> None:
    healthy = json.loads(json.dumps(original))
    healthy.update(status="ok", diagnosis=[])
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(healthy), encoding="utf-8")
    code, _, _ = run("explain", str(path))
    assert code == 0


def test_explain_keeps_a_cause_it_does_not_know(run: Run, original: dict[str, Any], tmp_path: Path) -> None:
    """A report from a newer mailprobe with a cause this one lacks: show it as written, do not crash."""
    newer = json.loads(json.dumps(original))
    newer["diagnosis"][0]["cause"] = "quantum_interference"
    newer["diagnosis"][0]["summary"] = "Cosmic rays flipped a bit."
    path = tmp_path / "newer-cause.json"
    path.write_text(json.dumps(newer), encoding="utf-8")
    code, out, err = run("explain", str(path), "--lang", "zh-Hant")
    assert code == 2, err
    assert "quantum_interference" in out
    assert "Traceback" not in err


def test_explain_of_a_report_with_bom_and_crlf(run: Run, saved: Path, tmp_path: Path) -> None:
    """Saved on Windows (PowerShell's `>` writes a BOM, Notepad CRLF)."""
    path = tmp_path / "windows.json"
    path.write_bytes(b"\xef\xbb\xbf" + saved.read_bytes().replace(b"\n", b"\r\n"))
    code, _, err = run("explain", str(path), "--lang", "en")
    assert code == 2, err


@pytest.mark.parametrize(
    ("env", "unset", "script"),
    [
        pytest.param({"LANG": "zh_TW.UTF-8"}, (), "hant", id="LANG-zh_TW"),
        pytest.param({"LANG": "zh_HK.UTF-8"}, (), "hant", id="LANG-zh_HK"),
        pytest.param({"LANG": "zh_CN.UTF-8"}, (), "hans", id="LANG-zh_CN"),
        pytest.param({"LANG": "zh_SG.UTF-8"}, (), "hans", id="LANG-zh_SG"),
        pytest.param({"LANG": "en_US.UTF-8"}, (), "en", id="LANG-en_US"),
        pytest.param({}, ("LANG",), "en", id="no-locale"),
        pytest.param({"LANG": "zh_CN.UTF-8", "LC_ALL": "zh_TW.UTF-8"}, (), "hant", id="LC_ALL-over-LANG"),
        pytest.param({"LANG": "zh_TW.UTF-8", "LC_ALL": "C"}, (), "en", id="LC_ALL-C-over-LANG"),
    ],
)
def test_explain_language_defaults_from_the_locale(
    run: Run, saved: Path, env: dict[str, str], unset: tuple[str, ...], script: str
) -> None:
    code, out, _ = run("explain", str(saved), env=env, unset=unset)
    assert code == 2
    if script == "hant":
        assert _hant(out) and not _hans(out)
    elif script == "hans":
        assert _hans(out) and not _hant(out)
    else:
        assert "Verdict" in out and not _hans(out) and not _hant(out)


def test_explain_lang_option_beats_the_locale(run: Run, saved: Path) -> None:
    _, out, _ = run("explain", str(saved), "--lang", "en", env={"LC_ALL": "zh_TW.UTF-8"})
    assert "Verdict" in out
