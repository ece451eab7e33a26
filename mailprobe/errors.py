"""Errors a user can cause: each becomes one line on stderr and exit code 3."""

from __future__ import annotations


def one_line(text: str) -> str:
    """Control characters (a newline in a pasted address, an escape sequence) shown escaped, never obeyed."""
    return "".join(ch if ch.isprintable() else _escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    if ch == "\n":
        return "\\n"
    return f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"


class UsageError(Exception):
    """Bad input: a malformed address, option value, file or profile. Its message is always one line."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))
