"""The profile's `admin_api`: which administrator API the provider has, by its name in the adapter table
(adapters.py), checked against that table when the profiles load."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mailprobe.admin.adapters import ADAPTERS


class AdminApi(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str  # a name in ADAPTERS
    urls: dict[str, str] = Field(default_factory=dict)  # for tests only: the API's base URLs, HTTPS

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ADAPTERS:
            raise ValueError(f"'{value}' is not an administrator API mailprobe knows ({', '.join(ADAPTERS)})")
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
        reads = ADAPTERS[self.type].urls
        unknown = sorted(set(self.urls) - set(reads))
        if unknown:
            raise ValueError(f"urls.{unknown[0]}: {self.type} reads no such URL ({', '.join(reads)})")
        return self
