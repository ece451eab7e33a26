"""Patterns from profile data are refused at load if they can backtrack catastrophically."""

from __future__ import annotations

import re
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailprobe.errors import UsageError
from mailprobe.patterns import MAX_TEXT, SEARCH_BUDGET, UnsafePattern, compile_safe, search_bounded, search_cost

PROVIDERS = Path(__file__).resolve().parents[1] / "providers"
# Texts that make a backtracking matcher try every way of splitting them.
ADVERSARIAL = ("a" * MAX_TEXT, "a" * (MAX_TEXT - 1) + "!", "ab" * (MAX_TEXT // 2))


def _builtin_patterns() -> list[tuple[str, str, int]]:
    found = []
    for path in sorted(PROVIDERS.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        found += [(path.name, p, re.IGNORECASE) for p in data.get("mx_patterns", [])]
        found += [(path.name, r["pattern"], 0) for r in data.get("replies", [])]
    return found


@pytest.mark.parametrize(("source", "pattern", "flags"), _builtin_patterns())
def test_every_builtin_pattern_passes(source: str, pattern: str, flags: int) -> None:
    compile_safe(pattern, source, flags)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        pytest.param(r"^(a+)+$", "repeat inside a repeat", id="nested-plus"),
        pytest.param(r"(\w+\s?)+$", "repeat inside a repeat", id="words-and-spaces"),
        pytest.param(r"(?:a?)*", "repeat inside a repeat", id="optional-under-star"),
        pytest.param(r"(a{1,3})+", "repeat inside a repeat", id="bounded-under-plus"),
        pytest.param(r"(a+){2,5}", "repeat inside a repeat", id="plus-under-bounded"),
        pytest.param(r"(?:a*){2}c", "repeat inside a repeat", id="star-under-fixed"),
        pytest.param(r"(x+x+)+y", "repeat inside a repeat", id="classic-redos"),
        pytest.param(r"(a|ab)+$", "alternatives", id="overlapping-alternatives"),
        pytest.param(r"(a|a)*", "alternatives", id="same-alternatives"),
        pytest.param(r"(?:[a-c]x|[b-d]y)+", "alternatives", id="overlapping-classes"),
        pytest.param(r"(?i)(?:Kx|\u212ay)+", "alternatives", id="kelvin-sign-folds-to-k"),
        pytest.param(r"a*a*a*b", "too many repeats", id="three-stars"),
        pytest.param(r".*.*.*x", "too many repeats", id="three-dot-stars"),
        pytest.param(r"(a|aa){40}", "too many repeats", id="alternatives-repeated-40-times"),
        # Cheap for one attempt, but a search tries again at each of 1,024 start positions (issue 18, 8).
        pytest.param(r"(?:[a.]{1,2}){1,16}#", "too many repeats", id="bounded-group-at-every-start"),
        pytest.param(r"(?:a|.){16}#", "too many repeats", id="alternatives-16-times-at-every-start"),
        pytest.param(r".*a.*b", "too many repeats", id="two-dot-stars-at-every-start"),
        pytest.param(r".*login.*failed", "too many repeats", id="leading-dot-star"),
        pytest.param(r"(?:a)*(?:a)*?!", "too many repeats", id="two-stars-then-a-stop"),
        pytest.param(r"[a.]*[a.]*#", "too many repeats", id="two-class-stars-then-a-stop"),
        pytest.param(r"(?m)^(?:a|.){16}#", "too many repeats", id="multiline-caret-starts-on-every-line"),
        pytest.param(r"(a)\1", "backreferences", id="backreference"),
        pytest.param(r"(?P<x>a)(?P=x)", "backreferences", id="named-backreference"),
        pytest.param(r"(a)?(?(1)b|c)", "backreferences", id="conditional"),
        pytest.param("(" * 60 + "a" + ")" * 60, "nested more than", id="deep-groups"),
        pytest.param("a" * 513, "longer than 512", id="too-long"),
        pytest.param("(unclosed", "not a regular expression", id="syntax-error"),
        pytest.param("a{99999999999}", "not a regular expression", id="huge-count"),
    ],
)
def test_a_dangerous_pattern_is_refused_with_its_reason(pattern: str, reason: str) -> None:
    with pytest.raises(UnsafePattern) as caught:
        compile_safe(pattern, "mx_patterns[0]")
    message = str(caught.value)
    assert message.startswith("mx_patterns[0] '")
    assert reason in message
    assert isinstance(caught.value, UsageError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "pattern",
    [r"(a|b)+", r"a.*b", r"(\.[a-z]{3})+", r"\d+\.\d+", r"x{0,1000}y", r"(ab|cd)*e", r"(?:a{3})+",
     r"(?:a{1,3}){2}c", r"^[a-z0-9.-]+$", r"(^|\.)mxbiz[0-9]+\.qq\.com\.?$", r"(?i)login.*(failed|denied)",
     r"(?i)login.*(failed|denied|refused)", r"login.*failed", r"^.*a.*b", r"\A(?:a|.){16}#",
     r"(?i)login.*password is incorrect, please retry", r"mx[0-9]+\.example\.com"],
)
def test_a_harmless_pattern_passes(pattern: str) -> None:
    assert compile_safe(pattern, "pattern").pattern == pattern


def test_a_search_costs_an_attempt_at_every_start_unless_anchored() -> None:
    attempt = search_cost(r"\A(?:a|.){12}#")
    assert search_cost(r"(?:a|.){12}#") > SEARCH_BUDGET > 100 * attempt
    assert search_cost(r"^(?:a|.){12}#") == attempt  # `^` without MULTILINE: the text's start only
    assert search_cost(r"(?m)^(?:a|.){12}#") > SEARCH_BUDGET  # every line's start
    assert search_cost(r"(?:^x|^y)(?:a|.){12}#") < SEARCH_BUDGET  # every alternative anchored
    assert search_cost(r"(?:^x|y)(?:a|.){12}#") > SEARCH_BUDGET


def test_a_repeat_that_what_follows_ends_counts_one_way() -> None:
    assert search_cost(r"[0-9]+\.[0-9]+") < search_cost(r"[0-9]+[0-9.][0-9]+")
    assert search_cost(r"\d+\.x") < search_cost(r"\d+1x")
    assert search_cost(r"(?i)[a-z]+#x") < search_cost(r"(?i)[a-z]+Zx")  # Z is z when case is ignored


def test_search_bounded_looks_only_at_the_first_characters() -> None:
    regex = compile_safe("needle", "pattern")
    assert search_bounded(regex, "x" * 10 + "needle") is not None
    assert search_bounded(regex, "x" * MAX_TEXT + "needle") is None
    assert search_bounded(regex, "x" * 10 + "needle", max_len=12) is None


# -- accepted means fast --------------------------------------------------------------------------------

_atoms = st.sampled_from(["a", "b", ".", "[ab]", r"\w", "ab"])


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, children).map("".join),
        st.tuples(children, children).map(lambda p: f"(?:{p[0]}|{p[1]})"),
        st.tuples(children, st.sampled_from(["*", "+", "?", "{1,3}", "{2}", "*?"])).map(lambda p: f"(?:{p[0]}){p[1]}"),
    )


