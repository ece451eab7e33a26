"""`mailprobe providers [ID]`: the provider profiles."""

from __future__ import annotations

import click

from mailprobe.cli.group import cli
from mailprobe.cli.lifecycle import fail
from mailprobe.cli.options import chosen_lang, lang_option, plain_format_option, providers_dir_option


@cli.command()
@click.argument("provider_id", required=False, metavar="[ID]")
@lang_option
@providers_dir_option
@plain_format_option
@click.option("-v", "--verbose", is_flag=True, help="Also show the MX patterns (regular expressions).")
def providers(provider_id: str | None, lang: str | None, providers_dir: str | None, fmt: str, verbose: bool) -> int:
    """List the provider profiles, or show one."""
    from mailprobe.errors import UsageError
    from mailprobe.profiles import load_profiles
    from mailprobe.render.providers import render_profile, render_profiles

    try:
        profiles = load_profiles(providers_dir)
        chosen = profiles.require(provider_id) if provider_id else None
    except UsageError as exc:
        fail(str(exc))
    if chosen is not None:
        click.echo(render_profile(chosen, chosen_lang(lang), fmt, verbose))
    else:
        click.echo(render_profiles(profiles.all(), chosen_lang(lang), fmt, verbose))
    return 0
