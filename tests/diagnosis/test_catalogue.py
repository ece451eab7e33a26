"""The cause catalogue: complete, in three languages and the right script, citing the article in own words."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from mailprobe.causes import Cause
from mailprobe.diagnosis.catalogue import (
    ARTICLE_SECTIONS,
    CATALOGUE,
    PREVENTION,
    CatalogueRemedy,
    Text,
    entry,
    explanation,
    prevention_tips,
    remedies,
    remedy_text,
    title,
)
from mailprobe.lang import LANGS
from mailprobe.locales import en, zh_hans, zh_hant

SEED_NAME = "000_aa02241d3ef762ef.txt"
REPO = Path(__file__).resolve().parents[2]
# Beside the repository (its main checkout), two levels up (a helper's worktree), or inside it.
SEED_CANDIDATES = tuple(base / "shared" / "seed" / SEED_NAME for base in (REPO.parent, REPO.parents[1], REPO))

# Characters that exist only in one script, among those our texts use most.
SIMPLIFIED_ONLY = set("这说网络邮码账帐设认证时钟浏览务缓开关为与号启录"
                      "个请连线锁验户讯话处级过还错误页后发复")
TRADITIONAL_ONLY = set("這說網絡郵碼賬帳設認證時鐘瀏覽務緩開關為與號啟錄"
                       "個請連線鎖驗伺憑戶訊話處級過還錯誤頁後發複")
# Mainland words a Taiwan reader would not use, and the reverse.
MAINLAND_TERMS = (
    "網絡", "服務器", "賬", "緩存", "客戶端", "信息", "默認", "鏈接", "登錄", "軟件", "激活", "端口", "證書",
)
TAIWAN_TERMS = ("伺服器", "帐号", "凭证", "用户端", "快取", "网路", "登入", "连接埠", "信箱")
RUN = 12


def catalogue_texts() -> list[Text]:
    texts: list[Text] = []
    for item in CATALOGUE.values():
        texts += [item.title, item.explanation, *item.verdict.values(), *(r.text for r in item.remedies)]
    return texts + [tip.text for tip in PREVENTION]


def all_remedies() -> list[CatalogueRemedy]:
    return [r for item in CATALOGUE.values() for r in item.remedies] + list(PREVENTION)


def _letters(text: str) -> str:
    """Text without whitespace, punctuation or symbols: what is left when wording is compared."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


def _seed_text() -> str:
    for path in SEED_CANDIDATES:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    pytest.skip(f"the source article {SEED_NAME} is not beside the repository")


def _shared_run(text: str, seed: str) -> str | None:
    plain = _letters(text)
    for start in range(len(plain) - RUN + 1):
        if plain[start:start + RUN] in seed:
            return plain[start:start + RUN]
    return None


# -- completeness ---------------------------------------------------------------------------------


def test_every_cause_has_an_entry() -> None:
    assert set(CATALOGUE) == set(Cause)
    for cause in Cause:
        assert entry(cause).cause is cause


@pytest.mark.parametrize("cause", list(Cause))
@pytest.mark.parametrize("lang", LANGS)
def test_every_entry_speaks_every_language(cause: Cause, lang: str) -> None:
    assert title(cause, lang).strip()  # type: ignore[arg-type]
    assert explanation(cause, lang).strip()  # type: ignore[arg-type]
    listed = remedies(cause, lang)  # type: ignore[arg-type]
    assert 2 <= len(listed) <= 4
    for remedy_id, section, text in listed:
        assert text.strip()
        assert remedy_text(cause, remedy_id, lang) == text  # type: ignore[arg-type]
        assert section in ARTICLE_SECTIONS


def test_texts_are_callable_and_gettable() -> None:
    item = entry(Cause.NETWORK_PROBLEM)
    assert item.title("zh-Hant") == item.title.get("zh-Hant") == title(Cause.NETWORK_PROBLEM, "zh-Hant")
    assert item.remedies[0].text("en") == item.remedy(item.remedy_ids[0]).text.get("en")


def test_remedy_ids_are_stable_snake_case_and_unique_per_cause() -> None:
    for item in CATALOGUE.values():
        assert len(set(item.remedy_ids)) == len(item.remedy_ids)
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", rid) for rid in item.remedy_ids)


def test_an_unknown_remedy_id_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        remedy_text(Cause.CLOCK_SKEW, "reboot_everything", "en")


