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
- a whole search stays within a budget of steps (`SEARCH_BUDGET`). A search tries the pattern at each of
  up to 1,024 start positions (at one, when it is anchored by `\\A`, or by `^` without MULTILINE); at each,
  every way the pattern can split the text is followed, an open-ended repeat giving up to 1,024 ways and
  `x?` two, and every way costs the steps of what follows it. A repeat that what follows cannot overlap
  (`[0-9]+\\.`, `x{0,9}y`: the next character ends it) gives one way. `login.*failed` passes; `.*a.*b`,
  `.*login.*failed` and `(?:[a.]{1,2}){1,16}#` do not: each can take seconds over a hostile kilobyte;
- at most 512 characters.

A profile's patterns together have a budget too (`PROFILE_BUDGET`, checked by mailprobe.profiles): a reply
or an MX host is matched against all of them.
These are stricter than needed (some refused patterns are in fact fast), never looser.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from mailprobe.errors import UsageError
from mailprobe.safetext import quoted_input

MAX_PATTERN_LENGTH = 512
MAX_TEXT = 1024
# Steps of one whole search over MAX_TEXT characters. A step is one character compared; CHOICE steps are
# what sre spends on trying one alternative of `|` or one more turn of a repeated group (saving and restoring
# its state). Measured on a busy two-core machine, a step takes 1 to 3 ns: a pattern at the budget, such as
# `(?:a|.){11}#`, searches a hostile kilobyte in some 0.1 to 0.2 s.
SEARCH_BUDGET = 1 << 26
PROFILE_BUDGET = 2 * SEARCH_BUDGET  # all the patterns of one profile, matched against the same text
CHOICE = 8
_CAP = 1 << 62  # past this a count only needs to say "too many": it keeps the numbers small
_MAX_NESTING = 40
_MAX_RANGE_EXPANDED = 256

# The parser behind re.compile (sre_parse before Python 3.11, which warns when imported by that name).
_parser: Any = re._parser  # type: ignore[attr-defined]
_c: Any = re._constants  # type: ignore[attr-defined]
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}
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
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UnsafePattern(f"{where} {quoted_input(pattern, 60)} is longer than {MAX_PATTERN_LENGTH} characters")
    compiled, problem = _judged(pattern, flags)
    if compiled is None or problem is not None:
        raise UnsafePattern(f"{where} {quoted_input(pattern, 60)}{problem}")
    return compiled


def search_cost(pattern: str, flags: int = 0) -> int:
    """The steps one search of `pattern` over MAX_TEXT characters may take at worst (an upper bound); a
    pattern refused for its shape, or not a pattern at all, costs more than any budget."""
    return _analysed(pattern, flags)[1]


@functools.lru_cache(maxsize=1024)
def _analysed(pattern: str, flags: int) -> tuple[Any, int, str | None]:
    """The parsed pattern (None: not a pattern), its search cost, and why its shape is refused (None: it is
    not). A pattern is analysed once per process, however many times its profile is validated and used."""
    try:
        parsed = _parser.parse(pattern, flags)
    except (re.error, OverflowError, RecursionError, ValueError):
        return None, _CAP, None
    try:
        return parsed, _search_cost(parsed, flags), None
    except _Refused as exc:
        return parsed, _CAP, str(exc)
    except (re.error, OverflowError, RecursionError, ValueError):
        return parsed, _CAP, None


@functools.lru_cache(maxsize=1024)
def _judged(pattern: str, flags: int) -> tuple[re.Pattern[str] | None, str | None]:
    """The compiled pattern (None: not a pattern) and what follows its name in the refusal (None: it passes)."""
    try:
        if _analysed(pattern, flags)[0] is None:
            _parser.parse(pattern, flags)  # fails again: its message is the refusal's
        compiled = re.compile(pattern, flags)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        return None, f" is not a regular expression ({exc})"
    reason = _refusal(pattern, flags)
    if reason is not None:
        return compiled, f": {reason}; such a pattern can take minutes on a short text"
    return compiled, None


