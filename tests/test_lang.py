"""The default language from the locale environment (SPEC: zh_TW, zh_HK → zh-Hant; zh_CN, zh_SG → zh-Hans)."""

from __future__ import annotations

import pytest

from mailprobe.lang import LANGS, lang_from_env


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh_TW.UTF-8", "zh-Hant"),
        ("zh_TW", "zh-Hant"),
        ("zh_HK.UTF-8", "zh-Hant"),
        ("zh_HK.Big5-HKSCS", "zh-Hant"),
        ("zh_MO.UTF-8", "zh-Hant"),
        ("zh_TW.Big5", "zh-Hant"),
        ("zh-TW", "zh-Hant"),
        ("zh_Hant_TW.UTF-8", "zh-Hant"),
        ("zh_CN.UTF-8", "zh-Hans"),
        ("zh_CN.GB18030", "zh-Hans"),
        ("zh_SG.UTF-8", "zh-Hans"),
        ("zh_CN", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("en_US.UTF-8", "en"),
        ("en_GB", "en"),
        ("de_DE.UTF-8", "en"),
        ("ja_JP.UTF-8", "en"),
        ("C", "en"),
        ("C.UTF-8", "en"),
        ("POSIX", "en"),
        ("", "en"),
    ],
)
def test_lang_mapping(lang: str, expected: str) -> None:
    assert lang_from_env({"LANG": lang}) == expected


def test_no_locale_variables_is_english() -> None:
    assert lang_from_env({}) == "en"


def test_lc_all_overrides_lang() -> None:
    assert lang_from_env({"LANG": "zh_CN.UTF-8", "LC_ALL": "zh_TW.UTF-8"}) == "zh-Hant"
    assert lang_from_env({"LANG": "zh_TW.UTF-8", "LC_ALL": "zh_CN.UTF-8"}) == "zh-Hans"


def test_lc_all_c_overrides_a_chinese_lang() -> None:
    assert lang_from_env({"LANG": "zh_TW.UTF-8", "LC_ALL": "C"}) == "en"


def test_empty_lc_all_falls_back_to_lang() -> None:
    assert lang_from_env({"LC_ALL": "", "LANG": "zh_HK.UTF-8"}) == "zh-Hant"


def test_lc_messages_is_between_lc_all_and_lang() -> None:
    assert lang_from_env({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "zh_CN.UTF-8"}) == "zh-Hant"
    assert lang_from_env({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8"}) == "en"


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_SG.UTF-8")
    assert lang_from_env() == "zh-Hans"


def test_always_one_of_the_three_languages() -> None:
    for value in ("zh_XX", "zz", "@", ".", "zh.", "_TW"):
        assert lang_from_env({"LANG": value}) in LANGS