def test_default_severities_follow_the_spec() -> None:
    warnings = {Cause.BROWSER_COMPATIBILITY, Cause.CLOCK_SKEW, Cause.DELIVERED_TO_JUNK}  # SPEC: junk is a warning
    for cause, item in CATALOGUE.items():
        assert item.severity == ("warning" if cause in warnings else "critical"), cause


def test_prevention_tips_cover_article_section_four() -> None:
    assert [tip.section for tip in PREVENTION] == ["4.1", "4.2", "4.3", "4.4"]
    for lang in LANGS:
        assert all(text.strip() for _, _, text in prevention_tips(lang))


# -- sections -------------------------------------------------------------------------------------


def test_cause_sections_follow_the_spec_table() -> None:
    expected = {
        Cause.PASSWORD_INCORRECT: "2.1", Cause.ACCOUNT_LOCKED: "2.2", Cause.SERVER_OUTAGE: "2.3",
        Cause.NETWORK_PROBLEM: "2.4", Cause.DNS_RESOLUTION_PROBLEM: "2.4",
        Cause.BROWSER_COMPATIBILITY: "2.5", Cause.ACCOUNT_NOT_ACTIVATED: "2.6",
        Cause.MX_NOT_CONFIGURED: "2.6",
        # Extensions the article has no section of its own for: its provider notes (五) as a whole, never
        # §2.6 (an account not activated) for a protocol switched off.
        Cause.PROTOCOL_DISABLED: "5",
        # The provider's own section where the article has one (5.1 NetEase, 5.2 QQ, 5.3 Aliyun), else 五.
        Cause.CLIENT_AUTH_CODE_REQUIRED: "5",
    }
    for cause, section in expected.items():
        assert entry(cause).section == section, cause
    by_provider = {cause for cause, item in CATALOGUE.items() if item.section_by_provider}
    # A refused message is cited at the provider's own notes too (NetEase's DT:SPM, QQ's 501): --loop.
    assert by_provider == {Cause.CLIENT_AUTH_CODE_REQUIRED, Cause.SENDING_REJECTED}
    client_password = entry(Cause.CLIENT_AUTH_CODE_REQUIRED)
    assert [client_password.section_for(s) for s in ("5.1", "5.2", "5.3", None)] == ["5.1", "5.2", "5.3", "5"]
    assert entry(Cause.ACCOUNT_LOCKED).section_for("5.1") == "2.2"


# -- the catalogue's advice holds for every provider -------------------------------------------------------

# Every name of a built-in provider, and the brands their own advice mentions, in our three languages.
PROVIDER_WORDS = (
    "Tencent", "Exmail", "NetEase", "Alibaba", "Aliyun", "35.com", "Microsoft", "Google", "Zoho", "Feishu", "Lark",
    "Coremail", "WeChat", "WeCom", "腾讯", "騰訊", "网易", "網易", "阿里", "三五", "飞书", "飛書", "微信", "QQ",
)


def _advice() -> list[tuple[str, CatalogueRemedy]]:
    out = [(f"{cause.value}.{r.id}", r) for cause, item in CATALOGUE.items() for r in item.remedies]
    out += [(f"{cause.value}.tell.{item.tell.id}", item.tell) for cause, item in CATALOGUE.items() if item.tell]
    return out + [(f"prevention.{tip.id}", tip) for tip in PREVENTION]


def test_no_catalogue_advice_names_a_provider() -> None:
    """A provider's own advice comes from its profile, shown for it alone; the catalogue's is for any (before:
    "Tencent Exmail…, NetEase…, Alibaba…" for Microsoft 365, NetEase's hotline for Alibaba)."""
    from mailprobe.profiles import builtin_profiles

    names = {profile.name(lang) for profile in builtin_profiles() for lang in LANGS}
    for where, advice in _advice():
        for lang in LANGS:
            said = [word for word in (*PROVIDER_WORDS, *names) if word in advice.text.get(lang)]
            assert not said, (where, lang, said)


def test_no_catalogue_advice_cites_one_providers_section() -> None:
    for where, advice in _advice():
        assert advice.section not in ("5.1", "5.2", "5.3"), where  # NetEase's, QQ's, Aliyun's own


def test_each_verdict_variant_gets_two_to_four_remedies() -> None:
    for cause, item in CATALOGUE.items():
        for variant in item.verdict:
            chosen = remedies(cause, "en", variant)
            assert 2 <= len(chosen) <= 4, (cause, variant, chosen)
        assert remedies(cause, "en", "a_variant_no_verdict_names") == remedies(cause, "en")


