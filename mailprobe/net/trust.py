"""The trust store, loaded once per process and in the background.

OpenSSL reads the system bundle (and --ca-file) with the GIL released: started first thing, the load runs on
another core while Python imports the probes, instead of stalling the first TLS handshake by some 40 ms. Two
verifying contexts are kept: one for the mail protocols, one for HTTP alone (httpcore writes ALPN into the
context it is handed, and IMAP / POP3 / SMTP servers must not be offered HTTP).

This module stays light (no pydantic, no httpx): the CLI starts the load before the heavy imports.
"""

from __future__ import annotations

import os
import ssl
import threading
from concurrent.futures import Future

from mailprobe.errors import UsageError
from mailprobe.localinput import PATH_SHOWN, read_bytes
from mailprobe.safetext import quoted_input

# The system bundle is some 200 KiB; 4 MiB leaves room for any corporate one.
MAX_CA_FILE_BYTES = 4 * 1024 * 1024


class Trust:
    """The verifying contexts of one --ca-file (or none): the system trust store plus that bundle."""

    def __init__(self, ca_file: str | None) -> None:
        self.ca_file = ca_file
        self._mail: Future[ssl.SSLContext] = Future()
        self._http: Future[ssl.SSLContext] = Future()
        threading.Thread(target=self._load, name="mailprobe-trust", daemon=True).start()

    def mail_context(self) -> ssl.SSLContext:
        """Raises UsageError when --ca-file is no CA bundle."""
        return self._mail.result()

    def http_future(self) -> Future[ssl.SSLContext]:
        """The HTTP context as it loads (to be awaited with asyncio.wrap_future, shielded)."""
        return self._http

    def _load(self) -> None:
        try:
            ca_data = self._ca_data()
        except BaseException as exc:
            self._mail.set_exception(exc)
            self._http.set_exception(exc)
            return
        for future in (self._mail, self._http):
            try:
                future.set_result(self._verifying(ca_data))
            except BaseException as exc:
                future.set_exception(exc)

    def _verifying(self, ca_data: str | bytes | None) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if ca_data is not None:
            try:
                context.load_verify_locations(cadata=ca_data)
            except (ssl.SSLError, ValueError) as exc:
                shown = quoted_input(self.ca_file or "", PATH_SHOWN)
                raise UsageError(f"--ca-file {shown} is not a PEM CA bundle ({exc})") from None
        return context

    def _ca_data(self) -> str | bytes | None:
        """The bundle, read once through the bounded reader: OpenSSL opening the path itself would wait
        forever on a FIFO and read /dev/zero until memory ran out."""
        if self.ca_file is None:
            return None
        raw = read_bytes(self.ca_file, what="--ca-file", max_bytes=MAX_CA_FILE_BYTES)
        if b"-----BEGIN" in raw:
            # PEM, whose text between the blocks may be in any script (the system bundle names issuers in
            # Hungarian, Turkish, Chinese); OpenSSL wants ASCII and skips all but the blocks.
            return raw.decode("ascii", "ignore")
        return raw  # DER


_LOADED: dict[tuple[str | None, tuple[int, ...] | None], Trust] = {}
_LOCK = threading.Lock()


def trust(ca_file: str | None) -> Trust:
    """The process's one Trust for CA_FILE as it is now on disk (a long-lived exporter sees a replaced bundle),
    its load started on first call (`preload` calls it early)."""
    key = (ca_file, _version(ca_file))
    with _LOCK:
        found = _LOADED.get(key)
        if found is None:
            found = _LOADED[key] = Trust(ca_file)
        return found


def _version(path: str | None) -> tuple[int, ...] | None:
    if path is None or path == "-":
        return None
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def preload(ca_file: str | None) -> None:
    """Start loading the trust store now, in the background (the CLI's first act)."""
    trust(ca_file)
