"""Bounded local reads: a file named by the user is read only if it is a regular file, and only so far.

`open()` on a FIFO blocks until someone writes; /dev/zero and /dev/urandom never end; a directory or a socket
fails with an error no user can act on. Every file mailprobe reads on the user's word (--input, a saved
report, a profile, --ca-file) comes through here: opened without blocking, checked to be a regular file,
read up to a cap, decoded strictly. Standard input ('-') is read with a time limit, since a pipe whose
writer never closes it would otherwise hold the command past its deadline.
"""

from __future__ import annotations

import errno
import os
import select
import stat
import sys
import time
from typing import Any

from mailprobe.errors import UsageError
from mailprobe.safetext import quoted_input

# Long enough for any real path, short enough for one line.
PATH_SHOWN = 400
_CHUNK = 1 << 16
_BOM = b"\xef\xbb\xbf"
# What a path can be instead of a regular file, as the one-line refusals name it (output.py adds the link).
NOT_REGULAR_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISSOCK, "a socket"),
)


def read_bytes(
    path: str, *, what: str, max_bytes: int, allow_stdin: bool = False, timeout_s: float | None = None
) -> bytes:
    """The content of the regular file `path` (or of standard input for '-' when `allow_stdin`).

    Raises UsageError, one line starting with `what` and the quoted path, when the path is missing, is not
    a regular file (a FIFO, device, directory or socket), cannot be read, holds more than `max_bytes`, or
    (standard input only) does not end within `timeout_s` seconds.
    """
    where = _where(path, what, allow_stdin)
    if path == "-" and allow_stdin:
        return _read_stdin(where, max_bytes, timeout_s)
    fd = _open(path, where)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{where}: not a regular file ({_kind(info.st_mode)})")
        if info.st_size > max_bytes:
            raise _too_large(where, max_bytes)
        data = _read_fd(fd, max_bytes, where)
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # it grew since fstat
        raise _too_large(where, max_bytes)
    return data


def read_text(
    path: str, *, what: str, max_bytes: int, allow_stdin: bool = False, timeout_s: float | None = None
) -> str:
    """`read_bytes` decoded as UTF-8 (a leading BOM dropped); other bytes are a UsageError naming the offset."""
    data = read_bytes(path, what=what, max_bytes=max_bytes, allow_stdin=allow_stdin, timeout_s=timeout_s)
    return decode_utf8(data, _where(path, what, allow_stdin))


def decode_utf8(data: bytes, where: str) -> str:
    """Strict UTF-8 with a leading BOM dropped (Notepad writes one); `where` names the source in the error."""
    skipped = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[skipped:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{where} is not UTF-8 text (invalid byte at offset {exc.start + skipped})") from None


def deeper_than(data: object, limit: int) -> bool:
    """True when lists / dicts in `data` (parsed JSON or TOML) nest more than `limit` levels deep.

    Walked without recursion, so that the check itself cannot overflow on what it is meant to refuse.
    """
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list | tuple))
    return False


def _where(path: str, what: str, allow_stdin: bool) -> str:
    if path == "-" and allow_stdin:
        return f"{what} '-' (standard input)"
    return f"{what} {quoted_input(path, PATH_SHOWN)}"


def _open(path: str, where: str) -> int:
    # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; O_NOCTTY: a terminal
    # device named by mistake does not become our controlling terminal.
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(path, flags)
    except FileNotFoundError:
        raise UsageError(f"{where} does not exist") from None
    except PermissionError:
        raise UsageError(f"{where} cannot be read (permission denied)") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a UNIX socket, or a FIFO opened without a reader
            raise UsageError(f"{where}: not a regular file ({_kind_of_path(path)})") from None
        raise UsageError(f"{where} cannot be read ({exc.strerror or exc})") from None
    except ValueError:  # a NUL byte in the path
        raise UsageError(f"{where} is not a valid path") from None


