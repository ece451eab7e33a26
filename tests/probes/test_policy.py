"""Policy as data on the probe table's entries: what may be shared, what carries credentials, what the run
takes first (the guard), how a cut-off step is recorded — and no code that tests a probe's name for it."""

from __future__ import annotations

import ast
import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

import mailprobe
from mailprobe.check import StepCache
from mailprobe.evidence import Endpoint, Observation, TlsMode
from mailprobe.kinds.mail import MailSession
from mailprobe.plan import Query, Session, Step
from mailprobe.probes import PROBES, ProbeEntry, cut_off, guard_of, run_step
from mailprobe.probes.base import ProbeContext

PACKAGE = Path(mailprobe.__file__).parent
# Probes whose entry carries a policy flag: code must read the flag, never the name.
FLAGGED = {name for name, entry in PROBES.items()
           if not entry.shareable or entry.keyed_by_domain or entry.credentialed or entry.guard is not None}


def _name_tests(tree: ast.AST) -> list[int]:
    """Lines comparing something's `.probe` with the name of a flagged probe."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "probe":
            names = [c.value for c in node.comparators if isinstance(c, ast.Constant)]
            if FLAGGED & set(names):
                found.append(node.lineno)
    return found


def test_the_flags_live_on_the_entries() -> None:
    login = PROBES["login"]
    assert (login.shareable, login.credentialed, login.cut_off) == (False, True, "attempt")
    assert login.guard is not None
    assert PROBES["autoconfig"].keyed_by_domain
    assert PROBES["dns.mx"].cut_off == "question"
    assert {"login", "autoconfig"} == FLAGGED


def test_no_code_tests_a_flagged_probes_name() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := _name_tests(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offenders == {}


def test_the_guard_is_the_credentialed_entrys_and_only_with_credentials() -> None:
    assert guard_of(False) is None
    guard = guard_of(True)
    assert guard is not None and guard is PROBES["login"].guard()  # type: ignore[misc]


def _session(step: Step, ctx: ProbeContext) -> list[Observation]:
    return [MailSession(id="imap.993/h/127.0.0.1", kind="imap", target="h:993", status="pass",  # type: ignore[arg-type]
                        host="h", port=993, tls_mode=TlsMode.IMPLICIT)]


def test_a_probe_whose_entry_is_not_shareable_runs_for_every_check(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[Step] = []

    async def probe(step: Step, ctx: ProbeContext) -> list[Observation]:
        runs.append(step)
        return _session(step, ctx)

    monkeypatch.setitem(PROBES, "imap", ProbeEntry(probe, params=(Session,), shareable=False))
    cache = StepCache()
    endpoint = Endpoint(protocol="imap", host="h", port=993, tls=TlsMode.IMPLICIT)
    step = Step("imap", Session(endpoint=endpoint, ip="127.0.0.1"))
    ctx = ProbeContext.__new__(ProbeContext)

    async def twice() -> None:
        await cache.run(step, ctx)
        await cache.run(step, ctx)

    asyncio.run(twice())
    assert len(runs) == 2 and cache.runs == 0


def test_a_cut_off_step_is_recorded_as_its_entry_says(monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = Endpoint(protocol="imap", host="h", port=993, tls=TlsMode.IMPLICIT)
    step = Step("imap", Session(endpoint=endpoint, ip="127.0.0.1"))
    assert cut_off(step) is not None and cut_off(step).unresolved is not None  # type: ignore[union-attr]

    monkeypatch.setitem(PROBES, "imap", replace(PROBES["imap"], cut_off=None))
    assert cut_off(step) is None  # its absence says enough, as its entry says


def test_each_probe_names_the_parameters_its_steps_carry() -> None:
    assert PROBES["dns.mx"].params == (Query,)
    assert PROBES["imap"].params == (Session,) and PROBES["login"].params == (Session,)
    assert set(PROBES["dns.host"].params) == {Query, Session}  # an MX host's name, or an endpoint's host


def test_a_step_with_another_probes_parameters_is_refused() -> None:
    wrong = Step("imap", Query(name="imap.example"))
    with pytest.raises(AssertionError, match="imap steps carry"):
        asyncio.run(run_step(wrong, ProbeContext.__new__(ProbeContext)))
