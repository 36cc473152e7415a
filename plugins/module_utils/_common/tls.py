# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate thumbprints: the one place where they are parsed, compared and computed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import re
import socket
import ssl

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import (
    ConnectionFailure,
    InputError,
    TlsError,
)

_ALGORITHMS = {"SHA-256": (hashlib.sha256, 32), "SHA-1": (hashlib.sha1, 20)}
_HEX = re.compile(r"^[0-9A-F]+$")


def normalize_thumbprint(value, option="thumbprint", algorithm="SHA-256"):
    """Return ``value`` as ``SHA-256:AA:BB:...`` (the form VCDA uses), or raise InputError.

    Accepts the colon form with or without the ``SHA-256:`` prefix, any case, and plain hex.
    """
    if value is None or not str(value).strip():
        # unset, or an empty environment variable (an AWX credential field left empty): no pin
        return None
    text = str(value).strip()
    prefix = algorithm
    match = re.match(r"^(SHA-?256|SHA-?1)\s*:\s*", text, re.IGNORECASE)
    if match:
        prefix = "SHA-256" if "256" in match.group(1) else "SHA-1"
        text = text[match.end():]
    digest = text.replace(":", "").replace(" ", "").upper()
    length = _ALGORITHMS[prefix][1]
    if len(digest) != length * 2 or not _HEX.match(digest):
        raise InputError(
            "%s: '%s' is not a %s thumbprint; expected %d hex byte pairs such as 'SHA-256:AB:CD:...'"
            % (option, value, prefix, length), option=option)
    return "%s:%s" % (prefix, ":".join(digest[i:i + 2] for i in range(0, len(digest), 2)))


def thumbprint_hex(value, option="thumbprint"):
    """Plain lowercase hex of a thumbprint (the form urllib3's ``assert_fingerprint`` takes)."""
    return normalize_thumbprint(value, option).split(":", 1)[1].replace(":", "").lower()


def thumbprint_of_der(der, algorithm="SHA-256"):
    digest = _ALGORITHMS[algorithm][0](der).hexdigest().upper()
    return "%s:%s" % (algorithm, ":".join(digest[i:i + 2] for i in range(0, len(digest), 2)))


def _der_length_ok(der):
    """Whether ``der`` is exactly one DER SEQUENCE (what an X.509 certificate is), by its outer length."""
    if len(der) < 2 or der[0] != 0x30:
        return False
    first = der[1]
    if first < 0x80:
        return len(der) == 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(der) < 2 + count:
        return False
    length = 0
    for byte in bytearray(der[2:2 + count]):
        length = (length << 8) | byte
    return len(der) == 2 + count + length


def thumbprint_of_encoded(value, what="certificate", algorithm="SHA-256"):
    """Thumbprint of a base64 DER certificate (the form of VCDA's ``encoded`` fields and of an appliance VM's
    ``guestinfo.<service>.certificate``), or None when ``value`` is unset or empty.

    Line breaks and PEM armour are tolerated; anything else raises TlsError naming ``what``.
    """
    if value is None or not str(value).strip():
        return None
    text = re.sub(r"-----(BEGIN|END) CERTIFICATE-----", "", str(value))
    text = re.sub(r"\s+", "", text)
    try:
        der = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise TlsError("%s is not a base64 DER certificate (%s)" % (what, exc))
    if not _der_length_ok(der):
        raise TlsError("%s is base64 but not a DER certificate (%d bytes that are not one DER SEQUENCE)"
                       % (what, len(der)))
    return thumbprint_of_der(der, algorithm)


def fetch_certificate(host, port, timeout=10):
    """Return the DER certificate the TLS endpoint ``host:port`` presents, without trusting it."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as sock:
            with context.wrap_socket(sock, server_hostname=host) as tls:
                return tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as exc:
        raise ConnectionFailure("cannot read the certificate of %s:%s: %s" % (host, port, exc))


def same_thumbprint(left, right):
    if not left or not right:
        return False
    return normalize_thumbprint(left) == normalize_thumbprint(right)


def pinned_ssl_context(host, port, thumbprint, timeout=10):
    """An SSL context that trusts exactly the certificate ``host:port`` presents, if it matches.

    The certificate is read once, its digest compared with the pin, and the context then
    trusts that one certificate (hostname checks off: the pin is the identity). For clients
    such as pyvmomi that open several connections and take only an SSL context.
    """
    der = fetch_certificate(host, port, timeout)
    wanted = normalize_thumbprint(thumbprint)
    algorithm = wanted.split(":", 1)[0]
    actual = thumbprint_of_der(der, algorithm)
    if actual != wanted:
        raise TlsError("TLS certificate of %s:%s does not match the pinned thumbprint: expected %s, got %s"
                       % (host, port, wanted, actual))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    context.verify_flags |= getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0)
    context.load_verify_locations(cadata=ssl.DER_cert_to_PEM_cert(der))
    return context
