"""The adapter table: an admin API type (the profile's `admin_api.type`) → its client's `consult`, imported when
a check asks. Each client has `async def consult(http, credentials, user, urls, facts) -> None`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailprobe.admin.credentials import ApiCredentials
    from mailprobe.admin.http import AdminHttp
    from mailprobe.admin.records import AdminFacts

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
