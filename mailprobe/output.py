"""Where a command's output goes: standard output, or `--output FILE` written whole and never over anything else.

`--output` replaces a file by renaming a finished temporary file over it, so a reader (node_exporter's
textfile collector, a browser, a monitoring agent) never sees half of one. A rename replaces whatever name is
there: on a root shell `--output /dev/full` would swap the machine's device for a regular file. So the path
must be a regular file or not exist yet: a device node, a FIFO, a socket or a directory is refused in one
line before any check runs, and so is a symbolic link (never followed: the path of the file itself is asked
for). An existing file keeps its permissions, and its owner where the user may give it back; a new file gets
0666 less the umask, as any program's would. `-` and `/dev/stdout` are standard output. Ctrl-C, SIGTERM and
SIGHUP unwind the run (mailprobe/stopping.py) and the temporary file is removed on the way (`abort`).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import IO

from mailprobe.errors import UsageError
from mailprobe.localinput import NOT_REGULAR_KINDS, PATH_SHOWN
from mailprobe.safetext import quoted_input

# Names that mean "standard output" (the shell's /dev/stdout is a link to a pipe or a terminal, not a file).
STDOUT_NAMES = frozenset({"-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"})
_KINDS = (
    (stat.S_ISLNK, "a symbolic link (not followed: give the path of the file itself)"),  # first: read by lstat
    *NOT_REGULAR_KINDS,
)


def is_stdout(path: str | None) -> bool:
    """True for no path, '-' and the names of standard output."""
    return path is None or path in STDOUT_NAMES


class Sink:
    """Standard output."""

    def write(self, text: str) -> None:
        import click

        click.echo(text)

    def commit(self) -> None:
        sys.stdout.flush()

    def abort(self) -> None:
        pass


class AtomicFile(Sink):
    """--output FILE: written to a temporary file in the same directory, then renamed over FILE. Raises
    UsageError (one line) when FILE is not a regular file or a new path, or cannot be written there."""

    def __init__(self, path: str) -> None:
        self.shown = f"--output {quoted_input(path, PATH_SHOWN)}"
        self.path = Path(os.path.abspath(path))
        existing = _existing(self.path, self.shown)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        except OSError as exc:
            raise UsageError(f"{self.shown}: cannot write there ({exc.strerror or exc})") from None
        self._tmp = Path(tmp)
        try:
            if existing is None:
                os.fchmod(fd, 0o666 & ~_umask())
            else:
                os.fchmod(fd, stat.S_IMODE(existing.st_mode) & 0o777)
                with contextlib.suppress(OSError):  # only root (or the owner, for its groups) may give it back
                    os.fchown(fd, existing.st_uid, existing.st_gid)
            self._file: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        except BaseException:
            os.close(fd)
            self._tmp.unlink(missing_ok=True)
            raise

    def write(self, text: str) -> None:
        self._file.write(text + "\n")

    def commit(self) -> None:
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            _existing(self.path, self.shown)  # still a regular file or nothing: never renamed over anything else
            os.replace(self._tmp, self.path)
        except OSError as exc:
            self.abort()
            raise UsageError(f"{self.shown}: cannot write there ({exc.strerror or exc})") from None
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
        with contextlib.suppress(OSError):
            self._tmp.unlink()


def open_output(path: str | None) -> Sink:
    """Standard output for no path, '-' or /dev/stdout; else an AtomicFile (UsageError when it cannot be)."""
    return Sink() if is_stdout(path) else AtomicFile(path or "")


def write_whole(path: str | None, text: str) -> None:
    """TEXT to standard output or written whole to PATH: nothing is left behind when it cannot be."""
    sink = open_output(path)
    try:
        sink.write(text[:-1] if text.endswith("\n") else text)
    except BaseException:
        sink.abort()
        raise
    sink.commit()


def _existing(path: Path, shown: str) -> os.stat_result | None:
    """The regular file at PATH (never following a link), None when there is nothing; UsageError otherwise."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot write there ({exc.strerror or exc})") from None
    if stat.S_ISREG(info.st_mode):
        return info
    kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
    raise UsageError(f"{shown} is {kind}: only a regular file or a new path is replaced "
                     "('-' is standard output)")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
