"""The password of `--login`, held so that no print, log, repr, pickle or JSON can carry it by accident;
`Credentials`, the one value that carries it with the login name from the options to the wire; and
`redact()` / `Redactor`, the one masker, which masks them in every form a server may echo them, in text
shown to anyone and in the raw bytes of a reply before they are decoded.

A `Secret` is not a str: concatenation, `"".join`, `json.dumps` and `%d` fail instead of leaking, and every
way of turning it into text (`str`, `repr`, `format`, f-strings, `%s`, logging, exception messages) gives
"***". `reveal()` is the one way out, written where the password goes on the wire and nowhere else.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import hmac
import html
import json
import re
from collections.abc import Iterable
from typing import Any, AnyStr, ClassVar, NoReturn
from urllib.parse import quote, quote_plus

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

MASK = "***"
PASSWORD_MASK = "[password]"
LOGIN_MASK = "[login]"
CREDENTIAL_MASK = "[credential]"
# The masks used instead when a credential is part of the usual ones (a password "pass" or "]"): no two of
# these and the usual masks share a character.
_FALLBACK_MASKS = ("***", "###", "~~~")
# Masking is checked: a result that still reads as a credential (a mask and its neighbours spelling one) is
# masked again, at most this many times; past that, the whole text is one mask.
_PASSES = 4
# A login part this short ("li", "wu") is masked only as a whole word, or every "li" in "login" would go.
_SHORT_NAME = 3
_BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/]{4,}={0,2}")
_BASE64_BYTES = re.compile(rb"[A-Za-z0-9+/]{4,}={0,2}")
_WORD = r"[^\W_]"
# How a server may misread the UTF-8 bytes of a password (Chinese servers: GB18030 / GBK; others: Latin-1 or
# its Windows superset), and the charsets it may re-encode the password itself in.
_MISREAD_AS = ("gb18030", "gbk", "latin-1", "cp1252")
_REENCODED_AS = ("gb18030", "gbk", "latin-1", "cp1252")
# A derived form (a misreading, an escape) shorter than this would mask ordinary text; the password itself is
# masked whatever its length.
_MIN_DERIVED = 4


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


class Credentials:
    """Who logs in, and with what: the login name (None until the profile's rule names it) and the password, a
    Secret. The one credentials value: made where the password is read, carried by the options and the probe
    context to the wire, where `login/wire.py` encodes it; `redactor` (built once, on first use) is the one
    masker of both. No text form but "Credentials(***)"; cannot be changed, pickled or serialised."""

    __slots__ = ("_login_name", "_password", "_redactor")
    __hash__: ClassVar[None]  # type: ignore[assignment]  # as a Secret: no value oracle

    def __init__(self, login_name: str | None, password: Secret) -> None:
        if not isinstance(password, Secret):
            raise TypeError("the password must be a Secret")
        if login_name is not None and not isinstance(login_name, str):
            raise TypeError("the login name is text")
        object.__setattr__(self, "_login_name", login_name)
        object.__setattr__(self, "_password", password)
        object.__setattr__(self, "_redactor", None)

    @property
    def login_name(self) -> str | None:
        value: str | None = object.__getattribute__(self, "_login_name")
        return value

    @property
    def password(self) -> Secret:
        value: Secret = object.__getattribute__(self, "_password")
        return value

    def named(self, login_name: str) -> Credentials:
        """The same password under LOGIN_NAME: the name a login uses when none was given."""
        return self if login_name == self.login_name else Credentials(login_name, self.password)

    @property
    def redactor(self) -> Redactor:
        """The masker of these credentials, in every form a server may echo them (`Redactor`)."""
        redactor: Redactor | None = object.__getattribute__(self, "_redactor")
        if redactor is None:
            redactor = Redactor([self.password], self.login_name)
            object.__setattr__(self, "_redactor", redactor)
        return redactor

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return self.login_name == other.login_name and self.password == other.password

    def __repr__(self) -> str:
        return "Credentials(***)"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return repr(self)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("credentials cannot be changed")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("credentials cannot be changed")

    def __reduce__(self) -> NoReturn:
        raise TypeError("credentials cannot be pickled or serialised")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("credentials cannot be pickled or serialised")

    def __getstate__(self) -> NoReturn:
        raise TypeError("credentials cannot be pickled or serialised")

    def __copy__(self) -> Credentials:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Credentials:
        return self


def _masked(_value: Any) -> str:
    return MASK


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def redact(text: str, secrets: Iterable[str | Secret], login: str | None = None) -> str:
    """`text` (a server reply, a protocol transcript) with every credential in it masked.

    Masked, case-insensitively: each secret ("[password]") in every form a server may echo it (`Redactor`)
    and the login name and its local part ("[login]"), also as IMAP quoted strings and JSON escapes; any
    base64 token that decodes to bytes holding one of them, such as the AUTH PLAIN blob (`\\0user\\0pass`,
    `user\\0user\\0pass`) ("[credential]") or the AUTH LOGIN lines; and their base64 inside a longer base64
    run, at any of its three alignments ("[credential]").
    """
    return Redactor(secrets, login).text(text)


def redact_bytes(raw: bytes, secrets: Iterable[str | Secret], login: str | None = None) -> bytes:
    """`raw` (a server's line, before it is decoded for display) with every credential in it masked."""
    return Redactor(secrets, login).bytes(raw)


class Redactor:
    """Every form in which a server may echo the credentials, worked out once, masked in text and in bytes.

    A password goes out as UTF-8. A server may echo it as received, or after misreading those bytes as
    GB18030 / GBK or Latin-1 / Windows-1252 (each misreading converts back to the exact password), re-encoded
    in one of those charsets, percent-encoded, HTML-escaped, IMAP-quoted or JSON-escaped, or in base64 (alone,
    inside an AUTH PLAIN blob, or inside a longer base64 run). `bytes()` masks a raw reply before it is
    decoded, so that no decoding of it (UTF-8, the GBK fallback, Latin-1 for a bad reply) can turn a form
    into one the text masking would not recognise. Its text form is "Redactor(***)"; it cannot be pickled.
    """

    __slots__ = ("_byte_forms", "_byte_patterns", "_cores", "_labels", "_name_patterns", "_names", "_passwords",
                 "_text_patterns")

    def __init__(
        self, secrets: Iterable[str | Secret], login: str | None = None, *, secret_label: str = PASSWORD_MASK,
    ) -> None:
        """SECRETS are masked as SECRET_LABEL ("[password]"; the administrator APIs' secrets and tokens:
        "[credential]"), the login name and its local part as "[login]"."""
        passwords = [s.reveal() if isinstance(s, Secret) else s for s in secrets]
        self._passwords = [p for p in passwords if p]
        self._names = _login_names(login)
        text_forms: set[str] = set()
        byte_forms: set[bytes] = set()
        cores: set[str] = set()
        for password in self._passwords:
            misread = _misreadings(password)
            raws = _encodings(password) | {_utf8(form) for form in misread}
            escaped = _escapes(misread, raws)
            for form in misread | escaped:
                text_forms |= _written_forms(form)
            byte_forms |= raws
            for form in escaped:
                byte_forms |= _encodings(form)
            for raw in raws:
                cores.update(_base64_cores(raw))
        for name in self._names:
            cores.update(_base64_cores(_utf8(name)))
        self._byte_forms = sorted(byte_forms, key=len, reverse=True)
        self._cores = sorted(cores)
        flags = re.IGNORECASE
        self._text_patterns = [re.compile(re.escape(form), flags) for form in sorted(text_forms)]
        self._byte_patterns = [re.compile(re.escape(form), flags) for form in self._byte_forms]
        self._name_patterns = [
            (re.compile(_word(re.escape(form), len(name) < _SHORT_NAME), flags),
             re.compile(_word_bytes(re.escape(_utf8(form)), len(name) < _SHORT_NAME), flags))
            for name in self._names for form in sorted(_written_forms(name))
        ]
        self._labels = {PASSWORD_MASK: PASSWORD_MASK, LOGIN_MASK: LOGIN_MASK, CREDENTIAL_MASK: CREDENTIAL_MASK}
        name_forms = {form for name in self._names for form in _written_forms(name)}
        self._labels = self._choose_labels(text_forms | name_forms | set(self._passwords), secret_label)

    def __repr__(self) -> str:
        return "Redactor(***)"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a Redactor cannot be pickled or serialised")

    def text(self, text: str) -> str:
        """`text` with every credential form masked; masking the result again changes nothing."""
        if not (self._passwords or self._names):
            return text
        for _ in range(_PASSES):
            spans = self._text_spans(text)
            if not spans:
                return text
            text = _masked_text(text, spans, self._labels)
        return text if not self._text_spans(text) else self._labels[CREDENTIAL_MASK]

    def bytes(self, raw: bytes) -> bytes:
        """`raw` (a reply as it came off the wire) with every credential form masked, before any decoding."""
        if not (self._passwords or self._names):
            return raw
        for _ in range(_PASSES):
            spans = self._byte_spans(raw)
            if not spans:
                return raw
            raw = _masked_bytes(raw, spans, self._labels)
        return raw if not self._byte_spans(raw) else self._labels[CREDENTIAL_MASK].encode("ascii")

    def _text_spans(self, text: str) -> list[tuple[int, int, str]]:
        spans: list[tuple[int, int, str]] = []
        for match in _BASE64_TOKEN.finditer(text):
            label = self._decoded_label(match.group())
            if label is not None:
                spans.append((match.start(), match.end(), label))
        for core in self._cores:
            spans += _literal_spans(text, core, CREDENTIAL_MASK)
        for pattern in self._text_patterns:
            spans += [(m.start(), m.end(), PASSWORD_MASK) for m in pattern.finditer(text)]
        for pattern, _ in self._name_patterns:
            spans += [(m.start(), m.end(), LOGIN_MASK) for m in pattern.finditer(text)]
        return spans

    def _byte_spans(self, raw: builtins.bytes) -> list[tuple[int, int, str]]:
        spans: list[tuple[int, int, str]] = []
        for match in _BASE64_BYTES.finditer(raw):
            label = self._decoded_label(match.group().decode("ascii"))
            if label is not None:
                spans.append((match.start(), match.end(), label))
        for core in self._cores:
            spans += _literal_spans(raw, core.encode("ascii"), CREDENTIAL_MASK)
        for pattern in self._byte_patterns:
            spans += [(m.start(), m.end(), PASSWORD_MASK) for m in pattern.finditer(raw)]
        for _, byte_pattern in self._name_patterns:
            spans += [(m.start(), m.end(), LOGIN_MASK) for m in byte_pattern.finditer(raw)]
        return spans

    def _choose_labels(self, text_forms: set[str], secret_label: str) -> dict[str, str]:
        """Each mask's text: its usual one ("[password]"), unless a credential is part of it, shares one of its
        edge characters (so that a mask and its neighbours could spell it) or reads as one (a base64 run that
        decodes to it); then the first of `_FALLBACK_MASKS` that is none of those. The fallbacks share no
        character with each other or with the usual masks, so the few credentials a run has cannot spoil
        them all."""
        forms = [form.lower() for form in text_forms]

        def clean(label: str) -> bool:
            return not (self._text_spans(label) or self._byte_spans(label.encode("ascii")))

        def apart(label: str) -> bool:  # the text forms only: a GBK byte pair may end in "[" in any Chinese text
            return not any(edge in form for form in forms for edge in {label[0], label[-1]})

        labels: dict[str, str] = {}
        usual_labels = {PASSWORD_MASK: secret_label, LOGIN_MASK: LOGIN_MASK, CREDENTIAL_MASK: CREDENTIAL_MASK}
        for kind, usual in usual_labels.items():
            usable = [label for label in (usual, *_FALLBACK_MASKS) if clean(label)]
            labels[kind] = next((label for label in usable if apart(label)), usable[0] if usable else "")
        return labels

    def _decoded_label(self, token: str) -> str | None:
        """The mask for a base64 token whose decoded bytes are, or hold, a credential; None otherwise."""
        core = token.rstrip("=")
        if len(core) % 4 == 1:
            return None
        try:
            raw = base64.b64decode(core + "=" * (-len(core) % 4), validate=True)
        except (binascii.Error, ValueError):
            return None
        folded_raw = raw.lower()
        for form in self._byte_forms:
            folded = form.lower()
            if folded_raw == folded:
                return PASSWORD_MASK
            if folded in folded_raw:
                return CREDENTIAL_MASK
        decoded = raw.decode("utf-8", "replace").casefold()
        for values, label in ((self._passwords, PASSWORD_MASK), (self._names, LOGIN_MASK)):
            for value in values:
                folded_value = value.casefold()
                if decoded == folded_value:
                    return label
                if folded_value in decoded and (label == PASSWORD_MASK or len(value) >= _SHORT_NAME):
                    return CREDENTIAL_MASK
        return None


def _login_names(login: str | None) -> list[str]:
    if not login:
        return []
    names = [login]
    local, at, _ = login.rpartition("@")
    if at and local:
        names.append(local)
    return names


def _misreadings(value: str) -> set[str]:
    """The value, and the text a server makes of its UTF-8 bytes when it reads them in another charset."""
    raw = _utf8(value)
    forms = {value}
    for encoding in _MISREAD_AS:
        for errors in ("replace", "ignore"):
            form = raw.decode(encoding, errors)
            if _distinctive(form):
                forms.add(form)
    return forms


def _distinctive(form: str) -> bool:
    """Long enough to mask without masking ordinary text: two letters of mojibake are, two of ASCII are not."""
    return len(form) >= _MIN_DERIVED or (len(form) >= 2 and not form.isascii())


def _encodings(value: str) -> set[bytes]:
    """The value's bytes in each charset a server may re-encode it in (those that can carry it)."""
    out = {_utf8(value)}
    for encoding in _REENCODED_AS:
        try:
            out.add(value.encode(encoding))
        except UnicodeEncodeError:
            continue
    return out


def _escapes(texts: set[str], raws: set[bytes]) -> set[str]:
    """Percent-encodings of the byte forms (as a URL or a form body carries them) and HTML escapes of the
    text forms (named, decimal and hexadecimal character references)."""
    out: set[str] = set()
    for raw in raws:
        out |= {quote(raw, safe=""), quote(raw), quote_plus(raw, safe="")}
    for text in texts:
        named = html.escape(text, quote=True)
        out |= {named, html.escape(text, quote=False), named.replace("&#x27;", "&#39;")}
        out.add("".join(c if ord(c) < 0x80 else f"&#{ord(c)};" for c in named))
        out.add("".join(c if ord(c) < 0x80 else f"&#x{ord(c):x};" for c in named))
        out.add("".join(f"&#{ord(c)};" for c in text))
    return {form for form in out if _distinctive(form)}


def _written_forms(value: str) -> set[str]:
    """The value as a protocol or a log may write it: as is, as an IMAP quoted string, JSON-escaped."""
    imap_quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    return {value, imap_quoted, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}


def _word(pattern: str, whole_word: bool) -> str:
    return f"(?<!{_WORD}){pattern}(?!{_WORD})" if whole_word else pattern


def _word_bytes(pattern: bytes, whole_word: bool) -> bytes:
    word = _WORD.encode("ascii")
    return b"(?<!" + word + b")" + pattern + b"(?!" + word + b")" if whole_word else pattern


def _literal_spans(text: AnyStr, literal: AnyStr, label: str) -> list[tuple[int, int, str]]:
    spans, at = [], text.find(literal)
    while at >= 0:
        spans.append((at, at + len(literal), label))
        at = text.find(literal, at + 1)
    return spans


def _base64_cores(raw: bytes) -> list[str]:
    """The base64 characters that encode `raw` alone wherever it sits in a longer base64 run: one for each
    of the three byte alignments, without the characters it shares with its neighbours."""
    cores = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii")
        start, end = -(-shift * 8 // 6), (shift + len(raw)) * 8 // 6
        core = encoded[start:end]
        if len(core) >= 6:  # shorter ones turn up by chance in any long base64 text
            cores.append(core)
    return cores


def _merged(spans: list[tuple[int, int, str]]) -> list[list[Any]]:
    """A span inside another keeps the outer mask; spans that merely overlap merge, into "[credential]"
    when their masks differ."""
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
    return merged


def _masked_text(text: str, spans: list[tuple[int, int, str]], labels: dict[str, str]) -> str:
    """`text` with the spans replaced by their masks."""
    pieces, position = [], 0
    for start, end, label in _merged(spans):
        pieces += [text[position:start], labels[label]]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _masked_bytes(raw: bytes, spans: list[tuple[int, int, str]], labels: dict[str, str]) -> bytes:
    pieces, position = [], 0
    for start, end, label in _merged(spans):
        pieces += [raw[position:start], labels[label].encode("ascii")]
        position = end
    pieces.append(raw[position:])
    return b"".join(pieces)
