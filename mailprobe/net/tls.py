"""TLS: the SSL contexts every probe uses (honouring --ca-file), certificate facts and verification results."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from mailprobe.evidence import CertificateFacts, Failure, TlsFacts, VerifyError
from mailprobe.net.connect import ProbeError, bounded, cut_off, describe
from mailprobe.net.deadline import Deadline, silence_bounds
from mailprobe.net.trust import Trust, trust

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
    """How this run talks TLS: the system trust store plus an optional extra CA bundle (net/trust.py loads
    both once per process, in the background)."""

    ca_file: str | None = None

    def validate(self) -> None:
        if self.ca_file is not None:
            self.verified_context()  # raises UsageError on a bad bundle

    def verified_context(self) -> ssl.SSLContext:
        """The verifying context of the mail protocols (no ALPN)."""
        return self._trust.mail_context()

    @cached_property
    def _trust(self) -> Trust:
        return trust(self.ca_file)  # once per settings: a lookup (and a stat of --ca-file) per handshake is waste

    def unverified_context(self) -> ssl.SSLContext:
        """For collecting certificate facts after a verification failure; never for judging."""
        return self._unverified

    @cached_property
    def _unverified(self) -> ssl.SSLContext:
        return _new_unverified()

    async def verified_http_context(self) -> ssl.SSLContext:
        """The verifying context for HTTP alone (with --ca-file), awaited while the trust store loads.

        httpcore writes ALPN ("http/1.1", always the same) into the context it is handed: this one is shared by
        every HTTP exchange of the process, and is never the mail protocols' (whose servers must not be offered
        HTTP).
        """
        # Shielded: a caller giving up must not cancel the one load every other caller shares.
        return await asyncio.shield(asyncio.wrap_future(self._trust.http_future()))

    def unverified_http_context(self) -> ssl.SSLContext:
        """A context for HTTP alone that verifies nothing, built afresh (it loads no trust store)."""
        return _new_unverified()

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


# OpenSSL's long attribute names (as `SSLSocket.getpeercert()` gives them) → the RFC 4514 keys cryptography
# writes: a short name, else the dotted OID. A name outside this table sends the certificate to cryptography.
_RFC4514_KEYS = {
    "commonName": "CN",
    "localityName": "L",
    "stateOrProvinceName": "ST",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "streetAddress": "STREET",
    "domainComponent": "DC",
    "userId": "UID",
    "emailAddress": "1.2.840.113549.1.9.1",
    "serialNumber": "2.5.4.5",
    "surname": "2.5.4.4",
    "title": "2.5.4.12",
    "businessCategory": "2.5.4.15",
    "postalCode": "2.5.4.17",
    "name": "2.5.4.41",
    "givenName": "2.5.4.42",
    "organizationIdentifier": "2.5.4.97",
    "jurisdictionCountryName": "1.3.6.1.4.1.311.60.2.1.3",
    "jurisdictionStateOrProvinceName": "1.3.6.1.4.1.311.60.2.1.2",
    "jurisdictionLocalityName": "1.3.6.1.4.1.311.60.2.1.1",
}
_RFC4514_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("+", "\\+"), (",", "\\,"), (";", "\\;"), ("<", "\\<"),
                    (">", "\\>"), ("\0", "\\00"))


def verified_certificate_facts(decoded: Mapping[str, object], der: bytes) -> CertificateFacts | None:
    """The facts of a certificate OpenSSL has verified and decoded (`getpeercert()`), written exactly as
    `certificate_facts` writes them, without loading cryptography; None for anything outside the common
    forms (a multi-valued RDN, an unlisted attribute), which `certificate_facts` then reads from the DER."""
    try:
        subject = _rdns(decoded["subject"])
        issuer = _rdns(decoded["issuer"])
        not_before = datetime.fromtimestamp(ssl.cert_time_to_seconds(str(decoded["notBefore"])), UTC)
        not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(str(decoded["notAfter"])), UTC)
        serial = format(int(str(decoded["serialNumber"]), 16), "x")
        names = decoded.get("subjectAltName", ())
        assert isinstance(names, tuple)
        san = [str(value) for kind, value in names if kind == "DNS"]
        san += [ipaddress.ip_address(str(value).strip()).compressed for kind, value in names if kind == "IP Address"]
    except (KeyError, ValueError, TypeError, AssertionError):
        return None
    if subject is None or issuer is None:
        return None
    return CertificateFacts(
        subject=_rfc4514(subject),
        issuer=_rfc4514(issuer),
        issuer_cn=_first(issuer, "CN"),
        issuer_org=_first(issuer, "O"),
        san=san[:50],
        not_before=not_before,
        not_after=not_after,
        serial=serial,
        sha256=hashlib.sha256(der).hexdigest(),
        self_signed=issuer == subject,
    )


def _rdns(name: object) -> list[tuple[str, str]] | None:
    """((('commonName', 'x'),), …) → [('CN', 'x'), …] in certificate order; None if not the common form."""
    if not isinstance(name, tuple):
        return None
    out = []
    for rdn in name:
        if not isinstance(rdn, tuple) or len(rdn) != 1:
            return None
        key, value = rdn[0]
        if key not in _RFC4514_KEYS or not isinstance(value, str):
            return None
        out.append((_RFC4514_KEYS[key], value))
    return out


def _rfc4514(rdns: list[tuple[str, str]]) -> str:
    return ",".join(f"{key}={_escaped(value)}" for key, value in reversed(rdns))


def _escaped(value: str) -> str:
    if not value:
        return ""
    for plain, escaped in _RFC4514_ESCAPES:
        value = value.replace(plain, escaped)
    if value[0] == "#" or (value[0] == " " and len(value) > 1):
        value = "\\" + value
    if value[-1] == " ":
        value = value[:-1] + "\\ "
    return value


def _first(rdns: list[tuple[str, str]], key: str) -> str | None:
    return next((value for k, value in rdns if k == key), None)


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
    cert = None
    if der:
        decoded = ssl_object.getpeercert() if verified else None  # OpenSSL decodes only what it verified
        cert = (verified_certificate_facts(decoded, der) if decoded else None) or certificate_facts(der)
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


_HANDSHAKE_BACKSTOP_S = 0.5


async def upgrade(
    writer: asyncio.StreamWriter,
    host: str,
    context: ssl.SSLContext,
    deadline: Deadline,
    cap: float | None = None,
    stall: float | None = None,
) -> float:
    """TLS handshake on an open connection (implicit TLS or after STARTTLS). Returns handshake ms.

    Raises ProbeError(TLS_VERIFY) with the verify reason in detail, or TLS_HANDSHAKE / TIMEOUT / RESET; a
    handshake the run's deadline cut short of CAP and of STALL is recorded as cut off (net/connect.cut_off).
    """
    started = time.monotonic()
    wait, own = silence_bounds(cap, stall)
    limit = deadline.bound(wait)
    cut = deadline.cuts(limit, own)
    if limit <= 0:
        raise cut_off("tls") if cut else ProbeError(Failure.TIMEOUT, "tls", "deadline reached")
    try:
        # The transport's own handshake timer is only a backstop: it would end the handshake as a "reset" (an
        # aborted connection) at the very moment this bound ends it as a time-out, the deadline's or its own.
        await asyncio.wait_for(
            writer.start_tls(context, server_hostname=host, ssl_handshake_timeout=limit + _HANDSHAKE_BACKSTOP_S),
            limit,
        )
    except ssl.SSLCertVerificationError as exc:
        raise ProbeError(Failure.TLS_VERIFY, "tls", f"{verify_error_of(exc)}: {exc.verify_message}") from None
    except ssl.SSLError as exc:
        raise ProbeError(Failure.TLS_HANDSHAKE, "tls", bounded(exc.reason or str(exc))) from None
    except TimeoutError:
        if cut:
            raise cut_off("tls") from None
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
