"""`mailprobe settings ADDRESS`: the mail client settings to write down."""

from __future__ import annotations

import click

from mailprobe.cli.group import cli
from mailprobe.cli.lifecycle import fail
from mailprobe.cli.options import chosen_lang, lang_option, nameserver_option, plain_format_option, providers_dir_option
from mailprobe.status import EXIT_UNKNOWN
from mailprobe.timeouts import MAX_TIMEOUT_S


@cli.command()
@click.argument("address")
@lang_option
@click.option("--provider", help="Use this provider profile instead of looking up MX.")
@providers_dir_option
@nameserver_option
@click.option("--ca-file", type=click.Path(dir_okay=False),
              help="Extra CA bundle (PEM) for the domain's published settings (autoconfig over HTTPS).")
@click.option("--timeout", type=float, default=5.0, show_default=True, help="Deadline for the MX lookup.")
@plain_format_option
def settings(
    address: str, lang: str | None, provider: str | None, providers_dir: str | None,
    nameservers: tuple[str, ...], ca_file: str | None, timeout: float, fmt: str,
) -> int:
    """The mail client settings to use for ADDRESS (article 4.2: keep them written down)."""
    from mailprobe.clientsettings import client_settings
    from mailprobe.errors import UsageError
    from mailprobe.net.nameservers import parse_nameserver
    from mailprobe.net.tls import TlsSettings
    from mailprobe.render.settings import render_settings

    if not 0 < timeout <= MAX_TIMEOUT_S:
        fail(f"--timeout must be more than 0 and at most {MAX_TIMEOUT_S:g} seconds")
    try:
        TlsSettings(ca_file=ca_file).validate()
        found = client_settings(
            address, provider=provider, providers_dir=providers_dir,
            nameservers=[parse_nameserver(ns) for ns in nameservers] or None, timeout=timeout, lang=chosen_lang(lang),
            ca_file=ca_file,
        )
    except UsageError as exc:
        fail(str(exc))
    click.echo(render_settings(found.view(chosen_lang(lang)), chosen_lang(lang), fmt))
    if found.profile is not None or found.matched_by == "published":
        return 0
    return EXIT_UNKNOWN if found.lookup_failed or found.dns_problem is not None else 1
