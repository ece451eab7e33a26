"""The password of `--login`, held so that no print, log, repr, pickle or JSON can carry it by accident,
and `redact()`, which masks it (and the login name, and their SASL / base64 forms) in text shown to anyone.

A `Secret` is not a str: concatenation, `"".join`, `json.dumps` and `%d` fail instead of leaking, and every
way of turning it into text (`str`, `repr`, `format`, f-strings, `%s`, logging, exception messages) gives
"***". `reveal()` is the one way out, written where the password goes on the wire and nowhere else.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from collections.abc import Iterable
from typing import Any, ClassVar, NoReturn

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

MASK = "***"
PASSWORD_MASK = "[password]"
LOGIN_MASK = "[login]"
CREDENTIAL_MASK = "[credential]"
# A login part this short ("li", "wu") is masked only as a whole word, or every "li" in "login" would go.
_SHORT_NAME = 3
_BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/]{4,}={0,2}")
_WORD = r"[^\W_]"


class Secret:
    """A password or other credential; prints as *** everywhere, compares in constant time."""

    __slots__ = ("_value",)
    __hash__: ClassVar[None]  # type: ignore[assignment]  # equal secrets would hash alike: a value oracle

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret holds text")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """The password itself: only for the wire (AUTHENTICATE, LOGIN, AUTH) and the local checks."""
        value: str = object.__getattribute__(self, "_value")
        return value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, format_spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self.reveal())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(_utf8(self.reveal()), _utf8(other.reveal()))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("a Secret cannot be changed")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("a Secret cannot be changed")

    # Never pickled (a pickle is bytes on disk or on a wire); copies within the process are the same object.
    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or serialised")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or serialised")

    def __getstate__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or serialised")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        """As a pydantic field: validated from text (or a Secret), serialised as "***" in every mode."""
        from_text = core_schema.no_info_after_validator_function(cls, core_schema.str_schema(strict=True))
        return core_schema.json_or_python_schema(
            json_schema=from_text,
            python_schema=core_schema.union_schema([core_schema.is_instance_schema(cls), from_text]),
            serialization=core_schema.plain_serializer_function_ser_schema(_masked, when_used="always"),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "format": "password", "writeOnly": True}


def _masked(_value: Any) -> str:
    return MASK


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def redact(text: str, secrets: Iterable[str | Secret], login: str | None = None) -> str:
    """`text` (a server reply, a protocol transcript) with every credential in it masked.

    Masked, case-insensitively: each secret ("[password]") and the login name and its local part
    ("[login]"), also as IMAP quoted strings and JSON escapes; their base64 forms; any base64 token that
    decodes to text holding one of them, such as the AUTH PLAIN blob (`\\0user\\0pass`,
    `user\\0user\\0pass`) ("[credential]") or the AUTH LOGIN lines; and their base64 inside a longer
    base64 run, at any of its three alignments ("[credential]").
    """
    passwords = [s.reveal() if isinstance(s, Secret) else s for s in secrets]
    passwords = [p for p in passwords if p]
    names = _login_names(login)
    spans: list[tuple[int, int, str]] = []
    for match in _BASE64_TOKEN.finditer(text):
        label = _decoded_label(match.group(), passwords, names)
        if label is not None:
            spans.append((match.start(), match.end(), label))
    for value in passwords + names:
        for core in _base64_cores(value):
            spans += [(m.start(), m.end(), CREDENTIAL_MASK) for m in re.finditer(re.escape(core), text)]
    for value in passwords:
        spans += _plain_spans(text, value, PASSWORD_MASK, whole_word=False)
    for value in names:
        spans += _plain_spans(text, value, LOGIN_MASK, whole_word=len(value) < _SHORT_NAME)
    return _masked_text(text, spans)


def _login_names(login: str | None) -> list[str]:
    if not login:
        return []
    names = [login]
    local, at, _ = login.rpartition("@")
    if at and local:
        names.append(local)
    return names


def _plain_spans(text: str, value: str, label: str, whole_word: bool) -> list[tuple[int, int, str]]:
    spans = []
    for form in _written_forms(value):
        pattern = re.escape(form)
        if whole_word:
            pattern = f"(?<!{_WORD}){pattern}(?!{_WORD})"
        spans += [(m.start(), m.end(), label) for m in re.finditer(pattern, text, re.IGNORECASE)]
    return spans


def _written_forms(value: str) -> set[str]:
    """The value as a protocol or a log may write it: as is, as an IMAP quoted string, JSON-escaped."""
    imap_quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    json_escaped = json.dumps(value)[1:-1]
    return {value, imap_quoted, json_escaped}


def _decoded_label(token: str, passwords: list[str], names: list[str]) -> str | None:
    """The mask for a base64 token whose decoded text is, or holds, a credential; None otherwise."""
    core = token.rstrip("=")
    if len(core) % 4 == 1:
        return None
    try:
        raw = base64.b64decode(core + "=" * (-len(core) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    decoded = raw.decode("utf-8", "replace").casefold()
    for values, label in ((passwords, PASSWORD_MASK), (names, LOGIN_MASK)):
        for value in values:
            folded = value.casefold()
            if decoded == folded:
                return label
            if folded in decoded and (label == PASSWORD_MASK or len(value) >= _SHORT_NAME):
                return CREDENTIAL_MASK
    return None


def _base64_cores(value: str) -> list[str]:
    """The base64 characters that encode `value` alone wherever it sits in a longer base64 run: one for
    each of the three byte alignments, without the characters it shares with its neighbours."""
    raw = _utf8(value)
    cores = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii")
        start, end = -(-shift * 8 // 6), (shift + len(raw)) * 8 // 6
        core = encoded[start:end]
        if len(core) >= 6:  # shorter ones turn up by chance in any long base64 text
            cores.append(core)
    return cores


def _masked_text(text: str, spans: list[tuple[int, int, str]]) -> str:
    """`text` with the spans replaced by their masks. A span inside another keeps the outer mask; spans that
    merely overlap merge, into "[credential]" when their masks differ."""
    merged: list[list[Any]] = []
    for start, end, label in sorted(spans, key=lambda span: (span[0], -span[1])):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            if end > last[1]:
                last[1] = end
                if last[2] != label:
                    last[2] = CREDENTIAL_MASK
        else:
            merged.append([start, end, label])
    pieces, position = [], 0
    for start, end, label in merged:
        pieces += [text[position:start], label]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
