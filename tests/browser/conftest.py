"""Headless Debian Chromium driven by Playwright — never a downloaded browser (`playwright install`).

The tests skip, saying why, where /usr/bin/chromium is missing (`.ci/system-packages` installs it as root)
or Playwright cannot start it. Screenshots go to tmp/artefacts/browser/ (MAILPROBE_ARTEFACTS overrides).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("MAILPROBE_CHROMIUM", "/usr/bin/chromium"))
ARTEFACTS = Path(os.environ.get("MAILPROBE_ARTEFACTS", Path(__file__).resolve().parents[2] / "tmp" / "artefacts"))
# The machine's network is closed: without these Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API runs an event loop in this thread while it is open, which the
    asyncio tests of later modules must never find running."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (.ci/system-packages does, as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright Python package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
        except Exception as exc:
            pytest.skip(f"Playwright cannot launch {CHROMIUM}: {str(exc).splitlines()[0]}")
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    folder = ARTEFACTS / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
