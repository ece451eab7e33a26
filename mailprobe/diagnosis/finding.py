"""A finding: one cause the rules name, with the checks it rests on and what its texts need."""

from dataclasses import dataclass

from pydantic import BaseModel, Field

from mailprobe.causes import Cause
from mailprobe.empty import new_list
from mailprobe.status import OverallStatus, Severity

Param = str | int | float


class Alternative(BaseModel):
    """Another cause the same evidence may mean, less likely than the finding's own (a weaker reading)."""

    cause: Cause
    confidence: float = Field(ge=0.0, le=1.0)


class Finding(BaseModel):
    cause: Cause
    severity: Severity
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[str] = Field(default_factory=new_list)  # check ids
    variant: str = "default"  # which verdict sentence fits: "port_blocked", "nothing_answers", ...
    params: dict[str, Param] = Field(default_factory=dict)
    also_possible: list[Alternative] = Field(default_factory=new_list)  # most likely first; never a finding too


@dataclass(frozen=True)
class Diagnosis:
    """What the diagnosis says of one check: its findings, ranked, and the report's status they give."""

    findings: list[Finding]
    status: OverallStatus