_patterns = st.recursive(_atoms, _combine, max_leaves=8).map(lambda p: p + "!")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_patterns)
def test_whatever_passes_matches_adversarial_text_quickly(pattern: str) -> None:
    try:
        regex = compile_safe(pattern, "pattern")
    except UnsafePattern:
        return
    for text in ADVERSARIAL:
        started = time.monotonic()
        search_bounded(regex, text)
        # A refused shape takes from seconds to hours here; a passed one well under a second, even on a busy CI.
        assert time.monotonic() - started < 3.0, pattern


@pytest.mark.parametrize("pattern", ["(a+)+$", "(unclosed", "a" * 600])
def test_a_pattern_refused_again_names_where_it_is_each_time(pattern: str) -> None:
    """A pattern is analysed once per process: the second refusal is the first's, at its own place."""
    messages = []
    for where in ("mx_patterns[0]", "pattern"):
        with pytest.raises(UnsafePattern) as caught:
            compile_safe(pattern, where)
        messages.append(str(caught.value))
    assert messages[0].startswith("mx_patterns[0] ") and messages[1].startswith("pattern ")
    assert messages[0].removeprefix("mx_patterns[0]") == messages[1].removeprefix("pattern")


def test_a_pattern_passed_again_is_the_same_compiled_pattern() -> None:
    first = compile_safe(r"^login failed", "pattern", re.IGNORECASE)
    assert compile_safe(r"^login failed", "replies[0]", re.IGNORECASE) is first
    assert first.flags & re.IGNORECASE and search_cost(r"^login failed", re.IGNORECASE) <= SEARCH_BUDGET
