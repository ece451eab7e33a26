"""The HTML page in a real browser: for a healthy report and one report per cause the loopback worlds can
show, the verdict and the first cause are visible, the waterfall has one bar per probe in start order, the
language switch works, nothing goes wrong in the console, no request leaves the page, and a server reply
carrying `<script>` is shown as text, never run."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mailprobe.check import run_check_sync
from mailprobe.compose import relocalize
from mailprobe.report import Report
from tests.lab.mailserver import Fault
from tests.lab.webserver import Route, login_page
from tests.lab.world import CUSTOMER, SITES, World
from tests.support.command import run_mailprobe

# An SMTP server refusing service with a greeting that tries to run a script in whoever shows it.
HOSTILE = "421 <script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> busy"
ADDRESS = f"zhang.san@{CUSTOMER}"

CASES: dict[str, dict[str, Any]] = {
    "healthy": {},
    "server_outage": {"mail": {"qq.smtp": {"fault": Fault.CLOSE_AFTER_GREETING, "greeting": HOSTILE}}},
    "network_problem": {"down": {"qq.imap", "netease.imap", "aliyun.imap"}},
    "dns_resolution_problem": {"dns_faults": {"servfail": True}},
    "mx_not_configured": {"domains": {CUSTOMER: {"A": ["127.0.0.50"]}}},
    "tls_certificate_problem": {"mail": {"qq.imap": {"cert": "expired"}}},
    # Every server's Date says the same (one server's alone would be its own clock, not ours).
    "clock_skew": {"web": {site: {"route": Route(body=login_page(), date_offset_s=2 * 3600)} for site in SITES}},
    "browser_compatibility": {"web": {"qq": {"min_version": ssl.TLSVersion.TLSv1,
                                            "max_version": ssl.TLSVersion.TLSv1_1}}},
}


@dataclass
class Saved:
    name: str
    report: Report
    page: Path
    zh_hant: Report


@pytest.fixture(scope="module")
def saved(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Saved]:
    """Each case's report, saved as JSON and made into a page by `mailprobe explain --format html`."""
    out: dict[str, Saved] = {}
    for name, config in CASES.items():
        folder = tmp_path_factory.mktemp(name)
        world = dict(config)
        dns_faults = world.pop("dns_faults", None)
        with World(folder / "world", **world) as lab:
            if dns_faults:
                lab.dns.set_faults(CUSTOMER, **dns_faults)
            options = lab.options(timeout=3.0)
            # In a thread of its own: Playwright's sync API keeps an event loop running in this one.
            with ThreadPoolExecutor(1) as worker:
                report = worker.submit(run_check_sync, ADDRESS, options).result()
            profiles = options.load_profiles()
        expected = None if name == "healthy" else name
        assert (report.diagnosis[0].cause if report.diagnosis else None) == expected, name
        saved_json = folder / "report.json"
        saved_json.write_text(report.model_dump_json(), encoding="utf-8")
        page = folder / "page.html"
        result = run_mailprobe("explain", str(saved_json), "--format", "html", "--lang", "en", "--output", str(page),
                               "--providers-dir", str(lab.providers_dir))
        assert result.code == {"ok": 0, "warning": 1, "critical": 2}[report.status], result.stderr
        assert result.stdout == "" and page.exists()
        out[name] = Saved(name, relocalize(report, "en", profiles), page, relocalize(report, "zh-Hant", profiles))
    return out


@dataclass
class Opened:
    page: Any
    requests: list[str]
    errors: list[str]
    dialogs: list[str]


