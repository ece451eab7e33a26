"""What mailprobe shows of text it did not write: a terminal sees escapes, never commands."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailprobe.errors import MAX_MESSAGE, UsageError, one_line
from mailprobe.safetext import BIDI_CONTROLS, ELLIPSIS, quoted_input, shown

# Any code point, lone surrogates included (they come from undecodable bytes in argv or file names).
any_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF))
# Text rich in the characters that matter here, so that hypothesis meets them often.
nasty = st.text(
    alphabet=st.one_of(
        st.sampled_from([*sorted(BIDI_CONTROLS), "\x1b", "\x9b", "\r", "\n", "\t", "\x7f", "\x00", "\u200b",
                         "\ufeff", "\u2028", "\udcff", "\\", ELLIPSIS, "用", "😀"]),
        st.characters(min_codepoint=0, max_codepoint=0x10FFFF),
    )
)


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Zl", "Zp"} or ch in BIDI_CONTROLS


@given(st.one_of(any_text, nasty))
def test_shown_text_holds_no_control_format_surrogate_or_bidi_character(text: str) -> None:
    assert not any(_unsafe(ch) for ch in shown(text))


@given(st.one_of(any_text, nasty), st.integers(min_value=1, max_value=200))
def test_bounded_shown_text_is_safe_and_at_most_the_limit(text: str, limit: int) -> None:
    out = shown(text, limit)
    assert len(out) <= limit
    assert not any(_unsafe(ch) for ch in out)


@given(st.one_of(any_text, nasty), st.one_of(st.none(), st.integers(min_value=1, max_value=200)))
def test_showing_shown_text_again_changes_nothing(text: str, limit: int | None) -> None:
    once = shown(text, limit)
    assert shown(once, limit) == once


@given(st.text(alphabet=st.characters(categories=["L", "N", "P", "S"], exclude_characters="\u115f\u1160\u3164\uffa0")))
def test_visible_text_is_shown_unchanged(text: str) -> None:
    assert shown(text) == text


@given(st.one_of(any_text, nasty), st.integers(min_value=1, max_value=200))
def test_a_cut_text_is_a_prefix_of_the_whole_plus_an_ellipsis(text: str, limit: int) -> None:
    whole, cut = shown(text), shown(text, limit)
    if len(whole) <= limit:
        assert cut == whole
    else:
        assert cut.endswith(ELLIPSIS)
        assert whole.startswith(cut[:-1])


@settings(max_examples=50)
@given(st.text(min_size=1), st.integers(min_value=1, max_value=100))
def test_quoted_input_is_quoted_bounded_and_safe(text: str, limit: int) -> None:
    out = quoted_input(text, limit)
    assert out.startswith("'") and out.endswith("'")
    assert len(out) <= limit + 2
    assert not any(_unsafe(ch) for ch in out)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("\x1b[2J\x1b]0;owned\x07", "\\x1b[2J\\x1b]0;owned\\x07", id="escape-sequences"),
        pytest.param("a\x9b31mb", "a\\x9b31mb", id="c1-csi"),
        pytest.param("line1\r\nline2\tx", "line1\\r\\nline2\\tx", id="cr-lf-tab"),
        pytest.param("del\x7f", "del\\x7f", id="del"),
        pytest.param("mail.\u202eelpmaxe.com", "mail.\\u202eelpmaxe.com", id="rlo"),
        pytest.param("\u2066x\u2069\u200e\u200f\u061c", "\\u2066x\\u2069\\u200e\\u200f\\u061c", id="isolates-marks"),
        pytest.param("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff", id="zwsp-bom"),
        pytest.param("para\u2028graph", "para\\u2028graph", id="line-separator"),
        pytest.param("\udcffuser", "\\udcffuser", id="lone-surrogate"),
        pytest.param("tag\U000e0041", "tag\\U000e0041", id="tag-character"),
        pytest.param("blank\u3164name", "blank\\u3164name", id="hangul-filler"),
        pytest.param("用户@公司.中国 😀 Ünïcödé", "用户@公司.中国 😀 Ünïcödé", id="cjk-emoji-accents-stay"),
        pytest.param("全角　空格", "全角　空格", id="ideographic-space-stays"),
    ],
)
def test_shown_escapes_what_a_terminal_would_obey(text: str, expected: str) -> None:
    assert shown(text) == expected


def test_a_cut_never_splits_an_escape() -> None:
    assert shown("abcd\x1b[31m", limit=6) == "abcd…"
    assert shown("abcd\x1b[31m", limit=9) == "abcd\\x1b…"


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        shown("x", 0)


def test_a_huge_input_is_shown_quickly_when_bounded() -> None:
    assert shown("\x1b" * 10_000_000, limit=20) == "\\x1b" * 4 + ELLIPSIS


def test_every_usage_error_is_one_safe_bounded_line() -> None:
    message = str(UsageError("bad '\x1b[31mred\x1b[0m'\n\u202e" + "x" * 10_000))
    assert "\n" not in message and "\x1b" not in message and "\u202e" not in message
    assert len(message) <= MAX_MESSAGE
    assert one_line(message) == message
