"""CheckOptions.from_params: one way from named values to a check's options, for every edge."""

from __future__ import annotations

import pytest

from mailprobe.check import CheckOptions
from mailprobe.errors import UsageError
from mailprobe.params import COMMAND_LINE, EXPORTER


def test_values_are_parsed_once_into_the_options() -> None:
    options = CheckOptions.from_params({
        "timeout": 4, "nameservers": ("127.0.0.1:5353",), "baseline": ["imap.example.com:993"],
        "authoritative": ["127.0.0.2"], "no_baseline": False, "cert_warn_days": 30, "cert_crit_days": 5,
        "lang": "zh-Hant", "provider": None,
    })
    assert (options.timeout, options.nameservers, options.baseline, options.authoritative) == (
        4.0, [("127.0.0.1", 5353)], [("imap.example.com", 993)], [("127.0.0.2", 53)])
    assert (options.cert_warn_days, options.cert_crit_days, options.lang, options.provider) == (30.0, 5.0, "zh-Hant",
                                                                                                  None)


@pytest.mark.parametrize(("params", "edge", "says"), [
    ({"timeout": 301}, COMMAND_LINE, "--timeout must be a number of seconds, more than 0 and at most 300"),
    ({"timeout": 121}, EXPORTER, "timeout must be a number of seconds, more than 0 and at most 120"),
    ({"timeout": float("nan")}, COMMAND_LINE, "--timeout must be a number of seconds, more than 0"),
    ({"baseline": ["two words:993"]}, COMMAND_LINE, "--baseline 'two words:993': 'two words' is neither"),
    ({"baseline": ["no-port"]}, EXPORTER, "baseline 'no-port' is not HOST:PORT"),
    ({"nameservers": ["dns.example"]}, EXPORTER, "--nameserver 'dns.example' is not an IP address"),
    ({"cert_warn_days": 4000}, COMMAND_LINE, "cert_warn_days must be a number of days, from 0 to 3650"),
    ({"lang": "fr"}, COMMAND_LINE, "lang must be one of"),
    ({"bogus": 1}, COMMAND_LINE, "unknown option 'bogus'"),
])
def test_a_bad_value_is_one_line_naming_the_option_as_the_edge_writes_it(params: dict[str, object], edge: object,
                                                                        says: str) -> None:
    with pytest.raises(UsageError) as raised:
        CheckOptions.from_params(params, edge)  # type: ignore[arg-type]
    assert says in str(raised.value)


@pytest.mark.parametrize("bad", [
    {"cert_warn_days": 4000}, {"cert_crit_days": float("inf")}, {"no_baseline": "yes"}, {"provider": 7},
    {"nameservers": "10.0.0.53"}, {"baseline": 993},
])
def test_a_serve_module_is_checked_by_the_same_check_as_the_command_line_and_a_request(bad: dict[str, object]) -> None:
    """One check: the same bad value gives the same words from the command line, a /probe request and a table
    of serve's --config; only the name in front differs."""
    from mailprobe.serve import module_values

    said = []
    for check in (lambda: CheckOptions.from_params(bad), lambda: CheckOptions.from_params(bad, EXPORTER),
                  lambda: module_values("--config x.toml: [modules.x]", dict(bad))):
        with pytest.raises(UsageError) as raised:
            check()
        said.append(str(raised.value))
    command_line, request, module = said
    assert command_line == request
    assert module == f"--config x.toml: [modules.x] {command_line}"
