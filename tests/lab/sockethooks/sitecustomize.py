"""Socket hooks for tests that run the real `python -m mailprobe` (tests/lab/sockethooks.py puts this folder first
on its PYTHONPATH, so Python loads this file at start-up). Each hook is off unless its variable is set:

- MAILPROBE_DIAL_LOG=FILE: every connect / sendto to an address off loopback is written to FILE and refused before
  any packet leaves. A test can say "nothing was dialled" about link-local, metadata or multicast targets without
  ever dialling them.
- MAILPROBE_FAKE_EMFILE=udp: creating a UDP socket fails with EMFILE ("Too many open files"), as it does when the
  process runs out of file descriptors: every DNS question then fails for mailprobe's own limit.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from typing import Any

_LOG = os.environ.get("MAILPROBE_DIAL_LOG")
_EMFILE = os.environ.get("MAILPROBE_FAKE_EMFILE")
_BASE = socket.socket.__mro__[1]  # _socket.socket, whose methods do the work


def _off_loopback(address: Any) -> str | None:
    if not (isinstance(address, tuple) and address and isinstance(address[0], str)):
        return None  # a Unix socket, or nothing to judge
    host = address[0]
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host  # a name: mailprobe never dials one (every address comes from its resolver)
    mapped = getattr(ip, "ipv4_mapped", None)
    return None if (mapped or ip).is_loopback else host


def _refuse(what: str, address: Any) -> None:
    host = _off_loopback(address)
    if host is None or _LOG is None:
        return
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(f"{what} {address!r}\n")
    raise PermissionError(errno.EACCES, f"sockethooks: {what} to {host} refused (tests talk to loopback only)")


if _LOG:
    def _connect(self: socket.socket, address: Any) -> None:
        _refuse("connect", address)
        _BASE.connect(self, address)

    def _connect_ex(self: socket.socket, address: Any) -> int:
        _refuse("connect", address)
        return int(_BASE.connect_ex(self, address))

    def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
        _refuse("sendto", args[-1])
        return int(_BASE.sendto(self, data, *args))

    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _sendto  # type: ignore[method-assign]

if _EMFILE == "udp":
    _init = socket.socket.__init__

    def _no_udp(self: socket.socket, family: Any = -1, type: Any = -1, *args: Any, **kwargs: Any) -> None:
        if type == socket.SOCK_DGRAM or (isinstance(type, int) and type & socket.SOCK_DGRAM == socket.SOCK_DGRAM
                                          and type & socket.SOCK_STREAM != socket.SOCK_STREAM):
            raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))
        _init(self, family, type, *args, **kwargs)

    socket.socket.__init__ = _no_udp  # type: ignore[method-assign]
