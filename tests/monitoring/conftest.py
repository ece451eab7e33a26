"""One lab world per module for the monitoring tests: the healthy customer, a second customer at qq, a domain
that takes no mail (null MX), all on loopback; and an exporter serving it."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from tests.lab.world import World
from tests.support.exporter import NULL_MX, OTHER_DOMAIN, QQ_MX, free_port, serving


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    domains = {OTHER_DOMAIN: dict(QQ_MX), NULL_MX: {"MX": ["0 ."]}}
    with World(tmp_path_factory.mktemp("world"), domains=domains) as running:
        yield running


@pytest.fixture(scope="module")
def exporter(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    config = tmp_path_factory.mktemp("exporter") / "mailprobe.toml"
    config.write_text(
        "[modules.lab]\n"
        f"nameservers = [{world.dns.nameserver!r}]\n"
        f"ca_file = {str(world.ca_file)!r}\n"
        f"providers_dir = {str(world.providers_dir)!r}\n"
        "timeout = 5\n"
        "[modules.default]\n"
        f"nameservers = [{world.dns.nameserver!r}]\n"
        f"ca_file = {str(world.ca_file)!r}\n"
        f"providers_dir = {str(world.providers_dir)!r}\n"
        "timeout = 5\n", encoding="utf-8")
    port = free_port()
    with serving([sys.executable, "-m", "mailprobe", "serve", "--listen", f"127.0.0.1:{port}",
                  "--config", str(config)], port) as base:
        yield base
