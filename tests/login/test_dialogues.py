"""Login dialogues against scripted loopback servers over real sockets and TLS: each test one server behaviour."""

from __future__ import annotations

import time

import pytest

from mailprobe.evidence import Failure, TlsMode
from mailprobe.login.classify import classify
from mailprobe.login.dialogues import LOGIN_DIALOGUES, imap_login, pop3_login, smtp_login
from mailprobe.login.result import LoginOutcome, LoginResult
from mailprobe.secret import Credentials, Secret
from tests.lab.certs import CertLab
from tests.lab.loginserver import PASSWORD, USERNAME, LoginServer, login_session, plain_session

# A password of one to three characters "appears" in any result (its field names): only longer ones are searched.
CHECKED_CHARS = 4
AWKWARD = 'pa"ss\\密码 x'  # a quote, a backslash, CJK and a space: must travel as an IMAP literal


async def login(server: LoginServer, ca_file: str, password: str = PASSWORD, seconds: float = 5.0) -> LoginResult:
    async with server, login_session(server, ca_file, seconds) as session:
        dialogue = LOGIN_DIALOGUES[server.protocol]
        result = await dialogue(session.dialogue, session.capabilities, _as_user(password), tls=True)
    assert_password_kept_out(result, password)
    return result


def _as_user(password: str) -> Credentials:
    return Credentials(USERNAME, Secret(password))


def assert_password_kept_out(result: LoginResult, password: str) -> None:
    for shown in (result.model_dump_json(), repr(result), str(result), str(result.error)):
        assert password not in shown


def verbs(server: LoginServer) -> list[str]:
    """The command verbs the server received (IMAP: without the tag)."""
    lines = server.commands
    if server.protocol == "imap":
        return [line.split(" ")[1].upper() for line in lines if " " in line]
    return [line.split(" ")[0].upper() for line in lines]


def imap(certs: CertLab, **settings: object) -> LoginServer:
    return LoginServer("imap", tls="implicit", lab=certs, **settings)  # type: ignore[arg-type]


# --- IMAP ------------------------------------------------------------------------------------------------


async def test_imap_id_then_one_authenticate_plain_with_initial_response_then_examine_and_logout(
    certs: CertLab, ca_file: str
) -> None:
    server = imap(certs)
    result = await login(server, ca_file)
    assert result.outcome == LoginOutcome.OK
    assert (result.accepted, result.mailbox_ok, result.stage, result.mechanism) == (True, True, "examine", "PLAIN")
    assert result.credentials_sent and result.round_trip_ms is not None and result.duration_ms > 0
    assert verbs(server) == ["CAPABILITY", "ID", "AUTHENTICATE", "EXAMINE", "LOGOUT"]
    assert server.commands[1].endswith('ID ("name" "mailprobe" "version" "0.1.0")')
    assert server.authentications == 1 and server.logins[0].mechanism == "AUTHENTICATE PLAIN"
    assert result.replies[-1].endswith("OK [READ-ONLY] EXAMINE completed")


async def test_imap_authenticate_plain_without_sasl_ir_answers_the_continuation(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, drop_capabilities=["SASL-IR"])
    result = await login(server, ca_file)
    assert result.outcome == LoginOutcome.OK
    assert server.commands[2].endswith("AUTHENTICATE PLAIN")  # nothing else on the command line
    assert server.authentications == 1


async def test_imap_login_with_quoted_strings_when_auth_plain_is_not_offered(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, drop_capabilities=["AUTH=PLAIN"])
    result = await login(server, ca_file)
    assert (result.outcome, result.mechanism) == (LoginOutcome.OK, "LOGIN")
    assert verbs(server) == ["CAPABILITY", "ID", "LOGIN", "EXAMINE", "LOGOUT"]  # ID before LOGIN
    assert server.commands[2].split(" ", 1)[1] == f'LOGIN "{USERNAME}" "{PASSWORD}"'


async def test_imap_login_sends_quote_backslash_and_cjk_as_a_synchronising_literal(
    certs: CertLab, ca_file: str
) -> None:
    server = imap(certs, drop_capabilities=["AUTH=PLAIN", "LITERAL+"], password=AWKWARD)
    result = await login(server, ca_file, AWKWARD)
    assert result.outcome == LoginOutcome.OK
    size = len(AWKWARD.encode())
    assert server.commands[2].endswith(f'LOGIN "{USERNAME}" {{{size}}}')
    assert server.logins[0].password == AWKWARD.encode()
    assert server.authentications == 1


