"""Values a hostile saved report, profile or argument may hold, through the real command line: escapes are
shown, never obeyed, in every output format (a Nagios check id cannot forge perfdata, a Prometheus label is
escaped as the exposition format says), raw arguments and profile strings are shown, and NaN is no number.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mailprobe.render import FORMATS
from mailprobe.report import Report
from mailprobe.savedreport import load_reports
from tests.support.command import REPO, Run, assert_bad_input

# A title change, a screen clear, a C1 CSI, a bidi override, a newline and a '|' that would start Nagios
# perfdata, quote and backslash that a Prometheus label value must escape.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u009b31m\u202eevil\u202c\n| 'forged'=1;;;; \"q\\"
# Characters no output may carry raw: ESC, BEL, C1 CSI, the bidi controls, and the other C0 controls.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FIXTURE = REPO / "tests" / "fixtures" / "report-v1-outage.json"
SAFE = ("--nameserver", "127.0.0.1:1", "--timeout", "2", "--no-baseline")
GOOD = "user@b.example"


def _strings(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _append(document: Any, path: tuple[Any, ...], text: str) -> None:
    for key in path[:-1]:
        document = document[key]
    document[path[-1]] += text


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The saved report with HOSTILE appended to every string a report may hold (each one that still makes a
    valid report: ids, names, addresses, sections, stages, summaries, remedies, parameters...)."""
    base = load_reports(str(FIXTURE))[0].model_dump(mode="json")
    hostile = copy.deepcopy(base)
    for path in _strings(base):
        trial = copy.deepcopy(base)
        _append(trial, path, HOSTILE)
        try:
            Report.model_validate(trial)
        except ValueError:
            continue
        _append(hostile, path, HOSTILE)
    # The cause's evidence names the (now hostile) check ids.
    hostile["diagnosis"][0]["evidence"] = [check["id"] for check in hostile["checks"]]
    saved = tmp_path_factory.mktemp("hostile") / "report.json"
    saved.write_text(json.dumps(hostile), encoding="utf-8")
    return saved


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_no_format_carries_a_raw_escape_from_a_saved_report(run: Run, hostile_report: Path, fmt: str) -> None:
    result = run("explain", str(hostile_report), "--format", fmt, "-v")
    assert result.code == 2, result.stderr
    assert "forged" in result.stdout  # the hostile text is there, shown
    found = RAW.search(result.stdout)
    assert found is None, (repr(found.group()), result.stdout[max(0, found.start() - 80):found.start() + 40])


def test_nagios_check_ids_cannot_forge_perfdata(run: Run, hostile_report: Path) -> None:
    result = run("explain", str(hostile_report), "--format", "nagios", "-v")
    first, *details = result.stdout.splitlines()
    assert first.startswith("MAILPROBE CRITICAL - ")
    assert first.count("|") == 1  # the one that starts perfdata
    perfdata = first.split("|", 1)[1]
    assert "forged" not in perfdata and "\\x1b" not in perfdata.split("'")[0]
    for line in details:  # the plugin guidelines read perfdata after a '|' in the long output too
        assert "|" not in line, line
    assert any("forged" in line for line in details)


def test_prometheus_label_values_are_escaped_and_shown(run: Run, hostile_report: Path) -> None:
    result = run("explain", str(hostile_report), "--format", "prometheus")
    families = {family.name: family for family in text_string_to_metric_families(result.stdout)}
    mailbox = families["mailprobe_status"].samples[0].labels["mailbox"]
    # The exposition's own escapes (quote, backslash, newline) are undone by the parser; the controls are
    # visible escapes, never the characters.
    assert '"q\\' in mailbox and "\\x1b]0;pwned\\x07" in mailbox and "\\u202e" in mailbox
    assert "\\n| " in mailbox and "\n" not in mailbox
    cause = families["mailprobe_cause_info"].samples[0].labels
    assert cause["cause"].startswith("server_outage\\x1b") and RAW.search(cause["section"]) is None


# -- arguments and profiles ---------------------------------------------------------------------------------


def test_history_shows_its_address_argument(run: Run, tmp_path: Path) -> None:
    from mailprobe.history import History

    History(tmp_path / "history.db").close()  # a history, with no run of this address
    address = "li\x1b]0;pwned\x07\u202eevil\u202c@b.example"
    for fmt in ("text", "json"):
        result = run("history", address, "--history", str(tmp_path / "history.db"), "--format", fmt)
        assert result.code == 3, result.stderr
        assert RAW.search(result.stdout) is None, repr(result.stdout)
        assert "\\x1b]0;pwned\\x07" in result.stdout or "\\u001b]0;pwned\\u0007" in result.stdout


