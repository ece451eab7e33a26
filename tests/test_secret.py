"""The password never shows: not printed, logged, repr'd, formatted, pickled, serialised, nor in a reply."""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import logging
import pickle
import traceback
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

from mailprobe.net.dialogue import decode
from mailprobe.secret import CREDENTIAL_MASK, LOGIN_MASK, PASSWORD_MASK, Redactor, Secret, redact, redact_bytes
from tests.lab.loginserver import ECHO_FORMS

PASSWORD = "Tr0ub4dor&3-用户"
LOGIN = "alice@example.com"


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode("utf-8") if isinstance(data, str) else data).decode("ascii")


@dataclasses.dataclass
class LoginAttempt:
    login: str
    password: Secret


class LoginModel(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True)

    login: str
    password: Secret
    port: int = 993


@pytest.fixture
def secret() -> Secret:
    return Secret(PASSWORD)


# -- Secret ---------------------------------------------------------------------------------------------


def test_every_way_of_making_text_gives_stars(secret: Secret) -> None:
    shown = [
        str(secret), repr(secret), f"{secret}", f"{secret!r}", f"{secret!s}", f"{secret:>40}", f"{secret=}",
        # the old ways on purpose: code that logs or formats a Secret may use any of them
        "%s" % secret, "%r" % (secret,), "{}".format(secret), "{0!r}".format(secret),  # noqa: UP030, UP031, UP032
        format(secret, "x"),
        str([secret]), str({"password": secret}), repr(LoginAttempt(LOGIN, secret)),
    ]
    for text in shown:
        assert PASSWORD not in text
        assert "***" in text
    assert repr(secret) == "Secret('***')"
    assert str(secret) == "***"


def test_reveal_is_the_way_out(secret: Secret) -> None:
    assert secret.reveal() == PASSWORD


def test_an_exception_carrying_it_shows_stars(secret: Secret) -> None:
    error = ValueError(secret)
    assert str(error) == "***"
    assert PASSWORD not in repr(error)
    try:
        raise RuntimeError("login failed for", LoginAttempt(LOGIN, secret))
    except RuntimeError:
        assert PASSWORD not in traceback.format_exc()


def test_logging_an_object_that_holds_it_shows_stars(secret: Secret, caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("mailprobe.test")
    with caplog.at_level(logging.DEBUG):
        log.info("attempt %s", LoginAttempt(LOGIN, secret))
        log.info("password %s / %r", secret, secret)
        log.debug("model %s", LoginModel(login=LOGIN, password=secret))
        try:
            raise ValueError(secret)
        except ValueError:
            log.exception("failed")
    assert caplog.text.count("***") >= 5
    assert PASSWORD not in caplog.text


def test_it_is_not_text_so_it_cannot_be_glued_into_text(secret: Secret) -> None:
    for attempt in (lambda: "pw: " + secret, lambda: "".join([secret]), lambda: json.dumps(secret),  # type: ignore
                    lambda: "%d" % secret):  # type: ignore[str-format]  # noqa: UP031
        with pytest.raises(TypeError) as caught:
            attempt()
        assert PASSWORD not in str(caught.value)


def test_it_cannot_be_pickled(secret: Secret) -> None:
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError):
            pickle.dumps(secret, protocol=protocol)
    with pytest.raises(TypeError):
        pickle.dumps(LoginAttempt(LOGIN, secret))
    with pytest.raises(TypeError):
        secret.__getstate__()


def test_a_copy_is_the_same_secret(secret: Secret) -> None:
    assert copy.copy(secret) is secret
    assert copy.deepcopy(LoginAttempt(LOGIN, secret)).password is secret


def test_it_cannot_be_changed_and_has_no_dict(secret: Secret) -> None:
    with pytest.raises(AttributeError):
        secret._value = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        vars(secret)


def test_equality_compares_the_values() -> None:
    assert Secret("a b") == Secret("a b")
    assert Secret("a b") != Secret("a c")
    assert Secret("x") != "x"  # a Secret is never equal to a plain string
    with pytest.raises(TypeError):
        hash(Secret("x"))


def test_only_text_can_be_a_secret() -> None:
    with pytest.raises(TypeError):
        Secret(b"bytes")  # type: ignore[arg-type]


# -- as a pydantic field --------------------------------------------------------------------------------


def test_a_model_validates_it_from_text_and_never_dumps_it() -> None:
    model = LoginModel(login=LOGIN, password=PASSWORD)  # type: ignore[arg-type]
    assert isinstance(model.password, Secret)
    assert model.password.reveal() == PASSWORD
    dumps = [
        str(model.model_dump()), str(model.model_dump(mode="json")), model.model_dump_json(),
        model.model_dump_json(indent=2), repr(model), str(model), json.dumps(model.model_dump(mode="json")),
    ]
    for text in dumps:
        assert PASSWORD not in text
    assert model.model_dump()["password"] == "***"
    assert json.loads(model.model_dump_json())["password"] == "***"


