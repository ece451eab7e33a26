"""The one way text from the network, a certificate, a file or the user is shown: escaped, never obeyed.

A terminal obeys what it is sent: ESC and CSI (U+009B) start commands that move the cursor, rewrite the title
or hide lines; CR overwrites what was printed; bidi controls (U+202E) reorder what follows so that the eye
reads another host name than the one shown. Everything mailprobe prints that it did not write itself goes
through `shown()`, which keeps every visible character (CJK, emoji, accents) and turns the rest into a
visible escape such as `\\x1b` or `\\u202e`.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"

# Categories a terminal may obey or that render as nothing: controls (Cc: C0, DEL, C1 incl. U+009B CSI),
# format characters (Cf: bidi embeddings, overrides, isolates and marks, zero-width space and joiners, BOM,
# soft hyphen, tags), lone surrogates (Cs, from undecodable bytes) and the line / paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Letters that render as blank space and have served to hide text in names: the Hangul fillers.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
# Bidi controls, listed for the tests and for readers: all are category Cf, so already hidden above.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def is_hidden(ch: str) -> bool:
    """True for a character `shown()` escapes rather than prints."""
    return unicodedata.category(ch) in _HIDDEN_CATEGORIES or ch in _BLANK_LETTERS


def escape(ch: str) -> str:
    """The visible escape of one character: `\\n`, `\\x1b`, `\\u202e` or `\\U000e0001`."""
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def shown(text: str, limit: int | None = None) -> str:
    """`text` made safe to print on a terminal, in a log or a report, on one line.

    With `limit`, the result is at most `limit` characters, cut with "…" (an escape is never cut in half).
    Showing a shown text again changes nothing: the escapes and "…" are plain printable characters.
    """
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1")
    if limit is not None:
        # Every input character gives at least one output character: the rest cannot be shown anyway.
        text = text[: limit + 1]
    if text.isprintable() and not any(ch in _BLANK_LETTERS for ch in text):
        safe = text  # the common case, checked at C speed
    else:
        safe = "".join(escape(ch) if is_hidden(ch) else ch for ch in text)
    if limit is None or len(safe) <= limit:
        return safe
    return _cut(safe, limit)


def _cut(safe: str, limit: int) -> str:
    """Cut to `limit - 1` characters plus "…", backing off so that no escape is cut in half."""
    end = limit - 1
    # An escape is a backslash followed by at most 9 characters; look back that far for one crossing `end`.
    start = safe.rfind("\\", max(0, end - 9), end)
    if start >= 0 and _escape_length(safe, start) > end - start:
        end = start
    return safe[:end] + ELLIPSIS


def _escape_length(safe: str, start: int) -> int:
    kind = safe[start + 1 : start + 2]
    return {"x": 4, "u": 6, "U": 10}.get(kind, 2)


def quoted_input(text: str, limit: int = 80) -> str:
    """User input echoed in an error message: sanitised, bounded and in quotes, like `'user@exa…'`."""
    return f"'{shown(text, limit=limit)}'"


# Characters JSON text may hold raw and that need no look: ASCII's printable ones and the line ends of an
# indented document, the CJK ideographs and punctuation and the full-width forms (Chinese reports are mostly
# these). Any other is looked at one by one.
_LOOKED_AT = re.compile(r"[^\n\x20-\x7e\u3001-\u303f\u4e00-\u9fff\uff01-\uff5e]")


def json_shown(text: str) -> str:
    """JSON TEXT (as `json.dumps(..., ensure_ascii=False)` or pydantic write it) with every character
    `shown()` would escape written as its JSON escape (`\\u202e`, `\\u009b`): the same data once parsed,
    nothing for a terminal to obey when the file is printed. JSON escapes only C0 controls itself, and such
    characters can stand only inside its strings, so this changes no structure."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _LOOKED_AT.sub(_json_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    ch = match[0]
    if ch == "\n" or not is_hidden(ch):
        return ch
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
