"""`mailprobe serve`: the exporter and the form (mailprobe[serve])."""

from __future__ import annotations

import click

from mailprobe.cli.group import cli
from mailprobe.cli.lifecycle import collect_again
from mailprobe.cli.options import nameserver_option
from mailprobe.timeouts import MAX_SERVE_TIMEOUT_S


@cli.command()
@click.option("--listen", default="127.0.0.1:9465", show_default=True, metavar="HOST:PORT", help="Where to listen.")
@click.option("--config", type=click.Path(dir_okay=False), help="TOML file of named modules ([modules.NAME]).")
@click.option("--max-concurrent", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Probes run at once; more wait (within their deadline).")
@click.option("--timeout", type=click.FloatRange(0, MAX_SERVE_TIMEOUT_S, min_open=True),
              help="The default module's deadline in seconds (the form's checks use it).")
@nameserver_option
@click.option("--ca-file", type=click.Path(dir_okay=False), help="Extra CA bundle (PEM) for every TLS probe.")
@click.option("--providers-dir", type=click.Path(file_okay=False), help="Extra provider profiles (TOML files).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME[:PORT]",
              help="Also answer requests for this Host (a name it is reached by, e.g. behind a proxy).")
def serve(listen: str, config: str | None, max_concurrent: int, timeout: float | None,
          nameservers: tuple[str, ...], ca_file: str | None, providers_dir: str | None,
          allow_hosts: tuple[str, ...]) -> int:
    """Exporter and form: /probe?target=user@company.com answers one check's metrics, / is a form for
    people that shows the report page (mailprobe[serve]). --timeout, --nameserver, --ca-file and
    --providers-dir set the default module (over --config's). Requests for any Host but the listen
    address (and --allow-host names) are refused."""
    import math

    from mailprobe.errors import UsageError
    from mailprobe.net.nameservers import parse_nameserver
    from mailprobe.serve import serve as run_exporter

    collect_again()

    if timeout is not None and not math.isfinite(timeout):  # FloatRange lets NaN through
        raise UsageError("--timeout must be a number of seconds, more than 0 and at most 120")

    for ns in nameservers:
        parse_nameserver(ns)
    defaults: dict[str, object] = {"timeout": timeout, "nameservers": nameservers or None, "ca_file": ca_file,
                                   "providers_dir": providers_dir}
    run_exporter(listen, config, max_concurrent, {k: v for k, v in defaults.items() if v is not None}, allow_hosts)
    return 0
