"""The one credentials value (`secret.Credentials`: login name + password), from the options to the wire:
never printed, repr'd, formatted, logged, pickled or serialised, on its own or on the probe context."""

from __future__ import annotations

import copy
import json
import logging
import pickle
from dataclasses import asdict

import pytest

from mailprobe.login.run import LoginOptions
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.probes.base import ProbeContext
from mailprobe.secret import PASSWORD_MASK, Credentials, Secret

PASSWORD = "Tr0ub4dor&3-ctx"
LOGIN = "wang.wu@example.test"


def _context() -> ProbeContext:
    deadline = Deadline(1.0)
    return ProbeContext(
        deadline=deadline, tls=TlsSettings(), resolver=Resolver(deadline, [("127.0.0.1", 53)]),
        credentials=Credentials(LOGIN, Secret(PASSWORD)),
    )


def test_credentials_have_no_text_form() -> None:
    credentials = Credentials(LOGIN, Secret(PASSWORD))
    for text in (repr(credentials), str(credentials), f"{credentials}", format(credentials, ""), "%s" % credentials,  # noqa: UP031
                 f"{credentials}", repr([credentials]), repr({"c": credentials}), str(ValueError(credentials))):
        assert PASSWORD not in text and LOGIN not in text and "wang" not in text
    assert repr(credentials) == "Credentials(***)"


def test_credentials_never_reach_a_log(caplog: pytest.LogCaptureFixture) -> None:
    credentials = Credentials(LOGIN, Secret(PASSWORD))
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("mailprobe.test").info("logging in with %s / %r", credentials, credentials)
        logging.getLogger("mailprobe.test").info("options %r", LoginOptions(credentials=credentials))
    assert PASSWORD not in caplog.text and LOGIN not in caplog.text


def test_credentials_are_no_json_and_no_pickle() -> None:
    credentials = Credentials(LOGIN, Secret(PASSWORD))
    with pytest.raises(TypeError):
        json.dumps({"credentials": credentials})
    assert PASSWORD not in json.dumps({"c": credentials}, default=repr)
    assert PASSWORD not in json.dumps({"c": credentials}, default=str)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError):
            pickle.dumps(credentials, protocol=protocol)
        with pytest.raises(TypeError):
            pickle.dumps(LoginOptions(credentials=credentials), protocol=protocol)
    with pytest.raises(TypeError):
        vars(credentials)


def test_the_context_never_shows_them() -> None:
    ctx = _context()
    assert PASSWORD not in repr(ctx) and LOGIN not in repr(ctx)
    with pytest.raises(TypeError):
        json.dumps({"credentials": ctx.credentials})
    with pytest.raises(TypeError):
        json.dumps({"password": ctx.credentials.password if ctx.credentials else None})
    assert PASSWORD not in json.dumps({"c": ctx.credentials}, default=repr)
    assert asdict(ctx)["credentials"] is ctx.credentials  # copies share it, never spell it out
    assert "logins_begun" not in repr(ctx)


def test_credentials_cannot_be_pickled_or_changed() -> None:
    credentials = Credentials(LOGIN, Secret(PASSWORD))
    with pytest.raises(TypeError):
        pickle.dumps(_context())
    with pytest.raises(AttributeError):
        credentials.login_name = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        credentials._password = Secret("x")  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del credentials.login_name  # type: ignore[misc]
    assert copy.copy(credentials) is credentials and copy.deepcopy(credentials) is credentials
    with pytest.raises(TypeError):
        hash(credentials)


def test_the_password_is_only_revealed_on_purpose() -> None:
    credentials = Credentials(None, Secret(PASSWORD))
    assert credentials.login_name is None
    assert credentials.password.reveal() == PASSWORD
    with pytest.raises(TypeError):
        Credentials(LOGIN, PASSWORD)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Credentials(b"alice", Secret(PASSWORD))  # type: ignore[arg-type]


def test_one_masker_per_value_built_once_and_named_values_mask_their_name() -> None:
    credentials = Credentials(None, Secret(PASSWORD))
    assert credentials.redactor is credentials.redactor
    named = credentials.named(LOGIN)
    assert named.login_name == LOGIN and named.password is credentials.password
    assert named == Credentials(LOGIN, Secret(PASSWORD)) and named != credentials
    assert named.redactor.text(f"NO {PASSWORD} for {LOGIN}") == f"NO {PASSWORD_MASK} for [login]"
    assert credentials.redactor.text(f"NO {PASSWORD} for {LOGIN}") == f"NO {PASSWORD_MASK} for {LOGIN}"
