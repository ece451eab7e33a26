"""The engine: runs the plan's steps concurrently under the one deadline and collects what they observed.

It schedules and it keeps time; it decides nothing. Which steps run, and which follow from an answer, is the
plan's (plan.py); how each step is probed is the probes' (probes/__init__.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from mailprobe.evidence import ErrorFacts, Failure, Observation, Status, check_id
from mailprobe.kinds.dns import DnsLookup
from mailprobe.plan import Planner, Step
from mailprobe.probes import cut_off, run_step
from mailprobe.probes.base import ProbeContext

LAG_TICK_S = 0.05
StepRunner = Callable[[Step, ProbeContext], Awaitable[list[Observation]]]
ObservationHook = Callable[[Observation], None]


class Engine:
    def __init__(
        self, planner: Planner, ctx: ProbeContext, runner: StepRunner = run_step,
        on_observation: ObservationHook | None = None,
    ) -> None:
        self.planner = planner
        self.ctx = ctx
        self.runner = runner  # a batch passes its run-wide cache here: one probe per step per run
        self.on_observation = on_observation  # told of each kept observation as its step ends (serve's progress)
        self.observations: list[Observation] = []
        self._tasks: dict[asyncio.Task[None], Step] = {}
        self._began: dict[asyncio.Task[None], float] = {}  # when each step started (time.monotonic())
        self.loop_lag_ms = 0.0  # the longest the event loop was late to wake up during the run

    async def run(self) -> list[Observation]:
        """Every step of the plan, as they come, until all are done or the deadline passes."""
        ticker = asyncio.ensure_future(self._measure_lag())
        for step in self.planner.first_steps():
            self._start(step)
        await self._finish()
        ticker.cancel()
        return self.observations

    async def _measure_lag(self) -> None:
        """How late the event loop wakes up: a loop starved of CPU makes every answer look slow, and that is
        about mailprobe, not about the user's DNS or network."""
        while True:
            asked = time.monotonic()
            await asyncio.sleep(LAG_TICK_S)
            late_ms = (time.monotonic() - asked - LAG_TICK_S) * 1000.0
            self.loop_lag_ms = max(self.loop_lag_ms, round(late_ms, 1))

    def _start(self, step: Step) -> None:
        task = asyncio.ensure_future(self._run(step))
        self._tasks[task] = step
        self._began[task] = time.monotonic()

    async def _run(self, step: Step) -> None:
        began = time.monotonic()
        observations = await self.runner(step, self.ctx)
        for observation in observations:
            # What began before this step (an answer asked early, or first by another step) is placed where it
            # began.
            self._place(observation, began if observation.began is None else min(began, observation.began))
        if step.keep:
            self.observations.extend(observations)
            if self.on_observation is not None:
                for observation in observations:
                    self.on_observation(observation)
        for following in self.planner.after(step, observations):
            self._start(following)

    def _place(self, observation: Observation, began: float) -> None:
        """Its start as an offset from the report's one origin (the deadline's), never before it."""
        observation.started_ms = round(max(0.0, began - self.ctx.deadline.started) * 1000.0, 1)

    async def _finish(self) -> None:
        """Wait for every step; anything still running at the deadline is cut off and recorded as such."""
        # Probes bound themselves; the grace covers recording what they saw when their bound ran out. It ends at
        # one moment, however many steps end (and start others) within it.
        deadline = self.ctx.deadline
        cut_at = deadline.at - deadline.timeouts.reserve + deadline.timeouts.record_grace
        while True:
            pending = [t for t, step in self._tasks.items() if not t.done() and step.grace is None]
            if not pending:
                break
            done, _ = await asyncio.wait(pending, timeout=max(0.0, cut_at - time.monotonic()))
            if not done:
                break
        auxiliary = {t: step.grace for t, step in self._tasks.items() if not t.done() and step.grace is not None}
        if auxiliary:
            grace = max(g for g in auxiliary.values() if g is not None)
            await asyncio.wait(list(auxiliary), timeout=min(grace, self.ctx.deadline.remaining()))
        await self._cancel_late()
        for task in self._tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                self.observations.append(_internal_error(task.exception()))

    async def _cancel_late(self) -> None:
        """Cut off what is still running, record it as the plan says, and give it a moment to unwind."""
        late = [task for task in self._tasks if not task.done()]
        for task in late:
            task.cancel()
            step = cut_off(self._tasks[task])
            if step is not None:
                cut = await run_step(step, self.ctx)
                for observation in cut:  # it ran from its start until now
                    self._place(observation, self._began[task])
                    observation.duration_ms = round((time.monotonic() - self._began[task]) * 1000.0, 2)
                self.observations.extend(cut)
        if late:
            # A task may swallow one cancellation inside a close(); never wait on it for long.
            await asyncio.wait(late, timeout=self.ctx.timeouts.cancel_grace)


def _internal_error(exc: BaseException | None) -> Observation:
    return DnsLookup(
        id=check_id("internal", type(exc).__name__),
        target="mailprobe",
        status=Status.ERROR,
        name="",
        rdtype="",
        purpose="internal",
        error=ErrorFacts(kind=Failure.INTERNAL, stage="engine", detail=str(exc)[:300]),
    )
