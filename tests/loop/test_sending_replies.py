"""The providers' sending replies (providers.md section 7) through a scripted submission server over real TLS
on loopback: the loop's submission records the refusal (code, enhanced code, words, redacted), sends one MAIL
FROM and nothing after a refusal, and the reading names the provider's rule, from UTF-8 and GB18030 replies."""

from __future__ import annotations

import pytest

from mailprobe.causes import Cause
from mailprobe.diagnosis import sending
from mailprobe.kinds.loop import LoopRun
from mailprobe.loop.message import build
from mailprobe.loop.submit import Submission, submit
from mailprobe.profiles import builtin_profiles
from mailprobe.secret import Credentials, Secret
from tests.lab.certs import CertLab
from tests.lab.loginserver import PASSWORD, USERNAME, LoginServer, login_session

PROFILES = {profile.id: profile for profile in builtin_profiles()}


async def submitted(certs: CertLab, ca_file: str, replies: dict[str, str | bytes]) -> tuple[Submission, LoginServer]:
    server = LoginServer("smtp", tls="implicit", lab=certs, replies=replies)  # type: ignore[arg-type]
    message = build(USERNAME, USERNAME, "en")
    state = Submission(sender=USERNAME, recipient=USERNAME, message=message)
    async with server, login_session(server, ca_file) as session:
        await submit(session.dialogue, session.capabilities, Credentials(USERNAME, Secret(PASSWORD)), state, tls=True)
    return state, server


def verbs(server: LoginServer) -> list[str]:
    return [line.split(" ")[0].upper() for line in server.commands]


CASES = [
    # (profile, command refused, the reply as the server sends it, its charset, cause, rule)
    ("netease", "MAIL", "451 DT:SPM ,please try again", "utf-8", Cause.SENDING_REJECTED, "spam_suspected"),
    ("netease", "MAIL", "554 DT:SPM 发送的邮件内容包含了未被许可的信息，或被系统识别为垃圾邮件", "gb18030",
     Cause.SENDING_REJECTED, "spam_suspected"),
    ("netease", "MAIL", "550 MI:SFQ 发信人在15分钟内的发信数量超过限制", "gb18030", Cause.SENDING_REJECTED,
     "quota_spent"),
    ("netease", "MAIL", "553 Mail from must equal authorized user", "utf-8", Cause.SENDING_REJECTED,
     "sender_mismatch"),
    ("netease", "MAIL", "552 邮件被反垃圾引擎拒绝", "gb18030", Cause.SENDING_REJECTED, "spam_suspected"),
    ("netease", "MAIL", "552 message rejected by anti-spam engine", "utf-8", Cause.SENDING_REJECTED, "spam_suspected"),
    ("netease", "MAIL", "451 Requested mail action not taken: too much fail authentication", "utf-8",
     Cause.ACCOUNT_LOCKED, "login"),
    ("qq", "MAIL", "501 mail from address must be same as authorization user", "utf-8", Cause.SENDING_REJECTED,
     "sender_mismatch"),
    ("qq", "MAIL", "501 mail from address must be same as authorization user 发信人必须与登录账号一致", "gb18030",
     Cause.SENDING_REJECTED, "sender_mismatch"),
    ("microsoft365", "MAIL", "550 5.7.60 SMTP; Client does not have permissions to send as this sender", "utf-8",
     Cause.SENDING_REJECTED, "send_as"),
    ("microsoft365", "RCPT", "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP",
     "utf-8", Cause.SENDING_REJECTED, "tenant_blocked"),
    ("aliyun", "RCPT", "552 5.2.2 Mailbox full", "utf-8", Cause.MAILBOX_FULL, "refused"),
]


@pytest.mark.parametrize(("profile", "command", "reply", "charset", "cause", "rule"), CASES,
                         ids=[f"{c[0]}-{c[2][:16]}-{c[3]}" for c in CASES])
