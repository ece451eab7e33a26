"""Every word a Chinese reader meets is Chinese (issue 19): each report path, rendered by the real command in
zh-Hans and zh-Hant, holds no run of ASCII words but an id, a host, a code or a quoted server reply
(tests/render/untranslated.py says exactly what passes).

The reports: lab worlds covering every kind of check (DNS, webmail, IMAP, POP3, SMTP, login, baseline) and
the causes the wire shows, plus one saved report carrying every cause in every verdict variant, composed the
way a check composes them. They are rendered by `mailprobe explain` (text with -v, and the HTML page), and
`mailprobe check` renders one world directly; then `history`, `settings` and `providers`.
"""

from __future__ import annotations

import json
import os
import pty
import ssl
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mailprobe.causes import Cause
from mailprobe.check import run_check_sync
from mailprobe.compose import diagnosis_entry
from mailprobe.diagnosis.catalogue import CATALOGUE
from mailprobe.diagnosis.finding import Alternative, Finding
from mailprobe.history import History
from mailprobe.locales.messages import placeholders
from mailprobe.login.run import LoginOptions
from mailprobe.profiles import load_profiles
from mailprobe.report import ProviderInfo, Report
from mailprobe.secret import Credentials, Secret
from tests.lab.loginserver import UNSAFE_LOGIN
from tests.lab.mailserver import Fault
from tests.lab.webserver import Route, login_page, redirect
from tests.lab.world import CUSTOMER, SANWU_CUSTOMER, SELF_HOSTED, SITES, World
from tests.render.untranslated import leaks, page_text
from tests.support.command import cli_env, run_mailprobe

ADDRESS = f"zhang.san@{CUSTOMER}"
PASSWORD = "Tr0ub4dor&3-lab"
CHINESE = ("zh-Hans", "zh-Hant")
REPO = Path(__file__).resolve().parents[2]

Setup = Callable[[World], None]


def _login(reply: str | None = None, **server: Any) -> dict[str, Any]:
    """The qq world's IMAP server authenticating ADDRESS; `reply` refuses every login with those words."""
    config: dict[str, Any] = {"username": ADDRESS, "password": PASSWORD, **server}
    if reply is not None:
        config["refusal"] = reply
    return {"login": {"qq.imap": config}, "login_run": True}


def _drop(*names: str) -> Setup:
    return lambda world: [world.dns.remove_name(name) for name in names]  # type: ignore[func-returns-value]


def _dns_fault(**faults: bool) -> Setup:
    return lambda world: world.dns.set_faults(CUSTOMER, **faults)


def _sanwu(world: World) -> None:
    """The built-in 35.com profile at the lab's ports; the customer's imap./smtp./pop. names missing."""
    text = (REPO / "providers" / "35com.toml").read_text(encoding="utf-8")
    for port, service in ((993, "imap"), (465, "smtp"), (995, "pop3")):
        text = text.replace(f"port = {port}\n", f"port = {world.ports[service]}\n")
    (world.providers_dir / "35com.toml").write_text(
        text.replace("https://mail.35.com/", f"https://mail.35.com:{world.ports['web']}/"), encoding="utf-8")
    _drop(*(f"{name}.{SANWU_CUSTOMER}" for name in ("imap", "smtp", "pop")))(world)