def test_a_model_accepts_a_secret_and_json_input() -> None:
    assert LoginModel(login=LOGIN, password=Secret(PASSWORD)).password.reveal() == PASSWORD
    from_json = LoginModel.model_validate_json(json.dumps({"login": LOGIN, "password": PASSWORD}))
    assert from_json.password == Secret(PASSWORD)


def test_a_model_copy_and_its_schema_hold_no_password() -> None:
    model = LoginModel(login=LOGIN, password=Secret(PASSWORD))
    assert model.model_copy(deep=True).password.reveal() == PASSWORD
    schema = LoginModel.model_json_schema()
    assert schema["properties"]["password"] == {"type": "string", "format": "password", "writeOnly": True,
                                                "title": "Password"}


def test_a_validation_error_of_a_model_holding_it_shows_no_password() -> None:
    with pytest.raises(ValidationError) as caught:
        LoginModel.model_validate({"login": LOGIN, "password": PASSWORD, "port": "not a port"})
    assert PASSWORD not in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        LoginModel.model_validate({"login": LOGIN, "password": 12345})
    assert "12345" not in str(caught.value)  # hide_input_in_errors, as every model holding a Secret should


# -- redact ---------------------------------------------------------------------------------------------


def test_the_password_is_masked_case_insensitively() -> None:
    reply = f"NO [AUTHENTICATIONFAILED] bad password {PASSWORD} / {PASSWORD.upper()} / {PASSWORD.lower()}"
    out = redact(reply, [PASSWORD])
    assert out == f"NO [AUTHENTICATIONFAILED] bad password {PASSWORD_MASK} / {PASSWORD_MASK} / {PASSWORD_MASK}"


def test_the_login_and_its_local_part_are_masked() -> None:
    out = redact("535 5.7.8 alice@example.com: ALICE rejected; user Alice unknown", [], LOGIN)
    assert out == f"535 5.7.8 {LOGIN_MASK}: {LOGIN_MASK} rejected; user {LOGIN_MASK} unknown"


def test_a_short_local_part_is_masked_only_as_a_word() -> None:
    assert redact("li: login limit exceeded for li.", [], "li@example.cn") == (
        f"{LOGIN_MASK}: login limit exceeded for {LOGIN_MASK}."
    )


def test_imap_login_command_with_quoted_password() -> None:
    password = 'pa"ss\\word'
    line = 'A1 LOGIN "alice@example.com" "pa\\"ss\\\\word"'
    assert redact(line, [password], LOGIN) == f'A1 LOGIN "{LOGIN_MASK}" "{PASSWORD_MASK}"'


def test_json_escaped_password() -> None:
    password = 'quo"te\\x'
    assert redact(json.dumps({"password": password}), [password]) == f'{{"password": "{PASSWORD_MASK}"}}'


@pytest.mark.parametrize(
    ("blob", "mask"),
    [
        pytest.param(b64(PASSWORD), PASSWORD_MASK, id="base64-password"),
        pytest.param(b64(PASSWORD).rstrip("="), PASSWORD_MASK, id="base64-password-unpadded"),
        pytest.param(b64(LOGIN), LOGIN_MASK, id="auth-login-user"),
        pytest.param(b64("alice"), LOGIN_MASK, id="auth-login-local-part"),
        pytest.param(b64(f"\0{LOGIN}\0{PASSWORD}"), CREDENTIAL_MASK, id="auth-plain"),
        pytest.param(b64(f"{LOGIN}\0{LOGIN}\0{PASSWORD}"), CREDENTIAL_MASK, id="auth-plain-authzid"),
        pytest.param(b64(f"\0alice\0{PASSWORD}"), CREDENTIAL_MASK, id="auth-plain-local-part"),
        pytest.param(b64(f"admin\0ALICE@EXAMPLE.COM\0{PASSWORD}"), CREDENTIAL_MASK, id="auth-plain-other-authzid"),
        pytest.param(b64(f"user={LOGIN}\x01auth=Bearer x\x01\x01"), CREDENTIAL_MASK, id="xoauth2"),
    ],
)
def test_base64_credentials_are_masked(blob: str, mask: str) -> None:
    for line in (f"C: AUTHENTICATE PLAIN {blob}", f"C: {blob}", f"AUTH PLAIN {blob}\r\n"):
        out = redact(line, [PASSWORD], LOGIN)
        assert blob not in out
        assert mask in out
        assert line.split(blob)[0] in out  # the rest of the line stays


def test_base64_of_the_password_inside_a_longer_run_is_masked() -> None:
    for prefix in ("", "x", "xy", "xyz"):
        run = b64(f"{prefix}\0someone-else\0{PASSWORD}\0trailer")
        glued = "AAAA" + run  # no boundary a token could start at
        assert CREDENTIAL_MASK in redact(glued, [PASSWORD])


