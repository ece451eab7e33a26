"""Report snapshots of a fixed set of lab worlds, for refactors that must not change what a user sees.

    .venv/bin/python -m tests.lab.snapshot OUTDIR

Each world runs the real command line (`python -m mailprobe check`) once per output: the JSON report and the
text in English and in Simplified Chinese. What is meant to vary from run to run — times, the report's id, the
moment it was generated, the lab's random port numbers and its temporary directory — is replaced by stable
placeholders, so that two runs on the same commit write byte-identical files (`diff -r` shows nothing) and
two commits differ only where what a user sees differs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.lab.world import CUSTOMER, REAL_PORTS_LOCK, SELF_HOSTED, World

REPO = Path(__file__).resolve().parents[2]
ADDRESS = f"zhang.san@{CUSTOMER}"
PASSWORD = "Tr0ub4dor&3-lab"  # the lab's; never a real one
WRONG_PASSWORD = "not-the-password"
CLI_TIMEOUT_S = 60.0
_SCRUBBED = ("LC_ALL", "LC_MESSAGES", "LC_CTYPE", "LANG", "LANGUAGE", "MAILPROBE_PROVIDERS_DIR", "MAILPROBE_PASSWORD",
             "NO_COLOR", "PYTHONWARNINGS", "PYTHONIOENCODING", "PYTHONUTF8")


@dataclass(frozen=True)
class Case:
    """One world and the check run in it."""

    name: str
    world: dict[str, Any] = field(default_factory=dict)
    address: str = ADDRESS
    args: tuple[str, ...] = ()
    stdin: str | None = None
    setup: Callable[[World], None] | None = None
    login: bool = False


def _slow_dns(world: World) -> None:
    world.dns.set_faults(CUSTOMER, delay=0.4)


CASES: tuple[Case, ...] = (
    Case("healthy"),
    Case("imap-refused", world={"down": {"qq.imap"}}),
    Case("smtp-and-pop3-refused", world={"down": {"qq.smtp", "qq.pop3"}}),
    Case("nxdomain", address="li.si@no-such-company-lab.com"),
    Case("imap-cert-expired", world={"mail": {"qq.imap": {"cert": "expired"}}}),
    Case("web-cert-wrong-host", world={"web": {"qq": {"cert": "wrong_host"}}}),
    Case("slow-dns", setup=_slow_dns),
    Case("webmail-down", world={"down": {"qq.web"}}),
    Case("unknown-provider", address=f"wang.wu@{SELF_HOSTED}"),
    Case("login-wrong-password", login=True,
         world={"login": {"qq.imap": {"username": ADDRESS, "password": PASSWORD}}},
         args=("--login", "--password-stdin", "--login-protocols", "imap", "--no-baseline"),
         stdin=f"{WRONG_PASSWORD}\n"),
)
OUTPUTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("report.json", ("--format", "json")),
    ("text-en.txt", ("--format", "text", "--lang", "en", "--verbose")),
    ("text-zh-Hans.txt", ("--format", "text", "--lang", "zh-Hans", "--verbose")),
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update({"NO_COLOR": "1", "LANG": "C.UTF-8", "PYTHONPATH": str(REPO)})
    return env


def _run(args: list[str], stdin: str | None) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "mailprobe", *args], capture_output=True, text=True, encoding="utf-8",
        errors="replace", env=_env(), timeout=CLI_TIMEOUT_S, input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None, cwd=REPO,
    )
    return proc.returncode, proc.stdout, proc.stderr


# -- normalising what is meant to vary -----------------------------------------------------------------------

_VARYING_KEYS = re.compile(r"(_ms|_s|_at)$")
_UNORDERED = {"records", "evidence"}
_VARYING_NAMES = {"report_id", "generated", "generated_at", "started", "duration", "elapsed"}
_MS_TEXT = re.compile(r"\b\d+(?:\.\d+)?\s?(?:(?:ms|s)\b|毫秒|秒)")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_REPORT_ID = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b")
_BASELINE = re.compile(r"baseline|对照")
_INNER_SPACES = re.compile(r"(?<=\S) {2,}")
_LAB_CERT = re.compile(r"#[A-Za-z0-9_-]{16}")  # trustme's random names of the lab's CA and certificates
_HEX = re.compile(r"\b[0-9a-fA-F:]{32,}\b")  # serial numbers and fingerprints of the certificates made per run
_UUIDISH = re.compile(r"\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b")


def _placeholders(world: World) -> list[tuple[re.Pattern[str], str]]:
    pairs = [(re.compile(re.escape(str(world.root))), "<ROOT>"),
             (re.compile(re.escape(world.dns.nameserver)), "<LAB_DNS>")]
    ports = {**world.ports, "dns": world.dns.address[1]}
    pairs += [(re.compile(rf"(?<!\d){port}(?!\d)"), f"<{service.upper()}_PORT>") for service, port in ports.items()]
    return pairs


def _text(value: str, pairs: list[tuple[re.Pattern[str], str]]) -> str:
    for old, new in pairs:
        value = old.sub(new, value)
    value = _ISO_TIME.sub("<TIME>", value)
    value = _UUIDISH.sub("<ID>", value)
    value = _REPORT_ID.sub("<REPORT_ID>", value)
    value = _LAB_CERT.sub("<LAB_CERT>", value)
    value = _HEX.sub("<HEX>", value)
    # A time and its unit (ms or s, as its size picks), then the padding that aligned it in a table.
    value = _MS_TEXT.sub("<TIME>", value)
    return _baselines_sorted(_INNER_SPACES.sub(" ", value))


def _baselines_sorted(text: str) -> str:
    """The other providers' baselines are listed as they answer, in either order: sort each run of them."""
    out: list[str] = []
    run: list[str] = []
    lines: list[str | None] = [*text.split("\n"), None]
    for line in lines:
        if line is not None and _BASELINE.search(line):
            run.append(line)
            continue
        out += sorted(run)
        run = []
        if line is not None:
            out.append(line)
    return "\n".join(out)


