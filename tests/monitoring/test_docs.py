"""The README's monitoring examples, tried as written against the loopback lab: the crontab line, the systemd
service and timer, the exporter's modules, the Prometheus scrape configuration (its relabelling applied as
Prometheus does) and alerting rules, the Nagios command definition."""

from __future__ import annotations

import configparser
import re
import shlex
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families

from mailprobe.serve import load_config
from tests.cli.conftest import REPO, Result, cli_env
from tests.lab.world import World
from tests.monitoring.conftest import OTHER_DOMAIN, USER
from tests.monitoring.test_formats import parse_nagios

README = (REPO / "README.md").read_text(encoding="utf-8")
MONITORING = README[README.index("## Monitoring"):README.index("## How it decides")]


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", MONITORING, re.S)


def run_line(argv: list[str], world: World, env: dict[str, str] | None = None) -> Result:
    import subprocess

    assert Path(argv[0]).name == "mailprobe", argv
    proc = subprocess.run([sys.executable, "-m", "mailprobe", *argv[1:], *world.cli_args()], capture_output=True,
                          text=True, env=cli_env(env), cwd=REPO, timeout=60)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def _in(tmp: Path, text: str) -> str:
    """The example's absolute paths, moved under TMP (same names)."""
    return re.sub(r"(?<![\w.])/(?:etc|var)/[\w/.-]+", lambda m: str(tmp / m.group(0).lstrip("/")), text)


def _mailboxes(tmp: Path) -> None:
    listing = tmp / "etc/mailprobe/mailboxes.txt"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text(f"# ours\n{USER}\nli.si@{OTHER_DOMAIN}\n", encoding="utf-8")


def test_crontab_line_mails_only_on_change(world: World, tmp_path: Path) -> None:
    [crontab] = blocks("crontab")
    fields = crontab.strip().split(None, 5)
    assert len(fields) == 6 and fields[:5] == ["*/15", "*", "*", "*", "*"]
    _mailboxes(tmp_path)
    (tmp_path / "var/lib/mailprobe").mkdir(parents=True)
    argv = shlex.split(_in(tmp_path, fields[5]))
    first = run_line(argv, world)
    assert first.code == 0 and len(first.stdout.splitlines()) == 2, first.stderr
    again = run_line(argv, world)
    assert (again.code, again.stdout, again.stderr) == (0, "", "")  # cron sends no mail


def test_systemd_service_and_timer(world: World, tmp_path: Path) -> None:
    service_text, timer_text = blocks("ini")
    service, timer = configparser.ConfigParser(interpolation=None), configparser.ConfigParser(interpolation=None)
    service.optionxform = timer.optionxform = str  # type: ignore[assignment,method-assign]
    service.read_string(service_text)
    timer.read_string(timer_text)
    assert service["Service"]["Type"] == "oneshot"
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == "timers.target"
    _mailboxes(tmp_path)
    (tmp_path / "var/lib/node_exporter/textfile").mkdir(parents=True)
    name, _, value = service["Service"]["Environment"].partition("=")
    result = run_line(shlex.split(_in(tmp_path, service["Service"]["ExecStart"])), world,
                      env={name: _in(tmp_path, value)})
    assert str(result.code) in {"0", *service["Service"]["SuccessExitStatus"].split()}, result.stderr
    prom = (tmp_path / "var/lib/node_exporter/textfile/mailprobe.prom").read_text(encoding="utf-8")
    assert {f.name for f in text_string_to_metric_families(prom)} >= {"mailprobe_status", "mailprobe_probe_success"}


def test_exporter_modules_file_loads(tmp_path: Path) -> None:
    [toml] = blocks("toml")
    (tmp_path / "mailprobe.toml").write_text(toml, encoding="utf-8")
    config = load_config(str(tmp_path / "mailprobe.toml"))
    modules = config.modules
    assert modules["internal_dns"].nameservers == ("10.0.0.53",) and modules["internal_dns"].cert_warn_days == 21
    assert modules["compare"].url_params == ("baseline",) and config.allow_hosts == ("mailprobe.office.lan",)


def _relabel(labels: dict[str, str], rules: list[dict[str, Any]]) -> dict[str, str]:
    """Prometheus's `replace` action (the default), as blackbox_exporter's configuration uses it."""
    for rule in rules:
        assert rule.get("action", "replace") == "replace"
        value = rule.get("separator", ";").join(labels.get(s, "") for s in rule.get("source_labels", []))
        match = re.fullmatch(rule.get("regex", "(.*)"), value)
        if match:
            labels[rule["target_label"]] = match.expand(rule.get("replacement", "$1").replace("$1", r"\1"))
    return labels


def test_prometheus_scrape_config_and_rules(exporter: str) -> None:
    config_text, rules_text = blocks("yaml")
    job = yaml.safe_load(config_text)["scrape_configs"][0]
    port = urllib.parse.urlsplit(exporter).port
    seen: set[str] = set()
    for target in job["static_configs"][0]["targets"]:
        labels = _relabel({"__address__": target}, job["relabel_configs"])
        assert labels["instance"] == target and labels["__param_target"] == target
        assert labels["__address__"] == "127.0.0.1:9465"
        params = {**{k: v[0] for k, v in job["params"].items()}, "target": labels["__param_target"]}
        answer = httpx.get(f"http://127.0.0.1:{port}{job['metrics_path']}", params=params,
                           headers={"X-Prometheus-Scrape-Timeout-Seconds": job["scrape_timeout"].rstrip("s")},
                           timeout=30)
        assert answer.status_code == 200, answer.text
        seen |= {s.name for f in text_string_to_metric_families(answer.text) for s in f.samples}
    assert "mailprobe_status" in seen
    for rule in yaml.safe_load(rules_text)["groups"][0]["rules"]:
        for name in re.findall(r"mailprobe_\w+", rule["expr"]):
            assert name in seen, name


def test_nagios_command_definition(world: World) -> None:
    [nagios] = blocks("nagios")
    command_line = re.search(r"command_line\s+(.+)", nagios).group(1)  # type: ignore[union-attr]
    argument = re.search(r"check_command\s+check_mailprobe!(\S+)", nagios).group(1)  # type: ignore[union-attr]
    result = run_line(shlex.split(command_line.replace("$ARG1$", argument)), world)
    assert result.code == 0, result.stderr
    assert parse_nagios(result.stdout)[0] == "OK"
