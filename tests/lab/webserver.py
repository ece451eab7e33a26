"""A scripted HTTP(S) server on loopback for webmail tests: routes, redirects, clock skew, bad TLS, delays."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from types import TracebackType

# A request head longer than this is not a browser talking; the server stops reading.
HEAD_LIMIT = 16 * 1024

_REASONS = {
    200: "OK", 301: "Moved Permanently", 302: "Found", 303: "See Other", 307: "Temporary Redirect",
    308: "Permanent Redirect", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
}


@dataclass
class Route:
    """How the server answers one path. `location` may hold `{port}`, replaced by the server's port."""

    status: int = 200
    body: str | bytes = ""
    location: str | None = None
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    date: str | None = None  # the Date header verbatim; None: now + date_offset_s
    date_offset_s: float = 0.0  # a server clock this far from ours
    delay_s: float = 0.0  # wait this long before answering
    silent: bool = False  # read the request, never answer


def redirect(location: str, status: int = 302) -> Route:
    return Route(status=status, location=location)


def login_page(*resources: str, title: str = "Webmail login") -> str:
    """A login page referencing scripts (.js), stylesheets (.css) and images (anything else)."""
    tags = []
    for url in resources:
        src = escape(url, quote=True)
        if url.endswith(".js"):
            tags.append(f'<script src="{src}"></script>')
        elif url.endswith(".css"):
            tags.append(f'<link rel="stylesheet" href="{src}">')
        else:
            tags.append(f'<img src="{src}" alt="">')
    head = "\n".join(tags)
    return (
        f"<!DOCTYPE html><html><head><title>{escape(title)}</title>\n{head}\n</head><body>"
        '<form method="post" action="/login"><input name="user"><input type="password" name="password">'
        "</form></body></html>"
    )


@dataclass
class Request:
    method: str
    path: str
    host: str  # the Host header, port included if sent
    sni: str | None  # the TLS server name the client sent (None: plain HTTP or no SNI)
    headers: dict[str, str] = field(default_factory=dict)  # every request header, names in lower case


class WebServer:
    """HTTP/1.1 on 127.0.0.1 (or ::1), plain or TLS, one answer per connection.

    `async with WebServer(...) as web` runs it on the current event loop; `with WebServer(...) as web`
    runs it on its own loop in a background thread (for tests that start mailprobe as a subprocess).
    Routes are keyed by path, or by `host/path` for one virtual host; unknown paths answer 404.
    """

    def __init__(
        self,
        routes: Mapping[str, Route | str] | None = None,
        *,
        tls: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        silent: bool = False,
        default: Route | None = None,
    ) -> None:
        self.routes = {path: Route(body=r) if isinstance(r, str) else r for path, r in (routes or {}).items()}
        self.default = default  # the answer to a path no route names (a captive portal's to all); None: 404
        self.tls = tls
        self.host = host
        self.port = port
        self.silent = silent  # accept connections and never speak, not even TLS
        self.requests: list[Request] = []
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._sni: dict[int, str | None] = {}
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.connections = 0  # accepted, for the batch benchmark's shared-work figures
        if tls is not None:
            tls.sni_callback = self._record_sni

    @property
    def scheme(self) -> str:
        return "https" if self.tls is not None else "http"

    def url(self, path: str = "/", host: str | None = None) -> str:
        """The URL of PATH on this server, named by HOST (default: the loopback address itself)."""
        name = host or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"{self.scheme}://{name}:{self.port}{path}"

    async def start(self) -> WebServer:
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, ssl=None if self.silent else self.tls,
            ssl_handshake_timeout=5.0 if self.tls is not None and not self.silent else None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        if self._handlers:
            await asyncio.wait(list(self._handlers), timeout=2.0)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> WebServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def start_in_thread(self) -> WebServer:
        """Run on a private event loop in a daemon thread; returns once the port is listening."""
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name=f"webserver-{id(self)}", daemon=True)
        self._thread.start()
        if not ready.wait(10.0):
            raise RuntimeError("lab web server did not start")
        return self

    def stop_thread(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10.0)
            self._thread, self._loop = None, None

    def __enter__(self) -> WebServer:
        return self.start_in_thread()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_thread()

    def _record_sni(self, sslobj: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        self._sni[id(sslobj)] = name

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        self._writers.add(writer)
        try:
            if self.silent:
                await _drain_until_eof(reader)
                return
            await self._answer(reader, writer)
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await _read_head(reader)
        method, path, headers = _parse_head(head)
        host = headers.get("host", "")
        sslobj = writer.get_extra_info("ssl_object")
        sni = self._sni.pop(id(sslobj), None) if sslobj is not None else None
        self.requests.append(Request(method, path, host, sni, headers))
        route = self._route(host, path)
        if route.silent:
            await _drain_until_eof(reader)
            return
        if route.delay_s:
            await asyncio.sleep(route.delay_s)
        writer.write(self._response(route, method))
        await writer.drain()

    def _route(self, host: str, path: str) -> Route:
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        path = path.split("?", 1)[0]
        found = self.routes.get(f"{name.lower()}{path}") or self.routes.get(path)
        return found or self.default or Route(status=404, body="<html><body>not found</body></html>")

    def _response(self, route: Route, method: str) -> bytes:
        body = route.body.encode() if isinstance(route.body, str) else route.body
        date = route.date or format_datetime(
            datetime.now(UTC) + timedelta(seconds=route.date_offset_s), usegmt=True
        )
        headers = {
            "Date": date,
            "Server": "mailprobe-lab",
            "Content-Type": route.content_type,
            "Content-Length": str(len(body)),
            "Connection": "close",
        }
        if route.location is not None:
            headers["Location"] = route.location.replace("{port}", str(self.port))
        headers.update(route.headers)
        reason = _REASONS.get(route.status, "Status")
        lines = [f"HTTP/1.1 {route.status} {reason}", *(f"{k}: {v}" for k, v in headers.items())]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head if method == "HEAD" else head + body


async def _drain_until_eof(reader: asyncio.StreamReader) -> None:
    while await reader.read(4096):
        pass


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = await reader.read(4096)
        if not chunk:
            raise asyncio.IncompleteReadError(head, None)
        head += chunk
        if len(head) > HEAD_LIMIT:
            raise ValueError("request head too long")
    return head.split(b"\r\n\r\n", 1)[0]


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, path, _version = request_line.split(" ", 2)
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return method, path, headers


def unused_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (bound, then released), so a connection to it is refused."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port
