"""The one orchestration: Target → Profile → plan → engine → diagnosis → Report."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import mailprobe.runloop as runloop
from mailprobe.address import Target, parse_address
from mailprobe.certdays import CRIT_DAYS, WARN_DAYS, CertThresholds
from mailprobe.engine import Engine, ObservationHook
from mailprobe.evidence import Evidence, Observation, PlanSummary
from mailprobe.lang import Lang
from mailprobe.limits import socket_budget
from mailprobe.net.connect import SocketBudget
from mailprobe.net.deadline import Deadline
from mailprobe.net.pace import Pace
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.params import COMMAND_LINE, Edge, check_values
from mailprobe.phases import Phases, asked
from mailprobe.plan import Planner, PlanOptions, Step
from mailprobe.probes import PROBES, guard_of, run_step, warm_up, warmed_up
from mailprobe.probes.base import ProbeContext
from mailprobe.profiles import ProfileSet, load_profiles
from mailprobe.report import Report
from mailprobe.timeouts import DEFAULT_TIMEOUT_S, Timeouts

if TYPE_CHECKING:
    from mailprobe.admin.run import AdminOptions
    from mailprobe.login.run import LoginOptions
    from mailprobe.loop.run import LoopOptions


@dataclass
class CheckOptions:
    timeout: float = DEFAULT_TIMEOUT_S
    nameservers: list[tuple[str, int]] | None = None
    ca_file: str | None = None
    provider: str | None = None
    providers_dir: str | None = None
    baseline: list[tuple[str, int]] | None = None
    no_baseline: bool = False
    authoritative: list[tuple[str, int]] | None = None
    lang: Lang = "en"
    # The one deadline, made at the edge: the command's start (after a password prompt, which is left out) so
    # --timeout bounds the whole command, or the request's arrival (serve, the form). None: the check makes it
    # as it starts (each address of a batch). The report's started_at, duration_ms and every check's
    # started_ms count from its origin; a phase with a budget of its own is a part of it (Deadline.extended).
    deadline: Deadline | None = field(default=None, repr=False)
    profiles: ProfileSet | None = field(default=None, repr=False)
    cert_warn_days: float = WARN_DAYS
    cert_crit_days: float = CRIT_DAYS
    # Several addresses in one run share identical probes (same question, same host, port and IP).
    share: StepCache | None = field(default=None, repr=False)
    login: LoginOptions | None = field(default=None, repr=False)  # --login: one mailbox, one password
    loop: LoopOptions | None = field(default=None, repr=False)  # --loop: one message, after the quick checks
    admin: AdminOptions | None = field(default=None, repr=False)  # --admin: the provider's administrator API
    # Told of each observation as its step ends, before the report exists (serve's live progress). It must
    # not raise or block: it runs on the engine's event loop.
    on_observation: ObservationHook | None = field(default=None, repr=False)
    prefetch: bool = False  # one address on the command line: see PlanOptions.prefetch
    checks_at_once: int = 1  # how many checks share the process's open files (limits.socket_budget)

    @classmethod
    def from_params(cls, params: Mapping[str, Any], edge: Edge = COMMAND_LINE) -> CheckOptions:
        """The options from named values (params.PARAMS), each checked as EDGE names it; UsageError if bad."""
        return cls(**check_values(params, edge))

    def timeouts(self) -> Timeouts:
        return self.deadline.timeouts if self.deadline is not None else Timeouts(total=self.timeout)

    def the_deadline(self) -> Deadline:
        """The run's one deadline: the edge's, or one counted from now when the edge made none."""
        return self.deadline if self.deadline is not None else Deadline(self.timeout, None, self.timeouts())

    def load_profiles(self) -> ProfileSet:
        if self.profiles is None:
            self.profiles = load_profiles(self.providers_dir)
        return self.profiles


class StepCache:
    """One run's shared probes: a step asked by several addresses (the same MX question, the same provider
    host, port and IP, the baseline, the resolver's sanity check) runs once; the others get copies of what it
    saw. Bounded (least recently used first out), so a long batch keeps flat memory."""

    def __init__(self, limit: int = 4096, tls: dict[str | None, TlsSettings] | None = None) -> None:
        self.limit = limit
        self._tasks: OrderedDict[str, asyncio.Task[list[Observation]]] = OrderedDict()
        self.runs = 0  # probes actually run
        self.reused = 0  # probes answered from the cache
        self._tls: dict[str | None, TlsSettings] = {} if tls is None else tls  # may outlive the run (exporter)

    def tls(self, ca_file: str | None) -> TlsSettings:
        """One TLS configuration per run: loading the system's CA store costs some 50 ms a time."""
        if ca_file not in self._tls:
            self._tls[ca_file] = TlsSettings(ca_file=ca_file)
        return self._tls[ca_file]

    @staticmethod
    def key(step: Step, ctx: ProbeContext) -> str:
        # Autoconfig asks about the mailbox's own domain; every other step names all it depends on.
        domain = ctx.target.domain_ascii if PROBES[step.probe].keyed_by_domain and ctx.target is not None else ""
        return f"{domain}|{step!r}"

    async def run(self, step: Step, ctx: ProbeContext) -> list[Observation]:
        if not PROBES[step.probe].shareable:
            return await run_step(step, ctx)  # e.g. one mailbox's credentials: never shared, never kept
        key = self.key(step, ctx)
        task = self._tasks.get(key)
        if task is None:
            self.runs += 1
            # Its own task: the check that started it may be cut off without cancelling it for the others.
            task = asyncio.ensure_future(_run_from(step, ctx, time.monotonic()))
            self._tasks[key] = task
            while len(self._tasks) > self.limit:
                self._tasks.popitem(last=False)
        else:
            self.reused += 1
            self._tasks.move_to_end(key)
        observations = await asyncio.shield(task)
        # A copy for each check (the engine stamps its own start offset); the facts inside are only read.
        return [observation.model_copy() for observation in observations]


