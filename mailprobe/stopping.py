"""How the command stops when asked to: SIGTERM and SIGHUP unwind exactly as Ctrl-C (SIGINT) does.

Imported first by the entry point (`mailprobe/__main__.py`), before click, pydantic or anything of the check:
a signal that comes while the command is still loading then ends it the same way as one that comes later
(one line on stderr, the shell's exit code), not by the default action that kills it where it stands. Only
the standard library's `signal`, `sys` and `os` are imported here.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import NoReturn

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it: "stopped by the user", not "bad input" (3)
EXIT_TERMINATED = 143  # 128 + SIGTERM
EXIT_HUNG_UP = 129  # 128 + SIGHUP


class Stopped(KeyboardInterrupt):
    """A signal that asks the command to stop. A KeyboardInterrupt because asyncio lets only it and
    SystemExit out of a task or a callback, so every path that unwinds for Ctrl-C unwinds for it too (an
    `--output` file is left as it was, the history holds whole reports only)."""

    word = "interrupted"
    code = EXIT_INTERRUPTED


class Terminated(Stopped):
    """SIGTERM (cron's `timeout`, systemd, `kill`)."""

    word = "terminated"
    code = EXIT_TERMINATED


class HungUp(Stopped):
    """SIGHUP (the terminal closed, or the session ended)."""

    word = "hung up"
    code = EXIT_HUNG_UP


_RAISED: dict[int, type[Stopped]] = {signal.SIGTERM: Terminated}
if hasattr(signal, "SIGHUP"):  # not on Windows
    _RAISED[signal.SIGHUP] = HungUp


def _on_signal(signum: int, frame: object) -> None:
    raise _RAISED[signum]


def install() -> None:
    """SIGTERM and SIGHUP raise Terminated / HungUp from here on (nothing where this is not the main thread:
    an embedding program keeps its own handlers). A signal the command was started with ignored stays ignored:
    `nohup mailprobe …` must outlive its terminal, as nohup promises."""
    for signum in _RAISED:
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(signum) is signal.SIG_IGN:
                continue
            signal.signal(signum, _on_signal)


def stopped_by(exc: BaseException | None) -> Stopped | None:
    """The Stopped behind EXC (raised by a handler above, perhaps wrapped by asyncio or click), if any."""
    while exc is not None and not isinstance(exc, Stopped):
        exc = exc.__cause__ or exc.__context__
    return exc


def stop(exc: BaseException | None = None) -> NoReturn:
    """One line on stderr and the shell's code for what stopped the command: Ctrl-C (a bare KeyboardInterrupt
    or None) 130, SIGTERM 143, SIGHUP 129."""
    signalled = stopped_by(exc)
    word, code = (signalled.word, signalled.code) if signalled is not None else (Stopped.word, Stopped.code)
    with contextlib.suppress(OSError, ValueError, AttributeError):  # stderr closed (a hung-up terminal)
        sys.stderr.write(f"mailprobe: {word}\n")
        sys.stderr.flush()
    sys.exit(code)