def _json(value: Any, pairs: list[tuple[re.Pattern[str], str]], key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _json(v, pairs, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_json(v, pairs, key) for v in value]
        # The lab's DNS server answers a name's records in any order.
        # ...and the other providers' baselines are cited as they answer, in either order.
        return sorted(items) if key in _UNORDERED and all(isinstance(i, str) for i in items) else items
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float) and (_VARYING_KEYS.search(key) or key in _VARYING_NAMES):
        return "<N>"
    if isinstance(value, int) and not isinstance(value, bool):
        return _int(value, pairs)
    if isinstance(value, str):
        if key in _VARYING_NAMES or key.endswith("_at"):
            return "<VARIES>"
        return _text(value, pairs)
    return value


def _int(value: int, pairs: list[tuple[re.Pattern[str], str]]) -> int | str:
    text = _text(str(value), pairs)
    return value if text == str(value) else text


def normalise(name: str, text: str, world: World) -> str:
    pairs = _placeholders(world)
    if name.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError:
            return _text(text, pairs)
        return json.dumps(_json(data, pairs), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return _text(text, pairs)


def snapshot(case: Case, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="mailprobe-snapshot-") as tmp, \
            World(Path(tmp) / "world", **case.world) as world:
        if case.setup is not None:
            case.setup(world)
        target = out / case.name
        target.mkdir(parents=True, exist_ok=True)
        for index, (filename, fmt) in enumerate(OUTPUTS):
            args = ["check", case.address, *world.cli_args(), "--timeout", "5", *fmt, *case.args]
            if case.login:
                # A fresh guard per run: the second attempt inside the window would be held back.
                args += ["--state", str(Path(tmp) / f"state-{index}" / "state.db")]
            code, stdout, stderr = _run(args, case.stdin)
            body = normalise(filename, stdout, world)
            errors = normalise("stderr", stderr, world)
            (target / filename).write_text(f"exit {code}\n--- stderr\n{errors}--- stdout\n{body}",
                                           encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.lab.snapshot OUTDIR", file=sys.stderr)
        return 3
    import fcntl

    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    # The generic plan guesses the real ports (443, 993, ...) on the lab's addresses: no other test run may hold
    # them meanwhile (a real-ports world would answer where this one has nothing listening).
    with open(REAL_PORTS_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for case in CASES:
            snapshot(case, out)
            print(case.name, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