async def _run_from(step: Step, ctx: ProbeContext, began: float) -> list[Observation]:
    """The step's observations, each knowing when the probe began (a check that shares it later places it so)."""
    observations = await run_step(step, ctx)
    for observation in observations:
        observation.began_at(began)
    return observations


def _context(target: Target, options: CheckOptions, deadline: Deadline | None = None) -> ProbeContext:
    """The run's one deadline (with its time budget), TLS settings, resolver and, with --login, credentials.
    `deadline`: the one the edge made (default: options.deadline, or one from now)."""
    tls = options.share.tls(options.ca_file) if options.share is not None else TlsSettings(ca_file=options.ca_file)
    tls.validate()
    deadline = deadline if deadline is not None else options.the_deadline()
    pace = Pace()
    credentials = options.login.credentials if options.login is not None else None
    budget = socket_budget(options.checks_at_once)
    resolver = Resolver(deadline, options.nameservers, pace, ask_again=options.prefetch,
                        questions=budget.questions)
    return ProbeContext(
        deadline=deadline, tls=tls, resolver=resolver, target=target, credentials=credentials, pace=pace,
        sockets=SocketBudget(budget.connections),
        cert=CertThresholds(options.cert_warn_days, options.cert_crit_days),
    )


async def gather_evidence(
    address: str | Target, options: CheckOptions, *, discover_only: bool = False, deadline: Deadline | None = None,
) -> Evidence:
    """Run the plan for ADDRESS (as typed, or the Target the edge parsed it into once) and return what was seen.
    Raises UsageError for bad input only.
    `discover_only`: only what the domain publishes (MX, SRV, autoconfig) — for `mailprobe settings`.
    `deadline`: the run's one deadline (default: options.deadline, or one from now)."""
    target = address if isinstance(address, Target) else parse_address(address)
    profiles = options.load_profiles()
    if options.provider is not None:
        profiles.require(options.provider)
    ctx = _context(target, options, deadline)
    # The guard (the step a credentialed probe's entry asks for) is taken once, before any login can be planned:
    # a refusal plans none at all. Its code is imported only when a login was asked for.
    logins = guard_of(options.login is not None)
    login_run, claimed_ms = None, 0.0
    try:
        if logins is not None and options.login is not None:
            login_run = logins.claim(target.address, options.login, begun=lambda: _begun(ctx))
            claimed_ms = round(ctx.deadline.elapsed_ms(), 1)  # where a login the guard kept back sits on the clock
        planner = Planner(target, profiles, PlanOptions(
            forced_provider=options.provider,
            baseline=options.baseline,
            no_baseline=options.no_baseline,
            authoritative=options.authoritative,
            discover_only=discover_only,
            login_protocols=login_run.protocols if login_run is not None else (),
            prefetch=options.prefetch,
            timeouts=ctx.timeouts,
            policy=ctx.address_policy,
            phases=asked(options),  # --admin beside the quick checks, --loop after them (phases.py)
        ))
        engine = Engine(planner, ctx, options.share.run if options.share is not None else run_step,
                        options.on_observation)
        warm_up(_import_diagnosis)  # while the first questions are in flight
        phases = Phases(planner.phase_steps(), ctx, planner, options.lang)
        phases.start()
        observations = await engine.run()
        observations += await phases.finish(observations)
        if logins is not None and login_run is not None and options.login is not None:
            observations += logins.refused_logins(login_run, options.login.protocols, claimed_ms)
            logins.settle(login_run, observations, _begun(ctx))
    except BaseException:
        if logins is not None and login_run is not None:  # stopped or cancelled: unbegun logins give claims back
            logins.abandon(login_run, _begun(ctx))
        raise
    settled = planner.settle(observations)  # may still set the plan's flags (matched_by "mx_failed")
    return Evidence(
        target=target,
        plan=PlanSummary(planner.plan.profile, planner.plan.matched_by, list(planner.plan.endpoints)),
        observations=settled,
        mx_profile_id=planner.mx_profile_id,
        baseline_enabled=not options.no_baseline,
        nameservers=ctx.resolver.nameservers,
        timeout_s=ctx.deadline.total,
        loop_lag_ms=engine.loop_lag_ms,
        cert_warn_days=options.cert_warn_days,
        cert_crit_days=options.cert_crit_days,
    )


