"""The one masker's own texts: whatever the password and the login name, what `Redactor` leaves holds neither,
masking it again changes nothing, and a text with no credential in it is left alone (issue 17, item 4)."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailprobe.net.dialogue import decode
from mailprobe.secret import CREDENTIAL_MASK, LOGIN_MASK, PASSWORD_MASK, Redactor, Secret

# Passwords a mask text may hold, or share its edges with: parts of the labels, their brackets, regex
# metacharacters, one-letter ones, and any text at all.
_LABEL_PARTS = sorted({
    label[i:j] for label in (PASSWORD_MASK, LOGIN_MASK, CREDENTIAL_MASK, "***")
    for i in range(len(label)) for j in range(i + 1, len(label) + 1)
})
_SENDABLE = st.characters(blacklist_categories=("Cs",), blacklist_characters="\0\r\n")
passwords = st.one_of(
    st.sampled_from(_LABEL_PARTS),
    st.sampled_from([".", "*", "+", "?", "(", ")", "[", "]", "\\", "$", "^", "|", "{", "}", "a", "S", "密"]),
    st.builds(lambda a, b: a + b, st.sampled_from(_LABEL_PARTS), st.text(_SENDABLE, max_size=3)),
    st.text(_SENDABLE, min_size=1, max_size=12),
)
logins = st.one_of(st.none(), st.sampled_from(["login", "log", "in@example.com", "alice@example.com", "d]x"]),
                   st.text(_SENDABLE, min_size=1, max_size=10))
texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from([f"NO bad password {PASSWORD_MASK} for {LOGIN_MASK}", "a1 NO [AUTHENTICATIONFAILED] Invalid "
                     "credentials (Failure)", "535 5.7.8 Username and Password not accepted", CREDENTIAL_MASK]),
)


def b64(data: str) -> str:
    return base64.b64encode(data.encode("utf-8", "surrogatepass")).decode("ascii")


def _holds(text: str, password: str) -> bool:
    """Whether TEXT spells the password, in any letter case (as a server may echo it)."""
    return re.search(re.escape(password), text, re.IGNORECASE) is not None


def _forms(password: str, login: str | None) -> list[str]:
    """How a reply may carry the password: as it is, in base64, inside an AUTH PLAIN blob."""
    return [password, b64(password), b64(f"\0{login or 'bob@example.com'}\0{password}")]


@settings(max_examples=400, deadline=None)
@given(password=passwords, login=logins, before=texts, after=texts)
@example(password="pass", login=None, before="NO bad", after="")
@example(password="word", login=None, before="", after="")
@example(password="login", login="login", before="", after="")
@example(password="credential", login=None, before="", after=f"{CREDENTIAL_MASK}")
@example(password="d]x", login="bob", before="bob", after="x")
@example(password=",", login=None, before="", after="")
@example(password="*", login=None, before="", after="")
def test_what_the_masker_leaves_holds_no_password_and_masking_it_again_changes_nothing(
    password: str, login: str | None, before: str, after: str,
) -> None:
    redactor = Redactor([Secret(password)], login)
    for form in _forms(password, login):
        shown = redactor.text(f"{before} {form} {after}")
        assert not _holds(shown, password), (password, login, shown)
        assert redactor.text(shown) == shown, (password, login, shown)
        # A reply as a login shows it: masked on its bytes, decoded, masked as text (bytes have no letter case
        # beyond ASCII: "Ä" is left to the text masking).
        raw = redactor.bytes(f"{before} {form} {after}".encode("utf-8", "surrogatepass"))
        assert redactor.bytes(raw) == raw, (password, login, raw)
        shown = redactor.text(decode(raw))
        assert not _holds(shown, password), (password, login, raw)
        assert redactor.text(shown) == shown


@settings(max_examples=300, deadline=None)
@given(password=passwords, login=logins)
def test_a_mask_text_never_holds_a_credential(password: str, login: str | None) -> None:
    redactor = Redactor([Secret(password)], login)
    for label in (PASSWORD_MASK, LOGIN_MASK, CREDENTIAL_MASK):
        masked = redactor.text(label)
        assert not _holds(masked, password), (password, label, masked)
        assert redactor.text(masked) == masked


@pytest.mark.parametrize("password", ["pass", "word", "PASSWORD", "[password]", "login", "credential", "s", "]"])
def test_a_password_that_is_part_of_a_mask_text_is_masked_without_showing_it(password: str) -> None:
    redactor = Redactor([Secret(password)], "alice@example.com")
    shown = redactor.text(f"a1 NO bad password {password} for alice@example.com")
    assert not _holds(shown, password)
    assert redactor.text(shown) == shown


def test_an_ordinary_password_keeps_the_familiar_masks() -> None:
    redactor = Redactor([Secret("Tr0ub4dor&3")], "alice@example.com")
    assert redactor.text("NO Tr0ub4dor&3 alice@example.com") == f"NO {PASSWORD_MASK} {LOGIN_MASK}"
    assert redactor.text(f"NO {b64(chr(0) + 'alice@example.com' + chr(0) + 'Tr0ub4dor&3')}") == f"NO {CREDENTIAL_MASK}"