async def test_imap_login_uses_a_non_synchronising_literal_with_literal_plus(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, drop_capabilities=["AUTH=PLAIN"], password=AWKWARD)
    result = await login(server, ca_file, AWKWARD)
    assert result.outcome == LoginOutcome.OK
    assert server.commands[2].endswith(f"{{{len(AWKWARD.encode())}+}}")
    assert server.logins[0].password == AWKWARD.encode()


async def test_imap_login_uses_a_non_synchronising_literal_with_literal_minus(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, drop_capabilities=["AUTH=PLAIN", "LITERAL+"], add_capabilities=["LITERAL-"], password=AWKWARD)
    result = await login(server, ca_file, AWKWARD)
    assert result.outcome == LoginOutcome.OK
    assert server.commands[2].endswith(f"{{{len(AWKWARD.encode())}+}}")


async def test_imap_awkward_password_also_goes_through_authenticate_plain(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, password=AWKWARD)
    result = await login(server, ca_file, AWKWARD)
    assert result.outcome == LoginOutcome.OK
    assert server.logins[0].password == AWKWARD.encode()


async def test_coremail_requiring_id_opens_the_mailbox_because_id_came_first(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, require_id=True)
    result = await login(server, ca_file)
    assert (result.outcome, result.mailbox_ok) == (LoginOutcome.OK, True)
    assert verbs(server).index("ID") < verbs(server).index("AUTHENTICATE")


async def test_lab_coremail_answers_unsafe_login_to_a_client_that_skips_id(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, require_id=True)
    async with server, login_session(server, ca_file) as session:
        await session.dialogue.send("b1 LOGIN alice@lab.test \"correct horse 9\"", "auth")
        await session.dialogue.imap_reply("b1", "auth")
        await session.dialogue.send("b2 EXAMINE INBOX", "examine")
        _, tagged = await session.dialogue.imap_reply("b2", "examine")
    assert tagged == "b2 NO EXAMINE Unsafe Login. Please contact kefu@188.com for help"


async def test_imap_server_answering_bad_to_id_still_gets_its_login(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, replies={"ID": "BAD Unknown command"})
    result = await login(server, ca_file)
    assert result.outcome == LoginOutcome.OK
    assert server.authentications == 1


async def test_imap_refusal_is_returned_raw_after_exactly_one_authentication(certs: CertLab, ca_file: str) -> None:
    server = imap(certs)
    result = await login(server, ca_file, "wrong password")
    assert (result.outcome, result.accepted, result.stage) == (LoginOutcome.REFUSED, False, "auth")
    assert result.replies == ["a3 NO [AUTHENTICATIONFAILED] Authentication failed."]
    assert result.mailbox_ok is None and result.credentials_sent
    assert server.authentications == 1
    assert verbs(server) == ["CAPABILITY", "ID", "AUTHENTICATE", "LOGOUT"]  # no retry, no EXAMINE
    assert classify(result.replies, "imap")[0].cause == "password_incorrect"


async def test_imap_refusal_keeps_the_untagged_alert_lines_for_classification(certs: CertLab, ca_file: str) -> None:
    refusal = [
        "* NO [WEBALERT https://accounts.google.com/signin/continue] Web login required.",
        "NO [ALERT] Please log in via your web browser (Failure)",
    ]
    server = imap(certs, refusal=refusal)
    result = await login(server, ca_file)
    assert result.outcome == LoginOutcome.REFUSED
    assert result.replies == [refusal[0], f"a3 {refusal[1]}"]
    assert [c.cause for c in classify(result.replies, "imap")][:1] == ["client_auth_code_required"]


async def test_imap_logindisabled_sends_no_credentials_at_all(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, login_disabled=True)
    result = await login(server, ca_file)
    assert (result.outcome, result.accepted, result.credentials_sent) == (LoginOutcome.NOT_ATTEMPTED, False, False)
    assert result.error is not None and "LOGINDISABLED" in result.error.detail
    assert server.authentications == 0
    assert PASSWORD.encode() not in server.everything()
    assert verbs(server) == ["CAPABILITY", "LOGOUT"]


async def test_imap_examine_failing_after_a_good_login_is_its_own_outcome(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, replies={"EXAMINE": "NO [NONEXISTENT] Mailbox doesn't exist: INBOX"})
    result = await login(server, ca_file)
    assert result.outcome == LoginOutcome.MAILBOX_REFUSED
    assert (result.accepted, result.mailbox_ok, result.stage) == (True, False, "examine")
    assert result.replies == ["a4 NO [NONEXISTENT] Mailbox doesn't exist: INBOX"]
    assert server.authentications == 1


