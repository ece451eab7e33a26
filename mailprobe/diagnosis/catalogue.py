"""The cause catalogue: the causes' words from causes.toml, validated once, and the lookups callers use."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from mailprobe.causes import Cause
from mailprobe.lang import Lang
from mailprobe.locales.messages import clock_phrase, fill, guard_times, placeholders, service_name, t
from mailprobe.profiles import LocalText
from mailprobe.status import Severity

DATA_FILE = "causes.toml"
DEFAULT_VARIANT = "default"

# The sections of the source article (seed/000_aa02241d3ef762ef.txt) that texts may cite.
ARTICLE_SECTIONS: frozenset[str] = frozenset(
    [f"2.{n}" for n in range(1, 7)] + [f"3.{n}" for n in range(1, 7)] + [f"4.{n}" for n in range(1, 5)]
    + ["5", "5.1", "5.2", "5.3"]
)
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


class CatalogueError(ValueError):
    """The causes data file is broken: the message names the file and the field."""


class Text(LocalText):
    """A catalogue text in three languages, none empty; `text(lang)` is short for `text.get(lang)`."""

    @field_validator("en", "zh_hans", "zh_hant")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty text")
        return value

    def __call__(self, lang: Lang) -> str:
        return self.get(lang)


class Template(Text):
    """A verdict sentence: its `{params}` are the same in every language."""

    @model_validator(mode="after")
    def _same_params(self) -> Template:
        names = {lang: placeholders(self.get(lang)) for lang in ("en", "zh-Hans", "zh-Hant")}
        if not names["en"] == names["zh-Hans"] == names["zh-Hant"]:
            shown = "; ".join(f"{lang} {sorted(found)}" for lang, found in names.items())
            raise ValueError(f"the {{params}} differ between languages: {shown}")
        return self

    @property
    def params(self) -> set[str]:
        return placeholders(self.en)


def _cited(section: str, allowed: str) -> str:
    if section not in ARTICLE_SECTIONS or section[0] not in allowed:
        raise ValueError(f"'{section}' is not an article section of {', '.join(allowed)}.x")
    return section


def _distinct_ids(items: tuple[CatalogueRemedy, ...]) -> tuple[CatalogueRemedy, ...]:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"id '{item.id}' is used twice")
        seen.add(item.id)
    return items


class CatalogueRemedy(BaseModel):
    """One thing to do: a stable id, the section it cites (3.x, 4.x prevention, 5 provider notes), a text;
    `variants` / `except_variants`: only for the cause's findings of these verdict variants / of all others."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    section: str
    text: Text
    variants: tuple[str, ...] = ()
    except_variants: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_way_to_choose(self) -> CatalogueRemedy:
        if self.variants and self.except_variants:
            raise ValueError("a remedy names 'variants' or 'except_variants', not both")
        return self

    def fits(self, variant: str) -> bool:
        """Whether this remedy belongs to a finding of VARIANT."""
        if self.variants:
            return variant in self.variants
        return variant not in self.except_variants

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _SNAKE.match(value):
            raise ValueError(f"remedy id '{value}' is not snake_case")
        return value

    @field_validator("section")
    @classmethod
    def _section(cls, value: str) -> str:
        return _cited(value, "345")


class CauseEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cause: Cause
    section: str  # where the article names the cause (2.x), or its provider notes (5)
    # True: the cause is cited at the provider's own section of the article where it has one (5.1 NetEase,
    # 5.2 QQ, 5.3 Aliyun: `Profile.section`), at `section` for every other provider.
    section_by_provider: bool = False
    severity: Severity  # the default; a rule may lower or raise it for its case
    title: Text
    explanation: Text
    verdict: Mapping[str, Template]  # variant → sentence; "default" takes no params
    remedies: tuple[CatalogueRemedy, ...]
    tell: CatalogueRemedy | None = None  # how to tell it from the first cause, when shown as "also possible"

    @field_validator("section")
    @classmethod
    def _section(cls, value: str) -> str:
        return _cited(value, "25")

    @field_validator("verdict")
    @classmethod
    def _verdict(cls, value: Mapping[str, Template]) -> Mapping[str, Template]:
        default = value.get(DEFAULT_VARIANT)
        if default is None:
            raise ValueError(f"a cause needs a '{DEFAULT_VARIANT}' verdict")
        if default.params:
            raise ValueError(f"the '{DEFAULT_VARIANT}' verdict takes no {{params}}: {sorted(default.params)}")
        for variant in value:
            if not _SNAKE.match(variant):
                raise ValueError(f"verdict variant '{variant}' is not snake_case")
        return value

    @field_validator("remedies")
    @classmethod
    def _remedies(cls, value: tuple[CatalogueRemedy, ...]) -> tuple[CatalogueRemedy, ...]:
        return _distinct_ids(value)

    @model_validator(mode="after")
    def _remedies_per_variant(self) -> CauseEntry:
        """Each verdict variant gets 2 to 4 remedies; a variant a remedy names has a verdict."""
        for remedy in self.remedies:
            unknown = sorted(set(remedy.variants + remedy.except_variants) - set(self.verdict))
            if unknown:
                raise ValueError(f"remedy '{remedy.id}' names variant(s) {unknown} that have no verdict")
        for variant in self.verdict:
            count = len(self.remedies_for(variant))
            if not 2 <= count <= 4:
                raise ValueError(f"a cause has 2 to 4 remedies for each variant: {count} for '{variant}'")
        return self

    @field_validator("tell")
    @classmethod
    def _tell(cls, value: CatalogueRemedy | None) -> CatalogueRemedy | None:
        if value is not None:
            _cited(value.section, "345")
        return value

    @model_validator(mode="after")
    def _tell_is_its_own(self) -> CauseEntry:
        if self.tell is not None and self.tell.id in self.remedy_ids:
            raise ValueError(f"tell id '{self.tell.id}' is also a remedy's id")
        return self

    @property
    def remedy_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.remedies)

    def remedies_for(self, variant: str) -> tuple[CatalogueRemedy, ...]:
        """The remedies of a finding of VARIANT, in order (a variant with no verdict of its own is worded by
        the default verdict, and gets its remedies too)."""
        chosen = variant if variant in self.verdict else DEFAULT_VARIANT
        return tuple(r for r in self.remedies if r.fits(chosen))

    def section_for(self, provider_section: str | None) -> str:
        """The section the cause cites in a report about a provider whose own article section is
        PROVIDER_SECTION (None: it has none, or the provider is not recognised)."""
        return provider_section if self.section_by_provider and provider_section else self.section

    def remedy(self, remedy_id: str) -> CatalogueRemedy:
        for remedy in self.remedies:
            if remedy.id == remedy_id:
                return remedy
        raise KeyError(f"{self.cause.value} has no remedy '{remedy_id}'")


class CauseCatalogue(BaseModel):
    """The whole data file: one entry per cause (every Cause, in enum order) and the prevention tips."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    causes: Mapping[Cause, CauseEntry]
    prevention: tuple[CatalogueRemedy, ...]

    @field_validator("causes", mode="before")
    @classmethod
    def _every_cause_once(cls, value: Any) -> Any:
        """One table per cause of the enum, named by its id; handed on in enum order, the id as `cause`."""
        if not isinstance(value, dict):
            return value  # the type check reports it
        unknown = sorted(set(value) - {c.value for c in Cause})
        missing = [c.value for c in Cause if c.value not in value]
        problems = ([f"unknown cause(s) {unknown}"] if unknown else []) + (
            [f"missing cause(s) {missing}"] if missing else [])
        if problems:
            raise ValueError("; ".join(problems))
        tables = {c.value: value[c.value] for c in Cause}
        for cause_id, table in tables.items():
            if isinstance(table, dict):
                if "cause" in table:
                    raise ValueError(f"causes.{cause_id}: the table's name is its cause id; drop 'cause'")
                tables[cause_id] = {**table, "cause": cause_id}
        return tables

    @field_validator("prevention")
    @classmethod
    def _prevention(cls, value: tuple[CatalogueRemedy, ...]) -> tuple[CatalogueRemedy, ...]:
        for tip in value:
            _cited(tip.section, "4")
        return _distinct_ids(value)


def parse_catalogue(text: str, where: str) -> CauseCatalogue:
    """Validate the text of a causes data file; CatalogueError names `where` and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"cause catalogue {where}: not valid TOML ({exc})") from None
    try:
        return CauseCatalogue.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise CatalogueError(f"cause catalogue {where}: field '{field}': {first['msg']}{more}") from None


