"""The `mailprobe` command group: each command module adds itself to it (`main.py` imports them all)."""

from __future__ import annotations

from typing import Any

import click

from mailprobe.cli.lifecycle import Interrupted, OutputClosed


class Commands(click.Group):
    """Our command group, telling a closed output pipe apart before click turns it into exit 1."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)  # --help and --version print from here
        except BrokenPipeError as exc:
            raise OutputClosed from exc
        except KeyboardInterrupt as exc:
            raise Interrupted from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise OutputClosed from exc
        except KeyboardInterrupt as exc:
            raise Interrupted from exc


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mailprobe", prog_name="mailprobe")
def cli() -> None:
    """Tells why a company mailbox will not log in: DNS, provider, webmail and mail ports, in your language."""