async def test_imap_starttls_143_sends_nothing_secret_before_tls(certs: CertLab, ca_file: str) -> None:
    server = LoginServer("imap", tls="starttls", lab=certs, password=AWKWARD)
    result = await login(server, ca_file, AWKWARD)
    assert result.outcome == LoginOutcome.OK
    plaintext = server.plaintext()
    assert b"LOGIN" not in plaintext.upper().replace(b"LOGINDISABLED", b"") and b"AUTHENTICATE" not in plaintext
    assert AWKWARD.encode() not in plaintext and USERNAME.encode() not in plaintext
    assert all(login.tls for login in server.logins)


async def test_server_hanging_up_after_the_credentials_is_an_error_not_a_refusal(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, after_credentials="close")
    result = await login(server, ca_file)
    assert (result.outcome, result.stage, result.credentials_sent) == (LoginOutcome.ERROR, "auth", True)
    assert result.error is not None and result.error.kind in (Failure.CLOSED, Failure.RESET)
    assert server.authentications == 1


async def test_silent_server_after_the_credentials_times_out_within_the_deadline(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, after_credentials="silence")
    started = time.monotonic()
    async with server, login_session(server, ca_file, seconds=5.0, cap=0.5) as session:
        result = await imap_login(session.dialogue, session.capabilities, _as_user(PASSWORD), tls=True)
    assert time.monotonic() - started < 3.0
    assert result.outcome == LoginOutcome.ERROR
    assert result.error is not None and result.error.kind == Failure.TIMEOUT


async def test_server_asking_for_more_gets_a_cancel_never_a_second_login(certs: CertLab, ca_file: str) -> None:
    server = imap(certs, after_credentials="more")
    result = await login(server, ca_file)
    assert result.outcome == LoginOutcome.ERROR
    assert result.error is not None and result.error.kind == Failure.BAD_REPLY
    assert server.authentications == 1
    assert b"*\r\n" in [r.data for r in server.received]
    assert result.replies == ["+ "]


async def test_imap_server_hanging_up_with_bye_instead_of_answering_is_a_refusal(
    certs: CertLab, ca_file: str
) -> None:
    server = imap(certs, refusal="* BYE [UNAVAILABLE] Too many logins, try later")
    result = await login(server, ca_file)
    assert (result.outcome, result.accepted) == (LoginOutcome.REFUSED, False)
    assert result.replies == ["* BYE [UNAVAILABLE] Too many logins, try later"]
    assert classify(result.replies, "imap")[0].cause == "server_outage"
    assert server.authentications == 1


@pytest.mark.parametrize(
    ("protocol", "reply"),
    [("imap", "MAYBE later"), ("smtp", "hello, this is not SMTP"), ("pop3", "perhaps")],
)
async def test_a_verdict_that_is_not_the_protocol_is_an_error_not_a_refusal(
    certs: CertLab, ca_file: str, protocol: str, reply: str
) -> None:
    server = LoginServer(protocol, tls="implicit", lab=certs, refusal=reply)  # type: ignore[arg-type]
    result = await login(server, ca_file)
    assert (result.outcome, result.accepted) == (LoginOutcome.ERROR, False)
    assert result.error is not None and result.error.kind == Failure.BAD_REPLY
    assert server.authentications == 1


async def test_echoed_password_is_masked_in_the_replies(certs: CertLab, ca_file: str) -> None:
    # Masked on the bytes, before they are decoded: the mask of `secret.redact`.
    server = imap(certs, refusal="NO [AUTHENTICATIONFAILED] bad password {password}")
    result = await login(server, ca_file)
    assert result.replies == ["a3 NO [AUTHENTICATIONFAILED] bad password [password]"]


@pytest.mark.parametrize("password", ["word", "[login]", "pass]", "sword,"])
async def test_a_password_that_is_part_of_a_mask_text_never_shows_through_the_mask(
    certs: CertLab, ca_file: str, password: str,
) -> None:
    # The server's own words hold it too ("bad password"): masked all the same, and every echo with them.
    server = imap(certs, password=password,
                  refusal="NO [AUTHENTICATIONFAILED] bad password {password} / {password:base64} / {password:percent}")
    result = await login(server, ca_file, password)  # nowhere in the result, its JSON or its error
    assert result.outcome == LoginOutcome.REFUSED and server.authentications == 1
    assert all(password.lower() not in line.lower() for line in result.replies), result.replies


async def test_password_that_no_command_can_carry_is_not_sent(certs: CertLab, ca_file: str) -> None:
    server = imap(certs)
    result = await login(server, ca_file, "line one\nline two")
    assert (result.outcome, result.credentials_sent) == (LoginOutcome.NOT_ATTEMPTED, False)
    assert server.authentications == 0 and b"line one" not in server.everything()


