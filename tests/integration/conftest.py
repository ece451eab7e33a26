"""Fixtures: a real Dovecot and a real Postfix on loopback, started once for the tests in this package.

- `real_dovecot`: IMAP and POP3 only (`ports`: imaps, imap_starttls, pop3s, pop3_starttls).
- `real_servers`: both, with Postfix's smtps and submission (STARTTLS) ports as well.
- `loop_servers`: a second pair, the delivering world of the send-and-receive loop (`delivery=True`: Postfix
  delivers to Dovecot over LMTP; Sieve, quota, special-use folders and the loop's users, realservers.py).

Both return a `RealServers` (host, ip, ports, ca_file, user, password, wrong_password). A server that is not
installed or does not come up skips the tests that need it, with the reason; the end of the run repeats the
reasons (loudly when CI=true, where `.ci/system-packages` should have installed the packages).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.realservers import Dovecot, Lab, Postfix, RealServers, ServerUnavailable, servers_info

_HERE = Path(__file__).parent
_skipped: dict[str, str] = {}
_started: dict[str, float] = {}


def _unavailable(server: str, error: ServerUnavailable) -> None:
    _skipped[server] = str(error)
    pytest.skip(f"real {server} unavailable: {error}")


@pytest.fixture(scope="package")
def real_lab() -> Iterator[Lab]:
    """The private directory: test CA (`ca_file`), server certificate for mail.example.test, configs, logs."""
    lab = Lab.create()
    try:
        yield lab
    finally:
        lab.remove()


@pytest.fixture(scope="package")
def dovecot_instance(real_lab: Lab) -> Iterator[Dovecot]:
    dovecot = Dovecot(real_lab)
    started = time.monotonic()
    try:
        try:
            dovecot.start()
        except ServerUnavailable as error:
            _unavailable("dovecot", error)
        _started["dovecot"] = time.monotonic() - started
        yield dovecot
    finally:
        dovecot.stop()


@pytest.fixture(scope="package")
def postfix_instance(real_lab: Lab, dovecot_instance: Dovecot) -> Iterator[Postfix]:
    postfix = Postfix(real_lab, dovecot_instance)
    started = time.monotonic()
    try:
        try:
            postfix.start()
        except ServerUnavailable as error:
            _unavailable("postfix", error)
        _started["postfix"] = time.monotonic() - started
        yield postfix
    finally:
        postfix.stop()


@pytest.fixture(scope="package")
def real_dovecot(real_lab: Lab, dovecot_instance: Dovecot) -> RealServers:
    """Real Dovecot: IMAP and POP3, each with an implicit-TLS and a STARTTLS port."""
    return servers_info(real_lab, dovecot_instance)


@pytest.fixture(scope="package")
def real_servers(real_lab: Lab, dovecot_instance: Dovecot, postfix_instance: Postfix) -> RealServers:
    """Real Dovecot and Postfix: all six ports, SMTP AUTH through Dovecot."""
    return servers_info(real_lab, dovecot_instance, postfix_instance)


@pytest.fixture(scope="package")
def loop_servers() -> Iterator[RealServers]:
    """Real Postfix delivering to a real Dovecot: the loop's world, on its own private directory and ports."""
    lab = Lab.create()
    dovecot = Dovecot(lab, delivery=True)
    postfix = Postfix(lab, dovecot)
    started = time.monotonic()
    try:
        try:
            dovecot.start()
            postfix.start()
        except ServerUnavailable as error:
            _unavailable("postfix + dovecot (delivering)", error)
        _started["delivering postfix + dovecot"] = time.monotonic() - started
        yield servers_info(lab, dovecot, postfix)
    finally:
        postfix.stop()
        dovecot.stop()
        lab.remove()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this package is an integration test (`-m 'not integration'` leaves them out)."""
    for item in items:
        if item.path.is_relative_to(_HERE):
            item.add_marker(pytest.mark.integration)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _started:
        times = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in _started.items())
        terminalreporter.write_line(f"real servers started: {times}")
    for server, reason in _skipped.items():
        first_line = reason.splitlines()[0]
        if os.environ.get("CI") == "true":
            terminalreporter.write_line(
                f"!!! CI: the real-{server} integration tests were SKIPPED: {reason}", red=True, bold=True
            )
        else:
            terminalreporter.write_line(f"real-{server} integration tests skipped: {first_line}", yellow=True)
