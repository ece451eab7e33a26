"""Languages: the three we speak, and the default taken from the locale environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

Lang = Literal["en", "zh-Hans", "zh-Hant"]
LANGS: tuple[Lang, ...] = ("en", "zh-Hans", "zh-Hant")


def lang_from_env(env: Mapping[str, str] | None = None) -> Lang:
    """LC_ALL, then LC_MESSAGES, then LANG: zh_TW / zh_HK / zh_MO → zh-Hant, other zh → zh-Hans, else en."""
    env = os.environ if env is None else env
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return _lang_of(value)
    return "en"


def _lang_of(value: str) -> Lang:
    tag = value.split(".")[0].split("@")[0].replace("-", "_").lower()
    if not tag.startswith("zh"):
        return "en"
    if any(part in tag for part in ("_tw", "_hk", "_mo", "hant")):
        return "zh-Hant"
    return "zh-Hans"


def known(value: str) -> Lang:
    """A report's language as one we speak (a report written by a newer mailprobe may name another): else en."""
    for lang in LANGS:
        if value == lang:
            return lang
    return "en"
