"""Errors a user can cause: each becomes one line on stderr and exit code 3."""

from __future__ import annotations

from mailprobe.safetext import shown

# One line on a terminal or in a cron mail, not a page: anything longer is cut with "…".
MAX_MESSAGE = 2000


def one_line(text: str) -> str:
    """Control characters (a newline in a pasted address, an escape sequence, a bidi override) shown escaped,
    never obeyed, and the whole bounded (see `mailprobe.safetext.shown`)."""
    return shown(text, limit=MAX_MESSAGE)


class UsageError(Exception):
    """Bad input: a malformed address, option value, file or profile. Its message is always one line."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


class GuardError(Exception):
    """The state database cannot be used (corrupt, locked, unwritable, too new); the message is one line.
    (Defined here, not beside the guard, so that catching it does not load SQLite.)"""
