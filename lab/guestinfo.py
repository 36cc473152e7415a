"""The emulated appliances' guest agent: what each VCDA appliance VM publishes in its extraConfig.

A Cloud Director Availability appliance VM carries its service certificates in extraConfig as
``guestinfo.<service>.certificate`` (base64 DER; VMware's PowerCLI module for VCDA reads them to pin
the appliance without trusting the first TLS connection). vcsim has no guest, so this script tells
the provider's lab vCenter, per appliance address, what the appliance there publishes
(``PUT /_lab/guestinfo``, lab/vcsim patch 0011): a VM whose vApp address property (``...ip0``) is that
address gets the keys when it powers on, and a powered-on one at once.

    python3 lab/guestinfo.py publish [--vcsim provider] [--quiet]   # emulators.sh / vcsim.sh start run it
    python3 lab/guestinfo.py publish --live            # the certificates the appliances serve now
    python3 lab/guestinfo.py show [--vcsim provider]

Reads lab/run/emulators.json (``EMULATORS_RUN_DIR``) and lab/run/vcsim-NAME.json (``VCSIM_RUN_DIR``).
Lab only: a real appliance writes these keys itself when it boots.
"""
import argparse
import base64
import json
import os
import ssl
import sys
import urllib.request

LAB = os.path.dirname(os.path.abspath(__file__))

# Appliance type of the emulator -> the key its VM carries (the Manager Service's key is on the
# cloud appliance's VM: the same address). On-premises: no public source shows a key, none is published.
KEYS = {
    "cloud": "guestinfo.cloud.certificate",
    "manager": "guestinfo.manager.certificate",
    "replicator": "guestinfo.replicator.certificate",
    "tunnel": "guestinfo.tunnel.certificate",
}


def _load(path):
    with open(path) as handle:
        return json.load(handle)


def emulators_file():
    return os.path.join(os.environ.get("EMULATORS_RUN_DIR") or os.path.join(LAB, "run"), "emulators.json")


def vcsim_file(name):
    return os.path.join(os.environ.get("VCSIM_RUN_DIR") or os.path.join(LAB, "run"), "vcsim-%s.json" % name)


def presented(appliance):
    """Base64 DER of the certificate the appliance's TLS endpoint presents now, None when it does not answer."""
    try:
        pem = ssl.get_server_certificate((appliance["address"], appliance["port"]), timeout=5)
    except (OSError, KeyError):
        return None
    return base64.b64encode(ssl.PEM_cert_to_DER_cert(pem)).decode("ascii")


def registrations(emulators, live=False):
    """Address -> {extraConfig key: base64 DER} of every emulated provider appliance.

    ``live``: what each appliance serves now (a certificate replaced since the lab started, as a real appliance
    would publish it again), the recorded one where the appliance does not answer."""
    out = {}
    for appliance in emulators.get("appliances", []):
        key = KEYS.get(appliance.get("type")) if appliance.get("kind") == "vcda" else None
        certificate = (live and presented(appliance)) or appliance.get("certificate")
        if key and certificate:
            out.setdefault(appliance["address"], {})[key] = certificate
    return out


def _call(vcsim, method, body=None):
    context = ssl.create_default_context(cafile=vcsim["cert_file"])
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(vcsim["lab_url"] + "/guestinfo", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, context=context, timeout=10) as response:
        return json.load(response)


def publish(vcsim, emulators, live=False):
    """Register every appliance's keys with the lab vCenter; returns address -> VMs updated at once."""
    return dict((address, _call(vcsim, "PUT", {"ip": address, "extraConfig": values})["updated"])
                for address, values in sorted(registrations(emulators, live).items()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("command", choices=["publish", "show"])
    parser.add_argument("--vcsim", default="provider", help="lab vCenter instance (default provider)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--live", action="store_true", help="publish the certificates the appliances serve now")
    args = parser.parse_args(argv)
    vcsim = _load(vcsim_file(args.vcsim))
    if args.command == "show":
        print(json.dumps(_call(vcsim, "GET"), indent=2, sort_keys=True))
        return 0
    updated = publish(vcsim, _load(emulators_file()), args.live)
    if not args.quiet:
        for address, vms in updated.items():
            print("guestinfo: %s -> vcsim %s%s" % (address, args.vcsim, " (updated %s)" % ", ".join(vms) if vms else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
