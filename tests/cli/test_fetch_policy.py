"""The web probe's fetch policy through the real command (SECURITY.md): a chain that starts on the internet
never reaches the user's own network, never downgrades to plain HTTP, never sends URL userinfo.

The lab is all loopback, so the world declares the provider's address public
(MAILPROBE_LAB_PUBLIC_NETS); an internal listener on 127.0.0.1 stands for the user's intranet and must
receive nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab.webserver import Route, WebServer, login_page, redirect
from tests.lab.world import CUSTOMER, SITES, World

REPO = Path(__file__).resolve().parents[2]
ADDRESS = f"li.lei@{CUSTOMER}"
QQ_IP = SITES["qq"].ip


@pytest.fixture
def intranet() -> Iterator[WebServer]:
    """An internal admin page on 127.0.0.1 (plain HTTP) that no check may ever reach."""
    server = WebServer({"/admin/delete-everything": Route(body="deleted!")}, host="127.0.0.1")
    server.start_in_thread()
    yield server
    server.stop_thread()


def check(world: World, *args: str) -> dict[str, Any]:
    env = {**os.environ, "NO_COLOR": "1", "MAILPROBE_LAB_PUBLIC_NETS": f"{QQ_IP}/32"}
    done = subprocess.run(
        [sys.executable, "-m", "mailprobe", "check", ADDRESS, "--format", "json", "--timeout", "5",
         *args, *world.cli_args()],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=30,
    )
    assert "Traceback" not in done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def webmail(report: dict[str, Any]) -> dict[str, Any]:
    visits = [c for c in report["checks"] if c["kind"] == "web" and c["id"].startswith("web/exmail.qq.com")]
    assert visits
    return visits[0]


def test_a_redirect_from_the_internet_into_the_intranet_is_not_followed(tmp_path: Path, intranet: WebServer) -> None:
    target = f"http://127.0.0.1:{intranet.port}/admin/delete-everything?confirm=yes"
    with World(tmp_path / "w", web={"qq": {"route": redirect(target)}}) as lab:
        report = check(lab)
    assert intranet.requests == []
    visit = webmail(report)
    assert visit["data"]["error"]["kind"] in ("policy", "downgrade")
    assert report["status"] != "critical" or report["diagnosis"][0]["cause"] != "server_outage"


def test_an_https_redirect_into_the_intranet_is_not_followed(tmp_path: Path, intranet: WebServer) -> None:
    # The same, over HTTPS: no downgrade to hide behind, only the policy stops it.
    inside = "https://127.0.0.1:{port}/admin/delete-everything"
    with World(tmp_path / "w", web={"qq": {"route": redirect(inside)}}) as lab:
        report = check(lab)
    assert webmail(report)["data"]["error"]["kind"] == "policy"
    assert webmail(report)["status"] == "error"


def test_page_resources_in_the_intranet_are_not_fetched(tmp_path: Path, intranet: WebServer) -> None:
    page = login_page(f"http://127.0.0.1:{intranet.port}/admin/delete-everything.js")
    with World(tmp_path / "w", web={"qq": {"route": Route(body=page)}}) as lab:
        report = check(lab)
    assert intranet.requests == []
    resources = webmail(report)["data"]["resources"]
    assert resources and all(r["status"] == "skip" and r["error"]["kind"] == "policy" for r in resources)
    assert report["status"] == "ok", report["diagnosis"]


def test_a_downgrade_to_plain_http_is_a_finding_not_a_pass(tmp_path: Path, intranet: WebServer) -> None:
    plain = "http://exmail.qq.com:{port}/login"
    with World(tmp_path / "w", web={"qq": {"route": redirect(plain)}}) as lab:
        report = check(lab)
    visit = webmail(report)
    assert visit["status"] == "warn" and visit["data"]["error"]["kind"] == "downgrade"
    assert report["diagnosis"][0]["cause"] == "browser_compatibility"
    assert report["status"] == "warning"


def test_url_userinfo_is_never_sent_nor_kept(tmp_path: Path) -> None:
    sso = "https://admin:s3cr3t@exmail.qq.com:{port}/sso"
    routes = {"/sso": Route(body=login_page())}
    with World(tmp_path / "w", web={"qq": {"route": redirect(sso), "routes": routes}}) as lab:
        report = check(lab)
        server = lab.servers["qq.web"]
    assert "s3cr3t" not in json.dumps(report)
    assert isinstance(server, WebServer)
    assert all("authorization" not in {k.lower() for k in r.headers} for r in server.requests)
    assert webmail(report)["status"] == "pass"


def test_after_a_certificate_failure_a_redirect_on_the_same_host_is_never_fetched_unverified(tmp_path: Path) -> None:
    """Issue 18, finding 15 (SECURITY.md: the unverified look fetches the first page at the first address only).
    Before: the unverified context was kept for the host, and the redirect to its own /next went over it."""
    same_host = "https://exmail.qq.com:{port}/next"
    routes = {"/next": Route(body=login_page("/app.js")), "/app.js": Route(body="1;")}
    with World(tmp_path / "w", web={"qq": {"route": redirect(same_host), "routes": routes, "cert": "expired"}}) as lab:
        report = check(lab)
        server = lab.servers["qq.web"]
    assert isinstance(server, WebServer)
    assert [r.path for r in server.requests] == ["/login"]  # the first page only: /next and /app.js never asked
    visit = webmail(report)
    assert visit["data"]["error"]["kind"] == "tls_verify" and visit["status"] == "fail"
    assert visit["data"]["redirects"][0]["location"].endswith("/next")
    assert report["diagnosis"][0]["cause"] == "tls_certificate_problem"
