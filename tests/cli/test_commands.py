"""The other commands as a user meets them: providers, settings, schema, --version, --help."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import mailprobe
from tests.lab.world import CUSTOMER, World
from tests.support.command import Run

REQUIRED_IDS = {"qq", "netease", "aliyun", "35com"}
# `settings --provider` must not look anything up: a resolver that does not exist proves it.
NO_NETWORK = ("--nameserver", "127.0.0.1:9", "--timeout", "2")


# -- providers ------------------------------------------------------------------------------------------


def test_providers_lists_every_required_id(run: Run) -> None:
    code, out, err = run("providers")
    assert code == 0, err
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert listed >= REQUIRED_IDS


def test_providers_json_lists_every_built_in_profile(run: Run) -> None:
    code, out, _ = run("providers", "--format", "json")
    assert code == 0
    profiles = json.loads(out)
    assert isinstance(profiles, list)
    ids = [p["id"] for p in profiles]
    assert set(ids) >= REQUIRED_IDS
    assert len(ids) == len(set(ids))
    shipped = {p.stem for p in (Path(__file__).resolve().parents[2] / "providers").glob("*.toml")}
    assert set(ids) == shipped


def test_providers_qq_shows_its_servers(run: Run) -> None:
    code, out, _ = run("providers", "qq", "--lang", "en")
    assert code == 0
    assert re.search(r"imap\.exmail\.qq\.com:993\b", out)
    assert re.search(r"smtp\.exmail\.qq\.com:465\b", out)
    assert re.search(r"pop\.exmail\.qq\.com:995\b", out)
    assert "Tencent" in out


def test_providers_qq_json_parses(run: Run) -> None:
    code, out, _ = run("providers", "qq", "--format", "json")
    assert code == 0
    profile = json.loads(out)
    assert profile["id"] == "qq"
    assert {"host": "imap.exmail.qq.com", "port": 993, "tls": "implicit"}.items() <= profile["servers"][0].items()


@pytest.mark.parametrize(("lang", "name"), [("en", "Tencent Exmail"), ("zh-Hans", "腾讯企业邮箱"),
                                            ("zh-Hant", "騰訊企業郵箱")])
def test_providers_names_follow_the_language(run: Run, lang: str, name: str) -> None:
    _, out, _ = run("providers", "qq", "--lang", lang)
    assert name in out


def _override_qq(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "my-qq.toml").write_text(
        'id = "qq"\n'
        '[names]\nen = "Our QQ relay"\nzh-Hans = "我们的中转"\nzh-Hant = "我們的中轉"\n'
        '[[servers]]\nprotocol = "imap"\nhost = "imap.relay.example.com"\nport = 10993\ntls = "implicit"\n',
        encoding="utf-8",
    )
    return folder


def test_providers_dir_override_changes_what_providers_qq_shows(run: Run, tmp_path: Path) -> None:
    folder = _override_qq(tmp_path / "override")
    code, out, _ = run("providers", "qq", "--lang", "en", "--providers-dir", str(folder))
    assert code == 0
    assert "imap.relay.example.com:10993" in out
    assert "Our QQ relay" in out
    assert "imap.exmail.qq.com" not in out  # replaced, not merged


def test_providers_dir_env_override_works_like_the_option(run: Run, tmp_path: Path) -> None:
    folder = _override_qq(tmp_path / "override")
    code, out, _ = run("providers", "qq", "--lang", "en", env={"MAILPROBE_PROVIDERS_DIR": str(folder)})
    assert code == 0
    assert "imap.relay.example.com:10993" in out


def test_providers_dir_adds_a_new_provider_to_the_list(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "inhouse.toml").write_text(
        'id = "inhouse"\nwebmail = ["https://mail.inhouse.example/"]\n'
        '[names]\nen = "In-house"\nzh-Hans = "自建"\nzh-Hant = "自建"\n',
        encoding="utf-8",
    )
    code, out, _ = run("providers", "--providers-dir", str(folder))
    assert code == 0
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert listed >= REQUIRED_IDS | {"inhouse"}


# -- settings -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with World(tmp_path_factory.mktemp("world")) as running:
        yield running


def test_settings_recognises_the_provider_from_mx(run: Run, world: World) -> None:
    code, out, err = run("settings", f"user@{CUSTOMER}", "--lang", "en", "--nameserver", world.dns.nameserver,
                         "--providers-dir", str(world.providers_dir))
    assert code == 0, err
    for service in ("imap", "pop3", "smtp"):
        assert f"exmail.qq.com:{world.ports[service]}" in out
    assert f"user@{CUSTOMER}" in out  # the login name is the full address


def test_settings_json_from_mx(run: Run, world: World) -> None:
    code, out, _ = run("settings", f"user@{CUSTOMER}", "--format", "json", "--nameserver", world.dns.nameserver,
                       "--providers-dir", str(world.providers_dir))
    assert code == 0
    found = json.loads(out)
    assert found["provider"] == "qq"
    assert found["matched_by"] == "mx"
    hosts = {(s["protocol"], s["host"], s["port"]) for s in found["servers"]}
    assert ("imap", "imap.exmail.qq.com", world.ports["imap"]) in hosts


def test_settings_for_an_unrecognised_domain_exits_1(run: Run, world: World) -> None:
    code, out, _ = run("settings", "someone@unknown-domain.example", "--nameserver", world.dns.nameserver,
                       "--providers-dir", str(world.providers_dir))
    assert code == 1
    assert "unknown-domain.example" in out


def test_settings_says_the_mx_lookup_failed_when_the_resolver_is_silent(run: Run) -> None:
    from tests.lab.dnsserver import LabDnsServer

    with LabDnsServer() as dns:
        dns.set_faults(drop=True)
        code, out, _ = run("settings", f"user@{CUSTOMER}", "--lang", "en", "--nameserver", dns.nameserver,
                           "--timeout", "1")
    assert code != 0
    assert "No provider profile matches" not in out
    assert "DNS" in out or "MX lookup" in out


def test_settings_forced_netease_needs_no_network(run: Run) -> None:
    code, out, err = run("settings", "x@y.com", "--provider", "netease", "--lang", "en", *NO_NETWORK)
    assert code == 0, err
    assert "imap.qiye.163.com:993" in out
    assert "smtp.qiye.163.com:465" in out
    assert "pop.qiye.163.com:995" in out


@pytest.mark.parametrize(("lang", "word"), [("zh-Hant", "設定"), ("zh-Hans", "设置"), ("en", "settings")])
def test_settings_renders_in_each_language(run: Run, lang: str, word: str) -> None:
    code, out, _ = run("settings", "x@y.com", "--provider", "qq", "--lang", lang, *NO_NETWORK)
    assert code == 0
    assert word in out
    assert "imap.exmail.qq.com:993" in out


def test_settings_35com_hosts_follow_the_customers_domain(run: Run) -> None:
    code, out, _ = run("settings", "wang@公司.中国", "--provider", "35com", "--format", "json", *NO_NETWORK)
    assert code == 0
    found = json.loads(out)
    hosts = {(s["host"], s["port"]) for s in found["servers"]}
    assert ("imap.xn--55qx5d.xn--fiqs8s", 993) in hosts
    assert ("smtp.xn--55qx5d.xn--fiqs8s", 465) in hosts


# -- schema, version, help ------------------------------------------------------------------------------


def test_schema_is_a_valid_json_schema(run: Run) -> None:
    code, out, _ = run("schema")
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"]
    required = set(schema.get("required", []))
    assert {"tool", "address", "domain", "domain_ascii", "status", "provider"} <= required


def test_schema_requires_schema_version_as_explain_does(run: Run) -> None:
    _, out, _ = run("schema")
    schema = json.loads(out)
    assert "schema_version" in schema.get("required", [])


def test_schema_describes_the_spec_fields(run: Run) -> None:
    _, out, _ = run("schema")
    schema = json.loads(out)
    props = schema["properties"]
    for key in ("schema_version", "tool", "address", "domain", "domain_ascii", "started_at", "duration_ms",
                "status", "provider", "checks", "diagnosis"):
        assert key in props, key


def test_version_prints_the_version(run: Run) -> None:
    code, out, err = run("--version")
    assert code == 0, err
    assert mailprobe.__version__ in out
    assert "mailprobe" in out


@pytest.mark.parametrize("args", [("--help",), ("-h",), ("check", "--help"), ("explain", "--help"),
                                  ("settings", "--help"), ("providers", "--help"), ("schema", "--help")])
def test_help_exits_0(run: Run, args: tuple[str, ...]) -> None:
    code, out, err = run(*args)
    assert code == 0, err
    assert "Usage" in out
    assert err == ""


def test_top_level_help_lists_every_command(run: Run) -> None:
    _, out, _ = run("--help")
    for command in ("check", "explain", "settings", "providers", "schema"):
        assert command in out


def test_check_help_lists_the_documented_options(run: Run) -> None:
    _, out, _ = run("check", "--help")
    for option in ("--input", "--format", "--lang", "--timeout", "--nameserver", "--ca-file", "--provider",
                   "--providers-dir", "--baseline", "--no-baseline", "--concurrency"):
        assert option in out, option


@pytest.mark.parametrize("locale", ["C", "POSIX", "zh_TW.Big5"])
def test_chinese_output_survives_a_non_utf8_locale(run: Run, locale: str) -> None:
    """A server's LANG=C (cron, systemd) or a legacy Big5 terminal: no UnicodeEncodeError, no traceback."""
    code, out, err = run("providers", "qq", "--lang", "zh-Hant", env={"LANG": locale})
    assert code == 0, err
    assert "騰訊企業郵箱" in out
    assert "Traceback" not in err
