"""`mailprobe serve` as an operator runs it: one line when it starts (where it listens, what answers there),
one access line per request in the common log format and never a query string, a reload of `GET /check`
back at the form, and a scrape timeout too short for the usual margin still a probe (or `unknown`), never a
400."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.lab.world import World
from tests.support.command import cli_env
from tests.support.exporter import USER, free_port, serving

# host ident user [day/Mon/year:HH:MM:SS zone] "METHOD path protocol" status bytes
COMMON_LOG = re.compile(r'^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] '
                        r'"(GET|POST|HEAD) (/\S*) HTTP/1\.1" (\d{3}) (\d+|-)$')


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A serve process on the lab world, its standard error written to a file (its log)."""
    root = tmp_path_factory.mktemp("serve-log")
    log = root / "stderr.txt"
    with World(root / "world") as world, log.open("w", encoding="utf-8") as stderr:
        port = free_port()
        command = [sys.executable, "-m", "mailprobe", "serve", "--listen", f"127.0.0.1:{port}", *world.cli_args(),
                   "--timeout", "5"]
        with serving(command, port, cli_env(), stderr=stderr) as base:
            yield base, log


def lines(log: Path, until: str = "", wait_s: float = 5.0) -> list[str]:
    """The log so far; waits (bounded) for a line containing `until` (log lines come after the answer)."""
    deadline = time.monotonic() + wait_s
    while True:
        found = log.read_text(encoding="utf-8").splitlines()
        if any(until in line for line in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_one_line_says_where_it_listens_and_what_answers(served: tuple[str, Path]) -> None:
    base, log = served
    started = [line for line in lines(log, "listening on") if "listening on" in line]
    assert len(started) == 1
    line = started[0]
    assert line.startswith(f"mailprobe serve: listening on {base}/ ")
    assert "the form at /" in line and "/probe?target=ADDRESS" in line and "modules: default" in line
    assert "/metrics" in line


def test_each_request_is_one_common_log_line_without_its_query(served: tuple[str, Path]) -> None:
    base, log = served
    marker = "never-logged-query-value"
    answer = httpx.get(base + "/probe", params={"target": USER, "note": marker}, timeout=10)
    assert answer.status_code == 400  # an unknown parameter: still one access line
    httpx.get(base + "/metrics", timeout=10)
    found = lines(log, '"GET /metrics')
    access = [COMMON_LOG.match(line) for line in found if line.startswith("127.0.0.1 ")]
    assert access and all(access), found
    requests = [(m.group(1), m.group(2), m.group(3)) for m in access if m is not None]
    assert ("GET", "/probe", "400") in requests and ("GET", "/metrics", "200") in requests
    text = log.read_text(encoding="utf-8")
    assert marker not in text and USER not in text and "?" not in "".join(m.group(2) for m in access if m)


def test_a_reload_of_check_goes_back_to_the_form(served: tuple[str, Path]) -> None:
    base, _ = served
    answer = httpx.get(base + "/check", params={"lang": "zh-Hant"}, timeout=10)
    assert answer.status_code == 303 and answer.headers["location"] == "/?lang=zh-Hant"
    form = httpx.get(base + "/check", timeout=10, follow_redirects=True)
    assert form.status_code == 200 and "<form" in form.text and str(form.url).endswith("/?lang=en")


def _status(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "mailprobe_status":
                return float(sample.value)
    raise AssertionError(text)


@pytest.mark.parametrize("scrape", ["0.4", "0.2", "0"])
def test_a_tiny_scrape_timeout_is_a_short_probe_or_unknown_never_a_400(served: tuple[str, Path], scrape: str) -> None:
    base, _ = served
    answer = httpx.get(base + "/probe", params={"target": USER},
                       headers={"X-Prometheus-Scrape-Timeout-Seconds": scrape}, timeout=10)
    assert answer.status_code == 200, answer.text
    status = _status(answer.text)
    assert status in (0.0, 1.0, 2.0, 3.0)
    if scrape == "0":
        assert status == 3.0  # no time at all: nothing was probed, the answer says "unknown"
