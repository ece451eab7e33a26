"""`mailprobe explain`: a saved report, or a stored one by its id, in any language and format."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from mailprobe.cli.group import cli
from mailprobe.cli.lifecycle import fail
from mailprobe.cli.options import (
    chosen_lang,
    color_on,
    lang_option,
    output_option,
    providers_dir_option,
    report_format_option,
    verbose_option,
)
from mailprobe.render import FORMATS
from mailprobe.render.options import RenderOptions

if TYPE_CHECKING:
    from mailprobe.profiles import ProfileSet
    from mailprobe.report import Report

@cli.command()
@click.argument("report_file", metavar="[REPORT.json]", required=False)
@click.option("--id", "report_id", metavar="ABCD-EFGH",
              help="Instead of a file: the report with this id (as the report shows it), from the history.")
@click.option("--history", "history", metavar="DB", envvar="MAILPROBE_HISTORY",
              help="The history --id reads (env MAILPROBE_HISTORY; default: the state file in $XDG_STATE_HOME/"
                   "mailprobe).")
@lang_option
@report_format_option
@providers_dir_option
@verbose_option
@output_option
def explain(
    report_file: str | None, report_id: str | None, history: str | None, lang: str | None, fmt: str,
    providers_dir: str | None, verbose: bool, output: str | None = None,
) -> int:
    """Re-render a saved JSON report (from `check --format json`), or the stored report with this --id (from
    `check --history` / --changes-only), in your language and any format."""
    from mailprobe.compose import relocalize
    from mailprobe.errors import UsageError
    from mailprobe.profiles import load_profiles
    from mailprobe.report import worst_exit_code
    from mailprobe.savedreport import load_reports

    if (report_file is None) == (report_id is None):
        fail("explain takes a REPORT.json or --id ABCD-EFGH (one of them)")
    try:
        reports = load_reports(report_file) if report_file is not None else [_stored_report(report_id or "", history)]
        profiles = load_profiles(providers_dir)
    except UsageError as exc:
        fail(str(exc))
    chosen = chosen_lang(lang)
    reports = [relocalize(report, chosen, profiles) for report in reports]
    from mailprobe.output import is_stdout

    print_reports(reports, fmt, verbose, output=None if is_stdout(output) else output, profiles=profiles)
    return worst_exit_code(reports)


def _stored_report(text: str, history: str | None) -> Report:
    """The report whose id is TEXT, from the history (which is only read: a missing file is said, never made)."""
    from mailprobe.errors import GuardError, UsageError
    from mailprobe.history import History, history_path
    from mailprobe.localinput import PATH_SHOWN
    from mailprobe.report import parse_report_id
    from mailprobe.safetext import quoted_input

    wanted = parse_report_id(text)
    if wanted is None:
        raise UsageError(f"--id {quoted_input(text, 40)} is not a report id (8 letters and digits, as ABCD-EFGH)")
    path = history_path(history)
    if not path.is_file():
        raise UsageError(f"--id {wanted}: no history at {quoted_input(str(path), PATH_SHOWN)} (reports are kept by "
                         "`check --history DB` or --changes-only)")
    try:
        with History(path, read_only=True) as store:
            found = store.find(wanted)
    except GuardError as exc:
        raise UsageError(str(exc)) from None
    if found is None:
        raise UsageError(f"--id {wanted}: no such report in {quoted_input(str(path), PATH_SHOWN)}")
    return found.report()


def print_reports(
    reports: list[Report], fmt: str, verbose: bool, streamed: bool = False, output: str | None = None,
    profiles: ProfileSet | None = None,
) -> None:
    if streamed and FORMATS[fmt].streaming:
        return  # printed as each finished
    translations = None
    if FORMATS[fmt].translated:
        from mailprobe.translations import translations as every_language

        translations = every_language(reports, profiles)
    color = output is None and color_on(sys.stdout)
    rendered = FORMATS[fmt].render(reports, RenderOptions(color=color, verbose=verbose, translations=translations))
    if output is None:
        click.echo(rendered)
    else:
        write_output(output, rendered)


def write_output(path: str, text: str) -> None:
    """Write `text` to `path` whole (mailprobe/output.py): a temporary file beside it, then a rename, so that a
    reader (a help desk's browser, a monitoring scrape) never sees half a page; never over a device or a link."""
    from mailprobe.errors import UsageError
    from mailprobe.output import write_whole

    try:
        write_whole(path, text)
    except UsageError as exc:
        fail(str(exc))
