"""TLS: the SSL contexts every probe uses (honouring --ca-file), certificate facts and verification results."""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from mailprobe.errors import UsageError
from mailprobe.evidence import CertificateFacts, Failure, TlsFacts, VerifyError
from mailprobe.localinput import PATH_SHOWN, read_bytes
from mailprobe.net.connect import ProbeError, bounded, describe
from mailprobe.net.deadline import Deadline
from mailprobe.safetext import quoted_input

# The system bundle is some 200 KiB; 4 MiB leaves room for any corporate one.
MAX_CA_FILE_BYTES = 4 * 1024 * 1024

# OpenSSL X509_V_ERR_* codes → our vocabulary.
_VERIFY_CODES: dict[int, VerifyError] = {
    10: "expired",
    9: "not_yet_valid",
    62: "hostname_mismatch",
    18: "self_signed",
    19: "untrusted",
    20: "untrusted",
    21: "untrusted",
    2: "untrusted",
    27: "untrusted",
    24: "untrusted",
}


@dataclass(frozen=True)
class TlsSettings:
    """How this run talks TLS: the system trust store plus an optional extra CA bundle."""

    ca_file: str | None = None

    def validate(self) -> None:
        if self.ca_file is not None:
            self.verified_context()  # raises UsageError on a bad bundle

    def verified_context(self) -> ssl.SSLContext:
        return self._verified

    @cached_property
    def _verified(self) -> ssl.SSLContext:
        return self._new_verified()

    def unverified_context(self) -> ssl.SSLContext:
        """For collecting certificate facts after a verification failure; never for judging."""
        return self._unverified

    @cached_property
    def _unverified(self) -> ssl.SSLContext:
        return _new_unverified()

    def http_context(self, verify: bool = True) -> ssl.SSLContext:
        """A new context for HTTP alone, verifying (with --ca-file) or not; built afresh on every call.

        httpcore writes ALPN ("http/1.1") into the context it is handed, and the shared contexts above also
        serve the IMAP / POP3 / SMTP probes, whose servers must not be offered HTTP. Building a verifying
        context loads the trust store (tens of milliseconds): callers keep theirs for a whole visit.
        """
        return self._new_verified() if verify else _new_unverified()

    def _new_verified(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file is not None:
            try:
                context.load_verify_locations(cadata=self._ca_data)
            except (ssl.SSLError, ValueError) as exc:
                shown = quoted_input(self.ca_file, PATH_SHOWN)
                raise UsageError(f"--ca-file {shown} is not a PEM CA bundle ({exc})") from None
        return context

    @cached_property
    def _ca_data(self) -> str | bytes | None:
        """The bundle, read once through the bounded reader: OpenSSL opening the path itself would wait
        forever on a FIFO and read /dev/zero until memory ran out."""
        if self.ca_file is None:
            return None
        raw = read_bytes(self.ca_file, what="--ca-file", max_bytes=MAX_CA_FILE_BYTES)
        if b"-----BEGIN" in raw:
            # PEM, whose text between the blocks may be in any script (the system bundle names issuers in
            # Hungarian, Turkish, Chinese); OpenSSL wants ASCII and skips all but the blocks.
            return raw.decode("ascii", "ignore")
        return raw  # DER

    def legacy_context(self) -> ssl.SSLContext:
        """Accepts TLS 1.0 / 1.1, to learn whether a server speaks only what browsers have dropped."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError):
            pass
        return context


def _new_unverified() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def verify_error_of(exc: ssl.SSLCertVerificationError) -> VerifyError:
    code = getattr(exc, "verify_code", None)
    if isinstance(code, int) and code in _VERIFY_CODES:
        return _VERIFY_CODES[code]
    message = (getattr(exc, "verify_message", "") or str(exc)).lower()
    if "expired" in message:
        return "expired"
    if "not yet valid" in message:
        return "not_yet_valid"
    if "hostname" in message or "ip address mismatch" in message:
        return "hostname_mismatch"
    if "self-signed" in message or "self signed" in message:
        return "self_signed"
    if "issuer" in message or "unable to get" in message:
        return "untrusted"
    return "other"


def certificate_facts(der: bytes) -> CertificateFacts | None:
    """Subject, issuer, names and validity of a DER certificate (cryptography does the parsing)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None

    def first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
        values = name.get_attributes_for_oid(oid)
        return str(values[0].value) if values else None

    try:
        san_ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        san = [str(v) for v in san_ext.value.get_values_for_type(x509.DNSName)]
        san += [str(v) for v in san_ext.value.get_values_for_type(x509.IPAddress)]
    except (x509.ExtensionNotFound, ValueError):
        san = []
    return CertificateFacts(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        issuer_cn=first(cert.issuer, NameOID.COMMON_NAME),
        issuer_org=first(cert.issuer, NameOID.ORGANIZATION_NAME),
        san=san[:50],
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=format(cert.serial_number, "x"),
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
        self_signed=cert.issuer == cert.subject,
    )


def issuer_name(cert: CertificateFacts) -> str:
    """How people name an issuer: its organisation, else its common name, else the whole DN."""
    return cert.issuer_org or cert.issuer_cn or cert.issuer


def facts_of(ssl_object: ssl.SSLObject | ssl.SSLSocket, verified: bool, handshake_ms: float) -> TlsFacts:
    der = ssl_object.getpeercert(binary_form=True)
    cert = certificate_facts(der) if der else None
    cipher = ssl_object.cipher()
    days_left = None
    if cert is not None:
        days_left = round((cert.not_after - datetime.now(UTC)).total_seconds() / 86400.0, 2)
    return TlsFacts(
        version=ssl_object.version(),
        cipher=cipher[0] if cipher else None,
        handshake_ms=round(handshake_ms, 2),
        verified=verified,
        certificate=cert,
        days_left=days_left,
    )


async def upgrade(
    writer: asyncio.StreamWriter,
    host: str,
    context: ssl.SSLContext,
    deadline: Deadline,
    cap: float | None = None,
) -> float:
    """TLS handshake on an open connection (implicit TLS or after STARTTLS). Returns handshake ms.

    Raises ProbeError(TLS_VERIFY) with the verify reason in detail, or TLS_HANDSHAKE / TIMEOUT / RESET.
    """
    started = time.monotonic()
    limit = deadline.bound(cap)
    if limit <= 0:
        raise ProbeError(Failure.TIMEOUT, "tls", "deadline reached")
    try:
        await asyncio.wait_for(
            writer.start_tls(context, server_hostname=host, ssl_handshake_timeout=max(limit, 0.05)), limit
        )
    except ssl.SSLCertVerificationError as exc:
        raise ProbeError(Failure.TLS_VERIFY, "tls", f"{verify_error_of(exc)}: {exc.verify_message}") from None
    except ssl.SSLError as exc:
        raise ProbeError(Failure.TLS_HANDSHAKE, "tls", bounded(exc.reason or str(exc))) from None
    except TimeoutError:
        raise ProbeError(Failure.TIMEOUT, "tls", "handshake did not finish in time") from None
    except (ConnectionError, OSError) as exc:
        from mailprobe.net.connect import classify_os_error

        raise ProbeError(classify_os_error(exc), "tls", describe(exc)) from None
    return (time.monotonic() - started) * 1000.0


def ssl_object_of(writer: asyncio.StreamWriter) -> ssl.SSLObject | None:
    obj = writer.get_extra_info("ssl_object")
    return obj if isinstance(obj, ssl.SSLObject) else None


def verify_failure_facts(detail: str) -> tuple[VerifyError, str]:
    """Split the detail of a TLS_VERIFY ProbeError back into (reason, OpenSSL message)."""
    reason, _, message = detail.partition(": ")
    allowed: tuple[VerifyError, ...] = (
        "expired", "not_yet_valid", "hostname_mismatch", "untrusted", "self_signed", "other",
    )
    for value in allowed:
        if value == reason:
            return value, message
    return "other", detail
