"""`mailprobe check` through the real command line, against the simulated provider world on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.lab.dnsserver import LabDnsServer
from tests.lab.world import CUSTOMER, World
from tests.support.command import Run, run_mailprobe

USER = f"zhang.san@{CUSTOMER}"
IDN_ASCII = "xn--55qx5d.xn--fiqs8s"  # 公司.中国
NULL_MX = "no-mail.example.com"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The healthy world, plus an IDN customer domain hosted at qq and a domain that takes no mail."""
    domains = {
        IDN_ASCII: {"MX": ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."], "TXT": ['"v=spf1 include:spf.mail.qq.com ~all"']},
        NULL_MX: {"MX": ["0 ."]},
    }
    with World(tmp_path_factory.mktemp("world"), domains=domains) as running:
        yield running


@pytest.fixture(scope="module")
def report_schema() -> dict[str, Any]:
    result = run_mailprobe("schema")
    assert result.code == 0, result.stderr
    schema: dict[str, Any] = json.loads(result.stdout)
    return schema


def check(run: Run, world: World, *args: str, **kwargs: Any) -> Any:
    return run("check", *args, *world.cli_args(), **kwargs)


def _json(text: str) -> Any:
    return json.loads(text)


# -- a healthy mailbox ----------------------------------------------------------------------------------


def test_healthy_mailbox_json_is_ok_with_no_diagnosis(run: Run, world: World) -> None:
    code, out, err = check(run, world, USER, "--format", "json")
    assert code == 0, err
    report = _json(out)
    assert report["schema_version"] == 2
    assert report["status"] == "ok"
    assert report["diagnosis"] == []
    assert report["address"] == USER
    assert report["domain"] == report["domain_ascii"] == CUSTOMER
    assert report["provider"]["id"] == "qq"
    assert report["provider"]["matched_by"] == "mx"
    assert report["tool"]["name"] == "mailprobe"
    assert report["checks"], "a report without checks checked nothing"
    bad = [(c["id"], c["status"]) for c in report["checks"] if c["status"] not in ("pass", "skip")]
    assert bad == []
    kinds = {c["kind"] for c in report["checks"]}
    assert {"dns", "imap", "pop3", "smtp", "web"} <= kinds


def test_healthy_report_validates_against_schema_command(
    run: Run, world: World, report_schema: dict[str, Any]
) -> None:
    code, out, _ = check(run, world, USER, "--format", "json")
    assert code == 0
    jsonschema.Draft202012Validator(report_schema).validate(_json(out))


def test_schema_rejects_a_report_with_an_unknown_status(
    run: Run, world: World, report_schema: dict[str, Any]
) -> None:
    """The schema is not vacuous: it catches a report a monitoring system could not read."""
    _, out, _ = check(run, world, USER, "--format", "json")
    report = _json(out)
    report["status"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(report_schema).validate(report)


def test_healthy_mailbox_text_has_verdict_and_exits_0(run: Run, world: World) -> None:
    code, out, err = check(run, world, USER, "--format", "text", "--lang", "en")
    assert code == 0, err
    assert USER in out
    assert "[OK]" in out
    verdicts = [line for line in out.splitlines() if line.startswith("Verdict:")]
    assert len(verdicts) == 1
    assert "\x1b[" not in out  # NO_COLOR, and not a terminal
    assert err == ""


def test_text_is_not_coloured_when_piped_even_without_no_color(run: Run, world: World) -> None:
    code, out, _ = check(run, world, USER, "--lang", "en", unset=["NO_COLOR"])
    assert code == 0
    assert "\x1b[" not in out


def test_healthy_mailbox_text_in_traditional_chinese(run: Run, world: World) -> None:
    code, out, _ = check(run, world, USER, "--lang", "zh-Hant")
    assert code == 0
    assert "結論" in out
    assert "Verdict" not in out


def test_language_of_check_follows_lang_env(run: Run, world: World) -> None:
    code, out, _ = check(run, world, USER, env={"LANG": "zh_CN.UTF-8"})
    assert code == 0
    assert "结论" in out


def test_jsonl_prints_one_object_per_line(run: Run, world: World) -> None:
    second = f"li.si@{CUSTOMER}"
    code, out, err = check(run, world, USER, second, "--format", "jsonl")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2
    reports = [_json(line) for line in lines]
    assert all(isinstance(r, dict) and r["schema_version"] == 2 for r in reports)
    assert {r["address"] for r in reports} == {USER, second}


def test_jsonl_single_address_is_one_line(run: Run, world: World) -> None:
    code, out, _ = check(run, world, USER, "--format", "jsonl")
    assert code == 0
    assert len(out.splitlines()) == 1
    assert _json(out)["status"] == "ok"


def test_two_addresses_json_is_an_array_and_no_progress_off_a_terminal(run: Run, world: World) -> None:
    second = f"li.si@{CUSTOMER}"
    code, out, err = check(run, world, USER, second, "--format", "json")
    assert code == 0
    reports = _json(out)  # stdout is nothing but the JSON document
    assert isinstance(reports, list)
    assert [r["address"] for r in reports] == [USER, second]
    assert err == ""  # the progress bar is drawn only when stderr is a terminal


def test_several_addresses_exit_with_the_worst_status(run: Run, world: World) -> None:
    code, out, _ = check(run, world, USER, f"a@{NULL_MX}", "--format", "json")
    reports = {r["address"]: r for r in _json(out)}
    assert reports[USER]["status"] == "ok"
    assert reports[f"a@{NULL_MX}"]["status"] == "critical"
    assert reports[f"a@{NULL_MX}"]["diagnosis"][0]["cause"] == "mx_not_configured"
    assert code == 2


def test_input_file_skips_comments_and_blank_lines(run: Run, world: World, tmp_path: Path) -> None:
    listing = tmp_path / "mailboxes.txt"
    listing.write_text(
        f"# the sales team\n\n{USER}\n   \n  # someone left\n  li.si@{CUSTOMER}  \n\n", encoding="utf-8"
    )
    code, out, err = check(run, world, "--input", str(listing), "--format", "json")
    assert code == 0, err
    reports = _json(out)
    assert [r["address"] for r in reports] == [USER, f"li.si@{CUSTOMER}"]


def test_input_file_adds_to_addresses_on_the_command_line(run: Run, world: World, tmp_path: Path) -> None:
    listing = tmp_path / "mailboxes.txt"
    listing.write_text(f"li.si@{CUSTOMER}\n", encoding="utf-8")
    code, out, _ = check(run, world, USER, "--input", str(listing), "--format", "json")
    assert code == 0
    assert {r["address"] for r in _json(out)} == {USER, f"li.si@{CUSTOMER}"}


def test_verbose_text_lists_passing_checks(run: Run, world: World) -> None:
    _, quiet, _ = check(run, world, USER, "--lang", "en")
    _, verbose, _ = check(run, world, USER, "--lang", "en", "-v")
    assert len(verbose.splitlines()) >= len(quiet.splitlines())
    assert "skip" in verbose


# -- IDN ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["用户@公司.中国", "用户＠公司.中国", "用户@公司。中国"],
                         ids=["ascii-at", "fullwidth-at", "ideographic-full-stop"])
def test_idn_address_reports_unicode_domain_and_punycode(run: Run, world: World, address: str) -> None:
    code, out, err = check(run, world, address, "--format", "json")
    assert code == 0, err
    report = _json(out)
    assert report["domain"] == "公司.中国"
    assert report["domain_ascii"] == IDN_ASCII
    assert report["address"] == "用户@公司.中国"
    assert report["provider"]["id"] == "qq"
    assert report["status"] == "ok"


def test_idn_text_report_shows_the_unicode_domain(run: Run, world: World) -> None:
    code, out, _ = check(run, world, "用户@公司.中国", "--lang", "zh-Hans")
    assert code == 0
    assert "公司.中国" in out


# -- a resolver that lies or says nothing ---------------------------------------------------------------


@pytest.fixture
def broken_dns() -> Iterator[LabDnsServer]:
    with LabDnsServer() as server:
        yield server


def _run_against(run: Run, dns: LabDnsServer, timeout: float) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    code, out, err = run(
        "check", USER, "--format", "json", "--nameserver", dns.nameserver, "--timeout", f"{timeout:g}",
        timeout=timeout + 20,
    )
    elapsed = time.monotonic() - started
    assert "Traceback" not in err
    return code, _json(out), elapsed


def test_resolver_saying_nxdomain_for_everything_is_a_dns_problem(run: Run, broken_dns: LabDnsServer) -> None:
    broken_dns.set_faults(nxdomain_everything=True)
    code, report, elapsed = _run_against(run, broken_dns, 10)
    assert code == 2
    assert report["status"] == "critical"
    assert report["diagnosis"][0]["cause"] == "dns_resolution_problem"
    causes = [d["cause"] for d in report["diagnosis"]]
    assert "mx_not_configured" not in causes  # not a verdict about the domain
    assert elapsed < 10 + 1  # did not hang (generous)
    assert broken_dns.queries, "mailprobe never asked the --nameserver it was given"


def test_resolver_dropping_every_packet_is_a_dns_problem_within_the_deadline(
    run: Run, broken_dns: LabDnsServer
) -> None:
    broken_dns.set_faults(drop=True)
    code, report, elapsed = _run_against(run, broken_dns, 3)
    assert code == 2
    assert report["diagnosis"][0]["cause"] == "dns_resolution_problem"
    assert elapsed < 3 + 1, f"took {elapsed:.1f} s with --timeout 3"


def test_resolver_servfail_is_a_dns_problem(run: Run, broken_dns: LabDnsServer) -> None:
    broken_dns.set_faults(servfail=True)
    code, report, _ = _run_against(run, broken_dns, 5)
    assert code == 2
    assert report["diagnosis"][0]["cause"] == "dns_resolution_problem"


def test_provider_outage_is_critical_with_server_outage(run: Run, tmp_path: Path) -> None:
    with World(tmp_path, down={"qq.imap"}) as down:
        code, out, _ = run("check", USER, "--format", "json", *down.cli_args())
    report = _json(out)
    assert code == 2
    assert report["status"] == "critical"
    assert report["diagnosis"][0]["cause"] == "server_outage"
    failing = {c["id"] for c in report["checks"] if c["status"] == "fail"}
    assert set(report["diagnosis"][0]["evidence"]) & failing


def test_outage_report_validates_against_schema(run: Run, tmp_path: Path, report_schema: dict[str, Any]) -> None:
    with World(tmp_path, down={"qq.smtp"}) as down:
        _, out, _ = run("check", USER, "--format", "json", "--lang", "zh-Hant", *down.cli_args())
    report = _json(out)
    assert report["diagnosis"]
    jsonschema.Draft202012Validator(report_schema).validate(report)


# -- options that change the plan -----------------------------------------------------------------------


def test_forced_provider_is_reported_as_forced(run: Run, world: World) -> None:
    code, out, _ = check(run, world, USER, "--format", "json", "--provider", "qq")
    report = _json(out)
    assert code == 0
    assert report["provider"] == {**report["provider"], "id": "qq", "matched_by": "forced"}


def test_forcing_a_provider_the_mx_does_not_point_to_is_mx_not_configured(run: Run, world: World) -> None:
    code, out, _ = check(run, world, USER, "--format", "json", "--provider", "netease")
    report = _json(out)
    assert code == 2
    assert report["provider"]["id"] == "netease"
    assert report["diagnosis"][0]["cause"] == "mx_not_configured"


def test_no_baseline_probes_no_other_provider(run: Run, world: World) -> None:
    code, out, _ = check(run, world, USER, "--format", "json", "--no-baseline")
    assert code == 0
    report = _json(out)
    assert [c["id"] for c in report["checks"] if c["kind"] == "baseline"] == []
    assert all(c["data"].get("role") != "baseline" or c["kind"] == "dns" for c in report["checks"])


def test_default_baseline_probes_other_providers(run: Run, world: World) -> None:
    _, out, _ = check(run, world, USER, "--format", "json")
    baseline_hosts = {c["target"].rsplit(":", 1)[0] for c in _json(out)["checks"] if c["kind"] == "baseline"}
    assert baseline_hosts
    assert not any(host.endswith("qq.com") for host in baseline_hosts)  # never the provider itself


def test_json_words_follow_the_locale_and_ids_do_not(run: Run, world: World) -> None:
    _, out, _ = check(run, world, f"a@{NULL_MX}", "--format", "json", env={"LANG": "zh_TW.UTF-8"})
    report = _json(out)
    assert report["lang"] == "zh-Hant"
    entry = report["diagnosis"][0]
    assert entry["cause"] == "mx_not_configured"
    assert entry["severity"] == "critical"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in entry["summary"])


def test_input_file_saved_on_windows_with_bom_and_crlf(run: Run, world: World, tmp_path: Path) -> None:
    listing = tmp_path / "mailboxes.txt"
    listing.write_bytes(f"\ufeff{USER}\r\n# comment\r\nli.si@{CUSTOMER}\r\n".encode())
    code, out, err = check(run, world, "--input", str(listing), "--format", "json")
    assert code == 0, err
    assert [r["address"] for r in _json(out)] == [USER, f"li.si@{CUSTOMER}"]
