"""`mailprobe history ADDRESS`: past results from the history."""

from __future__ import annotations

import click

from mailprobe.cli.group import cli
from mailprobe.cli.lifecycle import fail
from mailprobe.cli.options import Number, chosen_lang, lang_option, plain_format_option
from mailprobe.status import EXIT_UNKNOWN


@cli.command()
@click.argument("address")
@click.option("--history", "history", metavar="DB", envvar="MAILPROBE_HISTORY", help="The history file.")
@click.option("--days", type=Number(0.001, 3660), default=7.0, show_default=True, help="The period.")
@lang_option
@plain_format_option
def history(address: str, history: str | None, days: float, lang: str | None, fmt: str) -> int:
    """Past results of ADDRESS: timeline, state changes, share of time healthy, last good run vs now."""
    from mailprobe.errors import GuardError
    from mailprobe.history import History, history_path, render_json, render_text, timeline
    from mailprobe.localinput import PATH_SHOWN
    from mailprobe.safetext import quoted_input

    path = history_path(history)
    if not path.is_file():  # a misspelt path is said, never created: this command only reads
        fail(f"no history at {quoted_input(str(path), PATH_SHOWN)} (no such file; `mailprobe check --history DB` "
              "or --changes-only writes one)")
    try:
        with History(path, read_only=True) as store:
            line = timeline(store, address, days)
    except GuardError as exc:
        fail(str(exc))
    click.echo(render_json(line) if fmt == "json" else render_text(line, chosen_lang(lang)))
    if not line.runs:
        return EXIT_UNKNOWN
    from mailprobe.report import EXIT_CODES

    return EXIT_CODES.get(line.runs[-1].status, EXIT_UNKNOWN)