async def test_a_providers_sending_reply_names_its_rule(
    certs: CertLab, ca_file: str, profile: str, command: str, reply: str, charset: str, cause: Cause, rule: str
) -> None:
    replies: dict[str, str | bytes] = {command: reply.encode(charset)}
    if command == "RCPT":
        replies["MAIL"] = "250 2.1.0 Ok"
    state, server = await submitted(certs, ca_file, replies)
    refused = state.steps[-1]
    assert refused.command == command.lower() and refused.code == reply[:3]
    assert not state.accepted and state.sent_at is None
    # One MAIL FROM, and nothing after the refusal: no RCPT after a refused MAIL, no DATA, never a retry.
    sent = verbs(server)
    assert sent.count("MAIL") == 1 and "DATA" not in sent
    assert sent.count("RCPT") == (1 if command == "RCPT" else 0)
    # The words arrive whole, whichever charset the server used.
    assert reply.split(" ", 1)[1][-6:] in refused.text
    reading = sending.read(refused, [PROFILES[profile]])
    assert (reading.cause, reading.variant) == (cause, rule)


async def test_the_password_never_reaches_the_recorded_replies(certs: CertLab, ca_file: str) -> None:
    state, _ = await submitted(certs, ca_file, {"MAIL": f"553 5.7.1 no, {PASSWORD} is not the sender"})
    assert PASSWORD not in state.steps[-1].text and "is not the sender" in state.steps[-1].text
    assert PASSWORD not in repr(state)


async def test_an_accepted_message_goes_out_once_with_its_queue_id(certs: CertLab, ca_file: str) -> None:
    # The scripted server answers every line: 354 to DATA, then 250 to the end of data ('.').
    replies: dict[str, str | bytes] = {"MAIL": "250 2.1.0 Ok", "RCPT": "250 2.1.5 Ok", "DATA": "354 go ahead"}
    server = LoginServer("smtp", tls="implicit", lab=certs, replies=replies)  # type: ignore[arg-type]
    server.replies["."] = "250 2.0.0 Ok: queued as 4AB12C3D"
    message = build(USERNAME, USERNAME, "en")
    state = Submission(sender=USERNAME, recipient=USERNAME, message=message)
    async with server, login_session(server, ca_file) as session:
        # It answers each line it gets, so the message sent here is empty: DATA's end alone.
        state.message = type(message)(message.loop_id, message.message_id, b"")
        await submit(session.dialogue, session.capabilities, Credentials(USERNAME, Secret(PASSWORD)), state, tls=True)
    assert server.commands.count(f"MAIL FROM:<{USERNAME}>") == 1
    assert server.commands[-2:] == [".", "QUIT"]
    assert state.accepted and state.queue_id == "4AB12C3D"


def test_a_temporary_refusal_is_a_warning_and_a_refusal_critical() -> None:
    from mailprobe.address import parse_address
    from mailprobe.diagnosis.facts import EvidenceView
    from mailprobe.diagnosis.rules.loop import loop_findings
    from mailprobe.evidence import Evidence, PlanSummary, Status
    from mailprobe.kinds.loop import SmtpStep

    def findings(code: str, enhanced: str, text: str) -> list[tuple[str, str, str]]:
        run = LoopRun(id="loop", target=USERNAME, status=Status.FAIL, outcome="rejected",
                      replies=[SmtpStep(command="mail", code=code, enhanced=enhanced, text=text)])
        evidence = Evidence(target=parse_address(USERNAME), plan=PlanSummary(PROFILES["netease"], "forced"),
                            observations=[run])
        return [(f.cause.value, f.severity, f.variant) for f in loop_findings(EvidenceView(evidence))]

    assert findings("451", "4.7.1", "try again later") == [("sending_rejected", "warning", "temporary")]
    assert findings("554", "", "DT:SPM") == [("sending_rejected", "critical", "spam_suspected")]
    assert findings("550", "5.7.1", "relay denied") == [("sending_rejected", "critical", "rejected")]


def test_a_login_refusal_is_never_read_with_the_sending_replies() -> None:
    from mailprobe.login.classify import classify

    found = classify("535 DT:SPM MI:SFQ mail from must equal authorized user", "smtp", [PROFILES["netease"]])
    assert Cause.SENDING_REJECTED.value not in [c.cause for c in found]


def test_every_sending_reply_a_profile_ships_meets_a_real_reply_here() -> None:
    import re

    hit = {(profile, known.pattern) for profile, _, reply, _, _, _ in CASES
           for known in PROFILES[profile].replies if known.stage == "send" and re.search(known.pattern, reply)}
    shipped = {(p.id, known.pattern) for p in PROFILES.values() for known in p.replies if known.stage == "send"}
    assert shipped - hit == set()
