"""The `admin` observation kind (`check --admin`): what the provider's administrator API said about the mailbox.
Its report check and its entry in the kinds table; the record itself is admin/records.py."""

from __future__ import annotations

from typing import ClassVar, Literal

from mailprobe.admin.records import AdminFacts, AdminRecord
from mailprobe.admin.summary import summarize
from mailprobe.evidence import Observation
from mailprobe.kinds.base import CheckBase, Kind, provider_first


class AdminCheck(CheckBase):
    kind: Literal["admin"] = "admin"
    data: AdminFacts
    observed: ClassVar[type[Observation]] = AdminRecord


KIND = Kind(names=("admin",), observation=AdminRecord, check=AdminCheck, summary=summarize, rank=provider_first)
