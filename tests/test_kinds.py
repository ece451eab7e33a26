"""The observation kinds' table: each kind's words in the three languages, and a report whose check is of a
kind this mailprobe does not know (a newer one's) read as an "other" check, shown and written back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mailprobe.compose import relocalize
from mailprobe.evidence import TlsMode
from mailprobe.kinds import BY_NAME, KINDS, OtherCheck
from mailprobe.kinds.mail import MailCheck, MailFacts
from mailprobe.lang import LANGS
from mailprobe.locales.messages import kind_words, placeholders
from mailprobe.profiles import load_profiles
from mailprobe.render import FORMATS, RenderOptions
from mailprobe.report import ProviderInfo, Report, ToolInfo, json_schema

NEWER = {
    "id": "quantum.entanglement/acme.com", "kind": "quantum_entanglement", "target": "acme.com", "address": None,
    "status": "warn", "started_ms": 12.0, "duration_ms": 3.5, "summary": "entanglement: 2 of 3 photons agree",
    "data": {"role": "provider", "error": None, "photons": 3, "agreed": [1, 2]},
}


def _report_json() -> dict[str, Any]:
    report = Report(
        schema_version=2, tool=ToolInfo(version="0"), address="li@acme.com", domain="acme.com",
        domain_ascii="acme.com", started_at=datetime(2026, 11, 25, tzinfo=UTC), duration_ms=1234.0,
        status="warning", provider=ProviderInfo(id="generic", name="unrecognised", matched_by="generic"),
        checks=[MailCheck(id="imap.993/imap.acme.com/203.0.113.10", kind="imap", target="imap.acme.com:993",
                          address="203.0.113.10", status="pass", summary="IMAP 993: TLSv1.3",
                          data=MailFacts(host="imap.acme.com", port=993, tls_mode=TlsMode.IMPLICIT))],
    )
    document: dict[str, Any] = json.loads(report.model_dump_json())
    document["checks"].append(NEWER)
    return document


def test_a_check_of_an_unknown_kind_is_read_as_other_not_rejected() -> None:
    report = Report.model_validate(_report_json())

    other = report.checks[-1]
    assert isinstance(other, OtherCheck)
    assert (other.kind, other.status, other.summary) == ("quantum_entanglement", "warn", NEWER["summary"])
    assert isinstance(report.checks[0], MailCheck)  # the known kinds are still read as their own


def test_a_check_of_an_unknown_kind_is_written_back_as_it_came() -> None:
    report = Report.model_validate(_report_json())

    again = json.loads(report.model_dump_json())["checks"][-1]
    assert again == NEWER


def test_a_report_with_an_unknown_kind_validates_against_the_schema() -> None:
    jsonschema.validate(_report_json(), json_schema())


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_check_of_an_unknown_kind_renders_in_every_format(fmt: str) -> None:
    report = Report.model_validate(_report_json())

    out = FORMATS[fmt].render([report], RenderOptions(verbose=True))
    assert out.strip()
    if fmt in ("text", "json", "jsonl", "html"):
        assert NEWER["summary"] in out


def test_explain_in_another_language_keeps_an_unknown_kinds_words(tmp_path: Path) -> None:
    report = Report.model_validate(_report_json())

    chinese = relocalize(report, "zh-Hans", load_profiles(None))
    assert chinese.checks[-1].summary == NEWER["summary"]
    assert chinese.checks[0].summary != report.checks[0].summary  # a known kind is re-worded


def test_every_kind_has_its_words_in_the_three_languages_with_the_same_params() -> None:
    words = kind_words()
    assert words["en"], "no kind words found"
    for key, english in words["en"].items():
        for lang in LANGS:
            assert placeholders(words[lang][key]) == placeholders(english), (lang, key)


def test_the_table_names_each_report_kind_once() -> None:
    names = [name for kind in KINDS for name in kind.names]
    assert len(names) == len(set(names))
    assert set(BY_NAME) == set(names)
    assert "other" not in BY_NAME
