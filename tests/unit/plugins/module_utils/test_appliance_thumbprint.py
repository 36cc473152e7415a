"""The appliance VM's published certificates: base64 DER in extraConfig -> the collection's thumbprint form."""
import base64
import datetime
import hashlib
import ssl
import textwrap
from types import SimpleNamespace as NS

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.cloudmove.vcda.plugins.module_utils._common import tls as _tls
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import TlsError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import appliance as _appliance
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.ovf_deploy import OvfDeployment


def make_der(name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


CLOUD = make_der("cloud")
MANAGER = make_der("manager")


def expected(der):
    digest = hashlib.sha256(der).hexdigest().upper()
    return "SHA-256:" + ":".join(digest[i:i + 2] for i in range(0, 64, 2))


def b64(der):
    return base64.b64encode(der).decode()


def test_base64_der_gives_the_sha256_thumbprint():
    assert _tls.thumbprint_of_encoded(b64(CLOUD)) == expected(CLOUD)
    # the same form every thumbprint option takes
    assert _tls.normalize_thumbprint(_tls.thumbprint_of_encoded(b64(CLOUD))) == expected(CLOUD)


def test_line_breaks_and_pem_armour_are_tolerated():
    wrapped = "\n".join(textwrap.wrap(b64(CLOUD), 64))
    assert _tls.thumbprint_of_encoded(wrapped) == expected(CLOUD)
    assert _tls.thumbprint_of_encoded(ssl.DER_cert_to_PEM_cert(CLOUD)) == expected(CLOUD)


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_missing_or_empty_is_none(missing):
    assert _tls.thumbprint_of_encoded(missing) is None


@pytest.mark.parametrize("bad, words", [
    ("not base64 at all!", "is not a base64 DER certificate"),
    (b64(CLOUD)[:-3], "is not a base64 DER certificate"),          # cut: bad padding
    (base64.b64encode(b"hello world").decode(), "not a DER certificate"),
    (b64(CLOUD[:-4]), "not a DER certificate"),                      # valid base64 of a truncated DER
    (b64(CLOUD + b"\x00"), "not a DER certificate"),                 # trailing garbage
])
def test_bad_values_raise_a_clear_error_naming_the_key(bad, words):
    with pytest.raises(TlsError) as err:
        _appliance.service_thumbprint({"guestinfo.cloud.certificate": bad}, "cloud", "vcda-cloud-01")
    message = str(err.value)
    assert "vcda-cloud-01: extraConfig guestinfo.cloud.certificate" in message
    assert words in message


def vm(role=None, extra=None, vapp=True, name="vcda-cloud-01"):
    props = [NS(id="guestinfo.cis.appliance.net.ip0", value="10.0.0.1", defaultValue="")]
    if role is not None:
        # vCenter resolves the per-configuration value of the role into the property's default value
        props.append(NS(id=_appliance.ROLE_PROPERTY, value="", defaultValue=role))
    options = [NS(key=k, value=v) for k, v in (extra or {}).items()]
    config = NS(vAppConfig=NS(property=props) if vapp else None, extraConfig=options)
    return NS(name=name, config=config)


def test_cloud_appliance_publishes_cloud_and_manager():
    found = _appliance.appliance_thumbprints(vm("cloud", {
        "guestinfo.cloud.certificate": b64(CLOUD), "guestinfo.manager.certificate": b64(MANAGER),
        "guestinfo.cis.appliance.net.ip0": "ignored", "govcsim": "TRUE"}))
    assert found == {"role": "cloud", "thumbprint": expected(CLOUD),
                     "thumbprints": {"cloud": expected(CLOUD), "manager": expected(MANAGER)}}


def test_role_certificate_not_published_yet():
    found = _appliance.appliance_thumbprints(vm("tunnel", {"guestinfo.cloud.certificate": b64(CLOUD)}))
    assert found["role"] == "tunnel" and found["thumbprint"] is None
    assert found["thumbprints"] == {"cloud": expected(CLOUD)}


@pytest.mark.parametrize("machine", [vm(None, {}), vm("cloud", {}, vapp=False), NS(name="x", config=None)])
def test_no_appliance(machine):
    found = _appliance.appliance_thumbprints(machine)
    assert found["thumbprint"] is None and found["thumbprints"] == {}
    assert found["role"] is None


def test_ovf_deploy_warns_and_returns_none_for_an_unreadable_certificate():
    warnings = []
    deployment = OvfDeployment({"secret_properties": []}, None, warn=warnings.append)
    out = deployment.appliance(vm("replicator", {"guestinfo.replicator.certificate": "%%%"}, name="r1"))
    assert out == {"appliance_role": "replicator", "appliance_thumbprint": None, "appliance_thumbprints": {}}
    assert len(warnings) == 1 and "r1: extraConfig guestinfo.replicator.certificate" in warnings[0]
    good = deployment.appliance(vm("replicator", {"guestinfo.replicator.certificate": b64(CLOUD)}))
    assert good["appliance_thumbprint"] == expected(CLOUD)


def test_info_module_waits_for_the_role_certificate():
    from ansible_collections.cloudmove.vcda.plugins.modules import vsphere_appliance_info as info_module

    machine = vm("tunnel", {}, name="t1")
    machine.guest = NS(ipAddress="10.0.0.3")
    machine.runtime = NS(powerState="poweredOn")
    machine._moId = "vm-9"
    probes = []

    def lookup(datacenter, name, option):
        assert (datacenter, name, option) == ("dc", "t1", "names")
        probes.append(1)
        return machine

    mod = NS(params={"wait_timeout": 0}, vsphere=NS(vm=lookup))
    first = info_module.read(mod, "dc", "t1")
    assert first == {"role": "tunnel", "thumbprint": None, "thumbprints": {}, "name": "t1", "moid": "vm-9",
                     "power_state": "poweredOn", "ip_address": "10.0.0.3"}
    # with a wait: the certificate shows up on a later probe
    options = machine.config.extraConfig
    reads = {"n": 0}

    class Config(object):
        vAppConfig = machine.config.vAppConfig

        @property
        def extraConfig(self):
            reads["n"] += 1
            if reads["n"] >= 2:
                return options + [NS(key="guestinfo.tunnel.certificate", value=b64(CLOUD))]
            return options

    machine.config = Config()
    mod.params["wait_timeout"] = 10
    found = info_module.read(mod, "dc", "t1")
    assert found["thumbprint"] == expected(CLOUD) and reads["n"] >= 2
