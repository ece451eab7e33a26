"""The domain's SPF record compared with its provider's (the profile's `spf_include`): does the record let the
provider send for the domain? Its facts, its report check, the comparison itself, its summary line and its
words (spf.toml). Evidence about outgoing mail only: it never decides whether a mailbox can log in."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from mailprobe.empty import new_list
from mailprobe.evidence import Facts, Observation, Status, check_id
from mailprobe.kinds.base import CheckBase, Kind
from mailprobe.kinds.dns import DnsLookup
from mailprobe.lang import Lang
from mailprobe.locales.messages import t
from mailprobe.summaries import listing, quote


class SpfFacts(Facts):
    domain: str
    expected: list[str] = Field(default_factory=new_list)  # the provider's includes (its profile's spf_include)
    record: str | None = None  # the domain's SPF record as published (the first, if several)
    includes: list[str] = Field(default_factory=new_list)  # what it includes or redirects to, in order
    matched: str | None = None  # the provider's include found among them


class SpfComparison(Observation, SpfFacts):
    """The domain's SPF record against its provider's includes."""

    kind: Literal["spf"] = "spf"


def compare(lookup: DnsLookup, includes: list[str], expected: tuple[str, ...]) -> SpfComparison:
    """LOOKUP (the domain's SPF TXT answer, which INCLUDES or redirects to those domains) against EXPECTED:
    pass when it names one of them, warn when the record names none, skip when there is no record to compare
    (the lookup says why)."""
    wanted = [name.lower().rstrip(".") for name in expected]
    matched = next((name for name in includes if name in wanted), None)
    status = Status.SKIP if not lookup.records else Status.PASS if matched else Status.WARN
    return SpfComparison(
        id=check_id("spf.include", lookup.name), target=lookup.name, status=status, domain=lookup.name,
        expected=wanted, record=lookup.records[0] if lookup.records else None, includes=includes, matched=matched,
    )


def _summary(comparison: SpfComparison, lang: Lang) -> str:
    if comparison.record is None:
        return t("summary.spf.no_record", lang)
    if comparison.matched is not None:
        return t("summary.spf.includes", lang, include=quote(comparison.matched))
    return t("summary.spf.missing", lang, expected=listing(comparison.expected, lang))


def _rank(comparison: SpfComparison) -> tuple[int, int]:
    return (0, 9)  # with DNS, after every lookup


class SpfCheck(CheckBase):
    kind: Literal["spf"] = "spf"
    data: SpfFacts
    observed: ClassVar[type[Observation]] = SpfComparison


KIND = Kind(names=("spf",), observation=SpfComparison, check=SpfCheck, summary=_summary, rank=_rank)
