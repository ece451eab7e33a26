"""`check --loop` through the real command line against scripted loopback servers under the providers' real
host names: each provider's sending reply (providers.md section 7), in UTF-8 or GB18030, is named as the rule
that refused the message; the loop says ID before SELECT (NetEase refuses SELECT otherwise), sends one MAIL
FROM and nothing after the refusal."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.lab.loginserver import LoginServer
from tests.lab.world import CUSTOMER, World
from tests.support.command import REPO, run_mailprobe

ADDRESS = f"li.si@{CUSTOMER}"
PASSWORD = "Tr0ub4dor&3-loop"
NETEASE_MX = {"MX": ["10 qiye163mx01.mxmail.netease.com."]}

CASES = [
    # (provider, its SMTP reply to MAIL FROM, charset, cause, words the verdict says)
    ("netease", "554 DT:SPM 发送的邮件内容包含了未被许可的信息，或被系统识别为垃圾邮件", "gb18030", "sending_rejected",
     "spam"),
    ("netease", "451 MI:SFQ 发信人在15分钟内的发信数量超过限制", "gb18030", "sending_rejected", "sending quota"),
    ("netease", "553 Mail from must equal authorized user", "utf-8", "sending_rejected", "differs from the account"),
    ("qq", "501 mail from address must be same as authorization user", "utf-8", "sending_rejected",
     "differs from the account"),
]


def with_sending_replies(lab: World, provider: str) -> None:
    """The lab's profile of PROVIDER (its hosts at lab ports) takes the built-in profile's sending replies, as
    shipped in providers/*.toml: the patterns under test are the real ones."""
    shipped = tomllib.loads((REPO / "providers" / f"{provider}.toml").read_text(encoding="utf-8"))
    lines = []
    for known in shipped["replies"]:
        if known.get("stage") == "send":
            lines += ["", "[[replies]]", *(f"{key} = {json.dumps(value, ensure_ascii=False)}"
                                           for key, value in known.items())]
    assert lines, f"{provider} ships no sending replies"
    profile = lab.providers_dir / f"{provider}.toml"
    profile.write_text(profile.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")


def world(root: Path, provider: str, reply: bytes) -> World:
    login = {"username": ADDRESS, "password": PASSWORD, "require_id": True}
    servers = {f"{provider}.imap": login, f"{provider}.smtp": {**login, "replies": {"MAIL": reply}}}
    domains = {CUSTOMER: NETEASE_MX} if provider == "netease" else {}
    return World(root, login=servers, domains=domains)


@pytest.mark.parametrize(("provider", "reply", "charset", "cause", "said"), CASES,
                         ids=[f"{c[0]}-{c[1][:10]}-{c[2]}" for c in CASES])
def test_a_providers_sending_refusal_is_named_through_the_cli(
    tmp_path: Path, provider: str, reply: str, charset: str, cause: str, said: str
) -> None:
    with world(tmp_path / "world", provider, reply.encode(charset)) as lab:
        with_sending_replies(lab, provider)
        result = run_mailprobe(
            "check", ADDRESS, *lab.cli_args(), "--loop", "--state", str(tmp_path / "state.db"), "--format", "json",
            "--no-baseline", env={"MAILPROBE_PASSWORD": PASSWORD},
        )
        smtp = lab.servers[f"{provider}.smtp"]
        imap = lab.servers[f"{provider}.imap"]
    assert isinstance(smtp, LoginServer) and isinstance(imap, LoginServer)
    assert "Traceback" not in result.stderr, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    entry = report["diagnosis"][0]
    assert (report["status"], entry["cause"]) == ("warning" if reply[0] == "4" else "critical", cause)
    assert said in entry["summary"] and reply.split(" ", 2)[1] in entry["summary"]
    # The words came through whole, whichever charset the server spoke.
    assert reply[-6:] in entry["summary"]
    verbs = [line.split(" ")[0].upper() for line in smtp.commands]
    assert verbs.count("MAIL") == 1 and "RCPT" not in verbs and "DATA" not in verbs
    # ID before SELECT on the loop's own IMAP session, as NetEase asks.
    imap_verbs = [line.split(" ")[1].upper() for line in imap.commands if " " in line]
    assert "SELECT" in imap_verbs and imap_verbs.index("ID", imap_verbs.index("EXAMINE")) < imap_verbs.index("SELECT")


def test_without_loop_no_server_ever_gets_a_mail_from(tmp_path: Path) -> None:
    with world(tmp_path / "world", "qq", b"250 2.1.0 Ok") as lab:
        result = run_mailprobe(
            "check", ADDRESS, *lab.cli_args(), "--login", "--login-protocols", "imap,smtp,pop3", "--state",
            str(tmp_path / "state.db"), "--format", "json", "--no-baseline", env={"MAILPROBE_PASSWORD": PASSWORD},
        )
        received = [line for server in lab.servers.values() for line in getattr(server, "commands", [])]
    assert "Traceback" not in result.stderr, result.stderr
    assert any(line.upper().startswith("AUTH ") for line in received)  # the SMTP login did happen
    assert not [line for line in received if line.upper().startswith(("MAIL", "RCPT", "DATA"))]
    assert not [c for c in json.loads(result.stdout)["checks"] if c["kind"] == "loop"]
