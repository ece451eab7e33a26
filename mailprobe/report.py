"""The Report (JSON schema_version 1), its overall status and the exit code monitoring reads from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mailprobe.diagnosis.finding import Severity

SCHEMA_VERSION: Literal[1] = 1
OverallStatus = Literal["ok", "warning", "critical", "unknown"]
CheckStatus = Literal["pass", "warn", "fail", "skip", "error"]
EXIT_CODES: dict[str, int] = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}


class _Model(BaseModel):
    # Reports written by newer versions may carry fields we do not know: read them, ignore them.
    model_config = ConfigDict(extra="ignore")


class ToolInfo(_Model):
    name: str = "mailprobe"
    version: str


class ProviderInfo(_Model):
    id: str
    name: str
    matched_by: Literal["mx", "forced", "generic"]


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
    evidence: list[str] = Field(default_factory=list)
    remedies: list[RemedyEntry] = Field(default_factory=list)
    variant: str = "default"
    params: dict[str, str | int | float] = Field(default_factory=dict)


class Report(_Model):
    schema_version: Literal[1]
    tool: ToolInfo
    address: str
    domain: str
    domain_ascii: str
    started_at: datetime
    duration_ms: float
    status: OverallStatus
    provider: ProviderInfo
    checks: list[CheckResult] = Field(default_factory=list)
    diagnosis: list[DiagnosisEntry] = Field(default_factory=list)
    lang: str = "en"
    nameservers: list[str] = Field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


def overall_status(severities: list[Severity]) -> OverallStatus:
    """Critical if any cause is critical, warning if any is a warning, otherwise ok."""
    if "critical" in severities:
        return "critical"
    if "warning" in severities:
        return "warning"
    return "ok"


def worst_exit_code(reports: list[Report]) -> int:
    return max((report.exit_code for report in reports), default=3)


def json_schema() -> dict[str, Any]:
    schema = Report.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mailprobe report (schema_version 1)"
    return schema
