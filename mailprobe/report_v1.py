"""Reports of schema_version 1, as mailprobe 0.1 wrote them: read by `explain` and upgraded to the current
Report (version 2 typed every check by `kind`; see the README)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mailprobe.empty import new_list
from mailprobe.report import ProviderInfo, ToolInfo
from mailprobe.status import CheckStatus, OverallStatus, Severity


class _Model(BaseModel):
    # Reports written by newer versions may carry fields we do not know: read them, ignore them.
    model_config = ConfigDict(extra="ignore")


class CheckResult(_Model):
    id: str
    kind: str
    target: str
    address: str | None = None
    status: CheckStatus
    duration_ms: float = 0.0
    summary: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class RemedyEntry(_Model):
    section: str
    text: str
    id: str | None = None  # catalogue remedy id, or "provider:<id>:<n>" — lets `explain` translate it


class DiagnosisEntry(_Model):
    cause: str
    section: str
    severity: Severity
    confidence: float
    summary: str
    evidence: list[str] = Field(default_factory=new_list)
    remedies: list[RemedyEntry] = Field(default_factory=new_list)
    variant: str = "default"
    params: dict[str, str | int | float] = Field(default_factory=dict)


class ReportV1(_Model):
    schema_version: Literal[1]
    tool: ToolInfo
    address: str
    domain: str
    domain_ascii: str
    started_at: datetime
    duration_ms: float
    status: OverallStatus
    provider: ProviderInfo
    checks: list[CheckResult] = Field(default_factory=new_list)
    diagnosis: list[DiagnosisEntry] = Field(default_factory=new_list)
    lang: str = "en"
    nameservers: list[str] = Field(default_factory=new_list)