def test_a_transcript_is_masked_and_the_protocol_stays_readable() -> None:
    transcript = "\r\n".join([
        "S: * OK IMAP4rev1 ready",
        f"C: a1 AUTHENTICATE PLAIN {b64(chr(0) + LOGIN + chr(0) + PASSWORD)}",
        "S: a1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
        "C: a2 AUTHENTICATE LOGIN",
        "S: + VXNlcm5hbWU6",
        f"C: {b64(LOGIN)}",
        "S: + UGFzc3dvcmQ6",
        f"C: {b64(PASSWORD)}",
        f"C: a3 LOGIN {LOGIN} {PASSWORD}",
    ])
    out = redact(transcript, [Secret(PASSWORD)], LOGIN)
    for leak in (PASSWORD, LOGIN, "alice", b64(PASSWORD), b64(LOGIN)):
        assert leak.lower() not in out.lower()
    assert "S: + VXNlcm5hbWU6" in out and "S: + UGFzc3dvcmQ6" in out  # the server's prompts stay
    assert "Invalid credentials (Failure)" in out


def test_nothing_to_mask_leaves_the_text_alone() -> None:
    text = "S: a1 NO [AUTHENTICATIONFAILED] Invalid credentials VXNlcm5hbWU6"
    assert redact(text, [], None) == text
    assert redact(text, ["", Secret("")], "") == text


@given(
    password=st.text(min_size=6, max_size=30).filter(lambda p: p.strip() == p and "\0" not in p),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
)
def test_any_password_is_masked_wherever_it_sits(password: str, before: str, after: str) -> None:
    for form in (password, b64(password), b64(f"\0bob@example.com\0{password}")):
        out = redact(f"{before} {form} {after}", [password], "bob@example.com")
        assert form not in out
        assert password not in out


# -- every encoding a server may echo it in (issue 18, finding 4) ------------------------------------------------

WIDE = "Tr0ub4dor&3-密码-Ünï"
_LINE_CHARSETS = ("utf-8", "gbk")


def _leaks(password: str) -> list[str]:
    """Texts that convert back to the exact password."""
    raw = password.encode("utf-8")
    return [
        password, raw.decode("gb18030", "replace"), raw.decode("gbk", "replace"), raw.decode("latin-1"),
        quote(raw, safe=""), b64(raw), b64(password.encode("gb18030")),
        b64(raw.decode("gb18030", "replace").encode()), b64(raw.decode("latin-1").encode()),
    ]


def _shown(raw: bytes, password: str) -> str:
    """A reply as mailprobe shows it: masked on its bytes, decoded as a login's dialogue decodes it, then
    masked as text as the login probe does."""
    return redact(decode(redact_bytes(raw, [password], LOGIN)), [password], LOGIN)


@pytest.mark.parametrize("form", sorted(ECHO_FORMS))
@pytest.mark.parametrize("charset", _LINE_CHARSETS)
def test_each_echoed_form_of_a_wide_password_is_masked_before_decoding(form: str, charset: str) -> None:
    line = "NO 密码错误 ".encode(charset) + ECHO_FORMS[form](WIDE.encode()) + " 请重试".encode(charset)
    shown = _shown(line, WIDE)
    assert "密码错误" in shown and "请重试" in shown  # the server's own words stay readable
    for leak in _leaks(WIDE):
        assert leak not in shown, (form, shown)
    assert PASSWORD_MASK in shown or CREDENTIAL_MASK in shown


def test_html_and_percent_escapes_and_the_misreadings_are_masked_as_text_too() -> None:
    raw = WIDE.encode()
    for form in ("gb18030", "latin-1", "percent", "percent-lower", "html", "base64-gb18030", "base64-latin-1"):
        text = f"NO bad {ECHO_FORMS[form](raw).decode('utf-8')} here"
        assert redact(text, [WIDE]).startswith("NO bad [") and redact(text, [WIDE]).endswith("] here"), form


def test_a_redactor_has_no_text_form_and_cannot_be_pickled() -> None:
    redactor = Redactor([Secret(WIDE)], LOGIN)
    assert repr(redactor) == str(redactor) == "Redactor(***)"
    with pytest.raises(TypeError):
        pickle.dumps(redactor)


@given(
    password=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0\r\n"), min_size=4, max_size=16,
    ),
    form=st.sampled_from(sorted(ECHO_FORMS)),
    charset=st.sampled_from(_LINE_CHARSETS),
)
def test_any_password_echoed_in_any_form_leaves_nothing_that_converts_back(
    password: str, form: str, charset: str
) -> None:
    before, after = "NO 密码错误 ", " 请重试"
    line = before.encode(charset) + ECHO_FORMS[form](password.encode()) + after.encode(charset)
    shown = _shown(line, password)
    for leak in _leaks(password):
        assume(leak not in before + after + PASSWORD_MASK + CREDENTIAL_MASK + LOGIN_MASK)
        assert leak not in shown, (form, shown)