def test_history_shows_what_a_stored_report_holds(run: Run, hostile_report: Path, tmp_path: Path) -> None:
    from mailprobe.history import History

    report = load_reports(str(hostile_report))[0].model_copy(update={"started_at": datetime.now(UTC)})
    with History(tmp_path / "history.db") as store:
        store.record(report)
    for fmt in ("text", "json"):
        result = run("history", report.address, "--history", str(tmp_path / "history.db"), "--format", fmt)
        assert result.code == 2, result.stderr
        assert "forged" in result.stdout
        assert RAW.search(result.stdout) is None, repr(result.stdout)


@pytest.fixture
def bidi_profiles(tmp_path: Path) -> Path:
    folder = tmp_path / "providers"
    folder.mkdir()
    text = (REPO / "providers" / "qq.toml").read_text(encoding="utf-8")
    text = text.replace('en = "Tencent Exmail (QQ Enterprise Mail)"', 'en = "Tencent \\u202eliame\\u202c \\u009b31m"')
    assert "\\u202e" in text
    (folder / "myqq.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("args", [("providers",), ("providers", "qq")], ids=["list", "one"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_providers_show_a_profiles_bidi_override(run: Run, bidi_profiles: Path, args: tuple[str, ...],
                                                 fmt: str) -> None:
    result = run(*args, "--providers-dir", str(bidi_profiles), "--format", fmt, "--lang", "en")
    assert result.code == 0, result.stderr
    assert RAW.search(result.stdout) is None, repr(result.stdout)
    assert "\\u202eliame" in result.stdout
    if fmt == "json":  # the same data once parsed: the JSON escape, not a change of the name
        names = json.dumps(json.loads(result.stdout), ensure_ascii=False)
        assert "\u202eliame\u202c \u009b31m" in names


@pytest.mark.parametrize(
    "baseline",
    [
        pytest.param("\x01\x02:25", id="controls"),
        pytest.param("imap\x1b[2J.b.example:993", id="escape"),
        pytest.param("imap\u202e.b.example:993", id="bidi"),
        pytest.param("imap b.example:993", id="space"),
        pytest.param("-imap.b.example:993", id="leading-hyphen"),
    ],
)
def test_baseline_host_that_is_no_host_name_is_bad_input(run: Run, baseline: str) -> None:
    line = assert_bad_input(run("check", *SAFE[:4], "--baseline", baseline, GOOD))
    assert "--baseline" in line and "neither a host name nor an IP address" in line
    assert RAW.search(line) is None


@pytest.mark.parametrize("baseline", ["imap.qiye.163.com:993", "[::1]:993", "127.0.0.1:25", "邮件.中国:993",
                                      "localhost:143"])
def test_baseline_host_names_and_addresses_are_taken(run: Run, baseline: str) -> None:
    result = run("check", *SAFE[:4], "--baseline", baseline, GOOD, "--format", "json")
    assert "--baseline" not in result.stderr, result.stderr


# -- NaN is no number ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        pytest.param(("check", *SAFE, "--cert-warn-days", "nan", GOOD), "--cert-warn-days", id="cert-warn-days"),
        pytest.param(("check", *SAFE, "--cert-crit-days", "NaN", GOOD), "--cert-crit-days", id="cert-crit-days"),
        pytest.param(("check", *SAFE, "--login", "--login-interval", "nan", GOOD), "--login-interval",
                     id="login-interval"),
        pytest.param(("check", *SAFE, "--login", "--login-interval", "inf", GOOD), "--login-interval",
                     id="login-interval-inf"),
        pytest.param(("history", GOOD, "--days", "nan"), "--days", id="history-days"),
        pytest.param(("history", GOOD, "--days", "-nan"), "--days", id="history-days-negative-nan"),
        pytest.param(("check", *SAFE[:4], "--timeout", "nan", GOOD), "--timeout", id="timeout"),
        pytest.param(("settings", GOOD, "--timeout", "nan"), "--timeout", id="settings-timeout"),
    ],
)
def test_nan_is_refused_in_one_line(run: Run, tmp_path: Path, args: tuple[str, ...], option: str) -> None:
    env = {"MAILPROBE_PASSWORD": "not-used", "MAILPROBE_HISTORY": str(tmp_path / "h.db"),
           "XDG_STATE_HOME": str(tmp_path / "state")}
    line = assert_bad_input(run(*args, env=env))
    assert option in line and "internal error" not in line
    assert not (tmp_path / "state").exists() or not any((tmp_path / "state").rglob("*.db"))


def test_the_hostile_report_fixture_has_hostile_fields_everywhere(hostile_report: Path) -> None:
    """The test's own premise: the section, a check id and a cause id are among the fields it made hostile."""
    saved = json.loads(hostile_report.read_text(encoding="utf-8"))
    assert HOSTILE in saved["diagnosis"][0]["section"] and HOSTILE in saved["checks"][0]["id"]
    assert HOSTILE in saved["diagnosis"][0]["cause"] and HOSTILE in saved["address"]
