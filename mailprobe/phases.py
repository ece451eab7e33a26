"""The run's phases, in one table: steps the plan declares besides the quick checks (`Planner.phase_steps`).

--admin asks the provider's administrator API beside the quick checks (it waits for the plan to know the
provider); --loop sends one message and finds it after them (it reads what they saw), under the budget of its
own the plan declares for it. Each entry says which option asks for it, when it runs and what budget it needs;
check.py runs them through `Phases`, naming none. A phase's module is imported only when the run asks for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from mailprobe.evidence import Observation
from mailprobe.lang import Lang
from mailprobe.plan import Planner, ProbeName, Step
from mailprobe.probes.base import ProbeContext


@dataclass(frozen=True)
class RunSoFar:
    """What a phase reads of its run: the plan as it grows, the report's language, and what the quick checks
    saw (for a phase after them; a phase beside them sees the plan only)."""

    planner: Planner
    lang: Lang
    observations: list[Observation]


PhaseRunner = Callable[[Step, ProbeContext, RunSoFar], Awaitable[Observation]]


@dataclass(frozen=True)
class PhaseEntry:
    """A phase and its policy, as data."""

    option: str  # the check option that asks for it (its value is the phase's options; None: not asked)
    run: PhaseRunner
    after_checks: bool = False  # after the quick checks, with what they saw; else beside them, from the start
    budget: Callable[[Any], float] = lambda options: 0.0  # its own budget past the run's deadline


async def _admin(step: Step, ctx: ProbeContext, run: RunSoFar) -> Observation:
    """The provider's administrator API, asked once the plan knows the provider; its waits are bounded by the
    run's deadline."""
    from mailprobe.admin.run import observe

    planner = run.planner
    return await observe(ctx, step.phase.options, lambda: planner.plan.profile, lambda: planner.mx_answered)


async def _loop(step: Step, ctx: ProbeContext, run: RunSoFar) -> Observation:
    """One message sent and found (loop/run.py), with the quick checks' logins in hand."""
    from mailprobe.loop.run import run_loop

    assert ctx.target is not None
    return await run_loop(step.phase.options, ctx.target, run.observations, run.planner.plan, ctx, run.lang)


PHASES: dict[ProbeName, PhaseEntry] = {
    "loop": PhaseEntry("loop", _loop, after_checks=True, budget=lambda options: float(options.budget_s)),
    "admin": PhaseEntry("admin", _admin),
}


def asked(options: object) -> tuple[tuple[ProbeName, Any, float], ...]:
    """The phases OPTIONS ask for, in the table's order, each with its options and the budget it declares (for
    PlanOptions.phases)."""
    found = ((name, entry, getattr(options, entry.option, None)) for name, entry in PHASES.items())
    return tuple((name, value, entry.budget(value)) for name, entry, value in found if value is not None)


class Phases:
    """One run's phase steps: those beside the quick checks start at once, those after them run once the
    engine is done, each within the run's one deadline (extended by the budget the plan declared for it)."""

    def __init__(self, steps: list[Step], ctx: ProbeContext, planner: Planner, lang: Lang) -> None:
        self.steps, self.ctx, self.planner, self.lang = steps, ctx, planner, lang
        self._beside: list[asyncio.Task[Observation]] = []

    def start(self) -> None:
        """Start the phases that run beside the quick checks."""
        run = RunSoFar(self.planner, self.lang, [])
        self._beside = [asyncio.ensure_future(PHASES[step.probe].run(step, self._ctx(step), run))
                        for step in self.steps if not PHASES[step.probe].after_checks]

    async def finish(self, observations: list[Observation]) -> list[Observation]:
        """The phases after the quick checks (given OBSERVATIONS, what those saw), one after another, then what
        the phases beside them found."""
        found: list[Observation] = []
        run = RunSoFar(self.planner, self.lang, observations)
        for step in self.steps:
            if PHASES[step.probe].after_checks:
                found.append(await PHASES[step.probe].run(step, self._ctx(step), run))
        for task in self._beside:
            found.append(await task)
        return found

    def _ctx(self, step: Step) -> ProbeContext:
        budget = step.phase.budget_s
        return replace(self.ctx, deadline=self.ctx.deadline.extended(budget)) if budget else self.ctx
