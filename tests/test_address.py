"""Target: parsing a mailbox address the way users type it (Chinese input methods included)."""

from __future__ import annotations

import pytest

from mailprobe.address import parse_address, parse_domain
from mailprobe.errors import UsageError

IDN_ASCII = "xn--55qx5d.xn--fiqs8s"  # 公司.中国


def test_idn_address_parses_to_punycode() -> None:
    target = parse_address("用户@公司.中国")
    assert target.domain == "公司.中国"
    assert target.domain_ascii == IDN_ASCII
    assert target.local_part == "用户"
    assert target.address == "用户@公司.中国"
    assert target.address_ascii == f"用户@{IDN_ASCII}"


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("用户＠公司.中国", id="fullwidth-at"),
        pytest.param("用户@公司。中国", id="ideographic-full-stop"),
        pytest.param("用户@公司．中国", id="fullwidth-full-stop"),
        pytest.param("  用户@公司.中国  ", id="surrounding-spaces"),
        pytest.param("用户@公司.中国.", id="trailing-dot"),
        pytest.param("用户@公司.中国。", id="trailing-ideographic-dot"),
    ],
)
def test_what_input_methods_type_is_accepted(typed: str) -> None:
    target = parse_address(typed)
    assert target.domain_ascii == IDN_ASCII
    assert target.address == "用户@公司.中国"


def test_domain_is_lower_cased_local_part_kept() -> None:
    target = parse_address("Zhang.San@ACME-Trading.COM")
    assert target.domain == target.domain_ascii == "acme-trading.com"
    assert target.local_part == "Zhang.San"


def test_punycode_domain_is_shown_in_unicode() -> None:
    target = parse_address(f"user@{IDN_ASCII}")
    assert target.domain == "公司.中国"
    assert target.domain_ascii == IDN_ASCII


def test_fullwidth_latin_domain_is_normalised() -> None:
    """A full-width domain typed with a Chinese input method (UTS 46 maps it)."""
    target = parse_address("user@ＡＣＭＥ.com")
    assert target.domain_ascii == "acme.com"


@pytest.mark.parametrize(
    "address",
    [
        "nobody", "a@b", "@x.com", "a@@x.com", "a b@x.com", "user@1.2.3.4", "a" * 65 + "@x.com", "a..b@x.com",
        ".a@x.com", "a.@x.com", "user@-x.com", "user@x-.com", "user@x_y.com", "user@", "", "   ", "a\tb@x.com",
        "a\x00b@x.com", "<a>@x.com", "a,b@x.com", "user@" + "a" * 64 + ".com", "user@x..com",
        "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com",
    ],
)
def test_malformed_address_is_a_usage_error(address: str) -> None:
    with pytest.raises(UsageError):
        parse_address(address)


def test_local_part_of_64_bytes_is_fine_65_is_not() -> None:
    assert parse_address("a" * 64 + "@x.com").local_part == "a" * 64
    with pytest.raises(UsageError, match="64"):
        parse_address("a" * 65 + "@x.com")


def test_local_part_limit_counts_bytes_not_characters() -> None:
    with pytest.raises(UsageError):
        parse_address("用" * 22 + "@x.com")  # 66 bytes in UTF-8


@pytest.mark.parametrize(
    "bad",
    [
        "nobody",
        "user@x_y.com",
        "a@x.com\nb@x.com",
        "a\rb@x.com",
        "a\x1b[31mb@x.com",
    ],
    ids=["no-at", "underscore", "newline", "carriage-return", "escape-sequence"],
)
def test_error_message_is_one_printable_line(bad: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_address(bad)
    message = str(caught.value)
    assert message.isprintable(), repr(message)


def test_parse_domain_returns_both_forms() -> None:
    assert parse_domain("公司.中国") == ("公司.中国", IDN_ASCII)
    assert parse_domain("Example.COM.") == ("example.com", "example.com")


@pytest.mark.parametrize("invisible", ["\ufeff", "\u200b", "\u200d", "\u2060"],
                         ids=["bom", "zero-width-space", "zero-width-joiner", "word-joiner"])
def test_invisible_characters_from_copy_paste_do_not_hide_in_the_local_part(invisible: str) -> None:
    typed = f"{invisible}zhang{invisible}.san@example.com"
    try:
        target = parse_address(typed)
    except UsageError as exc:  # refusing it, with a clear line, is fine too
        assert str(exc).isprintable()
        return
    assert target.local_part == "zhang.san"
    assert target.address == "zhang.san@example.com"
