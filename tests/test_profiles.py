"""Provider profiles: the facts of shared/providers.md, the files' own consistency, loading and overriding.

The per-file tests read each providers/*.toml twice: raw (tomllib) and through the model, so that a field the
model would quietly accept or drop still gets checked against the contract.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from mailprobe.address import parse_domain
from mailprobe.causes import Cause
from mailprobe.errors import UsageError
from mailprobe.evidence import Expect, TlsMode
from mailprobe.profiles import (
    PROVIDERS_DIR_ENV,
    Profile,
    builtin_profiles,
    load_profile_file,
    load_profiles,
)

REPO = Path(__file__).resolve().parents[1]
PROVIDERS = REPO / "providers"
PROFILE_FILES = sorted(PROVIDERS.glob("*.toml"))
REQUIRED_IDS = ("qq", "netease", "aliyun", "35com")
CAUSE_IDS = {c.value for c in Cause}
LANG_KEYS = ("en", "zh-Hans", "zh-Hant")
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# The article's provider notes: 5.1 NetEase, 5.2 QQ, 5.3 Aliyun.
ARTICLE_SECTION = {"netease": "5.1", "qq": "5.2", "aliyun": "5.3"}


@pytest.fixture(scope="module")
def builtin() -> dict[str, Profile]:
    return {p.id: p for p in builtin_profiles()}


def _raw(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def primary(profile: Profile, protocol: str) -> list[tuple[str, int, TlsMode]]:
    """The servers a client is told to use first: required, no label (not overseas / legacy / …)."""
    return [(s.host, s.port, s.tls) for s in profile.servers
            if s.protocol == protocol and s.expect == Expect.REQUIRED and not s.label]


# -- the set of built-in profiles -----------------------------------------------------------------------


def test_every_profile_file_loads(builtin: dict[str, Profile]) -> None:
    assert PROFILE_FILES, "no providers/*.toml"
    assert len(builtin) == len(PROFILE_FILES), "two files share an id, or a file was not loaded"
    assert {Path(p.source_file).name for p in builtin.values()} == {f.name for f in PROFILE_FILES}


def test_the_four_providers_of_the_article_exist(builtin: dict[str, Profile]) -> None:
    assert set(REQUIRED_IDS) <= set(builtin)


def test_load_profiles_without_extra_dir_is_the_built_in_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROVIDERS_DIR_ENV, raising=False)
    assert {p.id for p in load_profiles().all()} == {p.stem for p in PROFILE_FILES} | {
        _raw(f)["id"] for f in PROFILE_FILES
    }


# -- MX recognition (shared/providers.md) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "exchange", "expected"),
    [
        ("qq", "mxbiz1.qq.com", True),
        ("qq", "mxbiz2.qq.com", True),
        ("qq", "MXBIZ1.QQ.COM.", True),
        ("qq", "mx1.qq.com", False),  # qq.com's own MX
        ("qq", "mxdomain.qq.com", False),  # QQ domain mail, not Exmail
        ("qq", "cloudmx.qq.com", False),  # tencent.com's own MX
        ("qq", "mxbiz1.qq.com.evil.example", False),
        ("netease", "qiye163mx01.mxmail.netease.com", True),
        ("netease", "qiye163mx02.mxmail.netease.com", True),
        ("netease", "hzmx01.mxmail.netease.com", True),
        ("netease", "hzmx02.mxmail.netease.com.", True),
        ("netease", "163mx01.mxmail.netease.com", False),  # personal 163.com
        ("netease", "126mx01.mxmail.netease.com", False),  # personal 126.com
        ("netease", "yeahmx01.mxmail.netease.com", False),
        ("aliyun", "mx1.qiye.aliyun.com", True),
        ("aliyun", "mx3.qiye.aliyun.com", True),
        ("aliyun", "mxn.mxhichina.com", True),
        ("aliyun", "mxw.mxhichina.com", True),
        ("aliyun", "dm.aliyun.com", False),  # DirectMail, not mailboxes
        ("aliyun", "mx1.aliyun.com", False),
        ("35com", "mx.cn4e.com", True),
        ("35com", "mx1.35.cn", True),
    ],
)
def test_mx_patterns_follow_provider_facts(
    builtin: dict[str, Profile], provider: str, exchange: str, expected: bool
) -> None:
    assert builtin[provider].matches_mx(exchange) is expected


@pytest.mark.parametrize(
    ("exchange", "provider"),
    [
        ("mxbiz1.qq.com", "qq"),
        ("qiye163mx01.mxmail.netease.com", "netease"),
        ("hzmx01.mxmail.netease.com", "netease"),
        ("mx1.qiye.aliyun.com", "aliyun"),
        ("mxn.mxhichina.com", "aliyun"),
        ("mx1.qq.com", None),
        ("163mx01.mxmail.netease.com", None),
    ],
)
def test_exactly_one_built_in_profile_or_none_recognises_an_exchanger(
    builtin: dict[str, Profile], exchange: str, provider: str | None
) -> None:
    matching = [p.id for p in builtin.values() if p.matches_mx(exchange)]
    assert matching == ([provider] if provider else [])


def test_recognise_follows_mx_preference_order() -> None:
    profiles = load_profiles()
    found = profiles.recognise(["mx.unknown.example", "mxbiz1.qq.com", "mx1.qiye.aliyun.com"])
    assert found is not None and found.id == "qq"
    assert profiles.recognise(["mx.unknown.example"]) is None


# -- servers (shared/providers.md) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "protocol", "server"),
    [
        ("qq", "imap", ("imap.exmail.qq.com", 993, TlsMode.IMPLICIT)),
        ("qq", "pop3", ("pop.exmail.qq.com", 995, TlsMode.IMPLICIT)),
        ("qq", "smtp", ("smtp.exmail.qq.com", 465, TlsMode.IMPLICIT)),
        ("netease", "imap", ("imap.qiye.163.com", 993, TlsMode.IMPLICIT)),
        ("netease", "pop3", ("pop.qiye.163.com", 995, TlsMode.IMPLICIT)),
        ("netease", "smtp", ("smtp.qiye.163.com", 465, TlsMode.IMPLICIT)),
        ("aliyun", "imap", ("imap.qiye.aliyun.com", 993, TlsMode.IMPLICIT)),
        ("aliyun", "pop3", ("pop.qiye.aliyun.com", 995, TlsMode.IMPLICIT)),
        ("aliyun", "smtp", ("smtp.qiye.aliyun.com", 465, TlsMode.IMPLICIT)),
        ("35com", "imap", ("imap.{domain}", 993, TlsMode.IMPLICIT)),
        ("35com", "smtp", ("smtp.{domain}", 465, TlsMode.IMPLICIT)),
    ],
)
def test_primary_servers_follow_provider_facts(
    builtin: dict[str, Profile], provider: str, protocol: str, server: tuple[str, int, TlsMode]
) -> None:
    servers = primary(builtin[provider], protocol)
    assert servers, f"{provider} has no primary {protocol} server"
    assert servers[0] == server


def test_qq_overseas_servers_are_alternates(builtin: dict[str, Profile]) -> None:
    overseas = {(s.host, s.port) for s in builtin["qq"].servers if s.label == "overseas"}
    assert overseas == {("hwimap.exmail.qq.com", 993), ("hwpop.exmail.qq.com", 995), ("hwsmtp.exmail.qq.com", 465)}
    assert all(s.expect != Expect.REQUIRED for s in builtin["qq"].servers if s.label)


def test_35com_hosts_follow_the_customers_domain(builtin: dict[str, Profile]) -> None:
    imap = next(s for s in builtin["35com"].servers if s.protocol == "imap")
    assert imap.host_for("xn--55qx5d.xn--fiqs8s") == "imap.xn--55qx5d.xn--fiqs8s"


@pytest.mark.parametrize(
    ("provider", "webmail"),
    [("qq", "https://exmail.qq.com/login"), ("netease", "https://qiye.163.com/login/"),
     ("aliyun", "https://qiye.aliyun.com/"), ("35com", "https://mail.35.com/")],
)
def test_webmail_follows_provider_facts(builtin: dict[str, Profile], provider: str, webmail: str) -> None:
    assert webmail in builtin[provider].webmail


@pytest.mark.parametrize(("provider", "include"), [("qq", "spf.mail.qq.com"), ("netease", "spf.163.com"),
                                                  ("aliyun", "spf.qiye.aliyun.com")])
def test_spf_include_follows_provider_facts(builtin: dict[str, Profile], provider: str, include: str) -> None:
    assert include in builtin[provider].spf_include


@pytest.mark.parametrize(
    ("provider", "reply", "cause"),
    [
        ("netease", "535 ERR.LOGIN.REQCODE", Cause.CLIENT_AUTH_CODE_REQUIRED),
        ("netease", "-ERR ERR.LOGIN.PASSERR", Cause.PASSWORD_INCORRECT),
        ("netease", "535 email format login fail", Cause.PASSWORD_INCORRECT),
        ("netease", "NO ERR.LOGIN.DOMAINNOTEXIST", Cause.ACCOUNT_NOT_ACTIVATED),
        ("netease", "NO ERR.LOGINRULE.IPDENY", Cause.LOGIN_RESTRICTED),
        ("aliyun", "526 Authentication failure[0]", Cause.PASSWORD_INCORRECT),
        ("qq", "535 Error: 请使用授权码登录", Cause.CLIENT_AUTH_CODE_REQUIRED),
    ],
)
def test_known_replies_map_to_their_cause(builtin: dict[str, Profile], provider: str, reply: str,
                                          cause: Cause) -> None:
    first = next((r for r in builtin[provider].replies if re.search(r.pattern, reply)), None)
    assert first is not None, f"no pattern of {provider} matches {reply!r}"
    assert first.cause == cause


# -- each file, checked from its own content ------------------------------------------------------------


@pytest.mark.parametrize("path", PROFILE_FILES, ids=[p.stem for p in PROFILE_FILES])
class TestEachProfileFile:
    def test_loads_through_the_model(self, path: Path) -> None:
        profile = load_profile_file(path)
        assert profile.id == _raw(path)["id"]

    def test_names_in_three_languages(self, path: Path) -> None:
        names = _raw(path)["names"]
        for lang in LANG_KEYS:
            assert str(names.get(lang, "")).strip(), f"names.{lang} is empty"

    def test_reply_patterns_compile_and_causes_are_real(self, path: Path) -> None:
        for index, reply in enumerate(_raw(path).get("replies", [])):
            re.compile(reply["pattern"])
            assert reply["cause"] in CAUSE_IDS, f"replies[{index}].cause {reply['cause']!r}"
            assert reply["pattern"].strip(), f"replies[{index}] matches everything"
            assert not re.search(reply["pattern"], ""), f"replies[{index}] matches an empty reply"

    def test_mx_patterns_compile_and_are_anchored(self, path: Path) -> None:
        for pattern in _raw(path).get("mx_patterns", []):
            regex = re.compile(pattern)
            assert pattern.endswith("$"), f"{pattern!r} is not anchored at the end"
            assert not regex.search("example.com"), f"{pattern!r} matches an unrelated domain"

    def test_every_remedy_has_three_languages_and_a_real_cause(self, path: Path) -> None:
        for index, remedy in enumerate(_raw(path).get("remedies", [])):
            assert remedy["cause"] in CAUSE_IDS, f"remedies[{index}].cause {remedy['cause']!r}"
            for lang in LANG_KEYS:
                assert str(remedy["text"].get(lang, "")).strip(), f"remedies[{index}].text.{lang} is empty"
            assert re.fullmatch(r"[2-5](\.\d)?", remedy["section"]), f"remedies[{index}].section"

    def test_provider_notes_cite_their_article_section(self, path: Path) -> None:
        raw = _raw(path)
        expected = ARTICLE_SECTION.get(raw["id"])
        assert raw.get("section") == expected  # the profile names its own section of the article, if any
        for remedy in raw.get("remedies", []):
            if remedy["section"].startswith("5"):  # its own section, or the provider notes as a whole
                assert remedy["section"] in {expected or "5", "5"}, remedy["section"]

    def test_every_remedy_variant_is_one_of_its_causes_verdicts(self, path: Path) -> None:
        from mailprobe.diagnosis.catalogue import CATALOGUE

        for index, remedy in enumerate(_raw(path).get("remedies", [])):
            named = remedy.get("variants", []) + remedy.get("except_variants", [])
            verdicts = CATALOGUE[Cause(remedy["cause"])].verdict
            assert set(named) <= set(verdicts), f"remedies[{index}]: {named}"

    def test_mx_examples_are_recognised_as_this_provider_alone(self, path: Path) -> None:
        raw = _raw(path)
        examples = raw.get("mx_examples", [])
        assert examples or not raw.get("mx_patterns"), "`providers` shows examples, not the patterns"
        for example in examples:
            assert [p.id for p in builtin_profiles() if p.matches_mx(example)] == [raw["id"]], example

    def test_every_server_host_is_a_valid_name(self, path: Path) -> None:
        for index, server in enumerate(_raw(path).get("servers", [])):
            host = server["host"].replace("{domain}", "example.com")
            assert _HOST.match(host), f"servers[{index}].host {server['host']!r}"
            assert parse_domain(host)[1] == host
            assert 1 <= server["port"] <= 65535
            assert server["tls"] in {m.value for m in TlsMode}
            assert server["protocol"] in {"imap", "pop3", "smtp"}

    def test_webmail_hosts_are_valid_names(self, path: Path) -> None:
        for url in _raw(path).get("webmail", []):
            match = re.match(r"^https://([^/:]+)(:\d+)?/", url)
            assert match, f"webmail {url!r} is not an https URL with a path"
            host = match.group(1).replace("{domain}", "example.com")
            assert _HOST.match(host), url

    def test_has_a_fixed_host_if_used_as_baseline(self, path: Path) -> None:
        profile = load_profile_file(path)
        if profile.baseline:
            assert profile.well_known_hosts(), "a baseline provider needs hosts of its own"
        assert all("{" not in host for host in profile.well_known_hosts())

    def test_has_a_primary_server_to_probe(self, path: Path) -> None:
        """Some facts are UNCERTAIN (e.g. 21Vianet IMAP), but a profile with servers has one it relies on."""
        profile = load_profile_file(path)
        if not profile.servers:
            pytest.skip("webmail-only profile")
        assert any(primary(profile, protocol) for protocol in ("imap", "pop3", "smtp"))

    def test_sources_are_cited(self, path: Path) -> None:
        assert _raw(path).get("sources"), "every profile says where its facts come from"


# -- errors name the file and the field -----------------------------------------------------------------

VALID = (
    'id = "mine"\n'
    'webmail = ["https://mail.mine.example/"]\n'
    "[names]\nen = \"Mine\"\nzh-Hans = \"我的\"\nzh-Hant = \"我的\"\n"
    '[[servers]]\nprotocol = "imap"\nhost = "imap.mine.example"\nport = 993\ntls = "implicit"\n'
)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("port = 993", "port = 0", "servers.0.port"),
        ('tls = "implicit"', 'tls = "ssl"', "servers.0.tls"),
        ('host = "imap.mine.example"', 'host = "imap mine"', "servers.0.host"),
        ('protocol = "imap"', 'protocol = "jmap"', "servers.0.protocol"),
        ('id = "mine"', 'id = "Mine Mail"', "id"),
        ('zh-Hant = "我的"\n', "", "names.zh-Hant"),
        ('webmail = ["https://mail.mine.example/"]', 'webmail = ["ftp://mail.mine.example/"]', "webmail"),
        ('id = "mine"', 'id = "mine"\nmx_patterns = ["(unclosed"]', "mx_patterns"),
        ('id = "mine"', 'id = "mine"\nfavourite = 1', "favourite"),
        ('id = "mine"\n', "", "id"),
        ('id = "mine"', 'id = "mine"\nmx_patterns = ["^mx\\\\.mine\\\\.example$"]\nmx_examples = ["mx.other.example"]',
         "mx_examples"),
        ('id = "mine"', 'id = "mine"\nsection = "5.2 QQ"', "section"),
    ],
)
def test_profile_error_names_file_and_field(tmp_path: Path, old: str, new: str, field: str) -> None:
    assert old in VALID
    path = tmp_path / "mine.toml"
    path.write_text(VALID.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_profile_file(path)
    message = str(caught.value)
    assert str(path) in message
    assert field in message
    assert "\n" not in message  # one line on stderr


def test_valid_profile_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(VALID, encoding="utf-8")
    assert load_profile_file(path).id == "mine"


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("id = \n", encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(str(path))):
        load_profile_file(path)


def test_bad_reply_pattern_and_cause_name_their_field(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(VALID + '[[replies]]\npattern = "([a-"\ncause = "password_incorrect"\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"replies\.0\.pattern"):
        load_profile_file(path)
    path.write_text(VALID + '[[replies]]\npattern = "nope"\ncause = "wrong_password"\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"replies\.0\.cause"):
        load_profile_file(path)


# -- user profiles: --providers-dir and MAILPROBE_PROVIDERS_DIR -----------------------------------------


def _override(folder: Path, profile_id: str = "qq", host: str = "imap.relay.example.com") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = VALID.replace('id = "mine"', f'id = "{profile_id}"').replace("imap.mine.example", host)
    (folder / "override.toml").write_text(text, encoding="utf-8")
    return folder


def test_override_by_id_replaces_the_built_in_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROVIDERS_DIR_ENV, raising=False)
    profiles = load_profiles(_override(tmp_path / "extra"))
    qq = profiles.require("qq")
    assert [s.host for s in qq.servers] == ["imap.relay.example.com"]
    assert qq.mx_patterns == []  # replaced, not merged
    assert {p.id for p in profiles.all()} >= set(REQUIRED_IDS)


def test_env_var_works_like_providers_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROVIDERS_DIR_ENV, str(_override(tmp_path / "extra")))
    assert [s.host for s in load_profiles().require("qq").servers] == ["imap.relay.example.com"]


def test_providers_dir_option_beats_the_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROVIDERS_DIR_ENV, str(_override(tmp_path / "env", host="imap.env.example.com")))
    chosen = _override(tmp_path / "option", host="imap.option.example.com")
    assert [s.host for s in load_profiles(chosen).require("qq").servers] == ["imap.option.example.com"]


def test_env_var_pointing_nowhere_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(PROVIDERS_DIR_ENV, str(tmp_path / "missing"))
    with pytest.raises(UsageError, match="missing"):
        load_profiles()


def test_empty_env_var_means_built_in_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROVIDERS_DIR_ENV, "")
    assert {p.id for p in load_profiles().all()} == {_raw(f)["id"] for f in PROFILE_FILES}


def test_new_provider_in_providers_dir_is_added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROVIDERS_DIR_ENV, raising=False)
    profiles = load_profiles(_override(tmp_path / "extra", profile_id="inhouse"))
    assert profiles.require("inhouse").name("zh-Hant") == "我的"
    assert profiles.require("qq").servers[0].host == "imap.exmail.qq.com"


def test_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(UsageError, match="qq"):
        load_profiles().require("nosuch")


# -- the wheel ships the profiles -----------------------------------------------------------------------

_NETWORK_TROUBLE = ("NewConnectionError", "Failed to establish", "No matching distribution", "Could not find a version",
                    "Temporary failure in name resolution", "Network is unreachable", "ProxyError", "timed out")


def _copy_source(destination: Path) -> Path:
    """Build from a copy: building in /work/main would leave build/ behind in a tree others work in."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    destination.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, destination / name)
    for folder in ("mailprobe", "providers"):
        shutil.copytree(REPO / folder, destination / folder, ignore=ignore)
    return destination


