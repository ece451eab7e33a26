"""Judgements over DNS evidence that several rules share: is the resolver sane, does it agree with the
domain's authoritative servers. Pure: they read lookups, never ask."""

from __future__ import annotations

from collections.abc import Iterable

from mailprobe.evidence import Failure, Status, not_tested
from mailprobe.kinds.dns import DnsLookup

_ABSENT = frozenset({Failure.NXDOMAIN, Failure.NO_ANSWER})


def resolver_is_sane(lookups: Iterable[DnsLookup]) -> bool | None:
    """True if the resolver answered any well-known host, False if it failed them all, None if none asked (a
    question mailprobe's own deadline cut off was not asked: it says nothing about the resolver)."""
    lookups = [lookup for lookup in lookups if not not_tested(lookup.error)]
    if not lookups:
        return None
    # NO_ANSWER is an answer too: the resolver knows the name exists.
    return any(
        lookup.status is Status.PASS or (lookup.error is not None and lookup.error.kind is Failure.NO_ANSWER)
        for lookup in lookups
    )


def mx_disagreement(resolver_mx: DnsLookup, authoritative: Iterable[DnsLookup]) -> bool | None:
    """True if the resolver's MX matches none of the authoritative answers; None if it could not compare."""
    mine = _mx_view(resolver_mx)
    theirs = [
        view
        for lookup in authoritative
        if lookup.purpose == "authoritative" and (view := _mx_view(lookup)) is not None
    ]
    if mine is None or not theirs:
        return None
    # Name servers still synchronising may differ among themselves; matching any one of them is the truth.
    return mine not in theirs


def _mx_view(lookup: DnsLookup) -> tuple[str, frozenset[tuple[int, str]]] | None:
    if lookup.status is Status.PASS:
        return "mx", frozenset((mx.preference, mx.exchange) for mx in lookup.mx)
    if lookup.error is not None and lookup.error.kind in _ABSENT:
        return lookup.error.kind.value, frozenset()
    return None
