"""A healthy verdict needs a confirmed answer: when no rule found a problem, did any mail server answer?

"Nothing failed" is not "it works": guesses that were not there, probes the deadline cut off, servers the
fetch policy kept us from — none of them shows that mail works. Without a mail server that answered, a
report is never `ok`: either the domain has no mail service we could find (a finding), or mailprobe itself
could not test it in time (`unknown`).
"""

from __future__ import annotations

from mailprobe.causes import Cause
from mailprobe.diagnosis.facts import EvidenceView, answered
from mailprobe.diagnosis.finding import Finding
from mailprobe.evidence import Failure, Role, Status, not_tested
from mailprobe.kinds.dns import DnsLookup
from mailprobe.kinds.mail import MailSession


def mail_confirmed(facts: EvidenceView) -> bool:
    """Some IMAP, POP3 or SMTP server of the mailbox's domain answered."""
    return any(answered(o) for o in _sessions(facts))


def unconfirmed_findings(facts: EvidenceView) -> list[Finding]:
    """Asked only when no rule found anything: a domain whose every mail server refused or was absent."""
    if mail_confirmed(facts) or _untested(facts):
        return []
    mx = facts.mx
    if mx is None or mx.status is not Status.PASS or not mx.mx or mx.null_mx:
        return []  # the MX rules speak for a domain without mail exchangers
    tried = [o for o in _sessions(facts) if o.status in (Status.FAIL, Status.SKIP) and o.error is not None]
    if not tried:
        return []
    ids = [mx.id, *(o.id for o in tried)]
    params: dict[str, str | int | float] = {"domain": facts.evidence.target.domain_ascii, "mx": mx.mx[0].exchange}
    if facts.baseline_tested and not any(answered(o) for o in facts.baseline_tested):
        return [Finding(cause=Cause.NETWORK_PROBLEM, severity="critical", confidence=0.6, evidence=ids,
                        variant="nothing_answers", params={"count": len(tried)})]
    return [Finding(cause=Cause.SERVER_OUTAGE, severity="critical", confidence=0.6, evidence=ids,
                    variant="no_service", params=params)]


def inconclusive(facts: EvidenceView) -> bool:
    """No finding, and no mail server confirmed either: mailprobe could not test what mail needs."""
    return not mail_confirmed(facts)


def _sessions(facts: EvidenceView) -> list[MailSession]:
    return [o for o in facts.evidence.of_type(MailSession) if o.role != Role.BASELINE]


def _untested(facts: EvidenceView) -> bool:
    """Some of the domain's mail servers were never really asked: cut off, or not ours to ask."""
    internal = any(
        isinstance(o, DnsLookup) and o.error is not None and o.error.kind is Failure.INTERNAL
        for o in facts.evidence.observations
    )
    # A guess the address policy did not dial (skip) was simply not offered: it leaves nothing untested.
    return internal or any(
        not_tested(o.error) or (o.error is not None and o.error.kind is Failure.POLICY and o.status is not Status.SKIP)
        for o in _sessions(facts)
    )
