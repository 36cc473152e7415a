"""vsphere_appliance_info through its real main() against the fake vCenter: the role and the thumbprints each
appliance publishes, other VMs, the wait for a booting appliance's certificate, nothing written, bad input."""
import functools

import pytest
from pyVmomi import vim

from fake_module import run_module, text
from fake_vsphere import PASSWORD, VC_ARGS, FakeVcenter
from test_appliance_thumbprint import CLOUD, MANAGER, b64, expected  # the certificates those tests use

from ansible_collections.cloudmove.vcda.plugins.modules import vsphere_appliance_info as module
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.wait import Poller

ROLE = "guestinfo.cis.appliance.role"


@pytest.fixture
def vc(monkeypatch):
    fake = FakeVcenter().install(monkeypatch)
    dc = fake.datacenter()
    fake.vm(dc.vmFolder, "vcda-cloud-01", power="poweredOn", ip="10.0.0.10",
            properties={ROLE: ("", "cloud"), "guestinfo.cis.appliance.net.ip0": "10.0.0.10"},
            extra={"guestinfo.cloud.certificate": b64(CLOUD), "guestinfo.manager.certificate": b64(MANAGER)})
    fake.tunnel = fake.vm(dc.vmFolder, "vcda-tunnel-01", power="poweredOn", properties={ROLE: ("", "tunnel")})
    fake.vm(dc.vmFolder, "web-01")
    return fake


def test_each_vm_by_the_name_given_with_its_role_and_thumbprints(vc):
    result = run_module(module, dict(VC_ARGS, names=["vcda-cloud-01", "vcda-tunnel-01", "web-01"]))
    assert result["changed"] is False and vc.writes == []
    cloud, tunnel, web = (result["appliances"][n] for n in ("vcda-cloud-01", "vcda-tunnel-01", "web-01"))
    assert cloud == {"name": "vcda-cloud-01", "moid": cloud["moid"], "power_state": "poweredOn",
                     "ip_address": "10.0.0.10", "role": "cloud", "thumbprint": expected(CLOUD),
                     "thumbprints": {"cloud": expected(CLOUD), "manager": expected(MANAGER)}}
    assert (tunnel["role"], tunnel["thumbprint"], tunnel["thumbprints"]) == ("tunnel", None, {})  # not booted yet
    assert (web["role"], web["thumbprint"], web["ip_address"]) == (None, None, None)
    assert PASSWORD not in text(result)


def test_check_mode_reads_the_same(vc):
    args = dict(VC_ARGS, names=["vcda-cloud-01"])
    assert run_module(module, args, check_mode=True)["appliances"] == run_module(module, args)["appliances"]
    assert vc.writes == []


def test_wait_timeout_waits_until_the_role_certificate_is_published(vc, monkeypatch):
    slept = []

    def sleep(seconds):  # the appliance finishes booting during the first pause
        slept.append(seconds)
        vc.state(vc.tunnel)["config"].extraConfig.append(
            vim.option.OptionValue(key="guestinfo.tunnel.certificate", value=b64(CLOUD)))
    clock = iter(range(0, 10 ** 6, 1))
    monkeypatch.setattr(module, "Poller", functools.partial(Poller, clock=lambda: next(clock), sleep=sleep))
    result = run_module(module, dict(VC_ARGS, names=["vcda-tunnel-01"], wait_timeout=300))
    assert not result.get("failed"), result
    assert result["appliances"]["vcda-tunnel-01"]["thumbprint"] == expected(CLOUD) and len(slept) == 1


def test_a_certificate_never_published_times_out_naming_what_was_seen(vc, monkeypatch):
    clock = iter(range(0, 10 ** 6, 50))
    monkeypatch.setattr(module, "Poller", functools.partial(Poller, clock=lambda: next(clock), sleep=lambda s: None))
    result = run_module(module, dict(VC_ARGS, names=["vcda-tunnel-01"], wait_timeout=120))
    assert result["failed"] and "timed out" in result["msg"] and "vcda-tunnel-01" in result["msg"]
    assert "role tunnel, published: nothing" in result["msg"]


def test_an_unreadable_certificate_names_the_vm_and_the_key(vc):
    vc.state(vc.tunnel)["config"].extraConfig = [vim.option.OptionValue(key="guestinfo.tunnel.certificate",
                                                                        value="%%%")]
    result = run_module(module, dict(VC_ARGS, names=["vcda-tunnel-01"]))
    assert result["failed"] and "vcda-tunnel-01: extraConfig guestinfo.tunnel.certificate" in result["msg"]
    assert "Traceback" not in text(result)


@pytest.mark.parametrize("args,option,words", [
    (dict(names=["ghost"]), "names", "these exist: vcda-cloud-01, vcda-tunnel-01, web-01"),
    (dict(names=[]), "names", "at least one"),
    (dict(names=["web-01"], wait_timeout=-1), "wait_timeout", "0 or more"),
    (dict(names=["web-01"], datacenter="DC9"), "datacenter", "these exist: DC0"),
])
def test_bad_input_names_the_option(vc, args, option, words):
    result = run_module(module, dict(VC_ARGS, **args))
    assert result["failed"] and result["msg"].startswith(option + ":") and result["option"] == option and words in result["msg"], result
