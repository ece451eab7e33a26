"""The machine formats keep no report: a batch's memory does not grow with its addresses.

jsonl prints each report as it ends; json, prometheus and nagios are fed to their format's Collector, which
keeps only what it will print (prometheus spools its sample lines to an anonymous temporary file per metric,
json keeps only the reports that ended ahead of an earlier one, nagios a line of perfdata per mailbox). Before,
they kept every report until the end: 2,000 addresses took 444 MB in prometheus, 311 MB in nagios and 808 MB in
json, against 76 MB in jsonl. Measured here as a ratio (the peak of ten times the addresses against the peak
of a few), never as an absolute figure; `bench/batch.py --formats` gives the figures.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mailprobe.render import FORMATS
from mailprobe.render.options import RenderOptions
from mailprobe.report import Report
from mailprobe.savedreport import load_reports
from tests.lab.world import World
from tests.support.command import REPO, cli_env

FIXTURE = REPO / "tests" / "fixtures" / "report-v1-outage.json"
COLLECTED = ("json", "prometheus", "nagios")


# `python -m mailprobe` that writes its own peak resident memory (VmHWM, its process's own high-water mark)
# to $PEAK_FILE as it exits. (wait4's ru_maxrss would also count the test process it was forked from.)
_MEASURED = (
    "import atexit, os, runpy\n"
    "def _peak():\n"
    "    with open('/proc/self/status', encoding='ascii') as status, open(os.environ['PEAK_FILE'], 'w') as out:\n"
    "        out.write(next(line for line in status if line.startswith('VmHWM:')).split()[1])\n"
    "atexit.register(_peak)\n"
    "runpy.run_module('mailprobe', run_name='__main__', alter_sys=True)\n"
)


def _peak_rss_mb(argv: list[str], out: Path) -> float:
    """The command's peak resident memory, its output written to OUT."""
    peak = out.with_suffix(".peak")
    result = subprocess.run([sys.executable, "-c", _MEASURED, *argv, "--output", str(out)], capture_output=True,
                            text=True, env=cli_env({"PEAK_FILE": str(peak)}), cwd=REPO, timeout=120, check=False)
    assert result.returncode in (0, 1, 2), result.stderr
    return int(peak.read_text(encoding="ascii")) / 1024


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads VmHWM in /proc")
@pytest.mark.parametrize("fmt", COLLECTED)
def test_a_batch_ten_times_longer_takes_no_more_memory(world: World, tmp_path: Path, fmt: str) -> None:
    """Addresses at twenty domains that do not exist (the lab answers at once): every check runs, the shared
    work stays the same, and only the reports would pile up."""
    peaks = {}
    for count in (40, 400):
        listing = tmp_path / f"list-{count}.txt"
        listing.write_text("".join(f"user{n}@nx{n % 20}.example\n" for n in range(count)), encoding="utf-8")
        out = tmp_path / f"out-{count}.{fmt}"
        peaks[count] = _peak_rss_mb(["check", "--input", str(listing), "--format", fmt, "--concurrency", "16",
                                     "--timeout", "5", *world.cli_args()], out)
        assert out.stat().st_size > 0
    # Keeping the reports grew the peak by 40-110 % from 40 to 400 addresses; keeping none, by about 1 %.
    assert peaks[400] < peaks[40] * 1.15, peaks


# -- the collectors --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports() -> list[Report]:
    base = load_reports(str(FIXTURE))[0]
    statuses = ("ok", "warning", "critical", "unknown")
    return [base.model_copy(update={"address": f"user{n}@d{n % 7}.example", "status": statuses[n % 4],
                                    "checks": base.checks[: (n * 7) % len(base.checks)],
                                    "diagnosis": base.diagnosis if n % 3 else []})
            for n in range(60)]


def _collected(fmt: str, items: list[tuple[int, Report | None]]) -> str:
    """The output of FMT's collector fed ITEMS (position, report or None for a skipped position) in order."""
    collect = FORMATS[fmt].collect
    assert collect is not None
    collector = collect(RenderOptions())
    pieces: list[str] = []
    for position, report in items:
        pieces += collector.add(position, report) if report is not None else collector.skip(position)
    return "\n".join([*pieces, *collector.finish()])


@pytest.mark.parametrize("fmt", COLLECTED)
def test_a_collector_fed_in_any_order_prints_what_the_renderer_prints(reports: list[Report], fmt: str) -> None:
    expected = FORMATS[fmt].render(reports, RenderOptions())
    shuffled = sorted(enumerate(reports), key=lambda item: (item[0] * 37) % len(reports))
    assert _collected(fmt, shuffled) == expected  # type: ignore[arg-type]
    assert _collected(fmt, list(enumerate(reports[:1]))) == FORMATS[fmt].render(reports[:1], RenderOptions())


@pytest.mark.parametrize("fmt", COLLECTED)
def test_a_collector_keeps_no_report(reports: list[Report], fmt: str) -> None:
    collect = FORMATS[fmt].collect
    assert collect is not None
    collector = collect(RenderOptions())
    copies = [report.model_copy() for report in reports]
    kept = [weakref.ref(report) for report in copies]
    for position, report in reversed(list(enumerate(copies))):  # the worst order: the first comes last
        collector.add(position, report)
    del copies, report
    gc.collect()
    assert [ref for ref in kept if ref() is not None] == []
    assert "".join(collector.finish())


def test_json_writes_each_report_once_those_before_it_are_out(reports: list[Report]) -> None:
    collect = FORMATS["json"].collect
    assert collect is not None
    collector = collect(RenderOptions())
    assert collector.add(1, reports[1]) == []  # waits for position 0
    assert collector.skip(0) == []  # position 0 prints nothing (--changes-only): 1 is held as the last so far
    assert collector.add(3, reports[3]) == []
    written = collector.add(2, reports[2])  # 2 comes out, and with it 1 (its comma known now)
    assert written[0] == "[" and written[1].endswith("},")
    out = "\n".join([*written, *collector.finish()])
    assert [item["address"] for item in json.loads(out)] == [reports[n].address for n in (1, 2, 3)]


def test_json_of_one_report_is_the_report_itself(reports: list[Report]) -> None:
    out = _collected("json", [(0, None), (1, reports[1]), (2, None)])
    assert json.loads(out)["address"] == reports[1].address


def test_prometheus_a_mailbox_checked_twice_has_one_series_each_the_later_value(reports: list[Report]) -> None:
    twice = [reports[0], reports[1].model_copy(update={"address": reports[0].address, "status": "critical"})]
    out = _collected("prometheus", [(1, twice[1]), (0, twice[0])])
    names = [(s.name, tuple(sorted(s.labels.items()))) for family in text_string_to_metric_families(out)
             for s in family.samples]
    assert len(names) == len(set(names))
    status = [s.value for family in text_string_to_metric_families(out) for s in family.samples
              if s.name == "mailprobe_status"]
    assert status == [2.0]