@pytest.mark.parametrize("protocol", ["imap", "pop3", "smtp"])
async def test_plaintext_channel_is_refused_before_a_byte_is_sent(protocol: str) -> None:
    server = LoginServer(protocol, tls="plain")  # type: ignore[arg-type]
    async with server, plain_session(server) as session:
        sent_before = len(server.received)
        dialogue = LOGIN_DIALOGUES[protocol]  # type: ignore[index]
        for tls in (False, True):  # told so, or not told but the socket says so
            with pytest.raises(ValueError, match=r"plaintext|not TLS") as caught:
                await dialogue(session.dialogue, session.capabilities, _as_user(PASSWORD), tls=tls)
            assert PASSWORD not in str(caught.value)
    assert len(server.received) == sent_before
    assert server.authentications == 0


# --- SMTP ------------------------------------------------------------------------------------------------


def smtp(certs: CertLab, **settings: object) -> LoginServer:
    return LoginServer("smtp", tls="implicit", lab=certs, **settings)  # type: ignore[arg-type]


async def test_smtp_auth_plain_with_initial_response_then_quit_never_mail(certs: CertLab, ca_file: str) -> None:
    server = smtp(certs)
    result = await login(server, ca_file)
    assert (result.outcome, result.mechanism, result.stage) == (LoginOutcome.OK, "PLAIN", "auth")
    assert result.mailbox_ok is None  # SMTP proves the login only
    assert result.replies == ["235 2.7.0 Authentication successful"]
    assert verbs(server) == ["EHLO", "AUTH", "QUIT"]
    assert server.authentications == 1


async def test_smtp_auth_login_when_plain_is_not_advertised(certs: CertLab, ca_file: str) -> None:
    server = smtp(certs, drop_capabilities=["AUTH LOGIN PLAIN"], add_capabilities=["AUTH LOGIN"], password=AWKWARD)
    result = await login(server, ca_file, AWKWARD)
    assert (result.outcome, result.mechanism) == (LoginOutcome.OK, "LOGIN")
    assert server.logins[0].password == AWKWARD.encode()
    assert "MAIL" not in verbs(server)


async def test_smtp_microsoft_basic_auth_disabled_is_refused_and_classified(certs: CertLab, ca_file: str) -> None:
    server = smtp(certs, refusal="535 5.7.139 Authentication unsuccessful, basic authentication is disabled.")
    result = await login(server, ca_file)
    assert (result.outcome, result.accepted) == (LoginOutcome.REFUSED, False)
    assert result.replies == ["535 5.7.139 Authentication unsuccessful, basic authentication is disabled."]
    assert classify(result.replies, "smtp")[0].cause == "modern_auth_required"
    assert verbs(server) == ["EHLO", "AUTH", "QUIT"]


async def test_smtp_multi_line_refusal_keeps_every_line(certs: CertLab, ca_file: str) -> None:
    refusal = ["534-5.7.9 Application-specific password required. Learn more at",
               "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor"]
    result = await login(smtp(certs, refusal=refusal), ca_file)
    assert result.replies == refusal
    assert classify(result.replies, "smtp")[0].cause == "client_auth_code_required"


async def test_smtp_without_auth_advertised_sends_no_credentials(certs: CertLab, ca_file: str) -> None:
    server = smtp(certs, drop_capabilities=["AUTH LOGIN PLAIN"])
    result = await login(server, ca_file)
    assert (result.outcome, result.credentials_sent) == (LoginOutcome.NOT_ATTEMPTED, False)
    assert server.authentications == 0 and verbs(server) == ["EHLO", "QUIT"]


async def test_smtp_submission_587_starttls_sends_no_auth_before_tls(certs: CertLab, ca_file: str) -> None:
    server = LoginServer("smtp", tls=TlsMode.STARTTLS, lab=certs)
    result = await login(server, ca_file)
    assert result.outcome == LoginOutcome.OK
    assert b"AUTH" not in server.plaintext() and verbs(server)[:3] == ["EHLO", "STARTTLS", "EHLO"]


async def test_smtp_server_asking_for_more_after_plain_gets_a_cancel(certs: CertLab, ca_file: str) -> None:
    server = smtp(certs, after_credentials="more")
    result = await login(server, ca_file)
    assert result.outcome == LoginOutcome.ERROR and server.authentications == 1
    assert b"*\r\n" in [r.data for r in server.received]


# --- POP3 ------------------------------------------------------------------------------------------------


def pop3(certs: CertLab, **settings: object) -> LoginServer:
    return LoginServer("pop3", tls="implicit", lab=certs, **settings)  # type: ignore[arg-type]


