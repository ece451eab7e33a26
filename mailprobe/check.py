"""The one orchestration: Target → Profile → plan → engine → diagnosis → Report."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mailprobe.address import Target, parse_address
from mailprobe.diagnosis.diagnose import diagnose
from mailprobe.engine import Engine
from mailprobe.evidence import DnsLookup, Evidence
from mailprobe.lang import Lang
from mailprobe.net.deadline import Deadline
from mailprobe.net.pace import Pace
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.plan import Planner, PlanOptions
from mailprobe.probes.base import ProbeContext
from mailprobe.profiles import ProfileSet, load_profiles
from mailprobe.report import Report
from mailprobe.timeouts import DEFAULT_TIMEOUT_S, Timeouts


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
    # When the user's clock started: the CLI passes its own start so --timeout bounds the whole command.
    started: float | None = None
    profiles: ProfileSet | None = field(default=None, repr=False)

    def timeouts(self) -> Timeouts:
        return Timeouts(total=self.timeout)

    def load_profiles(self) -> ProfileSet:
        if self.profiles is None:
            self.profiles = load_profiles(self.providers_dir)
        return self.profiles


def _context(target: Target, options: CheckOptions) -> ProbeContext:
    """The run's one deadline (with its time budget), TLS settings and resolver."""
    tls = TlsSettings(ca_file=options.ca_file)
    tls.validate()
    deadline = Deadline(options.timeout, options.started, options.timeouts())
    pace = Pace()
    resolver = Resolver(deadline, options.nameservers, pace)
    return ProbeContext(deadline=deadline, tls=tls, resolver=resolver, target=target, pace=pace)


async def gather_evidence(address: str, options: CheckOptions) -> Evidence:
    """Run the plan for ADDRESS and return what was seen. Raises UsageError for bad input only."""
    target = parse_address(address)
    profiles = options.load_profiles()
    if options.provider is not None:
        profiles.require(options.provider)
    ctx = _context(target, options)
    planner = Planner(target, profiles, PlanOptions(
        forced_provider=options.provider,
        baseline=options.baseline,
        no_baseline=options.no_baseline,
        authoritative=options.authoritative,
        timeouts=ctx.timeouts,
    ))
    engine = Engine(planner, ctx)
    observations = await engine.run()
    return Evidence(
        target=target,
        plan=planner.plan,
        observations=planner.settle(observations),
        mx_profile_id=planner.mx_profile_id,
        baseline_enabled=not options.no_baseline,
        nameservers=ctx.resolver.nameservers,
        timeout_s=ctx.deadline.total,
        loop_lag_ms=engine.loop_lag_ms,
    )


async def run_check(address: str, options: CheckOptions | None = None) -> Report:
    """Check one mailbox address. Raises UsageError for bad input; network trouble is evidence, never raised."""
    from mailprobe.compose import compose

    options = options or CheckOptions()
    started_at = datetime.now(UTC)
    started = time.monotonic()
    evidence = await gather_evidence(address, options)
    findings = diagnose(evidence)
    duration_ms = (time.monotonic() - started) * 1000.0
    return compose(evidence, findings, options.lang, started_at, duration_ms, options.load_profiles())


def run_check_sync(address: str, options: CheckOptions | None = None) -> Report:
    return asyncio.run(run_check(address, options))


async def lookup_mx(address: str, options: CheckOptions) -> tuple[Target, DnsLookup]:
    """Only the domain's MX, through the same resolver and deadline as a check (for `mailprobe settings`)."""
    from mailprobe.probes.dns import lookup_mx as ask_mx

    target = parse_address(address)
    ctx = _context(target, options)
    return target, await ask_mx(ctx.resolver, target.domain_ascii)
