"""Regular expressions from profile data (`mx_patterns`, `[[replies]] pattern`), refused at load if they can
backtrack catastrophically, and matched only against a bounded stretch of text.

Python's `re` backtracks: `^(a+)+$` takes exponential time on "aaaa…!", and `a*a*a*b` takes a minute on
1,024 a's. A profile from --providers-dir is data anyone can hand a help desk, and the replies it is
matched against come from a server: neither may stall a check. The rules, checked on the parsed pattern:

- no backreferences (`\\1`, `(?P=name)`, `(?(1)…)`);
- no repeat of variable count inside an open-ended repeat (`(a+)+`, `(a?)*`, `(a{1,3})+`), and no
  open-ended repeat inside any repeat of more than one (`(a+){2,5}`, `(a*){2}`);
- under an open-ended repeat, the alternatives of `|` must begin with different characters (`(a|b)+`
  passes, `(a|ab)+` does not);
- the number of ways a pattern can split a text, counted with every open-ended repeat as 1,024 ways and
  `x?` as two, stays within 1,024²: two open-ended repeats in a row (`.*a.*b`) pass, three (`a*a*a*b`) or
  two with an optional part (`.*a.*b?`) do not;
- at most 512 characters.

These are stricter than needed (some refused patterns are in fact fast), never looser.
"""

from __future__ import annotations

import re
from typing import Any

from mailprobe.errors import UsageError
from mailprobe.safetext import quoted_input

MAX_PATTERN_LENGTH = 512
MAX_TEXT = 1024
# Two open-ended repeats in a row over MAX_TEXT characters (`.*a.*b`): some 0.3 s at worst on a slow machine.
_BUDGET = MAX_TEXT * MAX_TEXT
_MAX_NESTING = 40
_MAX_RANGE_EXPANDED = 256

# The parser behind re.compile (sre_parse before Python 3.11, which warns when imported by that name).
_parser: Any = re._parser  # type: ignore[attr-defined]
_c: Any = re._constants  # type: ignore[attr-defined]
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}
_ONE_CHAR = {_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN, _c.CATEGORY}
_BACKREFERENCES = {_c.GROUPREF, _c.GROUPREF_EXISTS}
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)
_OPEN = _c.MAXREPEAT


class UnsafePattern(UsageError, ValueError):
    """A pattern refused at load: bad syntax, too long, or able to backtrack catastrophically.

    A ValueError too, so that a pydantic validator raising it names the file and field.
    """


