"""The entry point: every user error is one line on stderr and exit 3, never click's usual 2."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

import mailprobe.cli.check
import mailprobe.cli.explain
import mailprobe.cli.history
import mailprobe.cli.providers
import mailprobe.cli.schema
import mailprobe.cli.serve
import mailprobe.cli.settings  # noqa: F401 - each command adds itself to the group
import mailprobe.stopping as stopping
from mailprobe.cli.group import cli
from mailprobe.cli.lifecycle import (
    NAGIOS,
    Interrupted,
    OutputClosed,
    asks_for_nagios,
    exit_now,
    fail,
    interrupted,
    output_closed,
)
from mailprobe.status import EXIT_UNKNOWN


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: every user error is one line on stderr and exit 3, never click's usual 2."""
    from mailprobe.errors import UsageError

    stopping.install()  # already, through mailprobe/__main__.py; here too for a caller of main()
    NAGIOS[0] = asks_for_nagios(sys.argv[1:] if argv is None else list(argv))
    try:
        code = cli.main(args=argv, prog_name="mailprobe", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(EXIT_UNKNOWN)
    except click.UsageError as exc:
        hint = f" (see 'mailprobe {exc.ctx.info_name} --help')" if exc.ctx and exc.ctx.parent else ""
        fail(exc.format_message().replace("\n", " ") + hint)
    except click.ClickException as exc:
        fail(exc.format_message().replace("\n", " "))
    except UsageError as exc:
        fail(str(exc))
    except (Interrupted, KeyboardInterrupt) as exc:
        interrupted(exc)
    except click.exceptions.Abort as exc:  # a prompt ended by Ctrl-C (interrupted) or Ctrl-D (no answer)
        if isinstance(exc.__context__, KeyboardInterrupt):
            interrupted(exc.__context__)
        fail("interrupted")
    except (OutputClosed, BrokenPipeError):
        output_closed()
    except Exception as exc:  # a bug of ours: still one line and "unknown", never a traceback
        fail(f"internal error: {type(exc).__name__}: {exc} (please report it)")
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        output_closed()
    except (OSError, ValueError, AttributeError):
        pass
    exit_now(code if isinstance(code, int) else 0)
