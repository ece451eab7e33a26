"""close_quietly: a peer that never lets the close finish costs the grace, never more; a probe cancelled while it
closes (the run cut it off, or SIGTERM stopped it) stays cancelled instead of carrying on. Loopback only."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mailprobe.net.connect import close_quietly

_CHUNK = b"x" * (1 << 20)


@asynccontextmanager
async def _unread_connection() -> AsyncIterator[asyncio.StreamWriter]:
    """A connection whose peer accepts and never reads: what we wrote stays buffered, so the close cannot finish
    (the transport waits to flush it) until the connection is aborted."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        peer, _ = listener.accept()
        try:
            for _ in range(16):  # well past both sockets' buffers
                writer.write(_CHUNK)
            yield writer
        finally:
            writer.transport.abort()
            peer.close()
    finally:
        listener.close()


async def test_a_close_that_cannot_finish_costs_the_grace_only() -> None:
    async with _unread_connection() as writer:
        await asyncio.wait_for(close_quietly(writer, 0.1), 5.0)
        assert writer.transport.is_closing()


async def test_a_probe_cancelled_while_it_closes_stays_cancelled() -> None:
    carried_on: list[str] = []
    async with _unread_connection() as writer:
        async def probe() -> None:
            await close_quietly(writer, 30.0)
            carried_on.append("the next dialogue")  # e.g. the next login of the chain, the password sent again
            await asyncio.sleep(30.0)

        task = asyncio.ensure_future(probe())
        await asyncio.sleep(0.1)  # it is waiting for the close now
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5.0)
    assert done == {task} and task.cancelled()
    assert carried_on == []
