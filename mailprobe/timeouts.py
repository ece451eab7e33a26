"""Every time bound of a run in one value, derived from the one `--timeout` (in the manner of httpx's Timeout).

Probes never keep a clock of their own: each bound below is a cap on a step, and every step is also cut by
the run's one Deadline (net/deadline.py), whichever ends first. ARCHITECTURE.md explains each part.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TIMEOUT_S = 10.0
# The longest --timeout: a check someone waits for, or a batch's. SPEC.md sets none; these are the documented
# ones (SECURITY.md for the exporter), kept here side by side.
MAX_TIMEOUT_S: float = 300
# The longest deadline of one exporter request (a module's `timeout`, the URL's, `serve --timeout`): a scrape
# must end well inside Prometheus's interval.
MAX_SERVE_TIMEOUT_S: float = 120


@dataclass(frozen=True)
class Timeouts:
    total: float = DEFAULT_TIMEOUT_S  # the whole check, from the command's start (the deadline's origin)
    step_floor: float = 2.0  # one connect, handshake or read may take at least this much of the total …
    step_share: float = 0.6  # … and at most this share of it
    dns_floor: float = 1.5  # one DNS question: at least this …
    dns_share: float = 0.45  # … at most this share of the total, so probes that follow still get time
    dns_per_server_floor: float = 0.3  # each nameserver of the list gets at least this of a question
    connect_floor: float = 1.5  # a connect waits at least this (one lost SYN and its retransmission) …
    connect_rtt_factor: float = 4.0  # … and at most this many times the slowest answer the run has seen
    # A server that accepted the connection and then says nothing, or a resolver that answers nothing, for this
    # long (and for as many round trips as a connect may take) has stalled: a silence the deadline ends sooner
    # is "not tested" (net/pace.py).
    stall_floor: float = 1.0
    candidate_grace: float = 1.0  # guesses still unanswered this long after the required checks: not offered
    authoritative: float = 3.0  # one question asked straight of an authoritative server
    # A DNS question with no answer after this (or a few times the slowest answer seen) is asked again beside
    # the first: a lost datagram then costs this, not dnspython's whole per-server timeout (3 s at 10 s).
    dns_ask_again_floor: float = 0.5
    # An MX slower than this to come: the resolver is likely as slow for the provider's hosts, so they are
    # asked meanwhile (a local or cached answer comes in a few milliseconds, and then nothing more is asked).
    prefetch_after: float = 0.02
    web_resource: float = 3.0  # one page resource (script, stylesheet, image) of the webmail page
    autoconfig: float = 3.0  # autoconfig discovery as a whole: it must leave time for the probes it feeds
    quit: float = 0.25  # waiting for the goodbye to QUIT / LOGOUT (also after a login)
    baseline_date: float = 1.0  # a web baseline's HEAD request for its Date (a second opinion on the clock)
    close: float = 0.2  # waiting for a peer to finish the TLS close or FIN
    aux_grace: float = 0.3  # once the main probes are done, how long the auxiliary comparison may still run
    cancel_grace: float = 0.05  # how long cut-off probes get to unwind before the report is assembled
    # A probe whose own bound ran out with the deadline gets this long to record what it saw (a handshake that
    # stalled is a timeout of that server, not "not tested") before the engine cuts it off; taken from the
    # reserve, never from the steps, so the engine is done just before the deadline and the report is made
    # (the whole command ends) within 0.1 s after it.
    record_grace: float = 0.1
    reserve: float = 0.12  # kept back from every step so the report is assembled before the deadline

    @property
    def step(self) -> float:
        """The cap of one network step (connect, handshake, read)."""
        return max(self.step_floor, self.total * self.step_share)

    @property
    def dns_question(self) -> float:
        """The cap of one DNS question through the resolver."""
        return max(self.dns_floor, self.total * self.dns_share)
