"""Admin mode in the house (issue 17): the `admin` kind has its home in the kinds table, and the administrator APIs
are one adapter table that the profiles are checked against and the credentials are read from."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailprobe.admin import credentials
from mailprobe.admin.adapters import ADAPTERS
from mailprobe.adminapis import APIS, ApiSpec
from mailprobe.diagnosis.diagnose import diagnose
from mailprobe.errors import UsageError
from mailprobe.evidence import Role, TlsMode
from mailprobe.kinds import BY_NAME, KINDS, OtherCheck, rank
from mailprobe.kinds.admin import AdminCheck, AdminRecord
from mailprobe.kinds.mail import MailSession
from mailprobe.profiles import load_profiles
from mailprobe.report import Report
from tests.admin.helpers import USER
from tests.support.evidence import evidence


def _record() -> AdminRecord:
    return AdminRecord(id="admin/exmail/" + USER, target="exmail", status="fail", api="exmail", user=USER,  # type: ignore[arg-type]
                       enabled=False)


def test_the_admin_kind_is_one_entry_of_the_table() -> None:
    assert BY_NAME["admin"] in KINDS and BY_NAME["admin"].check is AdminCheck


def test_a_saved_admin_check_is_read_as_its_kind_not_as_other() -> None:
    from mailprobe.compose import compose

    seen = evidence(_record())
    report = compose(seen, diagnose(seen), "en", datetime.now(UTC), 1.0)
    again = Report.model_validate_json(report.model_dump_json())
    check = next(c for c in again.checks if c.kind == "admin")
    assert isinstance(check, AdminCheck) and not isinstance(check, OtherCheck)
    assert check.data.enabled is False and check.summary


def test_an_admin_record_sits_with_the_providers_services_after_smtp() -> None:
    smtp = MailSession(id="smtp.465/smtp.exmail.qq.com/127.0.0.1", kind="smtp", target="smtp.exmail.qq.com:465",
                       status="pass", host="smtp.exmail.qq.com", port=465, tls_mode=TlsMode.IMPLICIT)  # type: ignore[arg-type]
    guessed = MailSession(id="imap.993/mail.acme-trading.com/127.0.0.1", kind="imap", role=Role.CANDIDATE,
                          target="mail.acme-trading.com:993", status="fail", host="mail.acme-trading.com", port=993,  # type: ignore[arg-type]
                          tls_mode=TlsMode.IMPLICIT)
    assert rank(smtp) < rank(_record()) < rank(guessed)


def _providers(tmp_path: Path, admin_api: str) -> Path:
    (tmp_path / "acme.toml").write_text(
        'id = "acme"\nmx_patterns = [\'\\.acme-mx\\.com\\.?$\']\n' f"admin_api = {admin_api}\n"
        '[names]\nen = "Acme"\nzh-Hans = "Acme"\nzh-Hant = "Acme"\n', encoding="utf-8")
    return tmp_path


def test_every_administrator_api_has_its_client_and_every_client_its_entry() -> None:
    assert set(APIS) == set(ADAPTERS)


def test_a_profile_naming_an_administrator_api_not_in_the_table_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not an administrator API mailprobe knows"):
        load_profiles(_providers(tmp_path, '{type = "zoho"}'))


def test_a_profile_pointing_a_url_its_adapter_never_reads_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"urls\.graph"):
        load_profiles(_providers(tmp_path, '{type = "exmail", urls = {graph = "https://127.0.0.1:1"}}'))


def test_a_new_apis_credentials_come_from_its_table_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text("-----BEGIN-----", encoding="utf-8")
    os.chmod(key, 0o644)
    zoho = ApiSpec("Zoho Mail", ("client_id", "secret", "key"), secrets=frozenset({"secret"}),
                   files={"key": "the Zoho key file"})
    monkeypatch.setitem(APIS, "zoho", zoho)
    environ = {"MAILPROBE_ZOHO_CLIENT_ID": "id", "MAILPROBE_ZOHO_SECRET": "s3cr3t-value",
               "MAILPROBE_ZOHO_KEY": str(key)}
    with pytest.raises(UsageError, match=r"the Zoho key file .*readable or writable by others"):
        credentials.load(None, environ)
    os.chmod(key, 0o600)
    found = credentials.load(None, environ).get("zoho")
    assert found is not None and "s3cr3t-value" not in repr(found.values["secret"])
