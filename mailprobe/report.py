"""The Report (JSON schema_version 2): enough on its own for every renderer — typed checks with their start
offsets, each cause with its words in the chosen language, the prevention advice — its overall status and
the exit code monitoring reads from it."""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema, model_validator

from mailprobe.causes import Cause
from mailprobe.empty import new_list
from mailprobe.evidence import Facts, Observation
from mailprobe.kinds import CheckResult as CheckResult  # re-exported: the report's check union
from mailprobe.kinds import kind_of
from mailprobe.kinds.base import ReportModel as _Model
from mailprobe.status import EXIT_CODES as EXIT_CODES  # re-exported: the report's readers name them here
from mailprobe.status import CheckStatus as CheckStatus
from mailprobe.status import OverallStatus as OverallStatus
from mailprobe.status import Severity as Severity
from mailprobe.status import worst

SCHEMA_VERSION: Literal[2] = 2
# A report id, `ABCD-EFGH`: base32 without 0, 1, 8 and 9 (`report_id`); empty before it is computed.
REPORT_ID_PATTERN = r"^([A-Z2-7]{4}-[A-Z2-7]{4})?$"


class ToolInfo(_Model):
    name: str = "mailprobe"
    version: str


class ProviderInfo(_Model):
    id: str
    name: str
    matched_by: Literal["mx", "forced", "generic", "mx_failed"]


def check_of(observation: Observation, summary: str) -> CheckResult:
    """The report's check for an observation: its common fields, its summary, and its typed facts."""
    kind = kind_of(observation)
    assert kind is not None, f"{type(observation).__name__} has no entry in the kinds table"
    cls = kind.check
    facts_cls: type[Facts] = cls.model_fields["data"].annotation  # type: ignore[assignment]
    data = facts_cls.model_validate(observation.model_dump(include=set(facts_cls.model_fields)))
    return cls.model_validate({  # type: ignore[return-value]
        "id": observation.id, "kind": observation.kind, "target": observation.target,
        "address": observation.address, "status": observation.status.value,
        "started_ms": round(observation.started_ms, 1), "duration_ms": round(observation.duration_ms, 1),
        "summary": summary, "data": data,
    })


class RemedyEntry(_Model):
    section: str
    text: str
    id: str | None = None  # catalogue remedy id, or "provider:<id>:<cause>:<n>" — lets `explain` translate it


# The schema promises the known cause ids; a reader still takes a newer mailprobe's cause and keeps its words.
CauseId = Annotated[
    Cause | str,
    Field(union_mode="left_to_right"),
    WithJsonSchema({"type": "string", "enum": [c.value for c in Cause]}),
]


class AlsoPossible(_Model):
    """A weaker reading of the same evidence (the same refusal), folded into the entry instead of standing as
    a cause of its own; `remedies` say how to tell it from the entry's cause (catalogue `tell`)."""

    cause: CauseId
    confidence: float
    title: str = ""  # the cause's name, in the report's language
    remedies: list[RemedyEntry] = Field(default_factory=new_list)


class DiagnosisEntry(_Model):
    cause: CauseId
    section: str
    severity: Severity
    confidence: float
    title: str = ""  # the cause's name, in the report's language
    summary: str  # the verdict sentence for this case
    explanation: str = ""  # what the cause means, in the report's language
    evidence: list[str] = Field(default_factory=new_list)
    remedies: list[RemedyEntry] = Field(default_factory=new_list)
    variant: str = "default"
    params: dict[str, str | int | float] = Field(default_factory=dict)
    also_possible: list[AlsoPossible] = Field(default_factory=new_list)  # most likely first; older reports: none


class PreventionTip(_Model):
    """The article's advice for next time (section 4), in the report's language."""

    section: str
    text: str
    id: str | None = None


