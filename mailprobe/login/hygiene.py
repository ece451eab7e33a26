"""Local checks of a password before it is sent, for the typing mistakes the article warns about (2.1)."""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from mailprobe.secret import Secret


class Finding(StrEnum):
    """What looks wrong with the password; ids only, never the password, its length or where."""

    FULLWIDTH = "fullwidth"  # U+FF01–FF5E: an input method left in full-width mode
    IDEOGRAPHIC_SPACE = "ideographic_space"  # U+3000: the space bar of a Chinese input method
    SURROUNDING_WHITESPACE = "surrounding_whitespace"  # copied with the space or newline around it
    CAPS_LOCK = "caps_lock"
    NON_PRINTING = "non_printing"  # control, zero-width or other invisible characters


# Zs (spaces) is left out on purpose: U+3000 and edge whitespace have findings of their own, and an
# ordinary space inside a passphrase is legitimate.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def check_password(password: str | Secret) -> list[Finding]:
    """The findings for PASSWORD, in a stable order; empty when nothing looks mistyped."""
    text = password if isinstance(password, str) else password.reveal()
    findings: list[Finding] = []
    if any("\uff01" <= ch <= "\uff5e" for ch in text):
        findings.append(Finding.FULLWIDTH)
    if "\u3000" in text:
        findings.append(Finding.IDEOGRAPHIC_SPACE)
    if text != text.strip():
        findings.append(Finding.SURROUNDING_WHITESPACE)
    if _looks_like_caps_lock(text):
        findings.append(Finding.CAPS_LOCK)
    if any(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in text):
        findings.append(Finding.NON_PRINTING)
    return findings


def _looks_like_caps_lock(text: str) -> bool:
    letters = [ch for ch in text if ch.isupper() or ch.islower()]
    # One capital letter alone is what "Password1" rules ask for, not a sign of Caps Lock.
    if len(letters) < 2:
        return False
    if all(ch.isupper() for ch in letters):
        return True
    # "pASSWORD1": the usual capitalised password typed with Caps Lock on.
    return letters[0].islower() and all(ch.isupper() for ch in letters[1:])