def _pip_wheel(source: Path, out: Path, isolated: bool) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-w", str(out)]
    if not isolated:
        args.append("--no-build-isolation")
    return subprocess.run([*args, str(source)], capture_output=True, text=True, timeout=300)


def test_wheel_ships_the_provider_profiles(tmp_path: Path) -> None:
    source = _copy_source(tmp_path / "src")
    out = tmp_path / "dist"
    built = _pip_wheel(source, out, isolated=False)
    if built.returncode != 0:  # the venv's setuptools may be too old for pyproject.toml: use an isolated build
        built = _pip_wheel(source, out, isolated=True)
        if built.returncode != 0 and any(s in built.stdout + built.stderr for s in _NETWORK_TROUBLE):
            pytest.skip("building the wheel needs setuptools from PyPI, and the network is not there")
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheels = list(out.glob("mailprobe-*.whl"))
    assert len(wheels) == 1
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = wheel.read(entry_points).decode()
    for path in PROFILE_FILES:
        assert f"mailprobe/providers/{path.name}" in names
    assert "mailprobe/providers/qq.toml" in names
    assert "mailprobe/providers/__init__.py" in names
    assert "mailprobe/py.typed" in names
    assert "mailprobe/diagnosis/causes.toml" in names  # the causes' words
    assert "mailprobe = mailprobe.__main__:main" in scripts
    assert not any(n.startswith("tests/") for n in names)


