"""The administrator APIs mailprobe knows, as data, and the profile's `admin_api` that names one.

`APIS` is the `admin_api` type's table of names: each entry says what the API needs without its code (the
provider it is named after, its credentials' fields, which of them are secrets or owner-only files, the base URLs
a test may point at a stand-in). A provider's TOML names one, `admin_api = {type = "exmail"}`, and profiles.py
checks the name (and any test URL) against it at load. Each name's client is its line in admin/adapters.py (imported
only when a check asks); tests/admin/test_house.py holds the two tables to the same names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


@dataclass(frozen=True)
class ApiSpec:
    provider: str  # as messages name it: "Tencent Exmail"
    fields: tuple[str, ...]  # its credentials, in the order they are named (MAILPROBE_<NAME>_<FIELD>, the file's table)
    secrets: frozenset[str] = frozenset()  # the fields held as Secrets
    files: Mapping[str, str] = field(default_factory=dict)  # a field naming a file of secrets → how messages name it
    urls: tuple[str, ...] = ()  # the base URLs its client reads from the profile's `admin_api.urls` (tests only)
    # The pair that signs in, as the one credentials value (secret.Credentials): the app's identifier and its secret.
    signs_in: tuple[str, str] | None = None


APIS: dict[str, ApiSpec] = {
    "exmail": ApiSpec("Tencent Exmail", ("corpid", "corpsecret"), secrets=frozenset({"corpsecret"}), urls=("api",),
                      signs_in=("corpid", "corpsecret")),
    "graph": ApiSpec("Microsoft 365", ("tenant", "client_id", "client_secret"), secrets=frozenset({"client_secret"}),
                     urls=("login", "graph", "exchange"), signs_in=("client_id", "client_secret")),
    "google": ApiSpec("Google Workspace", ("key_file", "admin"), files={"key_file": "the Google key file"},
                      urls=("token", "directory", "reports", "gmail")),
}


class AdminApi(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str  # a name in APIS
    urls: dict[str, str] = Field(default_factory=dict)  # for tests only: the API's base URLs, HTTPS

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in APIS:
            raise ValueError(f"'{value}' is not an administrator API mailprobe knows ({', '.join(APIS)})")
        return value

    @field_validator("urls")
    @classmethod
    def _https(cls, values: dict[str, str]) -> dict[str, str]:
        for key, value in values.items():
            if not re.match(r"^https://[a-z0-9.-]+(:\d+)?(/[^\s?#]*)?$", value, re.IGNORECASE):
                raise ValueError(f"urls.{key}: '{value}' is not an https:// base URL")
        return values

    @model_validator(mode="after")
    def _urls_it_reads(self) -> AdminApi:
        reads = APIS[self.type].urls
        unknown = sorted(set(self.urls) - set(reads))
        if unknown:
            raise ValueError(f"urls.{unknown[0]}: {self.type} reads no such URL ({', '.join(reads)})")
        return self
