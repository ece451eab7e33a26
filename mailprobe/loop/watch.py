"""The loop's IMAP side: ID, one login, the quota, SELECT INBOX; then, once the message is sent, IDLE (or a
bounded NOOP and UID SEARCH poll) until it is there; the junk folder when the budget runs out; its Received
headers and INTERNALDATE; and its deletion by UID — UID EXPUNGE with UIDPLUS, else MOVE to the trash, else
nothing (and it says so). Never a bare EXPUNGE, which would remove other messages marked deleted."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from mailprobe.evidence import Failure
from mailprobe.kinds.loop import Cleanup, QuotaRoot
from mailprobe.login.attempt import LoginProgress, NotAttempted, run_login
from mailprobe.login.dialogues import imap_authenticate
from mailprobe.login.result import LoginOutcome, LoginResult
from mailprobe.loop import imapwire
from mailprobe.loop.message import LOOP_HEADER
from mailprobe.net.connect import ProbeError
from mailprobe.net.dialogue import Dialogue, bad_reply
from mailprobe.secret import Credentials
from mailprobe.version import __version__

MAX_RESPONSE_LINES = 2000
MAX_LITERAL_BYTES = 256 * 1024
IDLE_SLICE_S = 10.0  # one IDLE lasts at most this, then a search again (a missed EXISTS costs no more)
POLL_FIRST_S = 0.5
POLL_MAX_S = 5.0
KEEP_REPLY_CHARS = 300
PROGRESS_EVERY_S = 10.0  # a terminal is told the loop still waits this often
ON_THE_WAY_OUT_S = 3.0  # stopped (Ctrl-C): how long the deletion of a message that has arrived may take

Progress = Callable[[str, dict[str, object]], None]


@dataclass
class Watch:
    """What the IMAP side saw; the loop's facts are filled from it."""

    loop_id: str
    wait_until: float  # time.monotonic() at which waiting in the inbox ends and the junk folder is looked in
    progress: Progress | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # the inbox is open: the message may be sent
    sent: asyncio.Future[float | None] | None = None  # when the message went out (monotonic), None: not sent
    capabilities: list[str] = field(default_factory=list)
    quota: list[QuotaRoot] = field(default_factory=list)
    watched_with: str | None = None
    folder: str | None = None
    junk: bool = False
    uid: int | None = None
    found_at: float | None = None
    internaldate: datetime | None = None
    headers: bytes = b""
    cleanup: Cleanup | None = None
    replies: list[str] = field(default_factory=list)
    stage: str = "login"
    result: LoginResult | None = None
    idling: str | None = None  # the tag of an IDLE under way
    looked_in_junk: bool = False


@dataclass
class _Response:
    untagged: list[str]
    tagged: str
    status: str
    literals: list[tuple[str, bytes]]  # the line that announced each literal, and its bytes

    @property
    def ok(self) -> bool:
        return self.status == "OK"


async def watch(dialogue: Dialogue, caps: Sequence[str], credentials: Credentials, state: Watch,
                *, tls: bool) -> LoginResult:
    async def flow(attempt: LoginProgress, caps: Sequence[str]) -> LoginOutcome:
        return await _flow(attempt, caps, state)

    state.result = await run_login("imap", flow, "{tag} LOGOUT", dialogue, caps, credentials, tls)
    return state.result


