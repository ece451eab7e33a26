"""The run's phases are steps the plan declares (phases.py, Planner.phase_steps): --admin beside the quick checks,
--loop after them with the budget of its own the plan declares, a part of the run's one deadline."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

import mailprobe.phases as phases
from mailprobe.address import parse_address
from mailprobe.evidence import Observation
from mailprobe.kinds.loop import LoopRun
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.plan import Phase, Planner, PlanOptions, Step
from mailprobe.probes.base import ProbeContext
from mailprobe.profiles import load_profiles

TARGET = parse_address("li@unknown-shop.example")


@dataclass
class Asked:
    """A check's options as far as the phases read them."""

    loop: Any = None
    admin: Any = None


@dataclass(frozen=True)
class Loop:
    budget_s: float


def _planner(options: object) -> Planner:
    return Planner(TARGET, load_profiles(None), PlanOptions(no_baseline=True, phases=phases.asked(options)))


def test_the_plan_declares_each_phase_asked_for_with_its_budget() -> None:
    assert _planner(Asked()).phase_steps() == []
    loop, admin = Loop(budget_s=42.0), object()
    steps = _planner(Asked(loop=loop, admin=admin)).phase_steps()
    assert [(s.probe, s.phase.budget_s) for s in steps] == [("loop", 42.0), ("admin", 0.0)]
    assert steps[0].phase.options is loop and steps[1].phase.options is admin


async def test_a_phase_runs_beside_or_after_the_checks_on_the_one_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, tuple[Deadline, list[Observation]]] = {}
    checks_done = asyncio.Event()
    beside_began_early: list[bool] = []

    async def record(step: Step, ctx: ProbeContext, run: phases.RunSoFar) -> Observation:
        if step.probe == "admin":
            beside_began_early.append(not checks_done.is_set())
        seen[step.probe] = (ctx.deadline, list(run.observations))
        return LoopRun(id=step.probe, target=step.probe, status="skip")

    monkeypatch.setattr(phases, "PHASES", {
        "loop": phases.PhaseEntry("loop", record, after_checks=True, budget=lambda o: float(o.budget_s)),
        "admin": phases.PhaseEntry("admin", record),
    })
    deadline = Deadline(5.0)
    ctx = ProbeContext(deadline=deadline, tls=TlsSettings(), resolver=Resolver(deadline, [("127.0.0.1", 9)]),
                       target=TARGET)
    planner = _planner(Asked(loop=Loop(budget_s=30.0), admin=object()))
    run = phases.Phases(planner.phase_steps(), ctx, planner, "en")
    run.start()
    await asyncio.sleep(0)
    quick = [LoopRun(id="quick", target="quick", status="pass")]
    checks_done.set()
    found = await run.finish(quick)
    assert [o.id for o in found] == ["loop", "admin"]  # the loop's before the admin record, as the report had them
    assert beside_began_early == [True]
    loop_deadline, loop_saw = seen["loop"]
    assert [o.id for o in loop_saw] == ["quick"]  # after the checks, with what they saw
    assert loop_deadline.started == deadline.started and loop_deadline.timeouts is deadline.timeouts
    assert loop_deadline.run_ends == pytest.approx(deadline.run_ends + 30.0)  # the declared budget, one clock
    assert seen["admin"][0] is deadline  # no budget of its own: the run's deadline itself


def test_a_phase_step_carries_no_name_to_probe() -> None:
    assert Step("loop", Phase(object(), 1.0)).name == ""