def _read_fd(fd: int, max_bytes: int, where: str) -> bytes:
    data = bytearray()
    while len(data) <= max_bytes:
        try:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - len(data)))
        except OSError as exc:
            raise UsageError(f"{where} cannot be read ({exc.strerror or exc})") from None
        if not chunk:
            break
        data += chunk
    return bytes(data)


def _read_stdin(where: str, max_bytes: int, timeout_s: float | None) -> bytes:
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # closed, absent, or replaced by an in-memory stream
        return _read_stream(where, max_bytes)
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    data = bytearray()
    while len(data) <= max_bytes:
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            ready, _, _ = select.select([fd], [], [], remaining)
        except (OSError, ValueError) as exc:
            raise UsageError(f"{where} cannot be read ({exc})") from None
        if not ready:
            raise UsageError(f"{where} did not end within {timeout_s:g} seconds (the --timeout)")
        try:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - len(data)))
        except BlockingIOError:
            continue
        except OSError as exc:
            raise UsageError(f"{where} cannot be read ({exc.strerror or exc})") from None
        if not chunk:
            return bytes(data)
        data += chunk
    raise _too_large(where, max_bytes)


def read_stdin_line(what: str, *, max_bytes: int, timeout_s: float) -> bytes:
    """The first line of standard input, without its line ending, waited for at most `timeout_s` seconds.

    Raises UsageError, one line starting with `what`, when no whole line (or end of input) comes in time, or
    the line holds more than `max_bytes`. The message never quotes what was read (it may be a password).
    Whatever follows the line may be read too and is dropped: nothing else reads standard input then.
    """
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # closed, absent, or a test's in-memory stream
        return _stream_line(what, max_bytes)
    deadline = time.monotonic() + timeout_s
    data = bytearray()
    while b"\n" not in data:
        if len(data) > max_bytes:
            raise UsageError(f"{what}: the first line of standard input is longer than {_human(max_bytes)}")
        try:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        except (OSError, ValueError) as exc:
            raise UsageError(f"{what}: standard input cannot be read ({exc})") from None
        if not ready:
            raise UsageError(f"{what}: no line arrived on standard input within the --timeout ({timeout_s:g} s)")
        try:
            chunk = os.read(fd, _CHUNK)
        except BlockingIOError:
            continue
        except OSError as exc:
            raise UsageError(f"{what}: standard input cannot be read ({exc.strerror or exc})") from None
        if not chunk:
            break
        data += chunk
    line = bytes(data).split(b"\n", 1)[0]
    if len(line) > max_bytes:
        raise UsageError(f"{what}: the first line of standard input is longer than {_human(max_bytes)}")
    return line.removesuffix(b"\r")


def _stream_line(what: str, max_bytes: int) -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise UsageError(f"{what}: standard input cannot be read (there is none)")
    try:
        line = bytes(stream.readline(max_bytes + 1))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{what}: standard input cannot be read ({exc})") from None
    if len(line.rstrip(b"\n")) > max_bytes:
        raise UsageError(f"{what}: the first line of standard input is longer than {_human(max_bytes)}")
    return line.removesuffix(b"\n").removesuffix(b"\r")


def _read_stream(where: str, max_bytes: int) -> bytes:
    """Standard input without a file descriptor (closed, or a test's in-memory stream): no time limit."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise UsageError(f"{where} cannot be read (there is none)")
    try:
        data = stream.read(max_bytes + 1)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{where} cannot be read ({exc})") from None
    if len(data) > max_bytes:
        raise _too_large(where, max_bytes)
    return bytes(data)


def _too_large(where: str, max_bytes: int) -> UsageError:
    return UsageError(f"{where} is larger than {max_bytes} bytes ({_human(max_bytes)})")


def _human(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"


def _kind(mode: int) -> str:
    for test, name in NOT_REGULAR_KINDS:
        if test(mode):
            return name
    return "of another kind"


def _kind_of_path(path: str) -> str:
    try:
        return _kind(os.stat(path).st_mode)
    except OSError:
        return "of another kind"
