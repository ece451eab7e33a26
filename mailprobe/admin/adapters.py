"""The adapter table: an admin API type (the profile's `admin_api.type`) → its client module, imported when a
check asks. Each module has `async def consult(http, credentials, user, urls, facts) -> None`."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailprobe.admin.credentials import ApiCredentials
    from mailprobe.admin.http import AdminHttp
    from mailprobe.admin.records import AdminFacts

Consult = Callable[["AdminHttp", "ApiCredentials", str, dict[str, str], "AdminFacts"], Awaitable[None]]

ADAPTERS: dict[str, str] = {
    "exmail": "mailprobe.admin.exmail",
    "graph": "mailprobe.admin.graph",
    "google": "mailprobe.admin.google",
}


def adapter(api: str) -> Consult:
    module = importlib.import_module(ADAPTERS[api])
    consult: Consult = module.consult
    return consult