ALL_SERVICES = {f"{site}.{service}" for site in SITES for service in ("imap", "pop3", "smtp", "web")}
# name → World settings, and "address", "options", "setup" (run once the world is up), "login_run": a world
# for each kind of check and each way a check's summary reads; every cause and variant in words is in the
# every-variant reports below, and a chain fault in test_a_check_as_text_is_chinese.
WORLDS: dict[str, dict[str, Any]] = {
    "healthy": {},
    "imap_down": {"down": {"qq.imap"}},
    "nothing_answers": {"down": ALL_SERVICES},
    "smtp_refuses": {"mail": {"qq.smtp": {"fault": Fault.REFUSE}}},
    "webmail_503": {"web": {"qq": {"route": Route(status=503, body="maintenance")}}},
    "resolver_servfail": {"setup": _dns_fault(servfail=True)},
    "no_mx": {"domains": {CUSTOMER: {"A": ["127.0.0.50"]}}},
    "null_mx": {"domains": {CUSTOMER: {"MX": ["0 ."]}}},
    "expired": {"mail": {"qq.imap": {"cert": "expired"}}},
    "wrong_host": {"mail": {"qq.imap": {"cert": "wrong_host"}}},
    "interception": {"mail": {"qq.imap": {"cert": "untrusted"}, "qq.smtp": {"cert": "untrusted"}}},
    "expiring": {"mail": {"qq.pop3": {"cert": "expiring_soon"}}},
    "clock": {"web": {site: {"route": Route(body=login_page(), date_offset_s=2 * 3600)} for site in SITES}},
    "legacy_tls": {"web": {"qq": {"min_version": ssl.TLSVersion.TLSv1, "max_version": ssl.TLSVersion.TLSv1_1}}},
    "redirect_loop": {"web": {"qq": {"route": redirect("/sso"), "routes": {"/sso": redirect("/login")}}}},
    "resources": {"web": {"qq": {"route": Route(body=login_page("https://static.unreachable-cdn.com/app.js"))}}},
    "self_hosted": {"address": f"owner@{SELF_HOSTED}"},
    "sanwu_hosts_missing": {"address": f"wang@{SANWU_CUSTOMER}", "setup": _sanwu},
    "captive_portal": {"captive_portal": True},
    "login_ok": _login(),
    "login_bare_refusal": _login("NO [AUTHENTICATIONFAILED] Authentication failed."),
    "login_client_password": _login("NO 请使用授权码登录"),
    "login_unsafe": _login(replies={"EXAMINE": UNSAFE_LOGIN.format(verb="EXAMINE")}),
}


def _run_world(name: str, root: Path) -> Report:
    spec = dict(WORLDS[name])
    address = spec.pop("address", ADDRESS)
    options: dict[str, Any] = spec.pop("options", {})
    setup: Setup | None = spec.pop("setup", None)
    if spec.pop("login_run", False):
        options = {**options, "no_baseline": True, "login": LoginOptions(
            credentials=Credentials(None, Secret(PASSWORD)), protocols=("imap",), state=root / f"{name}.db")}
    with World(root / name, **spec) as world:
        if setup is not None:
            setup(world)
        return run_check_sync(address, world.options(timeout=4.0, **options))


# -- every cause in every verdict variant, composed as a check composes it ----------------------------------

# A value for each {param} the verdicts name (a verdict with a new param needs one here).
SAMPLE_PARAMS: dict[str, str | int | float] = {
    "service": "imap", "reply": "NO [AUTH] Authentication failed.", "host": "imap.exmail.qq.com", "port": 993,
    "domain": CUSTOMER, "mx": "mxbiz1.qq.com", "address": "127.0.0.11", "failed": 2, "total": 3, "code": 404,
    "count": 3, "ports": "993, 995", "portal": "portal.hotel.example", "organisations": 3, "issuer": "Lab CA",
    "not_after": "2024-01-01", "not_before": "2031-01-01", "days": 5, "offset_s": 7200, "version": "TLSv1.1",
    "resolver": "127.0.0.53", "server": "ns1.acme-trading.com", "resolver_ips": "127.0.0.99",
    "authoritative_ips": "127.0.0.11", "resolver_mx": "mx.old-host.com", "authoritative_mx": "mxbiz1.qq.com",
    "provider": "qq", "other": "netease", "ms": 4200,
    # --loop's (issue 20)
    "command": "RCPT", "queue_id": "4ZxY1b2C3d", "budget": 120, "last_hop": "mx.acme-trading.com",
    "folder": "INBOX", "seconds": 4.2, "percent": 93, "used": 1952000, "limit": 2097152,
    # check --admin: the provider's own records, quoted as they are (never translated)
    "record": "enable = 0 (user/get, 2026-12-07 10:42 UTC)", "when": "2026-12-07 10:42 UTC",
    "who": "admin@acme-trading.com", "protocols": "IMAP/SMTP",
}


