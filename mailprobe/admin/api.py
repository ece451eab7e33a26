"""The profile's `admin_api`: which administrator API the provider has (adapters.py maps it to its client)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

AdminApiType = Literal["exmail", "graph", "google"]
# The base URLs an adapter reads from `urls` (tests point them at a loopback stand-in; real use needs none).
URL_KEYS: dict[str, tuple[str, ...]] = {
    "exmail": ("api",), "graph": ("login", "graph"), "google": ("token", "directory", "reports"),
}


class AdminApi(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: AdminApiType
    urls: dict[str, str] = Field(default_factory=dict)  # for tests only: the API's base URLs, HTTPS

    @field_validator("urls")
    @classmethod
    def _https(cls, values: dict[str, str]) -> dict[str, str]:
        for key, value in values.items():
            if not re.match(r"^https://[a-z0-9.-]+(:\d+)?(/[^\s?#]*)?$", value, re.IGNORECASE):
                raise ValueError(f"urls.{key}: '{value}' is not an https:// base URL")
        return values
