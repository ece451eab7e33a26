"""Fixtures of the command-line tests: the real command (tests/support/command.py) and one healthy world."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lab.world import World
from tests.support.command import Run, run_mailprobe


@pytest.fixture
def run() -> Run:
    return run_mailprobe


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One healthy simulated provider world per module (tests must not change it)."""
    with World(tmp_path_factory.mktemp("world")) as running:
        yield running
