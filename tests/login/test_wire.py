"""What a login puts on the wire: IMAP quoting and literals, SASL encodings, masking, and no password in reprs."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailprobe.login.wire import Chunk, Credentials, UnsendableError
from mailprobe.secret import Secret

sendable = st.text(st.characters(blacklist_characters="\x00\r\n", blacklist_categories=("Cs",)), max_size=40)


def parse_login(chunks: list[Chunk]) -> tuple[bytes, bytes, int]:
    """A reference reader of `tag LOGIN astring astring`: (user, password, synchronising literals used)."""
    data = b"".join(c.data for c in chunks)
    match = re.match(rb"a1 LOGIN ", data)
    assert match is not None
    rest, values, waits = data[match.end() :], [], 0
    for _ in range(2):
        rest = rest.lstrip(b" ")
        if rest.startswith(b'"'):
            end = rest.index(b'"', 1)
            values.append(rest[1:end])
            rest = rest[end + 1 :]
        else:
            literal = re.match(rb"\{(\d+)(\+?)\}\r\n", rest)
            assert literal is not None, rest
            waits += literal.group(2) == b""
            size = int(literal.group(1))
            values.append(rest[literal.end() : literal.end() + size])
            rest = rest[literal.end() + size :]
    assert rest == b"\r\n"
    return values[0], values[1], waits


@given(sendable, sendable)
def test_imap_login_carries_any_sendable_text_exactly(username: str, password: str) -> None:
    credentials = Credentials.of(username, Secret(password))
    for nonsync in (False, True):
        chunks = credentials.imap_login("a1", nonsync)
        user, secret, waits = parse_login(chunks)
        assert (user, secret) == (username.encode(), password.encode())
        assert waits == sum(c.awaits_continuation for c in chunks)
        assert [c.carries_password for c in chunks] == [False] * (len(chunks) - 1) + [True]
        if nonsync:
            assert waits == 0 and len(chunks) == 1


@pytest.mark.parametrize(
    ("password", "literal"),
    [("simple", False), ("with space", False), ("", False), ('quo"te', True), ("back\\slash", True),
     ("密码", True), ("tab\there", True), ("del\x7f", True), ("{5}", False)],
)
def test_imap_quoting_rule(password: str, literal: bool) -> None:
    [*_, last] = Credentials.of("alice@lab.test", Secret(password)).imap_login("a1", nonsync_literals=False)
    assert (b'"' + password.encode() + b'"\r\n' not in last.data) == literal


def test_literal_minus_only_up_to_4096_bytes() -> None:
    small = Credentials.of("u", Secret("é" * 10)).imap_login("a1", False, literal_minus=True)
    large = Credentials.of("u", Secret("é" * 3000)).imap_login("a1", False, literal_minus=True)
    assert len(small) == 1 and len(large) == 2 and large[0].data.endswith(b"{6000}\r\n")


def test_sasl_encodings() -> None:
    credentials = Credentials.of("alice@lab.test", Secret("密码 1"))
    assert base64.b64decode(credentials.sasl_plain()) == b"\0alice@lab.test\0" + "密码 1".encode()
    assert base64.b64decode(credentials.sasl_login_username()) == b"alice@lab.test"
    assert base64.b64decode(credentials.sasl_login_password()) == "密码 1".encode()
    assert credentials.pop3_pass() == b"PASS " + "密码 1".encode() + b"\r\n"


@pytest.mark.parametrize("password", ["two\nlines", "nul\x00byte", "cr\rhere"])
def test_what_no_command_can_carry_is_refused_without_quoting_it(password: str) -> None:
    with pytest.raises(UnsendableError) as caught:
        Credentials.of("alice@lab.test", Secret(password))
    assert password not in str(caught.value)


def test_a_lone_surrogate_is_refused_without_quoting_it() -> None:
    with pytest.raises(UnsendableError) as caught:
        Credentials.of("alice@lab.test", Secret("bad\udcffbyte"))
    assert "bad" not in str(caught.value)


@given(st.text(min_size=4, max_size=30).filter(lambda p: "\x00" not in p and "\r" not in p and "\n" not in p))
def test_mask_hides_every_echo_and_reprs_show_nothing(password: str) -> None:
    try:
        credentials = Credentials.of("alice@lab.test", Secret(password))
    except UnsendableError:
        return
    echo = f"NO bad {password} / {credentials.sasl_plain()} / {credentials.sasl_login_password()}"
    assert password not in credentials.mask(echo)
    assert credentials.sasl_plain() not in credentials.mask(echo)
    assert repr(credentials) == "Credentials(***)"
    chunks = credentials.imap_login("a1", False)
    assert all(repr(c).startswith("Chunk(awaits_continuation=") and "data" not in repr(c) for c in chunks)


def test_secret_shows_stars() -> None:
    secret = Secret("hunter22")
    assert (repr(secret), str(secret), f"{secret}", secret.reveal()) == ("Secret('***')", "***", "***", "hunter22")
