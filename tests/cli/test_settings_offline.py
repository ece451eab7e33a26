"""`settings` on an offline network says what `check` says (issue 16, case 8), through the real command.

With a resolver that answers NXDOMAIN for every name, `settings someone@qq.com` said "qq.com does not exist
… check the spelling of the address", while `check` said the network or its DNS is offline. `settings` now
asks the providers' well-known names as a check does and words the diagnosis' own DNS judgement.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.dnsserver import LabDnsServer
from tests.lab.world import CUSTOMER, World
from tests.support.command import Run

ADDRESS = "someone@qq.com"


@pytest.fixture
def offline() -> Iterator[LabDnsServer]:
    with LabDnsServer() as dns:
        dns.set_faults(nxdomain_everything=True)
        yield dns


def check_summary(run: Run, dns: LabDnsServer, lang: str) -> str:
    code, out, err = run("check", ADDRESS, "--format", "json", "--lang", lang, "--nameserver", dns.nameserver,
                         "--timeout", "3")
    assert code == 2, err
    report = json.loads(out)
    assert report["diagnosis"][0]["cause"] == "dns_resolution_problem"
    return str(report["diagnosis"][0]["summary"])


@pytest.mark.parametrize(("lang", "offline_words"), [
    ("en", "offline"), ("zh-Hans", "离线"), ("zh-Hant", "離線"),
])
def test_settings_on_a_resolver_denying_every_name_says_what_check_says(
    run: Run, offline: LabDnsServer, lang: str, offline_words: str
) -> None:
    code, out, err = run("settings", ADDRESS, "--lang", lang, "--nameserver", offline.nameserver, "--timeout", "3")

    assert code == 3, (code, out, err)  # mailprobe could not tell: unknown, not "no such domain"
    assert "spelling" not in out and "拼写" not in out and "拼寫" not in out, out
    verdict = out.splitlines()[0]
    assert offline_words in verdict, verdict
    assert verdict == check_summary(run, offline, lang)  # one judgement, the check's own words


def test_settings_on_a_failing_resolver_says_what_check_says(run: Run) -> None:
    with LabDnsServer() as dns:
        dns.set_faults(servfail=True)
        code, out, _ = run("settings", ADDRESS, "--lang", "en", "--nameserver", dns.nameserver, "--timeout", "3")
        summary = check_summary(run, dns, "en")

    assert code == 3
    assert out.splitlines()[0] == summary


def test_settings_json_carries_checks_judgement(run: Run, offline: LabDnsServer) -> None:
    code, out, _ = run("settings", ADDRESS, "--format", "json", "--nameserver", offline.nameserver, "--timeout", "3")

    found = json.loads(out)
    assert code == 3
    assert (found["dns_problem"]["cause"], found["dns_problem"]["variant"]) == (
        "dns_resolution_problem", "denies_everything")
    assert found["servers"] == []


def test_a_misspelt_domain_on_a_working_network_still_asks_for_the_spelling(run: Run, tmp_path: Path) -> None:
    with World(tmp_path / "world") as lab:
        code, out, _ = run("settings", f"someone@no-such-{CUSTOMER}", "--lang", "en", "--nameserver",
                           lab.dns.nameserver, "--providers-dir", str(lab.providers_dir))

    assert code == 1
    assert "check the spelling" in out, out
