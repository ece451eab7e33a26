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

    _intermediate: trustme.CA | None = None

    @property
    def intermediate(self) -> trustme.CA:
        if self._intermediate is None:
            self._intermediate = self.ca.create_child_ca()
        return self._intermediate

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
        """A server context whose certificate is `good`, `expired`, `not_yet_valid`, `wrong_host`, `untrusted`
        or `chain_incomplete` (issued by an intermediate of the lab CA that the server does not send)."""
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
        elif kind == "chain_incomplete":
            issuer = self.intermediate
        elif kind != "good":
            raise ValueError(f"unknown certificate kind {kind}")
        leaf = issuer.issue_cert(*identities, not_before=not_before, not_after=not_after)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if kind == "chain_incomplete":
            _configure_leaf_only(context, leaf)  # the server forgets to send its intermediate certificate
        else:
            leaf.configure_cert(context)
        if min_version is not None or max_version is not None:
            # Old protocol versions need the lowest security level to be offered at all.
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        if min_version is not None:
            context.minimum_version = min_version
        if max_version is not None:
            context.maximum_version = max_version
        return context


def _configure_leaf_only(context: ssl.SSLContext, leaf: trustme.LeafCert) -> None:
    import os
    import tempfile

    handle, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(leaf.private_key_pem.bytes())
            out.write(leaf.cert_chain_pems[0].bytes())
        context.load_cert_chain(path)
    finally:
        os.unlink(path)
