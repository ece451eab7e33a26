"""The one orchestration: Target → Profile → plan → engine → diagnosis → Report."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mailprobe.address import parse_address
from mailprobe.diagnosis.diagnose import diagnose
from mailprobe.engine import Engine, EngineOptions
from mailprobe.lang import Lang
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.probes.base import ProbeContext
from mailprobe.profiles import ProfileSet, load_profiles
from mailprobe.report import Report

DEFAULT_TIMEOUT_S = 10.0


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

    def load_profiles(self) -> ProfileSet:
        if self.profiles is None:
            self.profiles = load_profiles(self.providers_dir)
        return self.profiles


async def run_check(address: str, options: CheckOptions | None = None) -> Report:
    """Check one mailbox address. Raises UsageError for bad input; network trouble is evidence, never raised."""
    from mailprobe.compose import compose

    options = options or CheckOptions()
    target = parse_address(address)
    profiles = options.load_profiles()
    if options.provider is not None:
        profiles.require(options.provider)
    tls = TlsSettings(ca_file=options.ca_file)
    tls.validate()
    started_at = datetime.now(UTC)
    started = time.monotonic()
    deadline = Deadline(options.timeout, options.started)
    ctx = ProbeContext(deadline=deadline, tls=tls, resolver=Resolver(deadline, options.nameservers))
    engine_options = EngineOptions(
        forced_provider=options.provider,
        baseline=options.baseline,
        no_baseline=options.no_baseline,
        authoritative=options.authoritative,
    )
    evidence = await Engine(target, profiles, engine_options, ctx).run()
    findings = diagnose(evidence)
    duration_ms = (time.monotonic() - started) * 1000.0
    return compose(evidence, findings, options.lang, started_at, duration_ms, profiles)


def run_check_sync(address: str, options: CheckOptions | None = None) -> Report:
    return asyncio.run(run_check(address, options))
