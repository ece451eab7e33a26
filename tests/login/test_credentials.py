"""The credentials on the probe context: never printed, repr'd, formatted, pickled or serialised."""

from __future__ import annotations

import copy
import json
import pickle
from dataclasses import asdict

import pytest

from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.probes.base import LoginCredentials, ProbeContext
from mailprobe.secret import Secret

PASSWORD = "Tr0ub4dor&3-ctx"
LOGIN = "wang.wu@example.test"


def _context() -> ProbeContext:
    deadline = Deadline(1.0)
    return ProbeContext(
        deadline=deadline, tls=TlsSettings(), resolver=Resolver(deadline, [("127.0.0.1", 53)]),
        credentials=LoginCredentials(LOGIN, Secret(PASSWORD)),
    )


def test_credentials_have_no_text_form() -> None:
    credentials = LoginCredentials(LOGIN, Secret(PASSWORD))
    for text in (repr(credentials), str(credentials), f"{credentials}", format(credentials, "")):
        assert PASSWORD not in text and LOGIN not in text


def test_the_context_never_shows_them() -> None:
    ctx = _context()
    assert PASSWORD not in repr(ctx) and LOGIN not in repr(ctx)
    with pytest.raises(TypeError):
        json.dumps({"credentials": ctx.credentials})
    with pytest.raises(TypeError):
        json.dumps({"password": ctx.credentials.password if ctx.credentials else None})
    assert PASSWORD not in json.dumps({"c": ctx.credentials}, default=repr)
    assert asdict(ctx)["credentials"] is ctx.credentials  # copies share it, never spell it out


def test_credentials_cannot_be_pickled_or_changed() -> None:
    credentials = LoginCredentials(LOGIN, Secret(PASSWORD))
    with pytest.raises(TypeError):
        pickle.dumps(credentials)
    with pytest.raises(TypeError):
        pickle.dumps(_context())
    with pytest.raises(AttributeError):
        credentials.login = "x"  # type: ignore[misc]
    assert copy.deepcopy(credentials) is credentials


def test_the_password_is_only_revealed_on_purpose() -> None:
    credentials = LoginCredentials(None, Secret(PASSWORD))
    assert credentials.login is None
    assert credentials.password.reveal() == PASSWORD
    with pytest.raises(TypeError):
        LoginCredentials(LOGIN, PASSWORD)  # type: ignore[arg-type]
