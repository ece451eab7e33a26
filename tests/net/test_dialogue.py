"""Bounded line dialogue: what a server sends, byte for byte, and what the reader makes of it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable

import pytest

from mailprobe.evidence import Failure
from mailprobe.net.connect import LINE_LIMIT, ProbeError, open_tcp
from mailprobe.net.deadline import Deadline
from mailprobe.net.dialogue import Dialogue, decode, quote


class ScriptedPeer:
    """A loopback server that sends a script, then hangs up or listens; it records what it hears."""

    def __init__(self) -> None:
        self.heard: list[bytes] = []
        self._servers: list[asyncio.Server] = []
        self._writers: list[asyncio.StreamWriter] = []

    async def talk(self, script: bytes, hang_up: bool = False) -> Dialogue:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._writers.append(writer)
            writer.write(script)
            await writer.drain()
            if hang_up:
                writer.close()
                return
            self.heard.append(await reader.read(1024))

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        self._servers.append(server)
        deadline = Deadline(3.0)
        reader, writer, _ = await open_tcp("127.0.0.1", server.sockets[0].getsockname()[1], deadline)
        self._writers.append(writer)
        return Dialogue(reader, writer, deadline, cap=2.0)

    async def close(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        for server in self._servers:
            server.close()
            await server.wait_closed()
        await asyncio.sleep(0)  # let the aborted transports finish closing


@pytest.fixture
async def peer() -> AsyncIterator[ScriptedPeer]:
    scripted = ScriptedPeer()
    yield scripted
    await scripted.close()


async def failure_of(step: Awaitable[object]) -> ProbeError:
    with pytest.raises(ProbeError) as caught:
        await step
    return caught.value


async def test_line_is_returned_without_its_crlf(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"* OK ready\r\nnext\n")
    assert await dialogue.read_line("greeting") == "* OK ready"
    assert await dialogue.read_line("greeting") == "next"


async def test_eof_before_any_line_is_closed(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"", hang_up=True)
    error = await failure_of(dialogue.read_line("greeting"))
    assert error.facts.kind == Failure.CLOSED and error.facts.stage == "greeting"


async def test_eof_mid_line_is_closed_quoting_the_partial_line(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"+OK half a gree", hang_up=True)
    error = await failure_of(dialogue.read_line("greeting"))
    assert error.facts.kind == Failure.CLOSED and "half a gree" in error.facts.detail


async def test_binary_bytes_without_newline_are_bad_reply_at_once(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"\x16\x03\x01\x00\x2a\x02\x00")
    started = time.monotonic()
    error = await failure_of(dialogue.read_line("greeting"))
    assert time.monotonic() - started < 1.0
    assert error.facts.kind == Failure.BAD_REPLY
    assert "\\x16\\x03\\x01" in error.facts.detail


async def test_over_long_line_is_bad_reply(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"220 " + b"x" * (LINE_LIMIT + 100))
    error = await failure_of(dialogue.read_line("greeting"))
    assert error.facts.kind == Failure.BAD_REPLY and f"longer than {LINE_LIMIT}" in error.facts.detail


async def test_silence_is_timeout_within_the_cap(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"")
    dialogue.cap = 0.3
    started = time.monotonic()
    error = await failure_of(dialogue.read_line("greeting"))
    assert time.monotonic() - started < 1.5
    assert error.facts.kind == Failure.TIMEOUT


async def test_smtp_multiline_reply_collects_every_line(peer: ScriptedPeer) -> None:
    script = b"250-smtp.qq.com\r\n250-SIZE 73400320\r\n250-AUTH LOGIN PLAIN\r\n250 8BITMIME\r\n"
    dialogue = await peer.talk(script)
    code, texts = await dialogue.smtp_reply("capabilities")
    assert code == "250"
    assert texts == ["smtp.qq.com", "SIZE 73400320", "AUTH LOGIN PLAIN", "8BITMIME"]


async def test_smtp_bare_code_line_ends_the_reply(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"250\r\n")
    assert await dialogue.smtp_reply("capabilities") == ("250", [""])


async def test_smtp_reply_changing_code_midway_is_bad_reply(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"250-first\r\n220 second\r\n")
    error = await failure_of(dialogue.smtp_reply("capabilities"))
    assert error.facts.kind == Failure.BAD_REPLY


async def test_smtp_reply_without_end_after_100_lines_is_bad_reply(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"250-more\r\n" * 150)
    error = await failure_of(dialogue.smtp_reply("capabilities"))
    assert error.facts.kind == Failure.BAD_REPLY and "100 lines" in error.facts.detail


async def test_imap_untagged_lines_are_gathered_until_the_tagged_reply(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"* CAPABILITY IMAP4rev1 STARTTLS\r\n* OK still here\r\nA1 OK done\r\n")
    untagged, tagged = await dialogue.imap_reply("a1", "capabilities")
    assert untagged == ["* CAPABILITY IMAP4rev1 STARTTLS", "* OK still here"]
    assert tagged == "A1 OK done"


async def test_imap_bye_while_waiting_is_rejected(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"* BYE Autologout; idle for too long\r\n")
    error = await failure_of(dialogue.imap_reply("a1", "capabilities"))
    assert error.facts.kind == Failure.REJECTED and "Autologout" in error.facts.detail


async def test_imap_line_neither_untagged_nor_ours_is_bad_reply(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"a7 OK someone else's tag\r\n")
    error = await failure_of(dialogue.imap_reply("a1", "capabilities"))
    assert error.facts.kind == Failure.BAD_REPLY


async def test_pop3_multiline_stops_at_dot_and_unstuffs(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"TOP\r\n..hidden\r\nSTLS\r\n.\r\nafter\r\n")
    assert await dialogue.pop3_multiline("capabilities") == ["TOP", ".hidden", "STLS"]
    assert await dialogue.read_line("next") == "after"


async def test_send_writes_one_crlf_terminated_line(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"")
    await dialogue.send("a1 CAPABILITY", "capabilities")
    dialogue.writer.write_eof()
    for _ in range(50):
        if peer.heard:
            break
        await asyncio.sleep(0.02)
    assert peer.heard == [b"a1 CAPABILITY\r\n"]


async def test_discarded_read_ahead_is_gone(peer: ScriptedPeer) -> None:
    dialogue = await peer.talk(b"+OK go ahead\r\n+OK injected\r\n", hang_up=True)
    assert await dialogue.read_line("starttls") == "+OK go ahead"
    assert dialogue.discard_pending() == len(b"+OK injected\r\n")
    error = await failure_of(dialogue.read_line("capabilities"))
    assert error.facts.kind == Failure.CLOSED


def test_utf8_then_gbk_decoding() -> None:
    assert decode("+OK 欢迎".encode()) == "+OK 欢迎"
    assert decode("+OK 歡迎使用".encode("gbk")) == "+OK 歡迎使用"


def test_quote_escapes_and_bounds() -> None:
    assert quote(b"\x00ab\x1b") == "\\x00ab\\x1b"
    assert quote(b"x" * 100).endswith("…")
