"""Rules: pure functions from the evidence's facts to findings. No network, no text, no ranking.

One module per area; RULES lists them all in the order they are asked (ranking orders what they find).
"""

from __future__ import annotations

from collections.abc import Callable

from mailprobe.diagnosis.facts import EvidenceView
from mailprobe.diagnosis.finding import Finding
from mailprobe.diagnosis.rules.admin import admin_records
from mailprobe.diagnosis.rules.browser import webmail_unusable_in_browsers
from mailprobe.diagnosis.rules.dns import (
    provider_hosts_unresolvable,
    resolver_disagrees,
    resolver_failing,
    resolver_hijacked,
    resolver_redirects_host,
)
from mailprobe.diagnosis.rules.domain import mx_dangling, mx_elsewhere, mx_missing
from mailprobe.diagnosis.rules.login import login_refused
from mailprobe.diagnosis.rules.loop import loop_findings
from mailprobe.diagnosis.rules.portal import network_hijacked
from mailprobe.diagnosis.rules.reachability import (
    guessed_services_down,
    nothing_answers,
    service_failures,
    webmail_page_missing,
)
from mailprobe.diagnosis.rules.tls import certificate_problems, clock_off

Rule = Callable[[EvidenceView], list[Finding]]

RULES: tuple[Rule, ...] = (
    resolver_failing,
    resolver_disagrees,
    resolver_hijacked,
    resolver_redirects_host,
    network_hijacked,
    provider_hosts_unresolvable,
    mx_missing,
    mx_dangling,
    mx_elsewhere,
    nothing_answers,
    service_failures,
    guessed_services_down,
    webmail_page_missing,
    certificate_problems,
    clock_off,
    webmail_unusable_in_browsers,
    login_refused,
    loop_findings,
    admin_records,
)

__all__ = [
    "RULES",
    "Rule",
    "admin_records",
    "certificate_problems",
    "clock_off",
    "guessed_services_down",
    "login_refused",
    "mx_dangling",
    "mx_elsewhere",
    "mx_missing",
    "network_hijacked",
    "nothing_answers",
    "provider_hosts_unresolvable",
    "resolver_disagrees",
    "resolver_failing",
    "resolver_hijacked",
    "resolver_redirects_host",
    "service_failures",
    "webmail_page_missing",
    "webmail_unusable_in_browsers",
]
