"""Administrator credentials: the environment or an owner-only file, never argv, never shown."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from mailprobe.admin.credentials import load, looked_for
from mailprobe.errors import UsageError

SECRET = "corp-SECRET-never-shown-123"


def test_the_environment_gives_each_api_whole() -> None:
    found = load(None, {"MAILPROBE_EXMAIL_CORPID": "ww1", "MAILPROBE_EXMAIL_CORPSECRET": SECRET})
    exmail = found.get("exmail")
    assert exmail is not None and exmail.text("corpsecret") == SECRET and found.get("graph") is None
    assert SECRET not in repr(found) and SECRET not in repr(exmail) and SECRET not in str(exmail.values)


def test_nothing_found_names_every_variable_looked_for() -> None:
    with pytest.raises(UsageError) as caught:
        load(None, {})
    message = str(caught.value)
    for name in ("MAILPROBE_EXMAIL_CORPID", "MAILPROBE_EXMAIL_CORPSECRET", "MAILPROBE_GRAPH_TENANT",
                 "MAILPROBE_GRAPH_CLIENT_ID", "MAILPROBE_GRAPH_CLIENT_SECRET", "MAILPROBE_GOOGLE_KEY_FILE",
                 "MAILPROBE_GOOGLE_ADMIN", "--admin-credentials FILE"):
        assert name in message
    assert looked_for() in message


def test_a_half_set_api_names_what_is_missing_never_what_is_set() -> None:
    with pytest.raises(UsageError, match="MAILPROBE_EXMAIL_CORPID missing") as caught:
        load(None, {"MAILPROBE_EXMAIL_CORPSECRET": SECRET})
    assert SECRET not in str(caught.value)


def test_an_owner_only_file(tmp_path: Path) -> None:
    path = tmp_path / "admin.toml"
    path.write_text(f'[graph]\ntenant = "t"\nclient_id = "c"\nclient_secret = "{SECRET}"\n', encoding="utf-8")
    os.chmod(path, 0o600)
    assert load(str(path), {}).get("graph") is not None


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_a_file_others_may_read_is_refused_with_the_reason(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "admin.toml"
    path.write_text(f'[exmail]\ncorpid = "ww"\ncorpsecret = "{SECRET}"\n', encoding="utf-8")
    os.chmod(path, mode)
    with pytest.raises(UsageError, match=f"mode {mode:04o}.*chmod 600") as caught:
        load(str(path), {})
    assert SECRET not in str(caught.value)


def test_a_bad_file_is_said_without_quoting_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "admin.toml"
    path.write_text(f'[exmail]\ncorpsecret = "{SECRET}\n', encoding="utf-8")
    os.chmod(path, 0o600)
    with pytest.raises(UsageError, match="not valid UTF-8 TOML") as caught:
        load(str(path), {})
    assert SECRET not in str(caught.value)


def test_credentials_are_never_pickled() -> None:
    found = load(None, {"MAILPROBE_EXMAIL_CORPID": "ww1", "MAILPROBE_EXMAIL_CORPSECRET": SECRET})
    with pytest.raises(TypeError):
        pickle.dumps(found)


def test_an_apps_identifier_and_secret_are_the_one_credentials_value_with_its_one_masker() -> None:
    from mailprobe.secret import Credentials

    found = load(None, {"MAILPROBE_GRAPH_TENANT": "t", "MAILPROBE_GRAPH_CLIENT_ID": "app-1",
                        "MAILPROBE_GRAPH_CLIENT_SECRET": "s3cr3t~value"})
    graph = found.get("graph")
    assert graph is not None
    app = graph.signs_in
    assert isinstance(app, Credentials) and app.login_name == "app-1" and app.password.reveal() == "s3cr3t~value"
    assert "s3cr3t" not in f"{app} {app!r}"
    masked = app.redactor.text("invalid_client: s3cr3t~value for app-1")
    assert "s3cr3t~value" not in masked and "app-1" not in masked
