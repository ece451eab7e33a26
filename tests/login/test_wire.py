"""What a login puts on the wire: IMAP quoting and literals, SASL encodings, masking, and no password in reprs."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailprobe.login import wire
from mailprobe.login.wire import Chunk, UnsendableError
from mailprobe.secret import Credentials, Secret

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
    credentials = Credentials(username, Secret(password))
    for nonsync in (False, True):
        chunks = wire.imap_login(credentials, "a1", nonsync)
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
    [*_, last] = wire.imap_login(Credentials("alice@lab.test", Secret(password)), "a1", nonsync_literals=False)
    assert (b'"' + password.encode() + b'"\r\n' not in last.data) == literal


def test_literal_minus_only_up_to_4096_bytes() -> None:
    small = wire.imap_login(Credentials("u", Secret("é" * 10)), "a1", False, literal_minus=True)
    large = wire.imap_login(Credentials("u", Secret("é" * 3000)), "a1", False, literal_minus=True)
    assert len(small) == 1 and len(large) == 2 and large[0].data.endswith(b"{6000}\r\n")


def test_sasl_encodings() -> None:
    credentials = Credentials("alice@lab.test", Secret("密码 1"))
    assert base64.b64decode(wire.sasl_plain(credentials)) == b"\0alice@lab.test\0" + "密码 1".encode()
    assert base64.b64decode(wire.sasl_login_name(credentials)) == b"alice@lab.test"
    assert base64.b64decode(wire.sasl_login_password(credentials)) == "密码 1".encode()
    assert wire.pop3_pass(credentials) == b"PASS " + "密码 1".encode() + b"\r\n"


@pytest.mark.parametrize("password", ["two\nlines", "nul\x00byte", "cr\rhere"])
def test_what_no_command_can_carry_is_refused_without_quoting_it(password: str) -> None:
    with pytest.raises(UnsendableError) as caught:
        wire.check_sendable(Credentials("alice@lab.test", Secret(password)))
    assert password not in str(caught.value)


def test_a_lone_surrogate_is_refused_without_quoting_it() -> None:
    with pytest.raises(UnsendableError) as caught:
        wire.check_sendable(Credentials("alice@lab.test", Secret("bad\udcffbyte")))
    assert "bad" not in str(caught.value)


@given(st.text(min_size=1, max_size=30).filter(lambda p: "\x00" not in p and "\r" not in p and "\n" not in p))
def test_the_one_masker_hides_every_echo_of_what_went_out_and_reprs_show_nothing(password: str) -> None:
    credentials = Credentials("alice@lab.test", Secret(password))
    try:
        wire.check_sendable(credentials)
    except UnsendableError:
        return
    sent = (wire.sasl_plain(credentials), wire.sasl_login_name(credentials), wire.sasl_login_password(credentials))
    echo = f"NO bad {password} / {' / '.join(sent)}"
    shown = credentials.redactor.text(echo)
    # A password's own base64 is a base64 token of its own only from four characters on ("MA==" is none).
    for form in (password, *sent) if len(password) >= 4 else (password, *sent[:2]):
        assert form not in shown
    assert repr(credentials) == "Credentials(***)"
    chunks = wire.imap_login(credentials, "a1", False)
    assert all(repr(c).startswith("Chunk(awaits_continuation=") and "data" not in repr(c) for c in chunks)


def test_credentials_without_a_login_name_go_nowhere() -> None:
    credentials = Credentials(None, Secret("hunter22"))
    with pytest.raises(UnsendableError):
        wire.check_sendable(credentials)
    with pytest.raises(UnsendableError):
        wire.sasl_plain(credentials)
    named = credentials.named("alice@lab.test")
    assert wire.pop3_user(named) == b"USER alice@lab.test\r\n"
    assert named.password is credentials.password and credentials.login_name is None
    assert named.named("alice@lab.test") is named


def test_secret_shows_stars() -> None:
    secret = Secret("hunter22")
    assert (repr(secret), str(secret), f"{secret}", secret.reveal()) == ("Secret('***')", "***", "***", "hunter22")