async def _flow(attempt: LoginProgress, caps: Sequence[str], state: Watch) -> LoginOutcome:
    if "LOGINDISABLED" in caps:
        raise NotAttempted("LOGINDISABLED: the server takes no password login here")
    attempt.stage = "id"
    reply = await _command(attempt, f'ID ("name" "mailprobe" "version" "{__version__}")')
    login = await imap_authenticate(attempt, caps)
    attempt.auth_ends()
    attempt.heard(login.lines)
    if not login.ok:
        return LoginOutcome.REFUSED
    attempt.accepted = True
    state.stage = attempt.stage = "examine"  # a login stage name the evidence knows
    announced = imapwire.capabilities(login.lines)
    if announced is None:
        reply = await _command(attempt, "CAPABILITY")
        announced = imapwire.capabilities(reply.untagged) or list(caps)
    state.capabilities = announced
    if "QUOTA" in announced:
        reply = await _command(attempt, "GETQUOTAROOT INBOX")
        state.quota = imapwire.quota(reply.untagged)
    reply = await _command(attempt, "SELECT INBOX")
    if not reply.ok:
        _heard(state, attempt, reply)
        return LoginOutcome.MAILBOX_REFUSED
    attempt.mailbox_ok = True
    state.ready.set()
    assert state.sent is not None
    try:
        sent = await state.sent
        if sent is None:
            return LoginOutcome.OK
        state.stage = "wait"
        await _wait_in_inbox(attempt, state)
        if state.uid is None:
            state.stage = "junk"
            await _look_in_junk(attempt, state)
        if state.uid is not None:
            state.stage = "fetch"
            await _fetch(attempt, state)
            state.stage = "cleanup"
            state.cleanup = await _delete(attempt, state)
    except asyncio.CancelledError:
        # Stopped (Ctrl-C, SIGTERM): a message that has arrived is still deleted, within a bound of its own.
        if state.sent.done() and state.sent.result() is not None and state.cleanup is None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(_on_the_way_out(attempt, state), ON_THE_WAY_OUT_S)
        raise
    state.stage = "done"
    return LoginOutcome.OK


async def _on_the_way_out(attempt: LoginProgress, state: Watch) -> None:
    if state.idling is not None:
        await attempt.write(b"DONE\r\n")
        await _read(attempt, state.idling)
        state.idling = None
    if state.uid is None:
        state.uid = await _search(attempt, state)
    if state.uid is None and not state.looked_in_junk:
        await _look_in_junk(attempt, state)
    if state.uid is not None:
        state.cleanup = await _delete(attempt, state)


async def _wait_in_inbox(attempt: LoginProgress, state: Watch) -> None:
    idle = "IDLE" in state.capabilities
    state.watched_with = "idle" if idle else "poll"
    pause = POLL_FIRST_S
    began = told = time.monotonic()
    while True:
        if state.progress is not None and time.monotonic() - told >= PROGRESS_EVERY_S:
            told = time.monotonic()
            state.progress("loop.progress.waiting", {"seconds": round(told - began)})
        uid = await _search(attempt, state)
        if uid is not None:
            state.uid, state.found_at, state.folder = uid, time.monotonic(), "INBOX"
            return
        left = state.wait_until - time.monotonic()
        if left <= 0:
            return
        if idle:
            await _idle(attempt, state, min(IDLE_SLICE_S, left))
        else:
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, POLL_MAX_S)
            await _command(attempt, "NOOP")


async def _idle(attempt: LoginProgress, state: Watch, seconds: float) -> None:
    """One IDLE (RFC 2177) until the mailbox changes or SECONDS pass, then DONE."""
    dialogue = attempt.dialogue
    tag = dialogue.next_tag()
    await attempt.write(f"{tag} IDLE\r\n".encode())
    state.idling = tag
    line = await dialogue.read_line("wait")
    if not line.startswith("+"):
        if line.lower().startswith(f"{tag} ".lower()):
            state.idling = None
            await asyncio.sleep(min(seconds, POLL_MAX_S))  # IDLE refused: wait as a poll would
            return
        raise bad_reply("wait", "not an answer to IDLE", line)
    ends = time.monotonic() + seconds
    while (left := ends - time.monotonic()) > 0:
        try:
            line = await asyncio.wait_for(dialogue.unbounded_line("wait"), left)
        except TimeoutError:
            break
        if line.upper().endswith(" EXISTS") or line.upper().endswith(" RECENT"):
            break
    await attempt.write(b"DONE\r\n")
    await _read(attempt, tag)
    state.idling = None


