"""What a login refusal means: cause candidates from standard codes first, then profiles and known texts."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol

from mailprobe.causes import Cause
from mailprobe.login.knowledge import (
    BARE_REFUSAL,
    GENERIC_TEXTS,
    IMAP_CODES,
    OUTAGE,
    POP3_CODES,
    PROVIDER_TEXTS,
    SMTP_BASIC,
    SMTP_ENHANCED,
    SMTP_OUTAGE_CLASSES,
    TextRule,
    Weights,
)

Basis = Literal["code", "pattern", "text"]
ProtocolName = Literal["imap", "pop3", "smtp"]

# Enough for the lines that matter (a tagged NO, a 535, Microsoft's 150-character sentences); a server
# that sends more is not explaining itself, and the regexes never see unbounded text.
TEXT_LIMIT = 1024
LINE_LIMIT = 512
# A provider profile's pattern is curated knowledge, but carries no confidence of its own.
PATTERN_CONFIDENCE = 0.6
_BASIS_RANK: dict[str, int] = {"code": 0, "pattern": 1, "text": 2}
_CAUSE_ORDER: dict[str, int] = {cause.value: index for index, cause in enumerate(Cause)}

_BRACKET_CODE = re.compile(r"\[([A-Za-z][A-Za-z0-9/-]*)[ \]]")
_SMTP_CODES = re.compile(r"^([245]\d\d)(?:[ -]([245]\.\d{1,3}\.\d{1,3})(?=[\s.,;:]|$))?", re.MULTILINE)


@dataclass(frozen=True)
class Candidate:
    """One possible cause of a refusal; `code` is the standard code that supports it, if one did."""

    cause: str
    confidence: float
    basis: Basis
    code: str | None = None


class ReplyLike(Protocol):
    """A profile's known reply (mailprobe.profiles.ReplyPattern); an `unless` attribute, if it has one, is
    the pattern of replies it does not apply to."""

    @property
    def pattern(self) -> str: ...

    @property
    def cause(self) -> str: ...

    @property
    def protocols(self) -> Sequence[str]: ...


class ProfileLike(Protocol):
    """A provider profile (mailprobe.profiles.Profile): only its known replies matter here."""

    @property
    def replies(self) -> Sequence[ReplyLike]: ...


def decode_reply(raw: bytes) -> str:
    """Server bytes as UTF-8, else GB18030 (QQ sends GBK); a character cut at the end is dropped."""
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
    except UnicodeDecodeError:
        return codecs.getincrementaldecoder("gb18030")(errors="replace").decode(raw, final=False)


def reply_text(reply: str | bytes | Iterable[str | bytes]) -> str:
    """The bounded text classify reads: the reply's lines joined by newlines, each line and the whole capped."""
    items: Iterable[str | bytes] = [reply] if isinstance(reply, str | bytes) else reply
    lines: list[str] = []
    size = 0
    for item in items:
        text = decode_reply(item[: LINE_LIMIT * 4]) if isinstance(item, bytes) else item[: LINE_LIMIT * 4]
        for line in text.splitlines():
            lines.append(line[:LINE_LIMIT])
            size += len(lines[-1]) + 1
            if size >= TEXT_LIMIT:
                return "\n".join(lines)[:TEXT_LIMIT]
    return "\n".join(lines)


def classify(
    reply: str | bytes | Iterable[str | bytes],
    protocol: ProtocolName | None = None,
    profiles: Iterable[ProfileLike] = (),
) -> list[Candidate]:
    """Cause candidates for a refusal, most likely first; empty when nothing in it says why.

    `reply` is what the server answered (IMAP untagged and tagged lines, an SMTP multi-line reply, a POP3
    -ERR line), as text or raw bytes; `protocol` narrows which codes are read (None: all); `profiles` are
    the provider profiles whose `[[replies]]` apply (usually the recognised one).
    """
    text = reply_text(reply)
    found = [*_codes(text, protocol)]
    found += _patterns(text, protocol, profiles)
    specific = [rule for rule in PROVIDER_TEXTS if rule.pattern.search(text)]
    found += _from_rules(specific)
    if not specific and not any(c.basis == "pattern" for c in found):
        found += _from_rules([rule for rule in GENERIC_TEXTS if rule.pattern.search(text)])
    return _ranked(found)


