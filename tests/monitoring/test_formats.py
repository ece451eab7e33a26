"""The prometheus and nagios formats, parsed back by real parsers; --output written atomically."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.lab.world import World
from tests.support.command import run_mailprobe
from tests.support.exporter import NULL_MX, USER, mailprobe_check

# The monitoring-plugins guidelines: 'label'=value[UOM];[warn];[crit];[min];[max]
PERF = re.compile(r"^(?:'[^'=]+'|[^' =]+)=-?[0-9.]+(?:s|us|ms|%|B|KB|MB|TB|c)?"
                  r"(?:;[@~0-9.:-]*){0,4}$")
STATUS_LINE = re.compile(r"^MAILPROBE (OK|WARNING|CRITICAL|UNKNOWN) - ([^|]+?)(?: \| (.*))?$")


def parse_nagios(text: str) -> tuple[str, str, list[str], list[str]]:
    first, *details = text.splitlines()
    match = STATUS_LINE.match(first)
    assert match, first
    perf = re.findall(r"'[^']*'=\S+|\S+=\S+", match.group(3) or "")
    for item in perf:
        assert PERF.match(item), item
    assert all("|" not in line for line in details)
    return match.group(1), match.group(2), perf, details


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


IP = re.compile(r"^\d+\.\d+\.\d+\.\d+$|:")


def test_prometheus_parses_and_carries_the_blackbox_names(world: World) -> None:
    result = mailprobe_check(world, USER, f"a@{NULL_MX}", "--format", "prometheus")
    assert result.code == 2, result.stderr
    found = samples(result.stdout)
    status = {labels["mailbox"]: value for labels, value in found["mailprobe_status"]}
    assert status == {USER: 0, f"a@{NULL_MX}": 2}
    success = {labels["mailbox"]: value for labels, value in found["mailprobe_probe_success"]}
    assert success == {USER: 1, f"a@{NULL_MX}": 0}
    assert found["mailprobe_probe_duration_seconds"]
    assert found["mailprobe_run_timestamp_seconds"][0][1] > 1.7e9
    checks = found["mailprobe_check_success"]
    assert {labels["check_kind"] for labels, _ in checks} >= {"imap", "smtp", "web"}
    keys = [(labels["mailbox"], labels["check_kind"], labels["target_host"], labels["port"]) for labels, _ in checks]
    assert len(keys) == len(set(keys))  # one series per (kind, host, port): the worst counts
    expiry = {labels["mailbox"]: value for labels, value in found["mailprobe_ssl_earliest_cert_expiry"]}
    assert expiry[USER] > 1.7e9
    assert any(labels["version"].startswith("TLS") for labels, _ in found["mailprobe_tls_version_info"])
    causes = [labels for labels, _ in found["mailprobe_cause_info"]]
    assert causes == [{"mailbox": f"a@{NULL_MX}", "cause": "mx_not_configured", "section": causes[0]["section"],
                       "severity": "critical"}]
    for series in found.values():  # no IP address and no free text as a label
        for labels, _ in series:
            for name, value in labels.items():
                assert not (name != "mailbox" and IP.search(value) and name != "target_host"), (name, value)
                assert len(value) < 255 and " " not in value, (name, value)


def test_nagios_status_line_and_perfdata(world: World) -> None:
    result = mailprobe_check(world, USER, "--format", "nagios")
    assert result.code == 0, result.stderr
    state, head, perf, _ = parse_nagios(result.stdout)
    assert state == "OK" and USER in head
    assert any(item.startswith("'time'=") and re.match(r"'time'=[0-9.]+s;", item) for item in perf)
    assert any(item.startswith("'cert_days_left'=") and ";14:;3:;" in item for item in perf)


def test_nagios_dns_failure_is_critical_never_unknown(world: World) -> None:
    result = mailprobe_check(world, f"a@{NULL_MX}", "--format", "nagios")
    assert result.code == 2
    state, _, _, details = parse_nagios(result.stdout)
    assert state == "CRITICAL"
    assert any("mx_not_configured" in line for line in details)


def test_nagios_word_matches_the_exit_code_when_a_line_is_not_an_address(world: World) -> None:
    """A batch's status is the worst of the addresses checked, word and exit code alike: a line that is not an
    address is counted apart and never turns the others' state into UNKNOWN (nor an exit 0 into UNKNOWN)."""
    healthy = mailprobe_check(world, USER, "bad@@x", "--format", "nagios")
    state, head, _, details = parse_nagios(healthy.stdout)
    assert (healthy.code, state) == (0, "OK"), healthy.stdout
    assert head == "1 mailbox: 1 ok; 1 not checked (not an address)"
    assert "bad@@x: not checked (not an address)" in details
    assert "bad@@x" in healthy.stderr  # and named on stderr, as for every format

    broken = mailprobe_check(world, USER, f"a@{NULL_MX}", "bad@@x", "--format", "nagios")
    assert (broken.code, parse_nagios(broken.stdout)[0]) == (2, "CRITICAL")

    nothing = mailprobe_check(world, "bad@@x", "worse@@x", "--format", "nagios")
    state, head, perf, _ = parse_nagios(nothing.stdout)
    assert (nothing.code, state, perf) == (3, "UNKNOWN", [])
    assert head == "0 mailboxes; 2 not checked (not an address)"


