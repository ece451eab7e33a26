"""Baseline probe: can this machine open a TCP connection to another provider's service on the same port?"""

from __future__ import annotations

import time

from mailprobe.evidence import Endpoint, Reachability, Status, check_id
from mailprobe.net.connect import ProbeError, close_quietly, open_tcp
from mailprobe.probes.base import ProbeContext


async def probe(endpoint: Endpoint, address: str, ctx: ProbeContext) -> Reachability:
    started = time.monotonic()
    observation = Reachability(
        id=check_id(f"baseline.{endpoint.protocol}.{endpoint.port}", endpoint.host, address),
        target=endpoint.target,
        address=address,
        status=Status.PASS,
        role=endpoint.role,
        host=endpoint.host,
        port=endpoint.port,
        service=endpoint.protocol,
        provider_id=endpoint.provider_id,
    )
    try:
        _reader, writer, connect_ms = await open_tcp(address, endpoint.port, ctx.deadline, ctx.step_cap)
    except ProbeError as exc:
        observation.status = Status.FAIL
        observation.error = exc.facts
    else:
        observation.connect_ms = round(connect_ms, 2)
        await close_quietly(writer)
    observation.duration_ms = round((time.monotonic() - started) * 1000.0, 2)
    return observation
