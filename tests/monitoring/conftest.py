"""One lab world per module for the monitoring tests: the healthy customer, a second customer at qq, a domain
that takes no mail (null MX), all on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli.conftest import Result, run_mailprobe
from tests.lab.world import CUSTOMER, World

USER = f"zhang.san@{CUSTOMER}"
SECOND = f"li.si@{CUSTOMER}"
OTHER_DOMAIN = "beta-trading.com"
NULL_MX = "no-mail.example.com"
QQ_MX = {"MX": ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."], "TXT": ['"v=spf1 include:spf.mail.qq.com ~all"']}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    domains = {OTHER_DOMAIN: dict(QQ_MX), NULL_MX: {"MX": ["0 ."]}}
    with World(tmp_path_factory.mktemp("world"), domains=domains) as running:
        yield running


def mailprobe_check(world: World, *args: str, **kwargs: Any) -> Result:
    return run_mailprobe("check", *args, *world.cli_args(), "--timeout", "5", **kwargs)
