"""The monitoring tests' addresses, and `mailprobe serve` started on a free loopback port until the end."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import httpx

from tests.lab.world import CUSTOMER, World
from tests.support.command import REPO, Result, cli_env, run_mailprobe

USER = f"zhang.san@{CUSTOMER}"
SECOND = f"li.si@{CUSTOMER}"
OTHER_DOMAIN = "beta-trading.com"
NULL_MX = "no-mail.example.com"
QQ_MX = {"MX": ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."], "TXT": ['"v=spf1 include:spf.mail.qq.com ~all"']}


def mailprobe_check(world: World, *args: str, **kwargs: Any) -> Result:
    return run_mailprobe("check", *args, *world.cli_args(), "--timeout", "5", **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