def test_certificate_remedies_lead_with_what_is_wrong() -> None:
    def first_two(variant: str) -> list[str]:
        return [remedy_id for remedy_id, _, _ in remedies(Cause.TLS_CERTIFICATE_PROBLEM, "en", variant)][:2]

    assert first_two("server_chain")[0] == "fix_certificate_chain"
    assert not {"check_date_time", "check_interception"} & set(first_two("server_chain"))  # not this computer's
    assert first_two("expired")[0] == "report_expired_certificate"
    assert first_two("hostname_mismatch")[0] == "use_documented_host_name"
    assert first_two("interception")[0] == "check_interception"
    assert first_two("not_yet_valid")[0] == "check_date_time"
    assert first_two("expiring")[0] == "renew_before_expiry"


def test_a_remedy_for_a_variant_without_a_verdict_is_refused() -> None:
    import tomllib

    from mailprobe.diagnosis.catalogue import DATA_FILE, CatalogueError, parse_catalogue

    text = (REPO / "mailprobe" / "diagnosis" / DATA_FILE).read_text(encoding="utf-8")
    broken = text.replace('variants = ["server_chain"]', 'variants = ["server_chian"]', 1)
    assert tomllib.loads(broken) != tomllib.loads(text)
    with pytest.raises(CatalogueError, match="server_chian"):
        parse_catalogue(broken, "causes.toml")


def test_remedies_cite_remedy_prevention_or_provider_sections() -> None:
    for remedy in all_remedies():
        assert remedy.section in ARTICLE_SECTIONS
        assert remedy.section[0] in "345", remedy.id


def test_every_cited_section_exists_in_the_article() -> None:
    seed = _seed_text()
    headings = set(re.findall(r"^###\s+(\d\.\d)\s", seed, re.MULTILINE))
    if "五、" in seed:
        headings.add("5")
    cited = {item.section for item in CATALOGUE.values()} | {r.section for r in all_remedies()}
    from mailprobe.profiles import builtin_profiles

    profiles = builtin_profiles()
    cited |= {r.section for p in profiles for r in p.remedies} | {p.section for p in profiles if p.section}
    assert headings | {"5"} >= ARTICLE_SECTIONS
    assert cited <= headings


def test_a_section_outside_the_article_is_refused() -> None:
    with pytest.raises(ValueError):
        CatalogueRemedy(id="guess", section="3.9", text=entry(Cause.CLOCK_SKEW).title)
    with pytest.raises(ValueError):
        CatalogueRemedy(id="guess", section="ext.", text=entry(Cause.CLOCK_SKEW).title)


# -- script and terminology -----------------------------------------------------------------------


def test_traditional_texts_hold_no_simplified_only_characters() -> None:
    for text in catalogue_texts():
        stray = SIMPLIFIED_ONLY & set(text.zh_hant)
        assert not stray, (stray, text.zh_hant)


def test_simplified_texts_hold_no_traditional_only_characters() -> None:
    for text in catalogue_texts():
        stray = TRADITIONAL_ONLY & set(text.zh_hans)
        assert not stray, (stray, text.zh_hans)


def test_traditional_texts_use_taiwan_terms() -> None:
    for text in catalogue_texts():
        assert not [w for w in MAINLAND_TERMS if w in text.zh_hant], text.zh_hant
        assert not re.search(r"(?<!網)域名", text.zh_hant), text.zh_hant


def test_simplified_texts_use_mainland_terms() -> None:
    for text in catalogue_texts():
        assert not [w for w in TAIWAN_TERMS if w in text.zh_hans], text.zh_hans


def test_ui_messages_are_in_the_right_script() -> None:
    for key, value in zh_hant.MESSAGES.items():
        assert not SIMPLIFIED_ONLY & set(value), key
    for key, value in zh_hans.MESSAGES.items():
        assert not TRADITIONAL_ONLY & set(value), key


# -- our own words --------------------------------------------------------------------------------


def test_the_copy_detector_catches_an_article_sentence() -> None:
    seed = _letters(_seed_text())
    assert _shared_run("If locked: 若賬號被鎖定，用戶可以嘗試等待一段時間后再試登錄。", seed) is not None


def test_no_text_copies_the_article() -> None:
    seed = _letters(_seed_text())
    for text in catalogue_texts():
        for lang in LANGS:
            copied = _shared_run(text.get(lang), seed)
            assert copied is None, (lang, copied, text.get(lang))


def test_no_ui_message_copies_the_article() -> None:
    seed = _letters(_seed_text())
    for messages in (en.MESSAGES, zh_hans.MESSAGES, zh_hant.MESSAGES):
        for key, value in messages.items():
            assert _shared_run(value, seed) is None, key
