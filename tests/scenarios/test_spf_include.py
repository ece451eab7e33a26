"""The SPF comparison: the domain's SPF record against its provider's includes (the profile's `spf_include`),
a check of its own that never changes the verdict."""

from __future__ import annotations

from pathlib import Path

from mailprobe.check import run_check_sync
from mailprobe.kinds.spf import SpfCheck
from mailprobe.report import Report
from tests.lab.world import CUSTOMER, World

ADDRESS = f"zhang.san@{CUSTOMER}"


def _check(root: Path, lang: str = "en", txt: str | None = None, include: str | None = "spf.mail.qq.com") -> Report:
    domains = {CUSTOMER: {"MX": ["5 mxbiz1.qq.com."], "TXT": [f'"{txt}"']}} if txt is not None else {}
    with World(root, domains=domains) as lab:
        if include is not None:  # the lab's qq profile names its SPF include, as the built-in one does
            profile = lab.providers_dir / "qq.toml"
            text = profile.read_text(encoding="utf-8")
            profile.write_text(text.replace("baseline = true\n", f'baseline = true\nspf_include = ["{include}"]\n'),
                               encoding="utf-8")
        return run_check_sync(ADDRESS, lab.options(lang=lang))


def _spf(report: Report) -> SpfCheck:
    found = [check for check in report.checks if check.kind == "spf"]
    assert len(found) == 1, [check.id for check in report.checks]
    assert isinstance(found[0], SpfCheck)
    return found[0]


def test_a_record_that_includes_the_providers_passes(tmp_path: Path) -> None:
    report = _check(tmp_path)

    spf = _spf(report)
    assert spf.status == "pass"
    assert spf.data.matched == "spf.mail.qq.com"
    assert spf.summary == "SPF includes the provider's spf.mail.qq.com"
    assert report.status == "ok" and report.diagnosis == []


def test_a_record_without_the_providers_include_warns_in_its_check_and_changes_no_verdict(tmp_path: Path) -> None:
    report = _check(tmp_path, txt="v=spf1 include:spf.other-provider.example ~all")

    spf = _spf(report)
    assert spf.status == "warn"
    assert spf.data.includes == ["spf.other-provider.example"] and spf.data.matched is None
    assert "spf.mail.qq.com" in spf.summary
    assert report.status == "ok" and report.diagnosis == []


def test_the_comparison_speaks_the_reports_language(tmp_path: Path) -> None:
    report = _check(tmp_path, lang="zh-Hans", txt="v=spf1 include:spf.other-provider.example ~all")

    assert _spf(report).summary.startswith("SPF 未包含服务商的 spf.mail.qq.com")


def test_a_profile_without_spf_includes_plans_no_comparison(tmp_path: Path) -> None:
    report = _check(tmp_path, include=None)

    assert [check.id for check in report.checks if check.kind == "spf"] == []