def total_cost(costs: Iterable[int]) -> int:
    """Several searches over the same text: their steps added up."""
    return min(sum(costs), _CAP)


def search_bounded(compiled: re.Pattern[str], text: str, max_len: int = MAX_TEXT) -> re.Match[str] | None:
    """`compiled.search` over the first `max_len` characters of `text` only (a server reply can be long;
    the rules of `compile_safe` assume at most MAX_TEXT characters)."""
    return compiled.search(text[:max_len])


class _Refused(Exception):
    pass


def _refusal(pattern: str, flags: int) -> str | None:
    _, cost, refused = _analysed(pattern, flags)
    if refused is not None:
        return refused
    if cost > SEARCH_BUDGET:
        return (
            f"too many repeats that can match the same characters: one search over {MAX_TEXT:,} characters "
            f"may take {'far more than' if cost >= _CAP else 'some'} {cost:,} steps (at most {SEARCH_BUDGET:,}); "
            "anchor it, or write 'login.*failed' rather than '.*login.*failed'"
        )
    return None


def _search_cost(parsed: Any, flags: int) -> int:
    """Steps of one attempt (its own, and one to end each way it matches), times the start positions a
    search tries it at."""
    starts = 1 if _anchored(parsed, flags | parsed.state.flags) else MAX_TEXT
    ways, work = _cost(parsed, 0)
    return min(starts * (work + ways), _CAP)


def _anchored(seq: Any, flags: int) -> bool:
    """True when every match must begin where the text begins (`\\A`, or `^` without MULTILINE)."""
    for op, av in seq:
        if op == _c.AT:
            return bool(av == _c.AT_BEGINNING_STRING or (av == _c.AT_BEGINNING and not flags & re.MULTILINE))
        if op == _c.SUBPATTERN:
            return _anchored(av[-1], flags | av[1])
        if op == _ATOMIC:
            return _anchored(av, flags)
        if op == _c.BRANCH:
            return all(_anchored(branch, flags) for branch in av[1])
        return False
    return False


Cost = tuple[int, int]  # (ways, work): how many ways it can match at one position, the steps all of them take


def _cost(seq: Any, depth: int) -> Cost:
    """The ways `seq` can match at one position and its steps over all of them, not counting what follows
    (an upper bound); raises _Refused on a forbidden shape."""
    if depth > _MAX_NESTING:
        raise _Refused(f"groups nested more than {_MAX_NESTING} deep")
    items = list(seq)
    ways, work = 1, 0
    for index, (op, av) in enumerate(items):
        if op in _REPEATS:
            item_ways, item_work = _repeat_cost(av, depth + 1, items[index + 1 :])
        else:
            item_ways, item_work = _item_cost(op, av, depth + 1)
        work = min(work + ways * item_work, _CAP)  # each way so far goes on to this item
        ways = min(ways * item_ways, _CAP)
    return ways, work


def _item_cost(op: Any, av: Any, depth: int) -> Cost:
    if op in _ONE_CHAR or op == _c.AT:
        return 1, 1
    if op in _BACKREFERENCES:
        raise _Refused("backreferences are not allowed")
    if op == _c.SUBPATTERN:
        return _cost(av[-1], depth)
    if op == _ATOMIC:
        ways, work = _cost(av, depth)
        return 1, min(work + ways, _CAP)  # tried every way at worst, then never backtracked into
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        ways, work = _cost(av[1], depth)
        return 1, min(work + ways, _CAP)
    if op == _c.BRANCH:
        branches = av[1]
        costs = [_cost(branch, depth) for branch in branches]
        choices = CHOICE * len(branches)
        if _disjoint(branches):
            # At most one alternative gets past its first character; the others stop there.
            return max(w for w, _ in costs), min(choices + len(costs) + max(k for _, k in costs), _CAP)
        return min(sum(w for w, _ in costs), _CAP), min(choices + sum(k for _, k in costs), _CAP)
    raise _Refused(f"an unexpected construct ({op})")


