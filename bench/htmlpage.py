"""Benchmark (d): the HTML page of a report with 50 checks — its size (target: under 200 KB), the time to
render it in Python, and its load time in headless Debian Chromium, navigationStart → loadEventEnd
(target: under 100 ms). Reports figures; asserts nothing (tests/render/test_html.py checks the size)."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHECKS = 50
SIZE_TARGET = 200 * 1024
LOAD_TARGET_MS = 100.0
RENDERS = 20
LOADS = 15  # after one discarded warm-up load
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

Verdict = tuple[str, str, bool]


def build() -> tuple[str, list[float]]:
    from mailprobe.profiles import load_profiles
    from mailprobe.render.html import report_page as render_only
    from mailprobe.translations import translated_page, translations
    from tests.render.pages import sample_report

    report = sample_report(CHECKS)
    page = translated_page([report], "en", load_profiles())  # warm-up: templates compiled, profiles loaded
    every = translations([report], load_profiles())
    timings = []
    for _ in range(RENDERS):
        started = time.perf_counter()
        render_only(every["en"], "en", every)
        timings.append((time.perf_counter() - started) * 1000.0)
    return page, timings


def load_times(path: Path) -> list[float] | str:
    """navigationStart → loadEventEnd of each load, in ms; or why it could not be measured."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "the playwright package is missing (pip install -e '.[dev]')"
    times: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                       else route.abort())
            for run in range(LOADS + 1):
                page.goto(path.as_uri(), wait_until="load")
                took = page.evaluate(
                    "() => { const t = performance.timing; return t.loadEventEnd - t.navigationStart; }")
                if run:
                    times.append(float(took))
        finally:
            browser.close()
    return times


def main() -> list[Verdict]:
    print(f"== (d) html page: a report of {CHECKS} checks, three languages ==")
    page, renders = build()
    size = len(page.encode("utf-8"))
    render_ms = statistics.median(renders)
    print(f"  size {size / 1024:.1f} KB ({size} bytes)")
    print(f"  render in Python (median of {RENDERS}): {render_ms:.1f} ms")
    verdicts: list[Verdict] = [
        ("(d) page size, 50 checks < 200 KB", f"{size / 1024:.1f} KB", size < SIZE_TARGET),
    ]
    with tempfile.TemporaryDirectory(prefix="mailprobe-bench-page-") as folder:
        path = Path(folder) / "page.html"
        path.write_text(page, encoding="utf-8")
        loads = load_times(path)
    if isinstance(loads, str):
        print(f"  load in Chromium: not measured: {loads}")
        verdicts.append(("(d) page load < 100 ms", f"not measured: {loads}", False))
        return verdicts
    median = statistics.median(loads)
    print(f"  load in headless Chromium, navigationStart → load (median of {LOADS}): {median:.0f} ms "
          f"(min {min(loads):.0f}, max {max(loads):.0f})")
    verdicts.append(("(d) page load < 100 ms", f"{median:.0f} ms median", median < LOAD_TARGET_MS))
    return verdicts


if __name__ == "__main__":
    for label, figure, passed in main():
        print(f"  {'PASS' if passed else 'MISS':4}  {label}  {figure}")