class UnfinishedEntry(_Model):
    """Why a report with no cause is `unknown`: mailprobe could not finish in the time it had (`deadline`,
    `nothing` when nothing answered) or was starved by its own load (`starved`). `summary` is the verdict in
    the report's language; `params` its facts (`timeout`, `untested` of `checks`, `answered`, `slowest_ms`,
    `slowest`, `suggested` — the --timeout that would fit — and how many checks of each kind answered)."""

    variant: str = "deadline"
    summary: str
    params: dict[str, str | int | float] = Field(default_factory=dict)


class Report(_Model):
    schema_version: Literal[2]
    tool: ToolInfo
    address: str
    domain: str
    domain_ascii: str
    # The origin of the report's one clock: when its deadline started counting (the command's start, less any
    # time spent waiting for a password). duration_ms runs from it to the report; every started_ms counts from it.
    started_at: datetime
    duration_ms: float
    status: OverallStatus
    provider: ProviderInfo
    checks: list[CheckResult] = Field(default_factory=new_list)
    diagnosis: list[DiagnosisEntry] = Field(default_factory=new_list)
    prevention: list[PreventionTip] = Field(default_factory=new_list)
    lang: str = "en"
    nameservers: list[str] = Field(default_factory=new_list)
    # The short id read out on the phone (`report_id`): the same in every language, written into every format
    # and the history, where `mailprobe explain --id` finds the report by it. A report written before it
    # existed gets it on reading, from its facts.
    report_id: Annotated[str, Field(pattern=REPORT_ID_PATTERN)] = ""

    @model_validator(mode="after")
    def _with_its_id(self) -> "Report":
        if not self.report_id:
            self.report_id = report_id(self)
        return self
    unfinished: UnfinishedEntry | None = None  # status unknown, no cause: why, in words and facts

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    @property
    def checked(self) -> bool:
        """False for a line that was not an address: a batch carries it as `unknown`, with no domain."""
        return bool(self.domain)


def overall_status(reports: Sequence[Report]) -> OverallStatus:
    """A run's status, for its exit code and Nagios's status word alike: the worst of the addresses checked. A
    line that was not an address is named and carried as `unknown` but never raises it (a typo in a list of
    mailboxes must not hide a critical one behind UNKNOWN); a run that checked nothing is `unknown`."""
    return worst(report.status for report in reports if report.checked)


def worst_exit_code(reports: Sequence[Report]) -> int:
    return EXIT_CODES[overall_status(reports)]


def json_schema() -> dict[str, Any]:
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"mailprobe report (schema_version {SCHEMA_VERSION})"
    return schema


def report_id(report: Report) -> str:
    """A short id a user reads out on the phone and a help desk finds the report again by: 8 characters of
    base32 (no 0/1/8/9 to mishear) of the SHA-256 of the report's facts, grouped as `ABCD-EFGH`.

    Only the facts count — address, time, status, each check's outcome and data, each cause — never the words,
    so the same report re-worded in another language (`explain --lang`) keeps its id. (Never the id itself:
    a report carries it as `report_id`, computed once when the report is made.)
    """
    import base64
    import hashlib
    import json

    facts = report.model_dump(
        mode="json",
        include={"address", "started_at", "duration_ms", "status", "checks", "diagnosis"},
        exclude={
            "checks": {"__all__": {"summary"}},
            "diagnosis": {"__all__": {
                "title": True, "summary": True, "explanation": True, "remedies": True,
                "also_possible": {"__all__": {"title", "remedies"}},
            }},
        },
    )
    canonical = json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    code = base64.b32encode(hashlib.sha256(canonical.encode("utf-8")).digest()).decode("ascii")[:8]
    return f"{code[:4]}-{code[4:]}"


def parse_report_id(text: str) -> str | None:
    """A report id as someone typed or heard it — any case, spaces or a dash anywhere, a 0 for an O, a 1 for
    an I, an 8 for a B (base32 has no 0, 1, 8 or 9) — as `ABCD-EFGH`; None when it cannot be one."""
    import re

    code = re.sub(r"[\s-]", "", text).upper().translate(str.maketrans("018", "OIB"))
    if not re.fullmatch(r"[A-Z2-7]{8}", code):
        return None
    return f"{code[:4]}-{code[4:]}"
