"""The options several commands share, and the converters they read them with."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mailprobe.certdays import CRIT_DAYS, MAX_DAYS, WARN_DAYS
from mailprobe.render import FORMATS

if TYPE_CHECKING:
    from mailprobe.lang import Lang

LANG_CHOICES = ("en", "zh-Hans", "zh-Hant")


F = TypeVar("F", bound=Callable[..., Any])


lang_option = click.option(
    "--lang", type=click.Choice(LANG_CHOICES), help="Language (default from LC_ALL / LANG)."
)


providers_dir_option = click.option(
    "--providers-dir", type=click.Path(file_okay=False), help="Extra / overriding profile files."
)


nameserver_option = click.option(
    "--nameserver", "nameservers", multiple=True, metavar="IP[:PORT]", help="DNS resolver to use."
)


verbose_option = click.option(
    "-v", "--verbose", is_flag=True,
    help="Text: list every check (passing and not tested too) and the advice for next time; without it, the "
         "passing checks are only counted.",
)


output_option = click.option(
    "--output", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
    help="Write the output to FILE (replaced whole, never half-written) instead of standard output.",
)


class Number(click.FloatRange):
    """A number of days or seconds: a FloatRange that also refuses NaN, which passes every comparison click
    makes (`nan < 0` and `nan > 3650` are both false), and the infinities."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import math

        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a number", param, ctx)
        return number


def report_format_option(f: F) -> F:
    """--format for commands that print reports: the formats of the renderer table."""
    return click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text", show_default=True)(f)


def plain_format_option(f: F) -> F:
    """--format for commands that print something other than a report (settings, providers)."""
    return click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)(f)


def monitoring_options(f: F) -> F:
    for option in reversed((
        click.option("--output", "output", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
                     help="Write to FILE atomically (temporary file + rename) instead of standard output."),
        click.option("--cert-warn-days", type=Number(0, MAX_DAYS), default=WARN_DAYS, show_default=True,
                     help="A certificate with fewer days left is a warning."),
        click.option("--cert-crit-days", type=Number(0, MAX_DAYS), default=CRIT_DAYS, show_default=True,
                     help="A certificate with fewer days left is critical."),
        click.option("--history", "history", metavar="DB", envvar="MAILPROBE_HISTORY",
                     help="Store every report in this SQLite file (env MAILPROBE_HISTORY; default with "
                          "--changes-only: the state file in $XDG_STATE_HOME/mailprobe)."),
        click.option("--changes-only", is_flag=True,
                     help="Print, and exit non-zero, only for addresses whose status or first cause changed."),
    )):
        f = option(f)
    return f


def chosen_lang(value: str | None) -> Lang:
    from mailprobe.lang import lang_from_env

    if value is None:
        return lang_from_env()
    return value  # type: ignore[return-value]  # click.Choice has checked it


def color_on(stream: Any) -> bool:
    import os

    return "NO_COLOR" not in os.environ and bool(getattr(stream, "isatty", lambda: False)())
