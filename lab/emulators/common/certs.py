"""Self-signed certificates, thumbprints, PKCS#12 import and server TLS contexts."""
from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import os
import re
import ssl
from typing import Iterable, Optional, Tuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

_THUMBPRINT_RE = re.compile(r"^SHA-256:([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$")


def generate_self_signed(common_name: str, ips: Iterable[str] = (), dns_names: Iterable[str] = (),
                         days: int = 3650) -> Tuple[bytes, bytes]:
    """A new RSA-2048 key and a self-signed certificate whose SAN holds ``ips`` and ``dns_names``.
    Returns ``(cert_pem, key_pem)``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cloudmove.vcda lab"),
    ])
    sans = [x509.DNSName(d) for d in dns_names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(name).issuer_name(name)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def load_or_create(cert_path: str, key_path: str, common_name: str, ips: Iterable[str] = (),
                   dns_names: Iterable[str] = ()) -> Tuple[bytes, bytes]:
    """Read a persisted certificate/key pair, generating and saving it the first time."""
    if os.path.exists(cert_path) and os.path.exists(key_path):
        with open(cert_path, "rb") as fc, open(key_path, "rb") as fk:
            return fc.read(), fk.read()
    cert_pem, key_pem = generate_self_signed(common_name, ips, dns_names)
    write_pair(cert_path, key_path, cert_pem, key_pem)
    return cert_pem, key_pem


def write_pair(cert_path: str, key_path: str, cert_pem: bytes, key_pem: bytes) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(cert_path)), exist_ok=True)
    for path, data, mode in ((key_path, key_pem, 0o600), (cert_path, cert_pem, 0o644)):
        tmp = "%s.tmp-%d" % (path, os.getpid())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)


def pem_to_der(cert_pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)


def thumbprint(der: bytes) -> str:
    """``SHA-256:AA:BB:…`` (uppercase hex, colon separated) of a DER certificate."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return "SHA-256:" + ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def normalize_thumbprint(value: str) -> str:
    """Validate the ``SHA-256:AA:…`` form (hex case-insensitive) and return it uppercased."""
    if not isinstance(value, str) or not _THUMBPRINT_RE.match(value.strip()):
        raise ValueError("expected a SHA-256 thumbprint such as SHA-256:AB:CD:… (32 colon-separated hex bytes)")
    return "SHA-256:" + value.strip()[8:].upper()


def b64_der(der: bytes) -> str:
    return base64.b64encode(der).decode("ascii")


def der_from_b64(value: str) -> bytes:
    """Decode a base64 DER certificate (PEM armour tolerated) and check that it parses."""
    text = value.strip()
    if "-----BEGIN" in text:
        return pem_to_der(text.encode())
    der = base64.b64decode(text, validate=False)
    x509.load_der_x509_certificate(der)
    return der


def describe(der: bytes) -> dict:
    cert = x509.load_der_x509_certificate(der)
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "notBefore": int(cert.not_valid_before_utc.timestamp() * 1000),
        "notAfter": int(cert.not_valid_after_utc.timestamp() * 1000),
    }


def load_pkcs12(data: bytes, password: Optional[str]) -> Tuple[bytes, bytes]:
    """``(cert_pem, key_pem)`` from a PKCS#12 archive; ValueError when it cannot be opened."""
    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except Exception as exc:  # cryptography raises ValueError/TypeError for bad data or password
        raise ValueError("cannot read the PKCS#12 archive: %s" % exc) from None
    if key is None or cert is None:
        raise ValueError("the PKCS#12 archive must hold a private key and a certificate")
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def make_pkcs12(cert_pem: bytes, key_pem: bytes, password: str) -> bytes:
    """Bundle a pair as PKCS#12 (tests and lab tools use it to exercise certificate upload)."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    key = serialization.load_pem_private_key(key_pem, None)
    return pkcs12.serialize_key_and_certificates(b"lab", key, cert, None,
                                                 serialization.BestAvailableEncryption(password.encode()))


class LazyHandshakeContext(ssl.SSLContext):
    """A server context whose sockets do the TLS handshake on first read, in the connection's
    own thread, so one slow or non-TLS client cannot stall the accept loop."""

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, *args, **kwargs):  # pylint: disable=arguments-differ
        return super().wrap_socket(sock, server_side, False, *args, **kwargs)


def server_context(cert_path: str, key_path: str) -> ssl.SSLContext:
    ctx = LazyHandshakeContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_path, key_path)
    return ctx
