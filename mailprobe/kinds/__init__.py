"""The observation kinds, one home each, in one table: each module holds its facts and observation, its
report check, its blank, its summary line and (beside it, `<kind>.toml`) its words in the three languages.
The table builds the report's check union, the summaries, compose's order and the blank lookup; a check of
a kind not in it (a newer mailprobe's) is read as an `OtherCheck`.

Adding a kind: its module and its words here, and its line in `KINDS` (and in `CheckResult` for the type
checker)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Discriminator, Tag, WithJsonSchema

from mailprobe.evidence import Observation
from mailprobe.kinds import admin, baseline, dns, login, loop, mail, spf, web
from mailprobe.kinds.base import CheckBase, Kind
from mailprobe.lang import Lang
from mailprobe.summaries import failure_phrase, status_only

KINDS: tuple[Kind, ...] = (dns.KIND, mail.KIND, web.KIND, baseline.KIND, login.KIND, spf.KIND, loop.KIND,
                           admin.KIND)
BY_NAME: dict[str, Kind] = {name: kind for kind in KINDS for name in kind.names}
_BY_CLASS: dict[type[Observation], Kind] = {kind.observation: kind for kind in KINDS}
_OTHER = "other"


class OtherCheck(CheckBase):
    """A check of a kind a newer mailprobe wrote: read, shown with its summary and status, written back as it
    came — never a reason to reject the report. (The schema: any kind but the known ones.)"""

    kind: Annotated[str, WithJsonSchema({"type": "string", "not": {"enum": sorted(BY_NAME)}})]
    # Kept as written, as plain data: never read as facts of a kind this mailprobe knows (a renderer that looks
    # for a `tls` or an `error` on a check finds none here, whatever a hostile or newer report put in it).
    data: dict[str, Any]


def _tag(value: Any) -> str:
    """The union member a check is read as: its kind's, or "other" for a kind this mailprobe does not know."""
    name = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    kind = BY_NAME.get(name) if isinstance(name, str) else None
    return kind.names[0] if kind is not None else _OTHER


if TYPE_CHECKING:
    CheckResult = (dns.DnsCheck | mail.MailCheck | web.WebCheck | baseline.BaselineCheck | login.LoginCheck
                   | spf.SpfCheck | loop.LoopCheck | admin.AdminCheck | OtherCheck)
else:
    _MEMBERS = (*(Annotated[kind.check, Tag(kind.names[0])] for kind in KINDS), Annotated[OtherCheck, Tag(_OTHER)])
    CheckResult = Annotated[Union[_MEMBERS], Discriminator(_tag)]  # noqa: UP007 - a union built from the table


def kind_of(observation: Observation) -> Kind | None:
    return _BY_CLASS.get(type(observation))


def summarize(observation: Observation, lang: Lang) -> str:
    """The check's one-line summary in `lang`, by its kind. Pure: reads the observation, never the network."""
    kind = kind_of(observation)
    if kind is not None:
        return kind.summary(observation, lang)
    if observation.error is not None:
        return failure_phrase(observation.error, lang)
    return status_only(observation.status, lang)


def reworded(check: CheckBase, lang: Lang) -> str:
    """A report's check's summary in LANG, from its data; a check of a kind not known here keeps its words."""
    observation = check.observation()
    return check.summary if observation is None else summarize(observation, lang)


def rank(observation: Observation) -> tuple[int, int, str]:
    """Its place in the report: the same every run, whatever finished first (reports from cron get diffed)."""
    kind = kind_of(observation)
    return (*(kind.rank(observation) if kind is not None else (4, 0)), observation.id)

