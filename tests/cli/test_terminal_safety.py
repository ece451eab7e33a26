"""What a hostile server, certificate or saved report says is shown on a terminal, never obeyed by it.

The real command runs on a pseudo-terminal (so colours are on, as for a person): the bytes it writes must
hold no escape sequence of the server's — no title change, no screen clear, no C1 CSI, no bidi override —
only mailprobe's own colour codes.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import trustme

from tests.lab.certs import CertLab
from tests.lab.world import CUSTOMER, World

REPO = Path(__file__).resolve().parents[2]
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b[H\u009b31m\u202eevil.example\u202c"
# mailprobe's own SGR colour codes, which are all a terminal may see of ESC.
OWN_SGR = re.compile(rb"\x1b\[[0-9;]*m")


def on_a_terminal(*args: str, seconds: float = 20.0) -> bytes:
    """Run `python -m mailprobe ARGS` with stdout on a pseudo-terminal; return every byte it wrote."""
    main, child = pty.openpty()
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "mailprobe", *args], stdout=child, stderr=child,
                            stdin=subprocess.DEVNULL, cwd=REPO, env=env)
    os.close(child)
    out = bytearray()
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(5)
    os.close(main)
    return bytes(out)


def assert_nothing_obeyed(out: bytes) -> None:
    assert out, "the command printed nothing"
    rest = OWN_SGR.sub(b"", out)
    assert b"\x1b" not in rest, rest[max(0, rest.find(b"\x1b") - 40):][:120]
    text = rest.decode("utf-8", errors="replace")
    for hidden in ("\u009b", "\u202e", "\u202c", "\x07"):
        assert hidden not in text, repr(hidden)
    assert "\\x1b" in text or "\\u202e" in text  # shown as visible escapes


def test_a_certificate_issuer_with_escape_sequences_is_shown_not_obeyed(tmp_path: Path) -> None:
    certs = CertLab(rogue_ca=trustme.CA(organization_name=HOSTILE))
    with World(tmp_path / "world", certs=certs, mail={"qq.imap": {"cert": "untrusted"}}) as lab:
        out = on_a_terminal("check", f"li.lei@{CUSTOMER}", "--timeout", "5", "-v", *lab.cli_args())
    assert b"tls_certificate_problem" in out
    assert_nothing_obeyed(out)


def test_a_greeting_with_escape_sequences_is_shown_not_obeyed(tmp_path: Path) -> None:
    greeting = f"* BYE {HOSTILE} closing\r\n".encode()
    with World(tmp_path / "world", mail={"qq.imap": {"greeting": greeting}}) as lab:
        out = on_a_terminal("check", f"li.lei@{CUSTOMER}", "--timeout", "5", "-v", *lab.cli_args())
    assert b"mailprobe" in out
    assert_nothing_obeyed(out)


def test_explain_of_a_hostile_report_file_is_shown_not_obeyed(tmp_path: Path) -> None:
    saved = json.loads((REPO / "tests" / "fixtures" / "report-v1-outage.json").read_text(encoding="utf-8"))
    saved["address"] = f"li{HOSTILE}@example.com"
    saved["provider"]["name"] = HOSTILE
    saved["provider"]["id"] = "not-a-known-provider"
    for check in saved["checks"]:
        check["id"] += HOSTILE
        check["summary"] = HOSTILE
    saved["diagnosis"][0]["evidence"] = [c["id"] for c in saved["checks"]]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(saved), encoding="utf-8")
    out = on_a_terminal("explain", str(path), "-v")
    assert b"server_outage" in out
    assert_nothing_obeyed(out)
