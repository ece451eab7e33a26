"""A check's options from named values, one way for every edge: the command line, `serve`'s modules and URL,
and the form (through the exporter). Each value is checked for its type and range, the IP[:PORT] and
HOST:PORT lists are parsed by their one parser each, and the limits are the ones in `timeouts.py` and
`certdays.py`. `CheckOptions.from_params` is the door; an `Edge` says how that edge names its options in a
message and the longest timeout it allows."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mailprobe.certdays import MAX_DAYS
from mailprobe.errors import UsageError
from mailprobe.hostport import parse_hostport
from mailprobe.lang import LANGS
from mailprobe.timeouts import MAX_SERVE_TIMEOUT_S, MAX_TIMEOUT_S

# The values a check takes from an edge (CheckOptions' fields of the same names).
PARAMS = ("timeout", "nameservers", "ca_file", "provider", "providers_dir", "baseline", "no_baseline",
          "authoritative", "cert_warn_days", "cert_crit_days", "lang")


@dataclass(frozen=True)
class Edge:
    """How an edge names its options in its messages, and the longest timeout it allows."""

    timeout: str = "--timeout"
    nameserver: str = "--nameserver"
    baseline: str = "--baseline"
    authoritative: str = "--authoritative"
    max_timeout: float = MAX_TIMEOUT_S
    where: str = ""  # written before every other option's name (a table of `serve --config`)

    def name(self, key: str) -> str:
        return f"{self.where} {key}" if self.where else key


COMMAND_LINE = Edge()
EXPORTER = Edge(timeout="timeout", baseline="baseline", max_timeout=MAX_SERVE_TIMEOUT_S)


def config_edge(where: str) -> Edge:
    """A module of `serve` (a table of its --config, or its command line's defaults): every option named by its
    key after WHERE, with the exporter's longest timeout."""
    return Edge(timeout=f"{where} timeout", nameserver=f"{where} nameservers", baseline=f"{where} baseline",
                authoritative=f"{where} authoritative", max_timeout=MAX_SERVE_TIMEOUT_S, where=where)


def check_values(params: Mapping[str, Any], edge: Edge = COMMAND_LINE) -> dict[str, Any]:
    """PARAMS' values checked and converted for CheckOptions (None and empty lists left out); UsageError
    names the option as EDGE writes it."""
    from mailprobe.net.nameservers import parse_nameserver

    out: dict[str, Any] = {}
    for key, value in params.items():
        if key not in PARAMS:
            raise UsageError(f"unknown option {key!r}")
        if value is None:
            continue
        if key == "timeout":
            if not _number(value) or not 0 < float(value) <= edge.max_timeout:
                raise UsageError(f"{edge.timeout} must be a number of seconds, more than 0 and at most "
                                 f"{edge.max_timeout:g} (got {_shown(value)})")
            out[key] = float(value)
        elif key in ("cert_warn_days", "cert_crit_days"):
            if not _number(value) or not 0 <= float(value) <= MAX_DAYS:
                raise UsageError(f"{edge.name(key)} must be a number of days, from 0 to {MAX_DAYS:g} "
                                 f"(got {_shown(value)})")
            out[key] = float(value)
        elif key == "nameservers":
            texts = _texts(value, edge.name(key), "IP[:PORT]")
            out[key] = [parse_nameserver(ns, edge.nameserver) for ns in texts] or None
        elif key == "authoritative":
            texts = _texts(value, edge.name(key), "IP[:PORT]")
            out[key] = [parse_nameserver(a, edge.authoritative) for a in texts] or None
        elif key == "baseline":
            out[key] = [parse_hostport(b, edge.baseline) for b in _texts(value, edge.name(key), "HOST:PORT")] or None
        elif key == "no_baseline":
            if not isinstance(value, bool):
                raise UsageError(f"{edge.name(key)} must be true or false (got {_shown(value)})")
            out[key] = value
        elif key == "lang":
            if value not in LANGS:
                raise UsageError(f"{edge.name(key)} must be one of {', '.join(LANGS)}")
            out[key] = value
        else:  # ca_file, provider, providers_dir
            if not isinstance(value, str) or not value:
                raise UsageError(f"{edge.name(key)} must be a string (got {_shown(value)})")
            out[key] = value
    return {key: value for key, value in out.items() if value is not None}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _texts(value: object, name: str, what: str) -> Iterable[str]:
    if isinstance(value, str) or not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{name} must be a list of {what} strings (got {_shown(value)})")
    return value


def _shown(value: object) -> str:
    return repr(value)[:60]