def every_variant_report(with_checks: Report, provider: str) -> Report:
    """WITH_CHECKS made about the built-in PROVIDER, its diagnosis replaced by every cause in every variant the
    catalogue words (for qq), or by each cause and variant that PROVIDER's profile has its own remedies for
    (the others): with a weaker reading and a password typing mistake where a login refusal carries them."""
    profiles = load_profiles(None)
    profile = profiles.require(provider)
    if provider == "qq":
        wanted = [(cause, variant) for cause, item in CATALOGUE.items() for variant in item.verdict]
    else:
        wanted = list(dict.fromkeys((r.cause, (getattr(r, "variants", None) or ["default"])[0])
                                    for r in profile.remedies))
    entries = []
    for cause, variant in wanted:
        item = CATALOGUE[cause]
        names = placeholders(item.verdict[variant].en)
        names = (names - {"clock"}) | {"offset_s"} if "clock" in names else names  # worded from offset_s
        missing = names - set(SAMPLE_PARAMS)
        assert not missing, f"SAMPLE_PARAMS needs {sorted(missing)} for {cause.value}.{variant}"
        params = {key: SAMPLE_PARAMS[key] for key in names}
        also = [Alternative(cause=Cause.ACCOUNT_LOCKED, confidence=0.3)] if variant == "bare" else []
        if variant == "login":
            params["hygiene"] = "fullwidth"
        finding = Finding(cause=cause, severity=item.severity, confidence=0.8, variant=variant, params=params,
                          evidence=[with_checks.checks[0].id], also_possible=also)
        entries.append(diagnosis_entry(finding, profile, "en", profiles))
    return with_checks.model_copy(update={
        "diagnosis": entries, "status": "critical",
        "provider": ProviderInfo(id=profile.id, name=profile.name("en"), matched_by="mx"),
    })


# -- the reports, once per module ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    """The saved reports, each file with the `explain` options it is read with."""

    worlds: Path  # the lab worlds' reports, made with the lab's profiles (--providers-dir)
    providers_dir: Path
    variants: Path  # the every-variant reports, about the built-in providers

    def explained(self, *args: str) -> list[str]:
        texts = []
        for path, extra in ((self.worlds, ("--providers-dir", str(self.providers_dir))), (self.variants, ())):
            result = run_mailprobe("explain", str(path), *args, *extra, timeout=120)
            assert "Traceback" not in result.stderr and result.stdout, result.stderr
            texts.append(result.stdout)
        return texts


