"""causes.toml, the one home of the causes' words: a broken entry is refused at load, naming file and field."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from mailprobe.causes import Cause
from mailprobe.diagnosis.catalogue import CATALOGUE, CatalogueError, load_catalogue, parse_catalogue, verdict

WHERE = "causes.toml"


def shipped() -> str:
    return resources.files("mailprobe.diagnosis").joinpath("causes.toml").read_text(encoding="utf-8")


def refused(text: str) -> str:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, WHERE)
    message = str(caught.value)
    assert message.startswith(f"cause catalogue {WHERE}: "), message
    return message


def edited(old: str, new: str) -> str:
    text = shipped()
    assert text.count(old) == 1, old
    return text.replace(old, new)


def without_table(text: str, cause: str) -> str:
    """The file without `[causes.<cause>]` and its remedies."""
    return re.sub(rf"\n\[\[?causes\.{cause}(\.remedies)?\]\]?\n.*?(?=\n\[|\n# --)", "", text, flags=re.DOTALL)


def test_the_shipped_file_holds_every_cause_once_in_enum_order() -> None:
    catalogue = load_catalogue()
    assert list(catalogue.causes) == list(Cause)
    assert list(CATALOGUE) == list(Cause)
    assert load_catalogue() is catalogue  # read once


def test_a_missing_cause_is_named() -> None:
    message = refused(without_table(shipped(), "clock_skew"))
    assert "field 'causes'" in message and "missing cause(s) ['clock_skew']" in message


def test_an_unknown_cause_is_named() -> None:
    text = shipped().replace("[causes.clock_skew]", "[causes.clock_drift]", 1)
    text = text.replace("[[causes.clock_skew.remedies]]", "[[causes.clock_drift.remedies]]")
    message = refused(text)
    assert "unknown cause(s) ['clock_drift']" in message and "missing cause(s) ['clock_skew']" in message


def test_a_cause_twice_is_not_valid_toml() -> None:
    text = shipped() + '\n[causes.clock_skew]\nsection = "2.4"\n'
    assert "not valid TOML" in refused(text)


def test_an_empty_language_names_its_field() -> None:
    message = refused(edited('title.zh-Hant = "帳號遭鎖定"', 'title.zh-Hant = " "'))
    assert "field 'causes.account_locked.title.zh-Hant'" in message


def test_a_missing_language_names_its_field() -> None:
    message = refused(edited('title.zh-Hant = "帳號遭鎖定"\n', ""))
    assert "field 'causes.account_locked.title.zh-Hant'" in message


def test_a_section_the_article_lacks_is_refused() -> None:
    message = refused(edited('section = "2.5"', 'section = "2.7"'))
    assert "field 'causes.browser_compatibility.section'" in message and "'2.7'" in message


def test_a_remedy_citing_a_cause_section_is_refused() -> None:
    text = shipped().replace('id = "stop_retrying"\nsection = "3.2"', 'id = "stop_retrying"\nsection = "2.2"', 1)
    assert "field 'causes.account_locked.remedies.0.section'" in refused(text)


def test_remedy_ids_are_snake_case() -> None:
    message = refused(edited('id = "stop_retrying"', 'id = "Stop-Retrying"'))
    assert "field 'causes.account_locked.remedies.0.id'" in message and "snake_case" in message


def test_remedy_ids_are_unique_within_a_cause() -> None:
    message = refused(edited('id = "wait_for_unlock"', 'id = "stop_retrying"'))
    assert "field 'causes.account_locked.remedies'" in message and "'stop_retrying' is used twice" in message


def test_verdict_params_are_the_same_in_every_language() -> None:
    message = refused(edited("在 {total} 个地址中有 {failed} 个失败", "在 {total} 个地址中有 {n} 个失败"))
    assert "field 'causes.server_outage.verdict.partial'" in message and "zh-Hans" in message


def test_the_default_verdict_takes_no_params() -> None:
    text = shipped()
    for sentence in ("will not help yet.", "也无济于事。", "也沒有用。"):  # account_locked's default, three languages
        text = text.replace(f'{sentence}"', f'{sentence} {{host}}"', 1)
    message = refused(text)
    assert "field 'causes.account_locked.verdict'" in message and "takes no {params}: ['host']" in message


def test_an_unknown_field_is_refused() -> None:
    message = refused(edited('title.zh-Hant = "帳號遭鎖定"', 'title.zh-Hant = "帳號遭鎖定"\ntitel.en = "Locked"'))
    assert "field 'causes.account_locked.titel'" in message


def test_prevention_tips_cite_section_four() -> None:
    text = shipped().replace('id = "training"\nsection = "4.4"', 'id = "training"\nsection = "3.4"', 1)
    assert "field 'prevention'" in refused(text)


@pytest.mark.parametrize("cause", [Cause.MODERN_AUTH_REQUIRED, Cause.LOGIN_RESTRICTED])
def test_the_causes_the_spec_added_are_critical_and_not_a_wrong_password(cause: Cause) -> None:
    item = CATALOGUE[cause]
    assert item.severity == "critical"
    assert item.section == {"modern_auth_required": "2.1", "login_restricted": "2.4"}[cause.value]
    assert 2 <= len(item.remedies) <= 4
    assert verdict(cause, "default", "en") == item.verdict["default"].en
    assert "password" in item.explanation.en.lower()  # says the password is not what is wrong


def test_every_cause_a_login_reply_may_mean_says_how_to_tell_it_apart() -> None:
    # Shown under "also possible" beside a refused login's first cause (issue 16, items 5 and 7).
    from mailprobe.login import knowledge

    tables = [*knowledge.IMAP_CODES.values(), *knowledge.POP3_CODES.values(), *knowledge.SMTP_ENHANCED.values(),
              *knowledge.SMTP_BASIC.values(), knowledge.BARE_REFUSAL,
              *(rule.weights for rule in (*knowledge.PROVIDER_TEXTS, *knowledge.GENERIC_TEXTS))]
    for cause in {Cause(name) for weights in tables for name, _ in weights}:
        tell = CATALOGUE[cause].tell
        assert tell is not None, cause
        assert tell.id not in CATALOGUE[cause].remedy_ids
        assert all(tell.text.get(lang).strip() for lang in ("en", "zh-Hans", "zh-Hant"))