@cache
def load_catalogue() -> CauseCatalogue:
    """The built-in causes data, shipped beside this module; read and validated once."""
    source = resources.files("mailprobe.diagnosis").joinpath(DATA_FILE)
    return parse_catalogue(source.read_text(encoding="utf-8"), str(source))


CATALOGUE: Mapping[Cause, CauseEntry] = MappingProxyType(dict(load_catalogue().causes))
PREVENTION: tuple[CatalogueRemedy, ...] = load_catalogue().prevention


def entry(cause: Cause) -> CauseEntry:
    return CATALOGUE[cause]


def title(cause: Cause, lang: Lang) -> str:
    return CATALOGUE[cause].title.get(lang)


def explanation(cause: Cause, lang: Lang) -> str:
    return CATALOGUE[cause].explanation.get(lang)


def remedy_text(cause: Cause, remedy_id: str, lang: Lang) -> str:
    """The text of one remedy; KeyError if the cause has no such remedy."""
    return CATALOGUE[cause].remedy(remedy_id).text.get(lang)


def remedies(cause: Cause, lang: Lang, variant: str = DEFAULT_VARIANT) -> list[tuple[str, str, str]]:
    """The remedies of the cause's findings of VARIANT in order, as (remedy id, article section, text in
    `lang`)."""
    return [(r.id, r.section, r.text.get(lang)) for r in CATALOGUE[cause].remedies_for(variant)]


def tell_apart(cause: Cause, lang: Lang) -> tuple[str, str, str] | None:
    """How to tell CAUSE from the cause reported first, as (id, article section, text in `lang`); None if the
    catalogue has no such advice for it."""
    tell = CATALOGUE[cause].tell
    return (tell.id, tell.section, tell.text.get(lang)) if tell is not None else None


def prevention_tips(lang: Lang) -> list[tuple[str, str, str]]:
    """The article's prevention advice (4.1–4.4) as (tip id, section, text in `lang`): a report footer."""
    return [(tip.id, tip.section, tip.text.get(lang)) for tip in PREVENTION]


def verdict(cause: Cause | str, variant: str, lang: Lang, **params: object) -> str:
    """The verdict line of a finding: its variant's sentence if all its params are given, else the cause's.

    Two params are worded here for the reader: `service` ("imap" → "IMAP") and, from `offset_s`, `clock`."""
    sentences = CATALOGUE[Cause(cause)].verdict
    derived = dict(params)
    offset = params.get("offset_s")
    if isinstance(offset, int | float) and "clock" not in derived:
        derived["clock"] = clock_phrase(float(offset), lang)
    service = params.get("service")
    if isinstance(service, str) and service:
        derived["service"] = service_name(service, lang)
    specific = sentences.get(variant)
    if specific is not None and placeholders(specific.get(lang)) <= derived.keys():
        sentence = fill(specific.get(lang), **derived)
    else:
        sentence = fill(sentences[DEFAULT_VARIANT].get(lang), **derived)
    return _remembered(sentence, derived, lang)


def _remembered(sentence: str, params: dict[str, object], lang: Lang) -> str:
    """A finding from the login the lockout guard remembers (`tried_at`, `guard_until`, `tried_outcome`):
    its verdict, said as a login tried earlier and not retried, with when the next one is allowed."""
    tried, until, outcome = params.get("tried_at"), params.get("guard_until"), params.get("tried_outcome")
    if not (isinstance(tried, str) and isinstance(until, str) and isinstance(outcome, str)):
        return sentence
    try:
        tried_at, until_at = datetime.fromisoformat(tried), datetime.fromisoformat(until)
    except ValueError:
        return sentence
    wording = outcome if outcome in ("mailbox_refused", "error") else "refused"
    shown_tried, shown_until = guard_times(tried_at, until_at, lang)
    return t(f"verdict.remembered.{wording}", lang, service=params.get("service", ""), tried=shown_tried,
             until=shown_until, verdict=sentence)
