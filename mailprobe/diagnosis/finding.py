"""A finding: one cause the rules name, with the checks it rests on and what its texts need."""

from typing import Literal

from pydantic import BaseModel, Field

from mailprobe.causes import Cause

Severity = Literal["critical", "warning"]
Param = str | int | float


class Finding(BaseModel):
    cause: Cause
    severity: Severity
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[str] = Field(default_factory=list)  # check ids
    variant: str = "default"  # which verdict sentence fits: "port_blocked", "nothing_answers", ...
    params: dict[str, Param] = Field(default_factory=dict)
