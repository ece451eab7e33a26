"""A verified certificate's facts come from OpenSSL's own decoding (no cryptography import on the way to a
healthy verdict); they must read exactly as cryptography's parse of the same DER reads them."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mailprobe.net.tls import certificate_facts, verified_certificate_facts

HOST = "mail.example.test"
CA_NAME = x509.Name([
    x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lab, \"Trust\" + Co; <root>"),
    x509.NameAttribute(NameOID.COMMON_NAME, "#Lab Root "),
])


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _issue(subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey,
           signer: ec.EllipticCurvePrivateKey, *, ca: bool, san: list[x509.GeneralName] | None = None,
           serial: int = 0x00F00D) -> x509.Certificate:
    now = datetime.now(UTC).replace(microsecond=0)
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
        .serial_number(serial).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(signer, hashes.SHA256())


def _served(tmp_path: Path, subject: x509.Name) -> Iterator[tuple[dict[str, object], bytes]]:
    """A real TLS handshake on loopback with a verifying client: what getpeercert() decodes, and the DER."""
    ca_key, leaf_key = _key(), _key()
    ca = _issue(CA_NAME, CA_NAME, ca_key, ca_key, ca=True)
    san: list[x509.GeneralName] = [
        x509.DNSName(HOST), x509.DNSName("*.example.test"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("2001:db8::25")),
    ]
    leaf = _issue(subject, CA_NAME, leaf_key, ca_key, ca=False, san=san, serial=0x0ABCDEF0123)
    (tmp_path / "leaf.pem").write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM)
        + leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tmp_path / "leaf.pem")
    client_context = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with server_context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
                client_context.wrap_socket(raw, server_hostname=HOST) as tls:
            decoded, der = tls.getpeercert(), tls.getpeercert(binary_form=True)
            assert decoded and der
            yield decoded, der
            tls.sendall(b"x")
    finally:
        thread.join(timeout=5)
        listener.close()


@pytest.mark.parametrize("subject", [
    x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]),
    x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "廣東省"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "Shenzhen"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Shenzhen Tencent Computer Systems Company Limited"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, " leading space"),
        x509.NameAttribute(NameOID.EMAIL_ADDRESS, "postmaster@example.test"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, "91440300708461136T"),
        x509.NameAttribute(NameOID.BUSINESS_CATEGORY, "Private Organization"),
        x509.NameAttribute(NameOID.JURISDICTION_COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "example"),
        x509.NameAttribute(NameOID.COMMON_NAME, "a\\b,c+d;e<f>g\"h trailing "),
    ]),
], ids=["plain", "every-listed-attribute-and-escape"])
def test_openssl_decoding_reads_as_cryptography_does(tmp_path: Path, subject: x509.Name) -> None:
    for decoded, der in _served(tmp_path, subject):
        fast = verified_certificate_facts(decoded, der)
        assert fast is not None
        assert fast == certificate_facts(der)
        assert fast.san == [HOST, "*.example.test", "127.0.0.1", "2001:db8::25"]
        assert fast.issuer_org == "Lab, \"Trust\" + Co; <root>"
        assert fast.serial == "abcdef0123"


def test_an_unlisted_attribute_is_left_to_cryptography(tmp_path: Path) -> None:
    subject = x509.Name([
        x509.NameAttribute(NameOID.PSEUDONYM, "someone"),
        x509.NameAttribute(NameOID.COMMON_NAME, HOST),
    ])
    for decoded, der in _served(tmp_path, subject):
        assert verified_certificate_facts(decoded, der) is None
        facts = certificate_facts(der)
        assert facts is not None and facts.subject.endswith("2.5.4.65=someone")


def test_a_multi_valued_rdn_is_left_to_cryptography(tmp_path: Path) -> None:
    subject = x509.Name([x509.RelativeDistinguishedName([
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Mail"),
        x509.NameAttribute(NameOID.COMMON_NAME, HOST),
    ])])
    for decoded, der in _served(tmp_path, subject):
        assert verified_certificate_facts(decoded, der) is None
        assert certificate_facts(der) is not None