def _repeat_cost(av: Any, depth: int, rest: list[Any]) -> Cost:
    low: int = av[0]
    high: int = av[1]
    body = av[2]
    if high > 1:
        for inner_low, inner_high in _repeats_in(body):
            if inner_high == _OPEN or (high == _OPEN and inner_low != inner_high):
                raise _Refused("a repeat inside a repeat (as in '(a+)+' or '(a*){2}')")
    inner_ways, inner_work = _cost(body, depth)
    turns = min(high, MAX_TEXT)  # each turn takes a character at least; the text has MAX_TEXT
    # sre repeats one character in a tight loop; a group costs a choice per turn.
    per_turn = inner_work if _one_char(body) else min(CHOICE + inner_work, _CAP)
    if inner_ways == 1:
        work = min(turns * per_turn, _CAP)
        if _ends_where_next_begins(body, rest):
            return 1, min(work + turns, _CAP)  # one way on; a one-character look at each place it could stop
        return min(high - low + 1, MAX_TEXT), work
    if high == _OPEN:
        raise _Refused("alternatives that can match the same text under a repeat (as in '(a|ab)+')")
    # inner_ways ** high ways, stopped as soon as it passes every budget (high may be 65,535)
    ways = min(high - low + 1, MAX_TEXT)
    for _ in range(high):
        ways *= inner_ways
        if ways >= _CAP:
            return _CAP, _CAP
    return ways, min(ways * per_turn, _CAP)


def _one_char(body: Any) -> bool:
    items = list(body)
    return len(items) == 1 and items[0][0] in _ONE_CHAR


def _ends_where_next_begins(body: Any, rest: list[Any]) -> bool:
    """True when what follows a repeat cannot begin with a character a turn of its body begins with: then
    only the longest run of the body can be followed (the greedy one, or for `*?` the first that is)."""
    follow = _first_chars(rest)
    return bool(follow) and not _may_begin_with(body, follow or set())


def _may_begin_with(body: Any, chars: set[str]) -> bool:
    """Whether a match of `body` may begin with one of `chars` (True when unsure)."""
    items = list(body)
    if items and items[0][0] in _ONE_CHAR:
        op, av = items[0]
        return any(_one_char_matches(op, av, ch) for ch in chars)
    first = _first_chars(body)
    return first is None or bool(first & chars)


_CATEGORY_TESTS: dict[Any, re.Pattern[str]] = {
    getattr(_c, name): re.compile(test)
    for name, test in (
        ("CATEGORY_DIGIT", r"\d"), ("CATEGORY_NOT_DIGIT", r"\D"), ("CATEGORY_SPACE", r"\s"),
        ("CATEGORY_NOT_SPACE", r"\S"), ("CATEGORY_WORD", r"\w"), ("CATEGORY_NOT_WORD", r"\W"),
    )
}


def _one_char_matches(op: Any, av: Any, ch: str) -> bool:
    """Whether a one-character item may match `ch` in either case (True when unsure)."""
    folds = _folded(ch)
    if op == _c.LITERAL:
        return bool(folds & _folded(chr(av)))
    if op == _c.NOT_LITERAL:
        return ch != chr(av)
    if op == _c.IN and av and av[0][0] != _c.NEGATE:
        return any(_in_class(item_op, item_av, folds) for item_op, item_av in av)
    return True  # any character, a negated class: assume it may


def _in_class(op: Any, av: Any, folds: set[str]) -> bool:
    if op == _c.LITERAL:
        return bool(folds & _folded(chr(av)))
    if op == _c.RANGE:
        return any(av[0] <= ord(f) <= av[1] for f in folds)
    if op == _c.CATEGORY and av in _CATEGORY_TESTS:
        return any(_CATEGORY_TESTS[av].fullmatch(f) is not None for f in folds)
    return True


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
