"""The output formats, in one table: each is one module with one signature, `render(reports, options) -> str`.

`check --format` and `explain --format` offer exactly the formats listed here. Renderers read the Report
and the locales only: they never compute a status or a cause. They import the Report for its types alone,
so the table costs `--help` nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mailprobe.render import html, json, jsonl, nagios, prometheus, text
from mailprobe.render.options import Collector, Renderer, RenderOptions


@dataclass(frozen=True)
class Format:
    render: Renderer
    streaming: bool = False  # printed one report at a time, as each check finishes
    translated: bool = False  # wants the reports in every language (RenderOptions.translations)
    # Fed one report at a time and printed at the end, keeping only what it prints (a batch in this format
    # keeps no report); `render` gives the same output.
    collect: Callable[[RenderOptions], Collector] | None = None


FORMATS: dict[str, Format] = {
    "text": Format(text.render),
    "json": Format(json.render, collect=json.Collector),
    "jsonl": Format(jsonl.render, streaming=True),
    "prometheus": Format(prometheus.render, collect=prometheus.Collector),
    "nagios": Format(nagios.render, collect=nagios.Collector),
    "html": Format(html.render, translated=True),
}

__all__ = ["FORMATS", "Collector", "Format", "RenderOptions", "Renderer"]
