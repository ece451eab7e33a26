"""Errors a user can cause: each becomes one line on stderr and exit code 3."""


class UsageError(Exception):
    """Bad input: a malformed address, option value, file or profile."""
