"""The adapter table of the `admin_api` type: an administrator API's name (a provider's TOML names it,
`admin_api = {type = "exmail"}`; admin/api.py checks it against this table when the profiles load) → its entry:
the provider it is named after, its credentials' fields, the base URLs a test may point elsewhere, and its client,
imported when a check asks. Each client has `async def consult(http, credentials, user, urls, facts) -> None`.
A new administrator API is its client module and one line here; a provider that uses one is one data file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailprobe.admin.credentials import ApiCredentials
    from mailprobe.admin.http import AdminHttp
    from mailprobe.kinds.admin import AdminFacts

Consult = Callable[["AdminHttp", "ApiCredentials", str, dict[str, str], "AdminFacts"], Awaitable[None]]


@dataclass(frozen=True)
class Adapter:
    provider: str  # as messages name it: "Tencent Exmail"
    fields: tuple[str, ...]  # its credentials, in the order they are named (MAILPROBE_<NAME>_<FIELD>, the file's table)
    load: Callable[[], Consult] = field(repr=False)  # its client, imported on first use
    secrets: frozenset[str] = frozenset()  # the fields held as Secrets
    files: Mapping[str, str] = field(default_factory=dict)  # a field naming a file of secrets → how messages name it
    urls: tuple[str, ...] = ()  # the base URLs its client reads from the profile's `admin_api.urls` (tests only)


def _exmail() -> Consult:
    from mailprobe.admin.exmail import consult

    return consult


def _graph() -> Consult:
    from mailprobe.admin.graph import consult

    return consult


def _google() -> Consult:
    from mailprobe.admin.google import consult

    return consult


ADAPTERS: dict[str, Adapter] = {
    "exmail": Adapter("Tencent Exmail", ("corpid", "corpsecret"), _exmail, secrets=frozenset({"corpsecret"}),
                      urls=("api",)),
    "graph": Adapter("Microsoft 365", ("tenant", "client_id", "client_secret"), _graph,
                     secrets=frozenset({"client_secret"}), urls=("login", "graph")),
    "google": Adapter("Google Workspace", ("key_file", "admin"), _google, files={"key_file": "the Google key file"},
                      urls=("token", "directory", "reports")),
}


def adapter(api: str) -> Consult:
    return ADAPTERS[api].load()
