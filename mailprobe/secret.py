"""A password held so that printing, logging or serialising it shows '***' (minimal; to be replaced)."""

from __future__ import annotations


class Secret:
    """The password: only `reveal()` gives it back, for the bytes sent on the socket."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"

    def __str__(self) -> str:
        return "***"
