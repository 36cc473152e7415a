"""What the emulated appliances' VMs publish (lab/guestinfo.py): each service's real certificate, by address."""
import base64
import hashlib
import os
import socket
import ssl
import sys

from emulator_helpers import SITE1

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "lab"))
import guestinfo  # noqa: E402  pylint: disable=wrong-import-position


def presented(url):
    host, port = url.split("//", 1)[1].split(":")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        with context.wrap_socket(sock) as tls:
            return tls.getpeercert(binary_form=True)


def test_each_service_publishes_the_certificate_it_serves(lab_factory):
    onprem = {"name": "t-onprem", "type": "onprem", "site": "onprem1", "address": "127.0.1.31", "port": 0}
    lab = lab_factory(SITE1 + [onprem])
    doc = {"appliances": [lab[a["name"]].describe() for a in SITE1 + [onprem]]}
    registered = guestinfo.registrations(doc)
    # the Manager Service's key is on the cloud appliance's VM (same address); on-premises publishes nothing
    assert {ip: sorted(keys) for ip, keys in registered.items()} == {
        "127.0.1.11": ["guestinfo.cloud.certificate", "guestinfo.manager.certificate"],
        "127.0.1.12": ["guestinfo.replicator.certificate"],
        "127.0.1.13": ["guestinfo.tunnel.certificate"]}
    for name, ip, key in (("t-cloud", "127.0.1.11", "guestinfo.cloud.certificate"),
                          ("t-manager", "127.0.1.11", "guestinfo.manager.certificate"),
                          ("t-tunnel", "127.0.1.13", "guestinfo.tunnel.certificate")):
        der = base64.b64decode(registered[ip][key], validate=True)
        assert der == presented(lab.url(name))
        digest = hashlib.sha256(der).hexdigest().upper()
        assert lab.thumbprint(name) == "SHA-256:" + ":".join(digest[i:i + 2] for i in range(0, 64, 2))
    assert registered["127.0.1.11"]["guestinfo.cloud.certificate"] != registered["127.0.1.11"][
        "guestinfo.manager.certificate"]