def _setuptools_floor(requires: list[str]) -> tuple[int, ...]:
    for requirement in requires:
        match = re.fullmatch(r"\s*setuptools\s*>=\s*([\d.]+)\s*", requirement)
        if match:
            return tuple(int(part) for part in match.group(1).split("."))
    return (0,)


def test_build_requirements_can_read_the_license_field() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    if isinstance(pyproject["project"].get("license"), str):
        assert _setuptools_floor(pyproject["build-system"]["requires"]) >= (77,)


def test_the_login_name_is_one_rule_shared_by_the_login_probe_the_loop_and_the_settings(
    builtin: dict[str, Profile],
) -> None:
    """A profile's login_name rule is applied in one place: the login probe, the send-and-receive loop and the
    client settings all call profiles.login_name (the loop worked it out itself before)."""
    from mailprobe import clientsettings
    from mailprobe.address import parse_address
    from mailprobe.loop import run as loop_run
    from mailprobe.probes import login as login_probe
    from mailprobe.profiles import login_name

    assert loop_run.login_name is login_name and login_probe.login_name is login_name
    assert clientsettings.login_name is login_name
    target = parse_address("Alice@Example.com")
    local = next(iter(builtin.values())).model_copy(update={"login_name": "local_part"})
    assert login_name(target, None) == (target.address, "address")
    assert login_name(target, local) == (target.local_part, "local_part")
    assert login_name(target, local, "alice.admin") == ("alice.admin", "other")
