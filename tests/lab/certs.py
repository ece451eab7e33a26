"""Test certificates: a trusted lab CA (handed to mailprobe with --ca-file) and faulty leaf certificates."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trustme


@dataclass
class CertLab:
    """One trusted CA and one untrusted 'interception' CA; issues server SSL contexts on demand."""

    ca: trustme.CA = field(default_factory=lambda: trustme.CA(organization_name="mailprobe lab CA"))
    rogue_ca: trustme.CA = field(default_factory=lambda: trustme.CA(organization_name="Interception Proxy CA"))

    def write_ca_file(self, directory: Path) -> Path:
        path = directory / "lab-ca.pem"
        self.ca.cert_pem.write_to_path(str(path))
        return path

    def server_context(
        self,
        *hosts: str,
        kind: str = "good",
        min_version: ssl.TLSVersion | None = None,
        max_version: ssl.TLSVersion | None = None,
    ) -> ssl.SSLContext:
        """A server context whose certificate is `good`, `expired`, `not_yet_valid`, `wrong_host` or `untrusted`."""
        now = datetime.now(UTC)
        issuer = self.ca
        identities = list(hosts)
        not_before, not_after = now - timedelta(days=30), now + timedelta(days=365)
        if kind == "expired":
            not_before, not_after = now - timedelta(days=400), now - timedelta(days=3)
        elif kind == "not_yet_valid":
            not_before, not_after = now + timedelta(days=3), now + timedelta(days=400)
        elif kind == "expiring_soon":
            not_after = now + timedelta(days=5)
        elif kind == "wrong_host":
            identities = ["wrong-host.invalid"]
        elif kind == "untrusted":
            issuer = self.rogue_ca
        elif kind != "good":
            raise ValueError(f"unknown certificate kind {kind}")
        leaf = issuer.issue_cert(*identities, not_before=not_before, not_after=not_after)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf.configure_cert(context)
        if min_version is not None or max_version is not None:
            # Old protocol versions need the lowest security level to be offered at all.
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        if min_version is not None:
            context.minimum_version = min_version
        if max_version is not None:
            context.maximum_version = max_version
        return context
