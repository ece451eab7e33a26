"""The README's monitoring examples, tried as written, the way each is run, against the loopback lab: the crontab
line as cron runs it, the systemd service in its sandbox as an unprivileged user (and `systemd-analyze verify`),
the exporter's modules, the Prometheus scrape configuration (its relabelling applied as Prometheus does) and
alerting rules (`promtool check rules` and `promtool test rules`), the Nagios command definition.

Every example calls the installed command by its absolute path, `/usr/local/bin/mailprobe`; here that is the
`mailprobe` installed beside the interpreter running the tests (`make dev`), and the examples' /etc and /var
paths are moved under a temporary directory (same names)."""

from __future__ import annotations

import configparser
import getpass
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from mailprobe.serve import load_config
from tests.lab.world import World
from tests.monitoring.test_formats import parse_nagios
from tests.support.command import REPO, Result, cli_env
from tests.support.exporter import NULL_MX, OTHER_DOMAIN, USER

README = (REPO / "README.md").read_text(encoding="utf-8")
MONITORING = README[README.index("## Monitoring"):README.index("## How it decides")]
INSTALLED = "/usr/local/bin/mailprobe"  # where every example calls it
CLI = Path(sys.executable).with_name("mailprobe")  # the command `make dev` installed into the test's virtualenv
NOBODY = 65534  # nobody / nogroup: the unprivileged user standing in for the service's own
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", MONITORING, re.S)


def installed_cli() -> str:
    if not CLI.is_file():
        pytest.skip(f"the installed command {CLI} is missing (`make dev` installs it)")
    return str(CLI)


def command(text: str, root: Path) -> list[str]:
    """An example's command line: the installed command for /usr/local/bin/mailprobe, paths moved under ROOT."""
    argv = shlex.split(_in(root, text))
    assert argv[0] == INSTALLED, f"the example calls {argv[0]!r}, not the installed {INSTALLED}"
    return [installed_cli(), *argv[1:]]


def run_line(argv: list[str], world: World, env: dict[str, str] | None = None) -> Result:
    proc = subprocess.run([*argv, *world.cli_args()], capture_output=True, text=True, env=cli_env(env), cwd=REPO,
                          timeout=60)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def _in(tmp: Path, text: str) -> str:
    """The example's absolute paths, moved under TMP (same names)."""
    return re.sub(r"(?<![\w.])/(?:etc|var)/[\w/.-]+", lambda m: str(tmp / m.group(0).lstrip("/")), text)


def _mailboxes(tmp: Path, *extra: str) -> None:
    listing = tmp / "etc/mailprobe/mailboxes.txt"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text("\n".join(["# ours", USER, f"li.si@{OTHER_DOMAIN}", *extra]) + "\n", encoding="utf-8")


# -- cron ----------------------------------------------------------------------------------------------------


def crontab() -> tuple[dict[str, str], str]:
    """The crontab block: its variable lines, and the command of its one schedule line."""
    [block] = blocks("crontab")
    variables: dict[str, str] = {}
    schedules = []
    for line in block.strip().splitlines():
        if re.match(r"^[A-Z_]+=", line):
            name, _, value = line.partition("=")
            variables[name] = value
        elif line.strip() and not line.startswith("#"):
            schedules.append(line)
    [schedule] = schedules
    fields = schedule.split(None, 5)
    assert len(fields) == 6 and fields[:5] == ["*/15", "*", "*", "*", "*"], schedule
    return variables, fields[5]


def cron_run(line: str, home: Path) -> Result:
    """LINE as cron runs it: `sh -c` with cron's environment (PATH=/usr/bin:/bin, no LANG, nothing else), no
    terminal; standard output and error together are the mail cron sends (nothing: no mail)."""
    proc = subprocess.run(["/bin/sh", "-c", line], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, cwd=home, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "SHELL": "/bin/sh", "HOME": str(home),
                               "LOGNAME": getpass.getuser()})
    return Result(proc.returncode, proc.stdout.decode("utf-8"), "")


