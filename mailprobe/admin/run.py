"""One mailbox's admin record: wait for the provider the plan recognises, then ask its administrator API,
within the run's deadline, alongside the wire checks (a step the plan declares: phases.py starts it and takes
what it found)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from mailprobe.admin.adapters import adapter
from mailprobe.admin.credentials import AdminCredentials, env_name
from mailprobe.admin.http import AdminHttp
from mailprobe.adminapis import APIS
from mailprobe.evidence import ErrorFacts, Failure, Status, check_id
from mailprobe.kinds.admin import AdminProblem, AdminRecord

if TYPE_CHECKING:
    from mailprobe.probes.base import ProbeContext
    from mailprobe.profiles import Profile

POLL_S = 0.02  # how often the provider's recognition is looked at while the MX is asked


@dataclass
class AdminOptions:
    """`--admin`: the credentials found (credentials.load) and, for tests only, an httpx transport."""

    credentials: AdminCredentials = field(repr=False)
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)


async def observe(
    ctx: ProbeContext, options: AdminOptions, profile_now: Callable[[], Profile | None], decided: Callable[[], bool],
) -> AdminRecord:
    """The admin record for ctx.target. PROFILE_NOW: the provider the plan recognised so far; DECIDED: the plan
    knows it (or never will). Never raises."""
    began = time.monotonic()
    while profile_now() is None and not decided() and not ctx.deadline.expired():
        await asyncio.sleep(POLL_S)
    profile = profile_now()
    assert ctx.target is not None
    user = ctx.target.address
    api = profile.admin_api if profile is not None else None
    record = AdminRecord(id=check_id("admin", api.type if api else "none", user), target=api.type if api else "admin",
                         status=Status.SKIP, api=api.type if api else "none", user=user)
    record.began_at(began)
    record.started_ms = round(max(0.0, began - ctx.deadline.started) * 1000.0, 1)
    if api is None:
        record.problems.append(AdminProblem(call="admin", kind="no_api",
                                            detail=profile.id if profile is not None else "generic"))
    elif (credentials := options.credentials.get(api.type)) is None:
        wanted = " and ".join(env_name(api.type, name) for name in APIS[api.type].fields)
        detail = f"{APIS[api.type].provider}: {wanted}, or [{api.type}] in --admin-credentials"
        record.problems.append(AdminProblem(call="admin", kind="no_credentials", detail=detail))
    else:
        from_user = profile is not None and profile.from_user
        http = AdminHttp(ctx, origin="user" if from_user else "records", transport=options.transport)
        try:
            await adapter(api.type)(http, credentials, user, dict(api.urls), record)
        except Exception as exc:  # a fault of mailprobe's own: said, masked, never a traceback
            record.error = ErrorFacts(kind=Failure.INTERNAL, stage="admin", detail=http.redact(repr(exc))[:300])
        record.status = _status(record)
    record.duration_ms = round((time.monotonic() - began) * 1000.0, 2)
    return record


def _status(record: AdminRecord) -> Status:
    if record.error is not None:
        return Status.ERROR
    told = record.exists is not None or bool(record.quotes)
    if record.problems and not told:  # the API told nothing about the account
        return Status.ERROR
    latest = record.sign_ins[0] if record.sign_ins else None
    if (record.enabled is False or record.protocols_off or record.secure_login_forced or record.secure_login_enabled
            or record.must_change_password or (latest is not None and latest.code not in ("0", ""))):
        return Status.FAIL
    return Status.WARN if record.problems else Status.PASS
