"""Scenario fixtures: build a loopback World, run one check in-process, hand back the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mailprobe.check import run_check_sync
from mailprobe.report import Report
from tests.lab.world import World
from tests.support.scenarios import ADDRESS, CheckIn


@pytest.fixture
def check_in(tmp_path: Path) -> CheckIn:
    """`check_in(world_config..., options=dict(...), address=...)` runs one check inside a fresh World."""

    def run(*, options: dict[str, Any] | None = None, address: str = ADDRESS, **world: Any) -> Report:
        with World(tmp_path / "world", **world) as lab:
            return run_check_sync(address, lab.options(**(options or {})))

    return run