async def test_pop3_auth_plain_when_sasl_plain_is_listed_then_stat_and_quit(certs: CertLab, ca_file: str) -> None:
    server = pop3(certs)
    result = await login(server, ca_file)
    assert (result.outcome, result.mechanism, result.stage) == (LoginOutcome.OK, "PLAIN", "stat")
    assert result.mailbox_ok is True
    assert verbs(server) == ["CAPA", "AUTH", "STAT", "QUIT"]
    assert result.replies == ["+OK 2 320"]


async def test_pop3_user_pass_without_sasl_plain(certs: CertLab, ca_file: str) -> None:
    server = pop3(certs, drop_capabilities=["SASL PLAIN LOGIN"], password=AWKWARD)
    result = await login(server, ca_file, AWKWARD)
    assert (result.outcome, result.mechanism) == (LoginOutcome.OK, "USER")
    assert verbs(server) == ["CAPA", "USER", "PASS", "STAT", "QUIT"]
    assert server.logins[0].password == AWKWARD.encode()


async def test_pop3_refusal_with_response_code(certs: CertLab, ca_file: str) -> None:
    server = pop3(certs, drop_capabilities=["SASL PLAIN LOGIN"])
    result = await login(server, ca_file, "wrong password")
    assert result.outcome == LoginOutcome.REFUSED and result.replies == ["-ERR [AUTH] Invalid login"]
    assert server.authentications == 1 and "STAT" not in verbs(server)


async def test_pop3_refused_at_user_never_sends_the_password(certs: CertLab, ca_file: str) -> None:
    server = pop3(certs, drop_capabilities=["SASL PLAIN LOGIN"], replies={"USER": "-ERR [SYS/PERM] Account disabled"})
    result = await login(server, ca_file)
    assert (result.outcome, result.credentials_sent) == (LoginOutcome.REFUSED, False)
    assert server.authentications == 0 and PASSWORD.encode() not in server.everything()


async def test_pop3_stat_failing_after_a_good_login_is_its_own_outcome(certs: CertLab, ca_file: str) -> None:
    server = pop3(certs, replies={"STAT": "-ERR [SYS/TEMP] maildrop busy"})
    result = await login(server, ca_file)
    assert (result.outcome, result.accepted, result.mailbox_ok) == (LoginOutcome.MAILBOX_REFUSED, True, False)
    assert result.replies == ["-ERR [SYS/TEMP] maildrop busy"]


async def test_pop3_stls_110_sends_nothing_secret_before_tls(certs: CertLab, ca_file: str) -> None:
    server = LoginServer("pop3", tls="starttls", lab=certs)
    result = await login(server, ca_file)
    assert result.outcome == LoginOutcome.OK
    assert PASSWORD.encode() not in server.plaintext() and b"AUTH" not in server.plaintext()


NASTY = ["", " ", '"', "\\", "{5}", "x{3}", "密码", "😀 emoji", "\t", "\x7f", "}{", "NIL", "a" * 5000]


@pytest.mark.parametrize("password", NASTY, ids=[repr(p)[:12] for p in NASTY])
@pytest.mark.parametrize(
    ("protocol", "drop"),
    [("imap", ["AUTH=PLAIN", "LITERAL+"]), ("imap", ["SASL-IR"]), ("smtp", []), ("pop3", ["SASL PLAIN LOGIN"])],
)
async def test_awkward_passwords_arrive_byte_for_byte_in_one_login(
    certs: CertLab, ca_file: str, protocol: str, drop: list[str], password: str
) -> None:
    server = LoginServer(protocol, tls="implicit", lab=certs, password=password, drop_capabilities=drop)  # type: ignore[arg-type]
    checked = len(password) >= CHECKED_CHARS
    result = await (login(server, ca_file, password) if checked else login_unchecked(server, ca_file, password))
    assert result.outcome == LoginOutcome.OK, result
    assert [entry.password for entry in server.logins] == [password.encode()]


async def login_unchecked(server: LoginServer, ca_file: str, password: str) -> LoginResult:
    """A login whose result is not searched for the password."""
    async with server, login_session(server, ca_file) as session:
        dialogue = LOGIN_DIALOGUES[server.protocol]
        return await dialogue(session.dialogue, session.capabilities, _as_user(password), tls=True)


def test_every_protocol_has_a_dialogue() -> None:
    assert set(LOGIN_DIALOGUES) == {"imap", "pop3", "smtp"}
    dialogues = (LOGIN_DIALOGUES["imap"], LOGIN_DIALOGUES["pop3"], LOGIN_DIALOGUES["smtp"])
    assert dialogues == (imap_login, pop3_login, smtp_login)
