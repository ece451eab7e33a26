"""The certificate thresholds, in one place: how many days left make a verified certificate a warning and a
critical one (`--cert-warn-days`, `--cert-crit-days`, a serve module's `cert_*_days`). The session probes'
status, the diagnosis' TLS rule and the Nagios perfdata all read them from here or from the run's values."""

from __future__ import annotations

from dataclasses import dataclass

WARN_DAYS = 14.0
CRIT_DAYS = 3.0
MAX_DAYS = 3650  # the most a threshold may be (ten years)


@dataclass(frozen=True)
class CertThresholds:
    warn_days: float = WARN_DAYS
    crit_days: float = CRIT_DAYS

    def expiring(self, days_left: float | None) -> bool:
        """A certificate with DAYS_LEFT is expiring under either threshold (critical implies expiring)."""
        return days_left is not None and days_left < max(self.warn_days, self.crit_days)
