"""The process around a command: when its clock started, the one line and exit 3 of bad input, Ctrl-C and
the signals, a closed output pipe, the cyclic collector, and the quick exit."""

from __future__ import annotations

import contextlib
import gc
import sys
import time
from typing import NoReturn

import click

import mailprobe.stopping as stopping
from mailprobe.status import EXIT_UNKNOWN

# Taken when this module loads, before the heavy imports: where the operating system does not say when the
# process started (`command_started`), --timeout counts from here.
STARTED = time.monotonic()


# A process that started longer ago than this before loading the CLI is a program calling main(), not the
# command the user started: its --timeout counts from STARTED.
MAX_START_UP_S = 60.0


# Set by main() when the command line asks for --format nagios: Nagios shows only a plugin's standard output, so
# bad input then also gets a status line there ("(No output returned from plugin)" otherwise).
NAGIOS: list[bool] = [False]


def fail(message: str) -> NoReturn:
    from mailprobe.errors import one_line

    if NAGIOS[0]:
        from mailprobe.render.nagios import unknown_line

        with contextlib.suppress(OSError):
            click.echo(unknown_line(message))
    with contextlib.suppress(OSError):  # stderr closed too: the exit code is all that is left
        click.echo(f"mailprobe: {one_line(message)}", err=True)
    sys.exit(EXIT_UNKNOWN)


def asks_for_nagios(args: list[str]) -> bool:
    """--format nagios (or --format=nagios) anywhere on the line: known before click has parsed a word of it."""
    from itertools import pairwise

    return "--format=nagios" in args or ("--format", "nagios") in pairwise(args)


class OutputClosed(Exception):
    """Whoever read our standard output has gone (`mailprobe schema | head -c1`)."""


class Interrupted(Exception):
    """Ctrl-C (SIGINT): caught before click turns it into Abort and a blank line."""


def interrupted(exc: BaseException | None = None) -> NoReturn:
    """Ctrl-C, SIGTERM or SIGHUP (mailprobe/stopping.py): one line, the shell's exit code."""
    stopping.stop(exc)


def output_closed() -> NoReturn:
    """Exit 3 without a word: nobody reads stdout any more, and the exit code says the result did not arrive.

    Python would flush what is left in the stdout buffer at exit, fail again and print "Exception ignored";
    pointing stdout at /dev/null first makes that flush succeed.
    """
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    sys.exit(EXIT_UNKNOWN)


def command_started() -> float:
    """The moment --timeout counts from: the process's start as the operating system recorded it, so that the
    interpreter's own start-up and the imports are inside the deadline too; where that is unknown, or too long
    ago to be this command's (a program calling main()), the moment this module loaded."""
    from mailprobe.net.deadline import process_started

    started = process_started()
    if started is None or not 0.0 <= STARTED - started <= MAX_START_UP_S:
        return STARTED
    return started


def collect_again() -> None:
    """A long run (several addresses, the exporter) collects its garbage: what start-up built is set aside
    (never walked again), what the checks leave is collected as usual."""
    gc.freeze()
    gc.enable()


def exit_now(code: int) -> NoReturn:
    """Exit without the interpreter's teardown when nothing is left to do: freeing every object of the run one
    by one (the trust store's certificates, the models' schemas) takes some 50 ms a user waits for and nobody
    needs. The exit handlers still run and both streams are flushed; a thread still at work (none, after a
    check) gets the ordinary exit, which waits for it."""
    import atexit
    import os
    import threading

    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code)
