"""One lab world per module for the monitoring tests: the healthy customer, a second customer at qq, a domain
that takes no mail (null MX), all on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import httpx
import pytest

from tests.cli.conftest import REPO, Result, cli_env, run_mailprobe
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@contextmanager
def serving(command: list[str], port: int, env: dict[str, str] | None = None,
            stderr: IO[str] | None = None) -> Iterator[str]:
    """A `mailprobe serve` (or any ASGI server) started by `command`, on 127.0.0.1:`port`, until the end;
    its standard error goes to `stderr` when given (the server's own log lines)."""
    proc = subprocess.Popen(command, env=env or cli_env(), cwd=REPO, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(base + "/metrics", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited with {proc.returncode}") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