def _begun(ctx: ProbeContext) -> frozenset[str]:
    """The protocols whose login dialogue started in this run (the password may have gone out)."""
    return frozenset(ctx.logins_begun)


def _import_diagnosis() -> None:
    from mailprobe.compose import compose  # noqa: F401
    from mailprobe.diagnosis import catalogue  # noqa: F401 - the causes' words, read and validated on import
    from mailprobe.diagnosis.diagnose import diagnose  # noqa: F401


async def run_check(address: str | Target, options: CheckOptions | None = None) -> Report:
    """Check one mailbox address. Raises UsageError for bad input; network trouble is evidence, never raised."""
    options = options or CheckOptions()
    # One clock for the report: the deadline's origin. The report starts there (started_at), every check's
    # started_ms is an offset from it, and duration_ms runs from it to the report.
    deadline = options.the_deadline()
    started = deadline.started
    started_at = datetime.now(UTC) - timedelta(seconds=max(0.0, time.monotonic() - started))
    evidence = await gather_evidence(address, options, deadline=deadline)
    await warmed_up()  # never import what the background thread is importing at the same time
    from mailprobe.compose import compose
    from mailprobe.diagnosis.diagnose import diagnose

    diagnosis = diagnose(evidence)
    duration_ms = (time.monotonic() - started) * 1000.0
    return compose(evidence, diagnosis, options.lang, started_at, duration_ms, options.load_profiles())


def run_check_sync(address: str | Target, options: CheckOptions | None = None) -> Report:
    options = options or CheckOptions()
    return runloop.run(run_check(address, options), options.timeouts())


def discover_sync(address: str | Target, options: CheckOptions) -> Evidence:
    """What the domain of ADDRESS publishes, found as a check finds it (the same plan, resolver and deadline)."""
    return runloop.run(gather_evidence(address, options, discover_only=True), options.timeouts())