def bare_refusal() -> list[Candidate]:
    """What a refusal of the credentials means when nothing in it says why (`NO Login failed.`, `-ERR Login
    failed.`, `535 Incorrect authentication data`): the server rejected them, most often for a wrong password,
    sometimes for a locked or inactive account. Never the provider's outage: the server answered, and said no.
    Only for an answer to the authentication itself, never for a mailbox that would not open after it."""
    return _weighted(BARE_REFUSAL, "text", None)


def _codes(text: str, protocol: ProtocolName | None) -> list[Candidate]:
    found: list[Candidate] = []
    if protocol in (None, "imap", "pop3"):
        tables = [t for p, t in (("imap", IMAP_CODES), ("pop3", POP3_CODES)) if protocol in (None, p)]
        for match in _BRACKET_CODE.finditer(text):
            code = match.group(1).upper()
            for table in tables:
                found += _weighted(table.get(code, ()), "code", code)
    if protocol in (None, "smtp"):
        for match in _SMTP_CODES.finditer(text):
            found += _smtp_code(match.group(1), match.group(2))
    return found


def _smtp_code(basic: str, enhanced: str | None) -> list[Candidate]:
    # The enhanced code first: it is the more precise, and a merged candidate keeps the first code it saw.
    found: list[Candidate] = []
    if enhanced is not None:
        weights = SMTP_ENHANCED.get(enhanced)
        if weights is None and SMTP_OUTAGE_CLASSES.match(enhanced):
            weights = ((OUTAGE, 0.5),)
        found = _weighted(weights or (), "code", f"{basic} {enhanced}")
    return found + _weighted(SMTP_BASIC.get(basic, ()), "code", basic)


def _patterns(text: str, protocol: ProtocolName | None, profiles: Iterable[ProfileLike]) -> list[Candidate]:
    found: list[Candidate] = []
    for profile in profiles:
        for known in profile.replies:
            if protocol is not None and known.protocols and protocol not in known.protocols:
                continue
            if getattr(known, "stage", "login") != "login":
                continue  # a reply to the --loop message, not to a login (mailprobe/diagnosis/sending.py)
            regex = _compiled(known.pattern)
            if regex is None or not regex.search(text):
                continue
            unless = getattr(known, "unless", None)
            guard = _compiled(unless) if isinstance(unless, str) else None
            if guard is not None and guard.search(text):
                continue  # the same words inside a reply that means something else (its guard says which)
            found.append(Candidate(str(known.cause), PATTERN_CONFIDENCE, "pattern"))
    return found


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None  # profiles are validated on load; a stray object's bad pattern is simply no match


def _from_rules(rules: Iterable[TextRule]) -> list[Candidate]:
    return [candidate for rule in rules for candidate in _weighted(rule.weights, "text", None)]


def _weighted(weights: Weights, basis: Basis, code: str | None) -> list[Candidate]:
    return [Candidate(cause, confidence, basis, code) for cause, confidence in weights]


def _ranked(found: list[Candidate]) -> list[Candidate]:
    """One candidate per cause, by confidence: the highest any evidence gave it, under the strongest basis
    that supports it (a code outranks a profile pattern, which outranks a known text)."""
    merged: dict[str, Candidate] = {}
    for candidate in found:
        held = merged.get(candidate.cause)
        if held is None:
            merged[candidate.cause] = candidate
            continue
        stronger = candidate if _BASIS_RANK[candidate.basis] < _BASIS_RANK[held.basis] else held
        merged[candidate.cause] = Candidate(
            candidate.cause, max(candidate.confidence, held.confidence), stronger.basis, stronger.code
        )
    # Ties go to the stronger basis, then to the causes' order (the diagnosis ranks ties the same way).
    return sorted(
        merged.values(), key=lambda c: (-c.confidence, _BASIS_RANK[c.basis], _CAUSE_ORDER.get(c.cause, len(Cause)))
    )