def compile_safe(pattern: str, where: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)` if the pattern passes the rules above; else UnsafePattern, which says
    `where` (e.g. "mx_patterns[0]") and why."""
    shown = f"{where} {quoted_input(pattern, 60)}"
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UnsafePattern(f"{shown} is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        parsed = _parser.parse(pattern, flags)
        compiled = re.compile(pattern, flags)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        raise UnsafePattern(f"{shown} is not a regular expression ({exc})") from None
    reason = _refusal(parsed)
    if reason is not None:
        raise UnsafePattern(f"{shown}: {reason}; such a pattern can take minutes on a short text")
    return compiled


def search_bounded(compiled: re.Pattern[str], text: str, max_len: int = MAX_TEXT) -> re.Match[str] | None:
    """`compiled.search` over the first `max_len` characters of `text` only (a server reply can be long;
    the rules of `compile_safe` assume at most MAX_TEXT characters)."""
    return compiled.search(text[:max_len])


class _Refused(Exception):
    pass


def _refusal(parsed: Any) -> str | None:
    try:
        cost = _cost(parsed, 0)
    except _Refused as exc:
        return str(exc)
    if cost > _BUDGET:
        return "too many repeats one after another (at most two open-ended ones, as in '.*a.*b', not 'a*a*a*b')"
    return None


def _cost(seq: Any, depth: int) -> int:
    """How many ways `seq` can split a text (an upper bound); raises _Refused on a forbidden shape."""
    if depth > _MAX_NESTING:
        raise _Refused(f"groups nested more than {_MAX_NESTING} deep")
    total = 1
    for op, av in seq:
        total = min(total * _item_cost(op, av, depth + 1), _BUDGET + 1)
    return total


def _item_cost(op: Any, av: Any, depth: int) -> int:
    if op in _ONE_CHAR or op == _c.AT:
        return 1
    if op in _BACKREFERENCES:
        raise _Refused("backreferences are not allowed")
    if op == _c.SUBPATTERN:
        return _cost(av[-1], depth)
    if op == _ATOMIC:
        return _cost(av, depth)
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return _cost(av[1], depth)
    if op == _c.BRANCH:
        branches = av[1]
        costs = [_cost(branch, depth) for branch in branches]
        return max(costs) if _disjoint(branches) else sum(costs)
    if op in _REPEATS:
        return _repeat_cost(av, depth)
    raise _Refused(f"an unexpected construct ({op})")


def _repeat_cost(av: Any, depth: int) -> int:
    low: int = av[0]
    high: int = av[1]
    body = av[2]
    if high > 1:
        for inner_low, inner_high in _repeats_in(body):
            if inner_high == _OPEN or (high == _OPEN and inner_low != inner_high):
                raise _Refused("a repeat inside a repeat (as in '(a+)+' or '(a*){2}')")
    inner = _cost(body, depth)
    if high == _OPEN:
        if inner > 1:
            raise _Refused("alternatives that can match the same text under a repeat (as in '(a|ab)+')")
        return MAX_TEXT
    width = min(high - low + 1, MAX_TEXT)
    if inner == 1:
        return width
    # inner ** high, stopped as soon as it passes the budget (high may be 65,535)
    ways = width
    for _ in range(high):
        ways *= inner
        if ways > _BUDGET:
            return _BUDGET + 1
    return ways


def _repeats_in(seq: Any) -> list[tuple[int, int]]:
    """(min, max) of every repeat anywhere inside `seq`."""
    found: list[tuple[int, int]] = []
    for op, av in seq:
        if op in _REPEATS:
            found.append((av[0], av[1]))
        for child in _children(op, av):
            found.extend(_repeats_in(child))
    return found


def _children(op: Any, av: Any) -> list[Any]:
    if op == _c.SUBPATTERN:
        return [av[-1]]
    if op == _ATOMIC:
        return [av]
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return [av[1]]
    if op == _c.BRANCH:
        return list(av[1])
    if op in _REPEATS:
        return [av[2]]
    return []


def _disjoint(branches: list[Any]) -> bool:
    """True when no two alternatives can begin with the same character (so at most one can match)."""
    seen: set[str] = set()
    for branch in branches:
        first = _first_chars(branch)
        if first is None or first & seen:
            return False
        seen |= first
    return True


def _first_chars(seq: Any) -> set[str] | None:
    """The characters a match of `seq` can begin with, case-folded; None when unknown or unbounded."""
    for op, av in seq:
        if op == _c.LITERAL:
            return _folded(chr(av))
        if op == _c.IN:
            return _class_chars(av)
        if op == _c.SUBPATTERN:
            return _first_chars(av[-1])
        if op == _ATOMIC:
            return _first_chars(av)
        if op == _c.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                first = _first_chars(branch)
                if first is None:
                    return None
                union |= first
            return union
        if op in _REPEATS and av[0] >= 1:
            return _first_chars(av[2])
        return None  # any character, a zero-width assertion or an optional part: unknown
    return None


def _class_chars(items: Any) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op == _c.LITERAL:
            chars |= _folded(chr(av))
        elif op == _c.RANGE and av[1] - av[0] < _MAX_RANGE_EXPANDED:
            for code in range(av[0], av[1] + 1):
                chars |= _folded(chr(code))
        else:  # a negation, a category such as \d, or a wide range
            return None
    return chars


def _folded(ch: str) -> set[str]:
    # Always case-insensitive (profiles match MX names that way), and with Unicode's folds: 'K' (Kelvin) is 'k'.
    return {ch, ch.lower(), ch.upper(), ch.casefold()}
