"""Password hygiene: each typing mistake of article 2.1 is found, and nothing about the password leaks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailprobe.login.hygiene import Finding, check_password
from mailprobe.secret import Secret


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Secret123", []),
        ("correct horse battery staple", []),  # spaces inside a passphrase are fine
        ("密码Secret1", []),  # CJK characters are a choice, not a mistake
        ("A1234567", []),  # one capital letter is what password rules ask for
        ("12345678", []),  # no letters: nothing to say about case
        ("Ｓｅｃｒｅｔ123", [Finding.FULLWIDTH]),  # input method left in full-width mode
        ("Secret１２３", [Finding.FULLWIDTH]),
        ("Secret！", [Finding.FULLWIDTH]),
        ("Sec\u3000ret1", [Finding.IDEOGRAPHIC_SPACE]),
        ("\u3000Secret1", [Finding.IDEOGRAPHIC_SPACE, Finding.SURROUNDING_WHITESPACE]),
        (" Secret1", [Finding.SURROUNDING_WHITESPACE]),
        ("Secret1 ", [Finding.SURROUNDING_WHITESPACE]),
        ("Secret1\n", [Finding.SURROUNDING_WHITESPACE, Finding.NON_PRINTING]),
        ("Secret1\u00a0", [Finding.SURROUNDING_WHITESPACE]),  # no-break space from a web page
        ("SECRET123", [Finding.CAPS_LOCK]),
        ("sECRET123", [Finding.CAPS_LOCK]),  # "Secret123" typed with Caps Lock on
        ("Sec\u200bret1", [Finding.NON_PRINTING]),  # zero-width space
        ("Sec\u200dret1", [Finding.NON_PRINTING]),  # zero-width joiner
        ("\ufeffSecret1", [Finding.NON_PRINTING]),  # byte order mark pasted from a file
        ("Sec\x07ret1", [Finding.NON_PRINTING]),
        ("Sec\tret1", [Finding.NON_PRINTING]),
        (
            " ＳＥＣＲＥＴ\u200b",
            [Finding.FULLWIDTH, Finding.SURROUNDING_WHITESPACE, Finding.CAPS_LOCK, Finding.NON_PRINTING],
        ),
    ],
)
def test_finding_for_each_typing_mistake(password: str, expected: list[Finding]) -> None:
    assert check_password(password) == expected


def test_accepts_a_secret_object() -> None:
    assert check_password(Secret("sECRET123")) == ["caps_lock"]


def test_findings_are_the_stable_ids() -> None:
    assert [f.value for f in Finding] == [
        "fullwidth", "ideographic_space", "surrounding_whitespace", "caps_lock", "non_printing",
    ]


@given(st.text(max_size=64))
def test_findings_never_carry_the_password_or_its_length(password: str) -> None:
    findings = check_password(password)
    assert all(isinstance(f, Finding) for f in findings)
    assert len(findings) == len(set(findings))
    # Only the fixed ids come back: no text derived from the password can ride along.
    assert {str(f) for f in findings} <= {f.value for f in Finding}