@pytest.fixture
def opened(browser: Any) -> Iterator[Any]:
    """Opens a page file; records every request (all refused but the file itself), console error and dialog."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    pages: list[Opened] = []

    def open_file(path: Path) -> Opened:
        page = context.new_page()
        seen = Opened(page, [], [], [])
        url = path.resolve().as_uri()

        def route(request_route: Any) -> None:
            seen.requests.append(request_route.request.url)
            if request_route.request.url == url:
                request_route.continue_()
            else:
                request_route.abort()

        page.route("**/*", route)
        page.on("console", lambda message: seen.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: seen.errors.append(str(error)))
        page.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url, wait_until="load")
        pages.append(seen)
        return seen

    yield open_file
    context.close()


@pytest.mark.parametrize("name", list(CASES))
def test_page_in_the_browser(name: str, saved: dict[str, Saved], opened: Any, artefacts: Path) -> None:
    case = saved[name]
    seen: Opened = opened(case.page)
    page = seen.page
    en = page.locator("[data-lang-part='en']").first

    # The verdict leads, and the first cause's card is visible.
    verdict = en.locator("[data-verdict]")
    assert verdict.is_visible()
    if case.report.diagnosis:
        assert verdict.inner_text() == case.report.diagnosis[0].summary
        card = en.locator("[data-cause]").first
        assert card.is_visible()
        assert case.report.diagnosis[0].title in card.inner_text()
    else:
        assert en.locator("[data-cause]").count() == 0
    assert en.locator("[data-report-id]").inner_text().count("-") == 1

    # One bar per probe that ran, in the order they started.
    bars = en.locator("[data-bar]")
    ran = [c for c in case.report.checks if c.status != "skip"]
    in_order = [c.id for _, c in sorted(enumerate(ran), key=lambda item: (item[1].started_ms, item[0]))]
    assert bars.count() == len(ran)
    assert [bars.nth(i).get_attribute("data-check") for i in range(bars.count())] == in_order
    page.screenshot(path=str(artefacts / f"{name}-en.png"), full_page=True)
    (artefacts / f"{name}.html").write_bytes(case.page.read_bytes())

    # Every piece of evidence links to its check's bar (or its line among the checks not tested).
    for link in en.locator("[data-evidence-for]").all():
        target = link.get_attribute("data-evidence-for")
        assert en.locator(f"#{target}").count() == 1

    # The language switch: no reload, the same report in Traditional Chinese.
    page.evaluate("window.__samePage = true")
    page.get_by_role("button", name="繁體中文").click()
    hant = page.locator("[data-lang-part='zh-Hant']").first
    assert hant.locator("[data-verdict]").is_visible()
    assert not en.is_visible()
    assert page.evaluate("document.documentElement.lang") == "zh-Hant"
    assert page.evaluate("window.__samePage") is True
    expected = case.zh_hant.diagnosis[0].summary if case.zh_hant.diagnosis else None
    if expected is not None:
        assert hant.locator("[data-verdict]").inner_text() == expected
    assert hant.locator("[data-report-id]").inner_text() == en.locator("[data-report-id]").inner_text()
    page.screenshot(path=str(artefacts / f"{name}-zh-Hant.png"), full_page=True)

    # Nothing but the file itself was asked for; nothing went wrong; nothing ran that the page did not bring.
    assert seen.requests == [case.page.resolve().as_uri()]
    assert seen.errors == []
    assert seen.dialogs == []
    assert page.evaluate("window.__pwned") is None


def test_a_server_reply_with_a_script_is_shown_as_text(saved: dict[str, Saved], opened: Any) -> None:
    seen: Opened = opened(saved["server_outage"].page)
    page = seen.page
    replies = page.locator("[data-lang-part='en'] [data-server-reply]")
    texts = [replies.nth(i).inner_text() for i in range(replies.count())]
    assert any("<script>window.__pwned = 1</script>" in text for text in texts), texts
    assert page.locator("script").count() == 1  # the page's own, nothing from the reply
    assert page.locator("img").count() == 0
    assert page.evaluate("window.__pwned") is None
    html = saved["server_outage"].page.read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in html and "&lt;script&gt;window.__pwned" in html


def test_every_cause_page_is_saved_json_that_renders_in_all_three_languages(saved: dict[str, Saved]) -> None:
    for case in saved.values():
        html = case.page.read_text(encoding="utf-8")
        for lang in ("en", "zh-Hans", "zh-Hant"):
            assert f'data-lang-part="{lang}"' in html
        assert json.loads(json.dumps(case.report.model_dump(mode="json")))["address"] == ADDRESS


def test_the_healthy_page_prints_and_has_landmarks(saved: dict[str, Saved], opened: Any) -> None:
    page = opened(saved["healthy"].page).page
    assert page.get_by_role("main").count() == 1
    assert page.get_by_role("navigation").count() == 1
    assert page.locator("h1:visible").count() == 1
    page.emulate_media(media="print")
    assert not page.locator("nav").is_visible()
    page.emulate_media(media="screen", color_scheme="dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)"
