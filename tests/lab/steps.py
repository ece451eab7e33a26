"""Running one probe on one endpoint and address, as the engine would run the plan's step."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from mailprobe.evidence import Endpoint
from mailprobe.plan import Session, Step
from mailprobe.probes.base import ProbeContext


async def probe_once(module: ModuleType, endpoint: Endpoint, ip: str, ctx: ProbeContext) -> Any:
    """The one observation of MODULE's probe for ENDPOINT at IP."""
    name = module.__name__.rsplit(".", 1)[-1]
    observations = await module.probe(Step(name, Session(endpoint=endpoint, ip=ip)), ctx)  # type: ignore[arg-type]
    assert len(observations) == 1
    return observations[0]
