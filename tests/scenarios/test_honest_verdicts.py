"""No verdict is `ok` without a confirmed answer (the security issue's "healthy when nothing answered").

Each world is run through the real command; before the fix each of these ended "Everything answers …
looks healthy", exit 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.lab.world import World

REPO = Path(__file__).resolve().parents[2]


def check(world: World, address: str, *args: str) -> tuple[int, dict[str, Any]]:
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mailprobe", "check", address, "--format", "json", *args, *world.cli_args()],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=30,
    )
    assert "Traceback" not in done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, report


def test_a_domain_whose_only_mx_host_refuses_every_port_is_not_healthy(tmp_path: Path) -> None:
    domains = {"only-mx.example": {"MX": ["10 mx.only-mx.example."]}, "mx.only-mx.example": {"A": ["127.0.0.40"]}}
    with World(tmp_path / "w", domains=domains) as lab:
        code, report = check(lab, "li@only-mx.example", "--timeout", "4")
    assert report["status"] == "critical" and code == 2
    assert report["diagnosis"][0]["cause"] == "server_outage"
    assert report["diagnosis"][0]["variant"] == "no_service"


def test_a_domain_with_five_dangling_mx_hosts_is_not_configured(tmp_path: Path) -> None:
    mx = [f"{10 * n} mx{n}.gone-away.example." for n in range(1, 6)]
    with World(tmp_path / "w", domains={"gone-away.example": {"MX": mx}}) as lab:
        code, report = check(lab, "li@gone-away.example", "--timeout", "4")
    assert code == 2
    assert report["diagnosis"][0]["cause"] == "mx_not_configured"


def test_probes_cut_off_by_the_deadline_are_never_a_healthy_verdict(tmp_path: Path) -> None:
    # The provider's hosts answer DNS so slowly that no session starts before the deadline.
    with World(tmp_path / "w") as lab:
        for host in ("imap.exmail.qq.com", "pop.exmail.qq.com", "smtp.exmail.qq.com", "exmail.qq.com"):
            lab.dns.set_faults(host, delay=2.5)
        code, report = check(lab, "li.lei@acme-trading.com", "--timeout", "2")
    assert report["status"] != "ok" and code != 0, report["diagnosis"]
