"""A loopback HTTPS stand-in for an administrator API: JSON answers by method and path, request bodies read,
every request kept (to check what mailprobe sent). Runs on its own loop in a background thread, so that the
installed command line, in a subprocess, can talk to it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait this long before answering (a slow or stalled API)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    sni: str | None


class ApiStandIn:
    def __init__(self, routes: dict[str, Answer | Any], *, tls: ssl.SSLContext, host: str) -> None:
        self.routes = {key: value if isinstance(value, Answer) else Answer(body=value) for key, value in routes.items()}
        self.tls, self.host = tls, host
        self.port = free_port(host)
        self.seen: list[Seen] = []
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    def __enter__(self) -> ApiStandIn:
        self._thread = threading.Thread(target=self._loop.run_forever, name="api-stand-in", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        async def stop() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._handlers):
                task.cancel()
            if self._handlers:
                await asyncio.wait(list(self._handlers), timeout=2)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port, ssl=self.tls)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *lines = head.decode("latin-1").split("\r\n")
            method, target, _ = request_line.split(" ", 2)
            headers = {}
            for line in lines:
                if ":" in line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            body = await reader.readexactly(length) if length else b""
            split = urlsplit(target)
            sslobj = writer.get_extra_info("ssl_object")
            sni = sslobj.server_hostname if sslobj is not None else None
            self.seen.append(Seen(method, split.path, parse_qs(split.query), headers, body, sni))
            answer = self.routes.get(f"{method} {split.path}") or Answer(404, {"error": "not found"})
            if answer.delay_s:
                await asyncio.sleep(answer.delay_s)
            payload = json.dumps(answer.body).encode()
            reply = [f"HTTP/1.1 {answer.status} X", "Content-Type: application/json",
                     f"Content-Length: {len(payload)}", "Connection: close",
                     *(f"{k}: {v}" for k, v in answer.headers.items())]
            writer.write(("\r\n".join(reply) + "\r\n\r\n").encode() + payload)
            await writer.drain()
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port