@pytest.mark.parametrize("args", [
    ("check", "bad@@x", "--format", "nagios"),
    ("check", "--format=nagios", "bad@@x"),
    ("check", USER, "--format", "nagios", "--timeout", "-1"),
    ("check", USER, "--format", "nagios", "--no-such-option"),
    ("check", USER, "--format", "nagios", "--input", "/nonexistent/mailboxes.txt"),
])
def test_nagios_bad_input_is_one_unknown_line_on_stdout(args: tuple[str, ...]) -> None:
    """Nagios shows a plugin's standard output only ("(No output returned from plugin)" otherwise): bad input is
    one UNKNOWN status line there, exit 3, and still the one line on stderr."""
    result = run_mailprobe(*args)
    assert result.code == 3 and "Traceback" not in result.stderr
    [status] = result.stdout.splitlines()
    [said] = result.stderr.splitlines()
    assert status == "MAILPROBE UNKNOWN - " + said.removeprefix("mailprobe: ")
    assert parse_nagios(result.stdout)[0] == "UNKNOWN"


def test_other_formats_keep_standard_output_empty_on_bad_input() -> None:
    for fmt in ("text", "json", "prometheus"):
        result = run_mailprobe("check", "bad@@x", "--format", fmt)
        assert (result.code, result.stdout) == (3, "")


def test_certificate_thresholds_turn_expiry_into_warning_and_critical(world: World) -> None:
    # The lab's certificates are valid for some days; thresholds beyond that make them "expiring".
    warn = mailprobe_check(world, USER, "--format", "nagios", "--cert-warn-days", "3000", "--cert-crit-days", "0")
    assert warn.code == 1, warn.stdout
    assert parse_nagios(warn.stdout)[0] == "WARNING"
    crit = mailprobe_check(world, USER, "--format", "prometheus", "--cert-warn-days", "3000",
                           "--cert-crit-days", "3000")
    assert crit.code == 2
    found = samples(crit.stdout)
    assert [labels["cause"] for labels, _ in found["mailprobe_cause_info"]] == ["tls_certificate_problem"]


def test_certificate_thresholds_set_each_mail_sessions_status(world: World) -> None:
    """The thresholds reach the mail sessions' own status too (it once kept a fixed 14 days): a lab
    certificate with a year left is a warning under --cert-warn-days 3000, and no session warns under 0."""
    import json

    strict = json.loads(mailprobe_check(world, USER, "--format", "json", "--cert-warn-days", "3000").stdout)
    lenient = json.loads(mailprobe_check(world, USER, "--format", "json", "--cert-warn-days", "0",
                                         "--cert-crit-days", "0").stdout)
    sessions = [c for c in strict["checks"] if c["kind"] in ("imap", "pop3", "smtp") and c["data"].get("tls")]
    assert sessions and {c["status"] for c in sessions} == {"warn"}
    assert all(c["status"] != "warn" for c in lenient["checks"] if c["kind"] in ("imap", "pop3", "smtp"))


def test_output_is_written_atomically_for_every_format(world: World, tmp_path: Path) -> None:
    for fmt in ("prometheus", "nagios", "json", "jsonl", "text"):
        target = tmp_path / f"out.{fmt}"
        result = mailprobe_check(world, USER, "--format", fmt, "--output", str(target))
        assert result.code == 0, result.stderr
        assert result.stdout == ""
        assert target.read_text(encoding="utf-8").strip()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"out.{f}" for f in
                                                               ("prometheus", "nagios", "json", "jsonl", "text"))
    samples((tmp_path / "out.prometheus").read_text(encoding="utf-8"))