def _save(path: Path, reports: list[Report]) -> Path:
    path.write_text("[" + ",".join(r.model_dump_json() for r in reports) + "]", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Saved:
    """Every world's report, as `check --format json` saves several addresses (in English, as cron makes them),
    and the every-variant reports."""
    root = tmp_path_factory.mktemp("words")
    reports = [_run_world(name, root) for name in WORLDS]
    base = reports[list(WORLDS).index("imap_down")]
    variants = [every_variant_report(base, profile.id) for profile in load_profiles(None).all()]
    return Saved(_save(root / "worlds.json", reports), root / "healthy" / "providers",
                 _save(root / "variants.json", variants))


def assert_translated(text: str, what: str) -> None:
    found = leaks(text)
    assert not found, f"{what}: {len(found)} English word(s):\n" + "\n".join(found[:40])


@pytest.mark.parametrize("lang", CHINESE)
def test_every_report_as_text_is_chinese(saved: Saved, lang: str) -> None:
    for text in saved.explained("--lang", lang, "-v"):
        assert_translated(text, f"explain --lang {lang}")


@pytest.mark.parametrize("lang", CHINESE)
def test_every_report_as_a_page_is_chinese(saved: Saved, lang: str) -> None:
    for page in saved.explained("--lang", lang, "--format", "html"):
        assert_translated(page_text(page, lang), f"explain --lang {lang} --format html")


@pytest.mark.parametrize("lang", CHINESE)
def test_a_check_as_text_is_chinese(tmp_path: Path, lang: str) -> None:
    with World(tmp_path / "world", mail={"qq.imap": {"cert": "chain_incomplete"}}, down={"qq.pop3"},
               web={"qq": {"min_version": ssl.TLSVersion.TLSv1, "max_version": ssl.TLSVersion.TLSv1_1}}) as world:
        result = run_mailprobe("check", ADDRESS, *world.cli_args(), "--lang", lang, "-v", "--timeout", "4")

    assert result.code == 2, result.stderr
    assert_translated(result.stdout, f"check --lang {lang}")


# -- history, settings, providers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", CHINESE)
def test_history_is_chinese(saved: Saved, tmp_path: Path, lang: str) -> None:
    reports = [Report.model_validate(r) for r in json.loads(saved.worlds.read_text(encoding="utf-8"))]
    healthy, failing = reports[list(WORLDS).index("healthy")], reports[list(WORLDS).index("imap_down")]
    now = datetime.now(UTC)
    database = tmp_path / "history.db"
    with History(database) as store:  # stored in English, as cron (LANG=C) stores them
        store.record(healthy.model_copy(update={"started_at": now - timedelta(hours=2)}))
        store.record(failing.model_copy(update={"started_at": now - timedelta(hours=1)}))

    result = run_mailprobe("history", ADDRESS, "--history", str(database), "--lang", lang)
    by_env = run_mailprobe("history", ADDRESS, "--history", str(database),
                           env={"LANG": "zh_CN.UTF-8" if lang == "zh-Hans" else "zh_TW.UTF-8"})

    assert result.code == 2 and result.stdout == by_env.stdout, (result, by_env)  # LANG is heeded too
    assert "imap" in result.stdout.lower()  # what fails now is there, in words
    assert_translated(result.stdout, f"history --lang {lang}")


@pytest.mark.parametrize("lang", CHINESE)
def test_settings_are_chinese(lang: str, tmp_path: Path) -> None:
    offline = ("--nameserver", "127.0.0.1:9", "--timeout", "1", "--lang", lang)
    shown = [run_mailprobe("settings", f"li@{CUSTOMER}", "--provider", provider, *offline).stdout
             for provider in ("qq", "netease", "aliyun", "35com", "zoho")]
    with World(tmp_path / "world") as world:
        nameserver = ("--nameserver", world.dns.nameserver, "--timeout", "3", "--lang", lang)
        shown.append(run_mailprobe("settings", f"owner@{SELF_HOSTED}", *nameserver).stdout)  # published (SRV)
        shown.append(run_mailprobe("settings", f"li@{SANWU_CUSTOMER}", *nameserver).stdout)  # recognised by MX

    assert all(shown), shown
    assert "[" in shown[0]  # qq's overseas servers carry their label
    assert_translated("\n".join(shown), f"settings --lang {lang}")


@pytest.mark.parametrize("lang", CHINESE)
def test_providers_are_chinese(lang: str) -> None:
    listed = run_mailprobe("providers", "--lang", lang)
    profiles = [run_mailprobe("providers", provider, "--lang", lang).stdout
                for provider in ("qq", "netease", "aliyun", "35com", "zoho", "microsoft365")]

    assert listed.code == 0 and all(profiles)
    assert "\\" not in listed.stdout and "$" not in listed.stdout, listed.stdout  # no MX regex without -v
    assert_translated("\n".join([listed.stdout, *profiles]), f"providers --lang {lang}")


def test_a_batchs_progress_bar_on_a_terminal_is_chinese() -> None:
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mailprobe", "check", "a@one.example", "b@two.example", "--lang", "zh-Hans",
             "--nameserver", "127.0.0.1:9", "--timeout", "1", "--format", "json"],
            stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL, env=cli_env(), timeout=60,
            cwd=REPO,
        )
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)

    assert done.returncode in (2, 3), done
    assert "正在检查" in shown.decode("utf-8", "replace"), shown  # before: "checking"