def test_crontab_line_as_cron_runs_it_mails_a_readable_report_only_on_change(world: World, tmp_path: Path) -> None:
    variables, line = crontab()
    assert "MAILTO" in variables
    assert "%" not in line  # cron would turn it into a line break
    assert line.split()[0] == INSTALLED  # cron's PATH is /usr/bin:/bin: a bare `mailprobe` is not found
    _mailboxes(tmp_path, "typo@@acme-trading.com")
    (tmp_path / "var/lib/mailprobe").mkdir(parents=True)
    cron_line = shlex.join(command(line, tmp_path) + world.cli_args())

    first = cron_run(cron_line, tmp_path)  # a first run is a change for every mailbox
    mail = first.stdout
    assert USER in mail and f"li.si@{OTHER_DOMAIN}" in mail, mail
    assert mail.count("typo@@acme-trading.com") == 1, mail  # the bad line, said once
    assert not any(row.lstrip().startswith(("{", "[")) for row in mail.splitlines()), mail  # words, not JSON
    assert len(mail.encode()) < 16_000, len(mail.encode())
    assert "Traceback" not in mail

    again = cron_run(cron_line, tmp_path)  # nothing changed, the bad line included: no mail
    assert (again.code, again.stdout) == (0, "")

    world.dns.set_records(OTHER_DOMAIN, "MX", ["0 ."])  # the other domain stops taking mail
    try:
        changed = cron_run(cron_line, tmp_path)
    finally:
        world.dns.set_records(OTHER_DOMAIN, "MX", ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."])
    assert f"li.si@{OTHER_DOMAIN}" in changed.stdout and USER not in changed.stdout, changed.stdout
    assert "CRITICAL" in changed.stdout and "typo@@" not in changed.stdout


# -- systemd ---------------------------------------------------------------------------------------------------


def units() -> tuple[configparser.ConfigParser, configparser.ConfigParser, str, str]:
    service_text, timer_text = blocks("ini")
    service, timer = configparser.ConfigParser(interpolation=None), configparser.ConfigParser(interpolation=None)
    service.optionxform = timer.optionxform = str  # type: ignore[assignment,method-assign]
    service.read_string(service_text)
    timer.read_string(timer_text)
    return service, timer, service_text, timer_text


def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    service, timer, service_text, timer_text = units()
    assert service["Service"]["Type"] == "oneshot"
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == "timers.target"
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package has it)")
    # verify checks that ExecStart's program exists: the installed command stands at the example's path.
    (tmp_path / "mailprobe.service").write_text(service_text.replace(INSTALLED, installed_cli()), encoding="utf-8")
    (tmp_path / "mailprobe.timer").write_text(timer_text, encoding="utf-8")
    proc = subprocess.run([analyze, "verify", "mailprobe.service", "mailprobe.timer"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", ""), proc.stderr  # no warning either


def _writable(service: configparser.SectionProxy) -> list[str] | None:
    """What the service may write, as systemd's sandbox has it: with ProtectSystem=strict (which DynamicUser=yes
    implies) only ReadWritePaths= and the StateDirectory= under /var/lib; None: the whole file system."""
    if service.get("ProtectSystem") != "strict" and not service.getboolean("DynamicUser", False):
        return None
    return [*service.get("ReadWritePaths", "").split(),
            *(f"/var/lib/{name}" for name in service.get("StateDirectory", "").split())]


def _hidden_ancestor(path: Path) -> Path | None:
    """The first directory on the way to PATH that other users may not enter (a developer's Python under /root)."""
    for parent in [*reversed(path.parents), path]:
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            return parent
    return None


def _sandbox_script(root: Path, writable: list[str] | None, interpreter: Path, hidden: Path | None) -> str:
    """Shell for a private mount namespace: ROOT read-only but for the WRITABLE paths, as ProtectSystem=strict
    makes the real one; and the interpreter reachable for the unprivileged user, as an installed one is."""
    lines = ["set -e"]
    if hidden is not None:  # cover HIDDEN with an empty, open directory holding only the interpreter
        lines += [f"mount --bind {shlex.quote(str(interpreter))} {shlex.quote(str(root / '.python'))}",
                  f"mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(str(hidden))}",
                  f"mkdir -p {shlex.quote(str(interpreter))}",
                  f"mount --bind {shlex.quote(str(root / '.python'))} {shlex.quote(str(interpreter))}"]
    if writable is not None:
        lines.append(f"mount --bind {shlex.quote(str(root))} {shlex.quote(str(root))}")
        lines += [f"mount --bind {shlex.quote(_in(root, path))} {shlex.quote(_in(root, path))}" for path in writable]
        lines.append(f"mount -o remount,bind,ro {shlex.quote(str(root))}")
    lines.append('exec "$@"')
    return "\n".join(lines)


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A temporary directory other users may enter (pytest's own are private to the user running the tests)."""
    path = Path(tempfile.mkdtemp(prefix="mailprobe-unit-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _setup_commands(root: Path) -> None:
    """The README's one-time `install -d` lines, applied under ROOT with nogroup standing in for the group."""
    for block in blocks("sh"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["sudo"]:
                words = words[1:]
            if words[:2] != ["install", "-d"]:
                continue
            mode, target = 0o755, None
            rest = iter(words[2:])
            for word in rest:
                if word == "-m":
                    mode = int(next(rest), 8)
                elif word in ("-g", "-o"):
                    next(rest)  # the service's group or user: nogroup / nobody here
                else:
                    target = Path(_in(root, word))
            assert target is not None, line
            target.mkdir(parents=True, exist_ok=True)
            os.chown(target, 0, NOBODY)
            target.chmod(mode)


def test_systemd_service_runs_in_its_sandbox_as_an_unprivileged_user(world: World, open_tmp: Path) -> None:
    """The service as systemd runs it: its user (nobody, here) on a file system that is read-only but for the
    paths the unit names (a mount namespace of the test's own), with the unit's environment."""
    if os.geteuid() != 0:
        pytest.skip("needs root: the test changes to an unprivileged user inside a mount namespace of its own")
    if not (shutil.which("unshare") and shutil.which("setpriv")):
        pytest.skip("unshare and setpriv (util-linux) are needed")
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.strip()}")
    service = units()[0]["Service"]
    root = open_tmp
    installed_cli()  # skips when it is missing
    interpreter = Path(os.path.realpath(sys.base_prefix))
    for needed in (Path(sys.prefix), REPO):
        if _hidden_ancestor(needed) is not None:
            pytest.skip(f"{needed} is not readable by other users: the unprivileged user could not run mailprobe")
    hidden = _hidden_ancestor(interpreter)
    (root / ".python").mkdir()

    # What the administrator and systemd make before the first run: the listing, the setup lines' directories,
    # the parents of the files the unit names, and the StateDirectory (owned by the service's user).
    _mailboxes(root)
    argv = command(service["ExecStart"], root)
    environment = dict(word.split("=", 1) for word in shlex.split(_in(root, service.get("Environment", ""))))
    for value in [*argv[1:], *environment.values()]:
        if value.startswith(str(root) + "/"):
            Path(value).parent.mkdir(parents=True, exist_ok=True)
    _setup_commands(root)
    for name in service.get("StateDirectory", "").split():
        state = root / "var/lib" / name
        state.mkdir(parents=True, exist_ok=True)
        os.chown(state, NOBODY, NOBODY)
    lab = root / "lab"
    shutil.copytree(world.providers_dir, lab / "providers")
    shutil.copy(world.ca_file, lab / "ca.pem")
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))

    writable = _writable(service)
    privileges = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--inh-caps=-all"]
    if service.getboolean("NoNewPrivileges", False):
        privileges.append("--no-new-privs")
    env = {"PATH": SYSTEMD_PATH, "HOME": "/nonexistent", "USER": "nobody", "LOGNAME": "nobody",
           "SHELL": "/usr/sbin/nologin", **environment}
    lab_args = ["--nameserver", world.dns.nameserver, "--ca-file", str(lab / "ca.pem"),
                "--providers-dir", str(lab / "providers")]
    proc = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         _sandbox_script(root, writable, interpreter, hidden), "sandbox",
         *privileges, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv, *lab_args],
        capture_output=True, text=True, cwd="/", timeout=120)

    assert str(proc.returncode) in {"0", *service["SuccessExitStatus"].split()}, proc.stderr
    assert proc.stderr == ""  # no "Read-only file system", no history left out
    output = Path(argv[argv.index("--output") + 1])
    families = {f.name: f for f in text_string_to_metric_families(output.read_text(encoding="utf-8"))}
    assert {s.labels["mailbox"] for s in families["mailprobe_status"].samples} == {USER, f"li.si@{OTHER_DOMAIN}"}
    history = Path(environment["MAILPROBE_HISTORY"])
    assert history.stat().st_uid == NOBODY and history.stat().st_size > 0


# -- the exporter, Prometheus --------------------------------------------------------------------------------


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


def _scrape(exporter: str, target: str) -> httpx.Response:
    """One scrape of TARGET as the README's job makes it (its relabelling applied), at the lab's exporter."""
    config_text = blocks("yaml")[0]
    job = yaml.safe_load(config_text)["scrape_configs"][0]
    labels = _relabel({"__address__": target}, job["relabel_configs"])
    assert labels["instance"] == target and labels["__param_target"] == target
    assert labels["__address__"] == "127.0.0.1:9465"
    params = {**{k: v[0] for k, v in job["params"].items()}, "target": labels["__param_target"]}
    port = urllib.parse.urlsplit(exporter).port
    return httpx.get(f"http://127.0.0.1:{port}{job['metrics_path']}", params=params,
                     headers={"X-Prometheus-Scrape-Timeout-Seconds": job["scrape_timeout"].rstrip("s")}, timeout=30)


def test_prometheus_scrape_config_and_rules(exporter: str) -> None:
    config_text, rules_text = blocks("yaml")
    job = yaml.safe_load(config_text)["scrape_configs"][0]
    seen: set[str] = set()
    for target in [*job["static_configs"][0]["targets"], f"a@{NULL_MX}"]:  # the last one has a cause
        answer = _scrape(exporter, target)
        assert answer.status_code == 200, answer.text
        seen |= {s.name for f in text_string_to_metric_families(answer.text) for s in f.samples}
    assert "mailprobe_status" in seen
    for rule in yaml.safe_load(rules_text)["groups"][0]["rules"]:
        for name in re.findall(r"mailprobe_\w+", rule["expr"]):
            assert name in seen, name


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.skip("promtool is not installed: Debian's prometheus package has it (.ci/system-packages installs "
                    "it as root; it could not here)")
    return found


def test_alert_rules_pass_promtool_check(tmp_path: Path) -> None:
    rules = tmp_path / "mailprobe-rules.yml"
    rules.write_text(blocks("yaml")[1], encoding="utf-8")
    proc = subprocess.run([promtool(), "check", "rules", str(rules)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _series(answer: str, target: str) -> list[dict[str, str]]:
    """The exporter's answer for TARGET as promtool input series, labelled as Prometheus stores them."""
    found = []
    for family in text_string_to_metric_families(answer):
        for sample in family.samples:
            labels = {**sample.labels, "job": "mailprobe", "instance": target}
            selector = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            found.append({"series": f"{sample.name}{{{selector}}}", "values": f"{sample.value:f}x40"})
    return found


def test_alert_rules_fire_with_the_cause_and_for_a_mailbox_not_checked(exporter: str, tmp_path: Path) -> None:
    """promtool test rules on the exporter's real answers (a healthy mailbox, a domain that takes no mail), a
    target the exporter does not answer for, a check that could not finish, and a textfile that went stale."""
    tool = promtool()
    broken, gone, slow = f"a@{NULL_MX}", f"gone@{OTHER_DOMAIN}", f"slow@{OTHER_DOMAIN}"
    series: list[dict[str, str]] = []
    cause: dict[str, str] = {}
    for target in (USER, broken):
        answer = _scrape(exporter, target)
        assert answer.status_code == 200, answer.text
        series += _series(answer.text, target)
        series.append({"series": f'up{{job="mailprobe",instance="{target}"}}', "values": "1x40"})
        for family in text_string_to_metric_families(answer.text):
            for sample in family.samples:
                if sample.name == "mailprobe_cause_info":
                    cause = dict(sample.labels)
    assert cause["cause"] == "mx_not_configured"
    series += [
        {"series": f'up{{job="mailprobe",instance="{gone}"}}', "values": "0x40"},
        {"series": f'mailprobe_status{{job="mailprobe",instance="{slow}",mailbox="{slow}"}}', "values": "3x40"},
        {"series": 'mailprobe_run_timestamp_seconds{job="node",instance="monitor:9100"}', "values": "0x40"},
    ]
    rules = tmp_path / "mailprobe-rules.yml"
    rules.write_text(blocks("yaml")[1], encoding="utf-8")
    login_alerts = [
        {"exp_labels": {"severity": "critical", "job": "mailprobe", "instance": broken, "mailbox": broken,
                        "cause": "mx_not_configured", "section": cause["section"]},
         "exp_annotations": {
             "summary": f"{broken} cannot log in: mx_not_configured (article §{cause['section']})",
             "description": f"mailprobe status 2 (2 critical, 3 unknown); `mailprobe check {broken}` tells why "
                            "and what to do"}},
        {"exp_labels": {"severity": "critical", "job": "mailprobe", "instance": slow, "mailbox": slow},
         "exp_annotations": {
             "summary": f"{slow} cannot log in: not tested",
             "description": f"mailprobe status 3 (2 critical, 3 unknown); `mailprobe check {slow}` tells why and "
                            "what to do"}},
    ]
    tests = {"rule_files": [rules.name], "evaluation_interval": "1m", "tests": [{
        "interval": "1m",
        "input_series": series,
        "alert_rule_test": [
            {"eval_time": "30m", "alertname": "MailboxCannotLogIn", "exp_alerts": login_alerts},
            {"eval_time": "30m", "alertname": "MailprobeNotAnswering", "exp_alerts": [
                {"exp_labels": {"severity": "warning", "job": "mailprobe", "instance": gone},
                 "exp_annotations": {
                     "summary": f"mailprobe did not answer the scrape for {gone}: this mailbox is not being checked",
                     "description": "the exporter is down or unreachable, or it refused the target (HTTP 400: "
                                    "not an address)"}}]},
            {"eval_time": "30m", "alertname": "MailprobeResultsStale", "exp_alerts": [
                {"exp_labels": {"severity": "warning", "job": "node", "instance": "monitor:9100"},
                 "exp_annotations": {
                     "summary": "mailprobe's results on monitor:9100 are 30m 0s old: it is not running"}}]},
            {"eval_time": "30m", "alertname": "MailCertificateExpiresSoon", "exp_alerts": []},
        ],
    }]}
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(tests, allow_unicode=True), encoding="utf-8")
    proc = subprocess.run([tool, "test", "rules", "tests.yml"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- Nagios ----------------------------------------------------------------------------------------------------


def nagios_command(argument: str) -> str:
    """The command definition's line with $ARG1$ put in, as Nagios does (a plain substitution), for `sh -c`."""
    [nagios] = blocks("nagios")
    command_line = re.search(r"command_line\s+(.+)", nagios).group(1)  # type: ignore[union-attr]
    return command_line.replace("$ARG1$", argument)


def test_nagios_command_definition(world: World) -> None:
    [nagios] = blocks("nagios")
    argument = re.search(r"check_command\s+check_mailprobe!(\S+)", nagios).group(1)  # type: ignore[union-attr]
    result = run_line(command(nagios_command(argument), Path("/")), world)
    assert result.code == 0, result.stderr
    assert parse_nagios(result.stdout)[0] == "OK"


def test_nagios_command_with_bad_input_says_unknown_on_stdout(world: World) -> None:
    """Nagios shows only standard output: bad input is one UNKNOWN status line there, its word matching exit 3."""
    line = nagios_command("bad@@x").replace(INSTALLED, installed_cli())
    proc = subprocess.run(["/bin/sh", "-c", line + " " + shlex.join(world.cli_args())], capture_output=True,
                          text=True, env=cli_env(), timeout=60)
    assert proc.returncode == 3
    [status] = proc.stdout.splitlines()
    assert status.startswith("MAILPROBE UNKNOWN - ") and "'bad@@x' is not a mailbox address" in status, status
    assert parse_nagios(proc.stdout)[0] == "UNKNOWN"
    assert len(proc.stderr.splitlines()) == 1 and "bad@@x" in proc.stderr  # the usual line stays
