"""The form of `mailprobe serve` in a real browser: a person opens `/`, types the address of a loopback
world whose SMTP server hangs up after a hostile greeting, and submits; progress lines appear while the
check runs (before the report is there), then the verdict and the first cause; the language switch works;
nothing goes wrong in the console, no script from a server reply runs, and no request leaves the server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_page import ADDRESS, HOSTILE
from tests.lab.mailserver import Fault
from tests.lab.world import World
from tests.support.command import cli_env
from tests.support.exporter import free_port, serving

# Records, from the first byte of each document, when progress lines and the verdict appear.
WATCH = """
window.__seen = {lines: 0, linesBeforeVerdict: 0, verdict: false};
new MutationObserver(function () {
  var seen = window.__seen;
  var lines = document.querySelectorAll('[data-progress-line]').length;
  if (!seen.verdict && document.querySelector('[data-verdict]')) { seen.verdict = true; }
  if (!seen.verdict) { seen.linesBeforeVerdict = lines; }
  seen.lines = lines;
}).observe(document, {childList: true, subtree: true});
"""


@pytest.fixture(scope="module")
def server(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("form")
    mail = {"qq.smtp": {"fault": Fault.CLOSE_AFTER_GREETING, "greeting": HOSTILE}}
    with World(root / "world", mail=mail) as world:
        port = free_port()
        command = [sys.executable, "-m", "mailprobe", "serve", "--listen", f"127.0.0.1:{port}",
                   *world.cli_args(), "--timeout", "5"]
        with serving(command, port, cli_env({"XDG_STATE_HOME": str(root / "state")})) as base:
            yield base


def test_form_runs_a_check_with_live_progress(browser: Any, server: str, artefacts: Path) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(WATCH)
    try:
        page.goto(server + "/", wait_until="load")
        assert page.locator("#password").is_visible()  # a loopback listener offers the login
        page.screenshot(path=str(artefacts / "form.png"), full_page=True)
        page.fill("#address", ADDRESS)
        page.select_option("#lang", "en")
        page.click("button[type=submit]")

        page.locator("[data-progress-line]").first.wait_for(state="visible", timeout=15_000)
        verdict = page.locator("[data-lang-part='en'] [data-verdict]")
        verdict.wait_for(state="visible", timeout=15_000)
        page.wait_for_load_state("load")
        seen = page.evaluate("window.__seen")
        assert seen["linesBeforeVerdict"] >= 1, seen  # progress showed while the check was still running
        assert page.locator("[data-progress-line]").count() >= 3
        assert page.locator("[data-progress-done]").is_visible()

        assert verdict.inner_text().strip()
        card = page.locator("[data-lang-part='en'] [data-cause]").first
        assert card.is_visible()
        assert card.locator("h2, h3").first.inner_text().strip()
        # The hostile greeting is shown as text in the report, never run (in the progress lines too).
        assert "<script>" in page.locator("div[data-lang-part='en']").inner_text()
        assert page.evaluate("window.__pwned") is None
        page.screenshot(path=str(artefacts / "form-report.png"), full_page=True)

        page.click("[data-set-lang='zh-Hant']")
        assert page.locator("[data-lang-part='zh-Hant'] [data-verdict]").is_visible()
        assert not verdict.is_visible()

        assert errors == []
        assert requests and all(url.startswith(server + "/") for url in requests), requests
    finally:
        context.close()


def test_once_the_report_is_there_the_verdict_is_on_the_first_screen(browser: Any, server: str,
                                                                   artefacts: Path) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    try:
        page.goto(server + "/", wait_until="load")
        page.fill("#address", ADDRESS)
        page.select_option("#lang", "en")
        page.click("button[type=submit]")
        verdict = page.locator("[data-lang-part='en'] [data-verdict]")
        verdict.wait_for(state="visible", timeout=15_000)
        page.wait_for_load_state("load")

        lines = page.locator("[data-progress-line]")
        assert lines.count() >= 3 and not lines.first.is_visible()  # folded away under their heading
        box = verdict.bounding_box()
        assert box is not None and box["y"] + box["height"] < 900, box  # above the fold, not under 40 lines
        page.screenshot(path=str(artefacts / "form-report-first-screen.png"))
        page.click("[data-progress-details] > summary")  # and one click brings them back
        assert lines.first.is_visible()
    finally:
        context.close()
