"""`parse_address` runs once per address on every way in (the command, a batch, a scrape, the form, the settings):
the Target made there travels to the check, with its key. Every DNS question goes to a closed loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import mailprobe.address
import mailprobe.check
import mailprobe.cli.check as cli_check
from mailprobe.address import Target, mailbox_key, parse_address
from mailprobe.serve import Exporter, Module, _unknown
from mailprobe.webform import FormInput, check_options

NOWHERE = "127.0.0.1:1"  # nothing listens here: every question is refused at once


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The addresses parse_address was given (counted through the helper only it calls, so every caller's own
    name for parse_address is counted)."""
    seen: list[str] = []
    visible = mailprobe.address._visible

    def counted(text: str) -> str:
        seen.append(text)
        return visible(text)

    monkeypatch.setattr(mailprobe.address, "_visible", counted)
    yield seen


def test_the_target_carries_the_mailbox_key() -> None:
    target = parse_address(" Zhang.San@Example.COM ")
    assert target.key == mailbox_key("Zhang.San@Example.COM") == "zhang.san@example.com"


def test_the_command_parses_each_address_once(parsed: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--no-baseline", "--nameserver", NOWHERE, "--timeout", "1", "--format", "json"]
    cli_check.check.main([*args, "one@example.com"], standalone_mode=False)
    assert parsed == ["one@example.com"]
    parsed.clear()
    cli_check.check.main([*args, "one@example.com", "two@example.org"], standalone_mode=False)
    assert sorted(parsed) == ["one@example.com", "two@example.org"]
    capsys.readouterr()


def test_the_loop_parses_the_mailbox_and_its_recipient_once(parsed: list[str], monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MAILPROBE_PASSWORD", "not-a-real-one")
    monkeypatch.setenv("MAILPROBE_STATE", str(tmp_path / "state.db"))
    cli_check.check.main(["--no-baseline", "--nameserver", NOWHERE, "--timeout", "1", "--format", "json", "--loop",
                          "--loop-to", "two@example.com", "one@example.com"], standalone_mode=False)
    assert sorted(parsed) == ["one@example.com", "two@example.com"]
    capsys.readouterr()


async def test_a_scrape_and_the_form_parse_the_address_once(parsed: list[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    given: list[Any] = []

    async def run_check(target: Any, options: Any) -> Any:
        given.append(target)
        return _unknown(target.address, options)

    monkeypatch.setattr(mailprobe.check, "run_check", run_check)
    exporter = Exporter({"default": Module(nameservers=(NOWHERE,))}, loopback=True)
    transport = httpx.ASGITransport(app=exporter.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:9115") as client:
        answer = await client.get("/probe", params={"target": "one@example.com"})
    assert answer.status_code == 200
    assert parsed == ["one@example.com"]
    assert [type(t) for t in given] == [Target]  # the check is given the Target: it parses nothing again
    parsed.clear()
    target, _ = check_options(exporter.options, FormInput("two@example.org", "en", None))
    assert isinstance(target, Target) and parsed == ["two@example.org"]


def test_the_settings_parse_the_address_once(parsed: list[str]) -> None:
    from mailprobe.clientsettings import client_settings

    client_settings("one@example.com", nameservers=[("127.0.0.1", 1)], timeout=1.0)
    assert parsed == ["one@example.com"]
