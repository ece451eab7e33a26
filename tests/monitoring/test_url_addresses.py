"""What a request's URL may name, where a module lets it (url_params), still goes through the address policy
(SECURITY.md, "The address policy"; issue 18, finding 2's second half): a DNS server at a link-local or metadata
address is refused with a 400 before anything is sent, and a baseline there is refused before it is dialled.

Nothing here dials off loopback: `serve` runs with the socket hooks (tests/lab/sockethooks), which refuse and log
any connect or sendto to another address; the log must stay empty.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.lab.sockethooks import hooked_env
from tests.lab.world import World
from tests.support.command import cli_env
from tests.support.exporter import USER, free_port, serving


@dataclass
class Served:
    base: str
    dials: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("url-addresses")
    with World(root / "world") as world:
        config = root / "mailprobe.toml"
        config.write_text(
            "[modules.open]\n"
            'url_params = ["nameserver", "baseline"]\n'
            f"nameservers = [{world.dns.nameserver!r}]\n"
            f"ca_file = {str(world.ca_file)!r}\n"
            f"providers_dir = {str(world.providers_dir)!r}\n"
            "timeout = 5\n", encoding="utf-8")
        port = free_port()
        dials = root / "dials.log"
        command = [sys.executable, "-m", "mailprobe", "serve", "--listen", f"127.0.0.1:{port}", "--config",
                   str(config), *world.cli_args(), "--timeout", "5"]
        with serving(command, port, cli_env(hooked_env(dial_log=dials))) as base:
            yield Served(base, dials)


@pytest.mark.parametrize("server", ["169.254.169.254:53", "169.254.169.254", "[fe80::1]:53", "100.100.100.200",
                                    "0.0.0.0", "224.0.0.251:5353"])
def test_a_url_may_not_name_a_link_local_metadata_or_multicast_resolver(served: Served, server: str) -> None:
    answer = httpx.get(served.base + "/probe", params={"target": USER, "module": "open", "nameserver": server},
                       timeout=20)
    assert answer.status_code == 400, answer.text[:300]
    assert "never asks" in answer.text
    assert not served.dials.exists() or served.dials.read_text(encoding="utf-8") == ""


def test_a_url_baseline_at_the_metadata_address_is_refused_before_it_is_dialled(served: Served) -> None:
    answer = httpx.get(served.base + "/probe", params={"target": USER, "module": "open",
                                                       "baseline": "169.254.169.254:80"}, timeout=20)
    assert answer.status_code == 200, answer.text[:300]
    assert not served.dials.exists() or served.dials.read_text(encoding="utf-8") == ""
    # The baseline check is there, not passed (never dialled): Prometheus labels carry its host, not its address.
    assert re.search(r'mailprobe_check_success\{[^}]*check_kind="baseline"[^}]*target_host="169\.254\.169\.254"'
                     r'[^}]*\} 0', answer.text), answer.text
