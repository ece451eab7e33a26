"""Benchmark (f): the real `mailprobe check` and the Monitoring Plugins chain a cron script would run, side by side.

Four loopback worlds, each timed as whole processes, interleaved run by run:
  healthy     every DNS answer, every mail greeting and every web answer delayed 200 ms;
  field       as healthy, and like the field: authoritative servers, overseas hosts, dual stack (bench/field.py);
  blackholed  DNS answers, every provider port silently drops SYNs (bench/blackhole.py's sinks), --timeout 10;
  firewalled  the provider's IMAP port (993 in the field) drops SYNs, everything else healthy.
The chain (check_dig, check_dns ×4, check_simap, check_spop, check_ssmtp, check_http --ssl --sni) resolves
through the system resolver, so it runs in a private mount namespace (`unshare -m`) whose /etc/resolv.conf
names the lab DNS server, which therefore listens on 127.0.0.153:53. Without root, unshare or the plugins,
the chain is skipped with the reason printed and only mailprobe's own figures are given.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.blackhole import Run, Sinks, run_cli
from bench.field import LAB_DNS, healthy_world
from tests.lab.dnsserver import LabDnsServer
from tests.lab.world import CUSTOMER, SERVICES, SITES, World

PLUGINS = Path("/usr/lib/nagios/plugins")
PACKAGES = ("monitoring-plugins-basic", "monitoring-plugins-standard", "bind9-dnsutils")  # dnsutils: dig, nslookup
TIMEOUT_S = 10.0  # mailprobe's default, and the plugins' default -t
PROVIDER = SITES["qq"]  # the customer's MX names it
RUNS = {"healthy": 5, "field": 5, "blackholed": 3, "firewalled": 3}
TARGET_HEALTHY_RATIO = 4.0
TARGET_VERDICT_S = 3.5
TARGET_BLACKHOLE_RATIO = 10.0
# The first cause each world is diagnosed with before this benchmark existed (main at dfc5944): speed must not
# change it.
EXPECTED_CAUSE = {"healthy": "-", "field": "-", "blackholed": "network_problem", "firewalled": "server_outage"}
APT_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class ChainRun:
    wall_s: float
    states: tuple[str, ...]  # one "name=OK" per plugin


def ensure_plugins() -> str:
    """Empty when the chain can run; otherwise why not (after trying to install the packages)."""
    if os.geteuid() != 0:
        return "not root: a private mount namespace and port 53 need root"
    if shutil.which("unshare") is None:
        return "no `unshare` (util-linux)"
    wanted = ("check_dig", "check_dns", "check_simap", "check_spop", "check_ssmtp", "check_http")
    if all((PLUGINS / name).exists() for name in wanted) and shutil.which("dig") and shutil.which("nslookup"):
        return ""
    if shutil.which("apt-get") is None:
        return "the Monitoring Plugins are missing and there is no apt-get to install them"
    print(f"  installing {' '.join(PACKAGES)} (apt-get, fail soft) …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES]):
        try:
            subprocess.run(argv, capture_output=True, timeout=APT_TIMEOUT_S, env=env, check=True)
        except (OSError, subprocess.SubprocessError) as error:
            return f"could not install the Monitoring Plugins ({' '.join(argv[:2])}: {error})"
    missing = [name for name in wanted if not (PLUGINS / name).exists()]
    return f"still missing after apt-get: {', '.join(missing)}" if missing else ""


def chain_script(world: World) -> str:
    """The cron script: one plugin after the other, each line `name state seconds`."""
    ports = world.ports
    dns_host, dns_port = LAB_DNS
    t = str(int(TIMEOUT_S))
    steps = [
        ("check_dig", ["check_dig", "-H", dns_host, "-p", str(dns_port), "-l", CUSTOMER, "-T", "MX", "-t", t]),
        *((f"check_dns:{host}", ["check_dns", "-H", host, "-t", t])
          for host in (PROVIDER.imap, PROVIDER.pop3, PROVIDER.smtp, PROVIDER.web)),
        ("check_simap", ["check_simap", "-H", PROVIDER.imap, "-p", str(ports["imap"]), "-t", t]),
        ("check_spop", ["check_spop", "-H", PROVIDER.pop3, "-p", str(ports["pop3"]), "-t", t]),
        ("check_ssmtp", ["check_ssmtp", "-H", PROVIDER.smtp, "-p", str(ports["smtp"]), "-t", t]),
        ("check_http", ["check_http", "-H", PROVIDER.web, "-p", str(ports["web"]), "--ssl", "--sni",
                        "-u", PROVIDER.web_path, "-t", t]),
    ]
    lines = ["states=''"]
    for name, argv in steps:
        argv = [str(PLUGINS / argv[0]), *argv[1:]]
        lines.append(f"{shlex.join(argv)} >/dev/null 2>&1; states=\"$states {name}=$?\"")
    lines.append('echo "$states"')
    return "\n".join(lines) + "\n"


def run_chain(script: Path, resolv: Path) -> ChainRun:
    inner = f"mount --bind {shlex.quote(str(resolv))} /etc/resolv.conf && exec sh {shlex.quote(str(script))}"
    started = time.perf_counter()
    done = subprocess.run(["unshare", "-m", "--propagation", "private", "--", "sh", "-c", inner],
                          capture_output=True, text=True, timeout=20 * TIMEOUT_S, check=False)
    wall_s = time.perf_counter() - started
    names = {"0": "OK", "1": "WARNING", "2": "CRITICAL", "3": "UNKNOWN"}
    states = tuple(f"{item.split('=')[0]}={names.get(item.split('=')[1], item.split('=')[1])}"
                   for item in done.stdout.split() if "=" in item)
    if done.returncode != 0 or not states:
        raise RuntimeError(f"the plugin chain did not run: exit {done.returncode}: {done.stderr.strip()[-300:]}")
    return ChainRun(wall_s, states)


@contextlib.contextmanager
def lab_world(root: Path, kind: str) -> Iterator[World]:
    if kind in ("healthy", "field"):
        with healthy_world(root, "old" if kind == "healthy" else kind) as world:
            yield world
        return
    dns = LabDnsServer(host=LAB_DNS[0], port=LAB_DNS[1])
    down = ({f"{site}.{service}" for site in SITES for service in SERVICES} if kind == "blackholed"
            else {f"{PROVIDER.id}.imap"})
    with World(root, dns=dns, down=down) as world:
        targets = ([(site.ip, world.ports[service]) for site in SITES.values() for service in SERVICES]
                   if kind == "blackholed" else [(PROVIDER.ip, world.ports["imap"])])
        sinks = Sinks(targets).open()
        try:
            yield world
        finally:
            sinks.close()


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def measure(kind: str, skip_reason: str) -> tuple[list[Run], list[ChainRun]]:
    runs, chains = RUNS[kind], []
    with tempfile.TemporaryDirectory(prefix="mailprobe-bench-") as tmp, lab_world(Path(tmp), kind) as world:
        script, resolv = Path(tmp) / "chain.sh", Path(tmp) / "resolv.conf"
        script.write_text(chain_script(world), encoding="utf-8")
        resolv.write_text(f"nameserver {LAB_DNS[0]}\noptions timeout:{int(TIMEOUT_S)} attempts:1\n", encoding="utf-8")
        run_cli(world, TIMEOUT_S)  # warm-up: page cache and .pyc files
        mailprobe: list[Run] = []
        for _ in range(runs):
            mailprobe.append(run_cli(world, TIMEOUT_S))
            if not skip_reason:
                chains.append(run_chain(script, resolv))
    return mailprobe, chains


def report(kind: str, mailprobe: list[Run], chains: list[ChainRun], skip_reason: str) -> list[tuple[str, str, bool]]:
    walls = [run.wall_s for run in mailprobe]
    mp = _median(walls)
    causes = sorted({run.cause for run in mailprobe})
    print(f"  [{kind}] mailprobe walls (s): {', '.join(f'{w:.3f}' for w in walls)}; median {mp:.3f} s; "
          f"exit {sorted({run.exit_code for run in mailprobe})}; first cause {', '.join(causes)}")
    for run in mailprobe:
        if run.error:
            print(f"    !! mailprobe run failed: exit {run.exit_code}: {run.error}")
    chain = 0.0
    if chains:
        chain = _median([c.wall_s for c in chains])
        print(f"  [{kind}] plugin chain walls (s): {', '.join(f'{c.wall_s:.3f}' for c in chains)}; "
              f"median {chain:.3f} s")
        print(f"    chain states (first run): {' '.join(chains[0].states)}")
        print(f"  [{kind}] ratio chain / mailprobe (medians, same run): {chain / mp:.2f} ×")
    else:
        print(f"  [{kind}] plugin chain SKIPPED: {skip_reason}")
    same_cause = causes == [EXPECTED_CAUSE[kind]] and not any(run.error for run in mailprobe)
    cause_note = "" if same_cause else f"; cause {', '.join(causes)} ≠ expected {EXPECTED_CAUSE[kind]}"
    verdicts: list[tuple[str, str, bool]] = []
    if kind in ("healthy", "field"):
        ratio = chain / mp if chains else 0.0
        figure = (f"mailprobe {mp:.2f} s vs chain {chain:.2f} s = {ratio:.2f} × (target ≥ {TARGET_HEALTHY_RATIO:g} ×)"
                  if chains else f"mailprobe {mp:.2f} s; chain skipped ({skip_reason})")
        verdicts.append((f"(f) {kind}, 200 ms delays: chain / mailprobe", figure + cause_note,
                         bool(chains) and ratio >= TARGET_HEALTHY_RATIO and same_cause))
    elif kind == "blackholed":
        ratio = chain / mp if chains else 0.0
        figure = f"mailprobe {mp:.2f} s (target ≤ {TARGET_VERDICT_S} s)"
        figure += (f", chain {chain:.1f} s = {ratio:.1f} × (target ≥ {TARGET_BLACKHOLE_RATIO:g} ×)" if chains
                   else f"; chain skipped ({skip_reason})")
        verdicts.append(("(f) every host blackholed, --timeout 10", figure + cause_note,
                         mp <= TARGET_VERDICT_S and bool(chains) and ratio >= TARGET_BLACKHOLE_RATIO and same_cause))
    else:
        figure = f"mailprobe {mp:.2f} s (target ≤ {TARGET_VERDICT_S} s)" + (f", chain {chain:.1f} s" if chains else "")
        verdicts.append(("(f) one port firewalled, --timeout 10", figure + cause_note,
                         mp <= TARGET_VERDICT_S and same_cause))
    for label, figure, passed in verdicts:
        print(f"  {'PASS' if passed else '*** MISS ***'}: {label}: {figure}")
    return verdicts


def main() -> list[tuple[str, str, bool]]:
    print(f"== (f) side by side: `mailprobe check` vs the Monitoring Plugins chain, whole processes, interleaved "
          f"({', '.join(f'{kind} ×{n}' for kind, n in RUNS.items())}) ==")
    skip_reason = ensure_plugins()
    verdicts: list[tuple[str, str, bool]] = []
    for kind in RUNS:
        mailprobe, chains = measure(kind, skip_reason)
        verdicts += report(kind, mailprobe, chains, skip_reason)
    return verdicts


if __name__ == "__main__":
    main()
