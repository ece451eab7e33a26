"""The adapter table of the `admin_api` type: an administrator API's name (its entry in api.APIS, which a
provider's TOML names) → its client's `consult`, imported when a check asks. Each client has
`async def consult(http, credentials, user, urls, facts) -> None`. A new administrator API is its client
module, its line here and its line in api.APIS (what it needs, as data the profiles are checked against)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailprobe.admin.credentials import ApiCredentials
    from mailprobe.admin.http import AdminHttp
    from mailprobe.kinds.admin import AdminFacts

Consult = Callable[["AdminHttp", "ApiCredentials", str, dict[str, str], "AdminFacts"], Awaitable[None]]


def _exmail() -> Consult:
    from mailprobe.admin.exmail import consult

    return consult


def _graph() -> Consult:
    from mailprobe.admin.graph import consult

    return consult


def _google() -> Consult:
    from mailprobe.admin.google import consult

    return consult


ADAPTERS: dict[str, Callable[[], Consult]] = {"exmail": _exmail, "graph": _graph, "google": _google}


def adapter(api: str) -> Consult:
    return ADAPTERS[api]()
