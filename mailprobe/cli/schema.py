"""`mailprobe schema`: the JSON Schema of the report."""

from __future__ import annotations

import click

from mailprobe.cli.group import cli


@cli.command()
def schema() -> int:
    """Print the JSON Schema of the report."""
    import json

    from mailprobe.report import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0
