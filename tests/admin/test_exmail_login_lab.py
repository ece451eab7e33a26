"""The records outrank the wire, end to end: a refused IMAP login reads as a wrong password; with --admin, the
Exmail stand-in's record (the account is disabled) comes first and the wrong password is only "also possible"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.admin.standin import Answer, ApiStandIn
from tests.admin.test_exmail_lab import API_HOST, API_IP, CORP_SECRET, ENV, NOW, TOKEN, USER, ok, routes
from tests.lab.world import CUSTOMER, World
from tests.support.command import run_mailprobe


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, ApiStandIn]]:
    world = World(tmp_path_factory.mktemp("admin-login-world"), domains={API_HOST: {"A": [API_IP]}},
                  login={"qq.imap": {"username": USER, "password": "the-right-one"}})
    with world:
        standin = ApiStandIn(routes(), tls=world.certs.server_context(API_HOST), host=API_IP)
        profile = world.providers_dir / "qq.toml"
        line = f'admin_api = {{type = "exmail", urls = {{api = "https://{API_HOST}:{standin.port}"}}}}\n'
        text = profile.read_text(encoding="utf-8")
        profile.write_text(text.replace("baseline = true\n", "baseline = true\n" + line, 1), encoding="utf-8")
        with standin:
            yield world, standin


def test_a_disabled_record_outranks_a_refusal_read_as_a_wrong_password(
    lab: tuple[World, ApiStandIn], tmp_path: Path,
) -> None:
    world, standin = lab
    standin.routes = {k: v if isinstance(v, Answer) else Answer(body=v) for k, v in routes(
        user_get=ok(userid=USER, enable=0, cpwd_login=0),
        log_operation=ok(list=[{"time": NOW - 600, "operator": f"it@{CUSTOMER}", "type": 22, "operand": USER}]),
    ).items()}

    def login(state: str, *extra: str) -> dict[str, object]:
        result = run_mailprobe("check", USER, *world.cli_args(), "--no-baseline", "--timeout", "8", "--login",
                               "--login-protocols", "imap", "--state", str(tmp_path / state), "--format", "json",
                               *extra, env={**ENV, "MAILPROBE_PASSWORD": "a-wrong-one"})
        assert "Traceback" not in result.stderr, result.stderr
        for secret in (CORP_SECRET, TOKEN, "a-wrong-one"):
            assert secret not in result.stdout and secret not in result.stderr
        return dict(json.loads(result.stdout))

    wire = login("wire.db")
    assert wire["diagnosis"][0]["cause"] == "password_incorrect"  # type: ignore[index]
    both = login("both.db", "--admin")
    causes = [d["cause"] for d in both["diagnosis"]]  # type: ignore[union-attr]
    assert causes == ["account_not_activated"]
    first = both["diagnosis"][0]  # type: ignore[index]
    assert "password_incorrect" in [a["cause"] for a in first["also_possible"]]
    evidence = first["evidence"]
    assert any(e.startswith("login") for e in evidence) and any(e.startswith("admin/") for e in evidence)
