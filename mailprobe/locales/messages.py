"""The UI message catalogue: look up a key in a language and fill its `{param}`s without ever raising."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mailprobe.lang import LANGS, Lang
from mailprobe.locales import en, zh_hans, zh_hant

# Each observation kind keeps its words beside its code (mailprobe/kinds/<kind>.toml), the three languages
# side by side: read as files, never imported, so the kinds may use `t` and the catalogue stays a leaf.
KIND_WORDS_DIR = Path(__file__).resolve().parent.parent / "kinds"


def kind_words(directory: Path = KIND_WORDS_DIR) -> dict[Lang, dict[str, str]]:
    """Every kind's words by language; a key missing a language is an error naming the file and the key."""
    words: dict[Lang, dict[str, str]] = {lang: {} for lang in LANGS}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as file:
            table = tomllib.load(file).get("words", {})
        for key, texts in table.items():
            missing = [lang for lang in LANGS if not isinstance(texts.get(lang), str)]
            if missing:
                raise ValueError(f"{path.name}: words.{key} has no {', '.join(missing)}")
            for lang in LANGS:
                words[lang][key] = texts[lang]
    return words


_TABLES: dict[Lang, dict[str, str]] = {"en": en.MESSAGES, "zh-Hans": zh_hans.MESSAGES, "zh-Hant": zh_hant.MESSAGES}
for _lang, _words in kind_words().items():
    _TABLES[_lang].update(_words)
MESSAGES: Mapping[Lang, Mapping[str, str]] = MappingProxyType(
    {lang: MappingProxyType(table) for lang, table in _TABLES.items()}
)


class _Missing:
    """Stands in for a parameter the caller did not pass: it prints as its own placeholder."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __format__(self, spec: str) -> str:
        return "{" + self.name + "}"

    def __getattr__(self, name: str) -> _Missing:
        return self

    def __getitem__(self, key: object) -> _Missing:
        return self


class _SafeFormatter(string.Formatter):
    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, int):
            return args[key] if key < len(args) else _Missing(str(key))
        return kwargs[key] if key in kwargs else _Missing(key)

    def format_field(self, value: Any, format_spec: str) -> str:
        try:
            return str(super().format_field(value, format_spec))
        except (TypeError, ValueError):
            return str(value)


_FORMATTER = _SafeFormatter()


def template(key: str, lang: Lang) -> str | None:
    """The raw template of `key` in `lang`, falling back to English; None if no language has it."""
    return MESSAGES[lang].get(key) or MESSAGES["en"].get(key)


def t(key: str, lang: Lang, **params: object) -> str:
    """The message `key` in `lang` (else English, else the key itself), with its `{param}`s filled in."""
    text = template(key, lang)
    if text is None:
        return key
    return fill(text, **params)


def fill(text: str, /, **params: object) -> str:
    """`text` with its `{param}`s filled in; a param not given stays as its placeholder. Never raises."""
    try:
        return _FORMATTER.vformat(text, (), params)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return text


def placeholders(text: str) -> set[str]:
    """The top-level `{param}` names a template uses."""
    names: set[str] = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field:
            names.add(field.split(".")[0].split("[")[0])
    return names


def format_ms(ms: float | None, lang: Lang) -> str:
    return t("unit.ms", lang, n=round(ms or 0.0))


def format_span(seconds: float, lang: Lang) -> str:
    """A length of time in the largest unit that still reads naturally: 45 s, 15 min, 2 h, 3 days."""
    value = abs(seconds)
    if value < 120:
        return t("unit.seconds", lang, n=round(value))
    if value < 2 * 3600:
        return t("unit.minutes", lang, n=round(value / 60))
    if value < 2 * 86400:
        return t("unit.hours", lang, n=round(value / 3600))
    return t("unit.days", lang, n=round(value / 86400))


def clock_time(moment: datetime, lang: Lang, with_date: bool = False) -> str:
    """A moment as the reports write it, in UTC (a report is read where it was not made): "19:15 UTC", with
    the date in front where the reader needs it."""
    utc = moment.astimezone(UTC)
    return t("time.utc", lang, time=utc.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M"))


def guard_times(tried: datetime, until: datetime, lang: Lang) -> tuple[str, str]:
    """When the lockout guard's last login was tried and when it allows the next, dated when they are not
    both within today's clock (a window of half a day or more, or one that crosses midnight)."""
    dated = until - tried >= timedelta(hours=12) or tried.astimezone(UTC).date() != until.astimezone(UTC).date()
    return clock_time(tried, lang, dated), clock_time(until, lang, dated)


def clock_phrase(offset_s: float, lang: Lang) -> str:
    """How the local clock stands against a server's: `offset_s` is server time minus local time."""
    key = "clock.local_behind" if offset_s > 0 else "clock.local_ahead"
    return t(key, lang, amount=format_span(offset_s, lang))


def service_name(service: str, lang: Lang) -> str:
    """"imap" → "IMAP", "web" → "webmail" in the reader's language; unknown names upper-cased."""
    return t(f"service.{service}", lang) if template(f"service.{service}", lang) else service.upper()



def server_label(label: str, lang: Lang) -> str:
    """A profile's label of an alternate server ("overseas" → "海外") in the reader's language; a label the
    catalogue does not know (a user's own profile) is shown as written."""
    key = "settings.label." + "_".join(label.split())
    return t(key, lang) if template(key, lang) is not None else label


def tls_mode_name(mode: str, lang: Lang) -> str:
    """How a server's TLS mode reads in a mail client's settings: SSL/TLS, STARTTLS, no encryption."""
    key = f"settings.tls.{mode}"
    return t(key, lang) if template(key, lang) is not None else mode