async def _search(attempt: LoginProgress, state: Watch) -> int | None:
    reply = await _command(attempt, f"UID SEARCH HEADER {LOOP_HEADER} {state.loop_id}")
    uids = imapwire.search_uids(reply.untagged) if reply.ok else []
    return uids[0] if uids else None


async def _look_in_junk(attempt: LoginProgress, state: Watch) -> None:
    state.looked_in_junk = True
    reply = await _command(attempt, 'LIST "" "*"')
    junk = imapwire.special(imapwire.folders(reply.untagged), "\\Junk", imapwire.JUNK_NAMES)
    if junk is None:
        return
    reply = await _command(attempt, f"SELECT {imapwire.quoted(junk.name)}")
    if not reply.ok:
        return
    uid = await _search(attempt, state)
    if uid is not None:
        state.uid, state.found_at, state.folder, state.junk = uid, time.monotonic(), junk.shown, True


async def _fetch(attempt: LoginProgress, state: Watch) -> None:
    reply = await _command(attempt, f"UID FETCH {state.uid} (UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (RECEIVED)])")
    for line, data in reply.literals:
        state.internaldate = state.internaldate or imapwire.internaldate(line)
        state.headers = state.headers or data
    if state.internaldate is None:
        for line in reply.untagged:
            state.internaldate = state.internaldate or imapwire.internaldate(line)


async def _delete(attempt: LoginProgress, state: Watch) -> Cleanup:
    caps = state.capabilities
    if "UIDPLUS" in caps:
        reply = await _command(attempt, f"UID STORE {state.uid} +FLAGS.SILENT (\\Deleted)")
        if reply.ok:
            reply = await _command(attempt, f"UID EXPUNGE {state.uid}")
        _heard(state, attempt, reply)
        return "expunged" if reply.ok else "failed"
    if "MOVE" in caps:
        listing = await _command(attempt, 'LIST "" "*"')
        trash = imapwire.special(imapwire.folders(listing.untagged), "\\Trash", imapwire.TRASH_NAMES)
        if trash is not None and trash.shown != state.folder:
            reply = await _command(attempt, f"UID MOVE {state.uid} {imapwire.quoted(trash.name)}")
            _heard(state, attempt, reply)
            return "moved" if reply.ok else "failed"
    return "not_allowed"


def _heard(state: Watch, attempt: LoginProgress, reply: _Response) -> None:
    mask = attempt.credentials.redactor.text if attempt.credentials is not None else str
    state.replies = [mask(reply.tagged[:KEEP_REPLY_CHARS])]


async def _command(attempt: LoginProgress, command: str) -> _Response:
    tag = attempt.dialogue.next_tag()
    await attempt.write(f"{tag} {command}\r\n".encode())
    return await _read(attempt, tag)


async def _read(attempt: LoginProgress, tag: str) -> _Response:
    return await attempt.dialogue.bounded_step(_response(attempt.dialogue, tag, attempt.stage), attempt.stage)


async def _response(dialogue: Dialogue, tag: str, stage: str) -> _Response:
    """Untagged lines (with their literals) up to the line tagged TAG."""
    untagged: list[str] = []
    literals: list[tuple[str, bytes]] = []
    prefix = f"{tag} ".lower()
    for _ in range(MAX_RESPONSE_LINES):
        line = await dialogue.unbounded_line(stage)
        if line.lower().startswith(prefix):
            status = line[len(prefix):].split(" ", 1)[0].upper()
            return _Response(untagged, line, status, literals)
        if line.upper().startswith("* BYE"):
            raise ProbeError(Failure.REJECTED, stage, line)
        size = imapwire.literal_size(line)
        if size is not None:
            if size > MAX_LITERAL_BYTES:
                raise bad_reply(stage, "literal too large", line)
            literals.append((line, await dialogue.read_bytes(size, stage)))
        untagged.append(line)
    raise ProbeError(Failure.BAD_REPLY, stage, f"IMAP response longer than {MAX_RESPONSE_LINES} lines")
