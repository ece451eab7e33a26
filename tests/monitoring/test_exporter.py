"""The exporter over real HTTP on loopback: a scrape parses as Prometheus metrics, a bad target is a 400 with
its reason, a password in the URL is refused, /metrics counts, the scrape timeout header bounds the check."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.command import REPO, cli_env
from tests.support.exporter import NULL_MX, USER


def _families(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found.setdefault(s.name, []).append((s.labels, s.value))
    return found


def test_probe_scrape_parses(exporter: str) -> None:
    answer = httpx.get(exporter + "/probe", params={"target": USER, "module": "lab"},
                       headers={"X-Prometheus-Scrape-Timeout-Seconds": "6"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    found = _families(answer.text)
    assert found["mailprobe_probe_success"] == [({"mailbox": USER}, 1.0)]
    assert found["mailprobe_status"] == [({"mailbox": USER}, 0.0)]
    assert found["mailprobe_check_success"]


def test_probe_of_a_broken_domain_says_critical(exporter: str) -> None:
    answer = httpx.get(exporter + "/probe", params={"target": f"a@{NULL_MX}", "module": "lab"}, timeout=10)
    found = _families(answer.text)
    assert found["mailprobe_status"][0][1] == 2.0
    assert found["mailprobe_cause_info"][0][0]["cause"] == "mx_not_configured"


@pytest.mark.parametrize(("params", "reason"), [
    ({"target": "not-an-address"}, "not a mailbox address"),
    ({}, "target parameter missing"),
    ({"target": USER, "module": "nosuch"}, "unknown module"),
    ({"target": USER, "password": "hunter2"}, "never takes credentials"),
    ({"target": USER, "bogus": "1"}, "unknown parameter"),
    ({"target": USER, "timeout": "x"}, "must be numbers"),
])
def test_bad_requests_are_400_with_a_reason(exporter: str, params: dict[str, str], reason: str) -> None:
    answer = httpx.get(exporter + "/probe", params=params, timeout=10)
    assert answer.status_code == 400
    assert reason in answer.text
    assert "hunter2" not in answer.text


def test_scrape_timeout_header_bounds_the_check(exporter: str) -> None:
    started = time.monotonic()
    answer = httpx.get(exporter + "/probe", params={"target": "a@unknown-host.invalid", "module": "lab"},
                       headers={"X-Prometheus-Scrape-Timeout-Seconds": "1.5"}, timeout=10)
    assert answer.status_code == 200
    assert time.monotonic() - started < 1.5 + 0.5
    assert _families(answer.text)["mailprobe_probe_duration_seconds"][0][1] <= 1.1


def test_own_metrics(exporter: str) -> None:
    httpx.get(exporter + "/probe", params={"target": "bad"}, timeout=10)
    found = _families(httpx.get(exporter + "/metrics", timeout=10).text)
    assert found["mailprobe_exporter_bad_requests_total"][0][1] >= 1
    assert "mailprobe_exporter_probes_in_flight" in found


def test_missing_extra_says_how_to_install(tmp_path: Path) -> None:
    shim = tmp_path / "uvicorn.py"
    shim.write_text("raise ImportError('no uvicorn here')\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mailprobe", "serve", "--listen", "127.0.0.1:0"],
                            env=cli_env({"PYTHONPATH": f"{tmp_path}:{REPO}"}), cwd=REPO, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 3
    assert "pip install 'mailprobe[serve]'" in result.stderr
