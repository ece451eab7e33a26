"""One deadline per exporter request, made at its arrival: a scrape that waited for a slot gives its check what
is left of the scrape's time, never a floor that outlives Prometheus' scrape timeout, and never a second clock
that starts when the check does. (In-process, through the ASGI app; the check itself is replaced by one that
only records what it was given.)"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

import mailprobe.check
from mailprobe.check import CheckOptions
from mailprobe.serve import SCRAPE_MARGIN_S, Exporter, _unknown, load_modules

SCRAPE_S = 1.5  # the scrape timeout Prometheus announces
HOLD_S = 0.8  # how long the first check keeps the only slot


def _check_ends(options: CheckOptions) -> float:
    """When the check's own time runs out, as the options it was given say."""
    deadline = getattr(options, "deadline", None)
    return deadline.at if deadline is not None else time.monotonic() + options.timeout


async def test_a_scrape_that_waited_for_a_slot_gets_only_what_is_left(monkeypatch: pytest.MonkeyPatch) -> None:
    given: list[tuple[float, Any]] = []

    async def run_check(target: Any, options: CheckOptions) -> Any:
        given.append((_check_ends(options), getattr(options, "deadline", None)))
        await asyncio.sleep(HOLD_S if len(given) == 1 else 0.0)
        return _unknown(getattr(target, "address", target), options)

    monkeypatch.setattr(mailprobe.check, "run_check", run_check)
    exporter = Exporter(load_modules(None), max_concurrent=1)
    transport = httpx.ASGITransport(app=exporter.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:9115") as client:
        async def scrape() -> tuple[float, httpx.Response]:
            sent = time.monotonic()
            answer = await client.get("/probe", params={"target": "someone@example.com"},
                                      headers={"X-Prometheus-Scrape-Timeout-Seconds": str(SCRAPE_S)})
            return sent, answer

        (_, first), (sent, second) = await asyncio.gather(scrape(), scrape())
    assert first.status_code == second.status_code == 200
    (_, _), (ends, deadline) = sorted(given, key=lambda item: item[0])
    # The second check started some HOLD_S after its request arrived: its time ends with the request's.
    assert ends <= sent + SCRAPE_S - SCRAPE_MARGIN_S + 0.05
    assert deadline is not None and deadline.started <= sent + HOLD_S / 2  # counted from the arrival
