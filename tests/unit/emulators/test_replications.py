"""The lab replication engine (lab/emulators/vcda/api_replications.py, replication_engine.py) and the lab vCD's
vApps (lab/emulators/vcd/api_vapps.py): state machine, policy refusals, paging and filters, the extended-session
rule, sync/RPO numbers on the lab clock. In-process lab: two cloud sites with their vCDs and an on-prem appliance;
its vCenter is a fake (the end-to-end test with the real tenant vcsim is tests/integration/test_lab_replication.py)."""
from __future__ import annotations

import copy
import time
import uuid

import pytest

from emulator_helpers import NEW_PASSWORD, Client
from vcd_helpers import ORG1, VcdClient, write_vcd_config

from lab.emulators.common.config import load_lab_config
from lab.emulators.common.server import Lab
from lab.emulators.run import kinds
from lab.emulators.vcda import inferred, replication_backends, replication_engine
from lab.emulators.vcda.replication_engine import Timeline, evaluate, materialize, new_sync

VCD = [{"name": "r-vcd1", "type": "vcd", "site": "site1", "address": "127.0.1.14", "port": 0, "uplink_prefix": "203.0.113"},
       {"name": "r-vcd2", "type": "vcd", "site": "site2", "address": "127.0.1.24", "port": 0, "uplink_prefix": "192.0.2"}]
VCDA = [{"name": "r-cloud1", "type": "cloud", "site": "site1", "address": "127.0.1.11", "port": 0},
        {"name": "r-cloud2", "type": "cloud", "site": "site2", "address": "127.0.1.21", "port": 0},
        {"name": "r-onprem", "type": "onprem", "site": "onprem1", "address": "127.0.1.31", "port": 0}]
GIB = 1024 ** 3
OPEN_POLICY = {"displayName": "open", "allowIncomingProtections": True, "allowIncomingMigrations": True,
               "allowOutgoingProtections": True, "allowOutgoingMigrations": True, "allowOutgoingOnpremProtections": True,
               "allowOutgoingOnpremMigrations": True, "allowAdvancedRetentionRules": True, "allowCustomSlaSettings": True,
               "allowNotificationConfiguration": True, "maxIncoming": -1, "maxInstances": 24, "maxPinnedInstances": 0,
               "minRpo": 5, "onpremDataCap": -1}


class FakeVcenter:
    """Stands in for the tenant vcsim (pyVmomi) in unit tests."""

    def __init__(self):
        self.uuid = "11111111-2222-3333-4444-555555555555"
        self.vms = {}
        self.calls = []
        self.disabled = set()
        for n, (moid, power) in enumerate((("vm-65", "poweredOn"), ("vm-68", "poweredOn"), ("vm-71", "poweredOff"))):
            self.vms[moid] = {"moid": moid, "name": "VM%d" % n, "powerState": power, "cpu": 2, "memoryMB": 2048, "guestOs": "otherGuest64",
                              "disks": [{"key": 2000, "sizeBytes": GIB, "label": "Hard disk 1"}], "diskBytes": GIB,
                              "nics": [{"index": 0, "key": 4000, "network": "DC0_DVPG0", "mac": "00:0c:29:00:00:%02x" % n}],
                              "instanceUuid": str(uuid.uuid4()), "toolsRunning": True, "folder": "group-v3"}

    def instance_uuid(self):
        return self.uuid

    def vm_info(self, moid):
        return copy.deepcopy(self.vms.get(moid))

    def power_off(self, moid, guest_seconds):
        self.calls.append(("shutdownGuest+powerOff", moid))
        self.vms[moid]["powerState"] = "poweredOff"
        return "shutdownGuest"

    def power_on(self, moid):
        if moid in self.disabled:
            raise inferred.vcenter_fault("https://fake/sdk", "MethodDisabled", "The method is disabled by 'cloudmove.vcda'")
        self.calls.append(("powerOn", moid))
        self.vms[moid]["powerState"] = "poweredOn"

    def create_vm(self, placement, name, cpu, memory_mb, guest_os, disks, nics, power_on):
        moid = "vm-%d" % (100 + len(self.vms))
        self.vms[moid] = {"moid": moid, "name": name, "powerState": "poweredOn" if power_on else "poweredOff", "cpu": cpu,
                          "memoryMB": memory_mb, "guestOs": guest_os, "disks": [], "diskBytes": sum(disks), "nics": [],
                          "instanceUuid": str(uuid.uuid4()), "toolsRunning": False, "folder": placement["vmFolder"]}
        self.calls.append(("create", moid))
        return moid


class Site:
    def __init__(self, running, fake):
        self.lab = running
        self.fake = fake

    def appliance(self, name):
        return self.lab[name]

    def client(self, name, tenant=False) -> Client:
        app = self.lab[name]
        client = Client(app.spec.url, app.thumbprint)
        if tenant:
            reply = client.call("POST", "/sessions", {"type": "vcdCredentials", "vcdUser": ORG1[0], "vcdPassword": ORG1[1]})
            assert reply.status == 200, reply
            client.token = reply.headers["x-vcav-auth"]
            return client
        return client.login(NEW_PASSWORD)

    def vcd(self, name="r-vcd1") -> VcdClient:
        app = self.lab[name]
        return VcdClient(app.spec.url, app.thumbprint)

    def vdc_id(self, vcd="r-vcd1", name="org1-vdc"):
        return next(v["id"] for v in self.lab[vcd].state["vdcs"].values() if v["name"] == name)

    def settings(self, **changes):
        reply = self.client("r-cloud1").lab("PUT", "/_lab/replications/settings", changes)
        assert reply.status == 200, reply
        return reply.body


def _configure(lab, fake, monkeypatch):
    monkeypatch.setattr(replication_backends, "VCENTER_FACTORY", lambda *a, **k: fake)
    cloud1, cloud2, onprem = lab["r-cloud1"], lab["r-cloud2"], lab["r-onprem"]
    now = int(time.time() * 1000)
    for app, site, vcd in ((cloud1, "site1", lab["r-vcd1"]), (cloud2, "site2", lab["r-vcd2"]), (onprem, "onprem1", None)):
        with app.store.edit() as state:
            state.update(rootPassword=NEW_PASSWORD, rootPasswordExpired=False, rootPasswordChangedAt=now,
                         site={"name": site, "description": ""})
            if vcd is not None:
                state["vcloud"] = {"vcdUrl": vcd.spec.url + "/api", "vcdUsername": "administrator@System", "vcdPassword": "VMware1!",
                                   "vcdThumbprint": None}
                state["policies"] = {"default": dict(inferred.DEFAULT_POLICY_4X, id="default"), "open": dict(OPEN_POLICY, id="open")}
                state["policyAssignments"] = {"org1": "open"}
    for app, other, name in ((cloud1, cloud2, "site2"), (cloud2, cloud1, "site1")):
        with app.store.edit() as state:
            state["sites"] = [{"site": name, "description": "", "apiUrl": other.spec.url, "apiPublicUrl": other.spec.url,
                               "apiThumbprint": other.thumbprint, "apiVersion": "4.7", "buildVersion": "x", "kind": "cloud"}]
    with cloud1.store.edit() as state:
        state["vcSites"] = [{"site": "onprem1", "owner": "org1", "description": "", "apiUrl": onprem.spec.url,
                             "apiThumbprint": onprem.thumbprint, "allowAccessFromCloud": True, "kind": "onprem"}]
    with onprem.store.edit() as state:
        state["lookupService"] = {"url": "https://127.0.0.1:1/lookupservice/sdk", "thumbprint": "SHA-256:" + ":".join(["AA"] * 32),
                                  "sso": {"user": "administrator@vsphere.local", "password": "x"}}
        state["cloudSite"] = {"site": "site1", "org": "org1", "apiUrl": cloud1.spec.url, "apiThumbprint": cloud1.thumbprint}
        state["allowAccessFromCloud"] = True
        state["placement"] = {"vmFolder": "group-v3", "cluster": "domain-c29", "network": "network-7", "datastore": "datastore-54"}
    vcd1 = lab["r-vcd1"]
    with vcd1.store.edit() as state:
        org = next(o for o in state["orgs"].values() if o["name"] == "org1")
        vdc = next(v for v in state["vdcs"].values() if v["name"] == "org1-vdc")
        for name in ("company-network", "test-network"):
            net_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, name))
            state["networks"][net_id] = {"id": net_id, "name": name, "description": "", "org": org["id"], "vdc": vdc["id"], "edge": None,
                                         "fenceMode": "isolated", "gateway": "172.16.10.1", "prefixLength": 24, "dns1": None, "dns2": None,
                                         "dnsSuffix": None, "ipRanges": [{"startAddress": "172.16.10.50", "endAddress": "172.16.10.60"}],
                                         "shared": False, "interface": "INTERNAL"}


@pytest.fixture
def site(tmp_path, cert_dir, monkeypatch):
    cfg = write_vcd_config(tmp_path / "repl.yml", VCD, [], VCDA)
    config = load_lab_config(str(cfg), state_dir=str(tmp_path / "state"), run_dir=str(tmp_path / "run"))
    lab = Lab(config, kinds(), cert_dir=cert_dir).start()
    try:
        lab.wait_ready()
        fake = FakeVcenter()
        _configure(lab, fake, monkeypatch)
        running = Site(lab, fake)
        running.settings(clockRate=3600.0, guestShutdownSeconds=0.0, recoverySeconds=0.0)
        yield running
    finally:
        lab.stop()
        replication_engine.forget_engine(str(tmp_path / "state"))


def ok(reply, status=200):
    assert reply.status == status, reply
    return reply.body


def wait_task(client, task, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        body = ok(client.call("GET", "/tasks/" + task["id"]))
        if body["state"] in ("SUCCEEDED", "FAILED"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def wait_for(fn, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.05)


def vcvm_body(site_, vm="vm-65", rpo=15, migration=True, vdc=None, **extra):
    body = {"source": {"type": "vcVm", "site": "onprem1", "vcUuid": site_.fake.uuid, "vmId": vm},
            "destination": {"type": "vm", "site": "site1", "vdc": vdc or site_.vdc_id(), "storageProfile": "*"},
            "rpo": rpo, "isMigration": migration, "description": "wave 1"}
    body.update(extra)
    return body


def create(client, body, kind="vm"):
    reply = client.call("POST", "/%s-replications" % kind, body)
    task = ok(reply, 202)
    assert task["workflowInfo"]["resourceId"].startswith("C4VAPP-" if kind == "vapp" else "C4-")
    done = wait_task(client, task)
    assert done["state"] == "SUCCEEDED", done
    return done["result"]


def synced(client, rec_id, kind="vm"):
    def check():
        item = ok(client.call("GET", "/%s-replications/%s" % (kind, rec_id)))
        items = item["vmReplications"] if kind == "vapp" else [item]
        return item if all(i["destinationState"]["latestInstance"] for i in items) else None
    return wait_for(check)


# ----- the sync model (pure) ---------------------------------------------------------------------------------------
def _rec(disk=GIB, rpo=15):
    return {"id": "C4-x", "vm": {"diskBytes": disk}, "settings": {"rpo": rpo, "retentionPolicy": {"rules": [{"numberOfInstances": 3, "distance": 15}]}},
            "sync": new_sync(0)}


def test_timeline_initial_sync_then_one_instance_per_rpo():
    rec = _rec()
    tl = Timeline(rec, 100.0, 2.0)  # 1 GiB at 100 Mbit/s: 85.9 s
    half = evaluate(rec, int(tl.total / tl.bps * 500), tl)
    assert half["phase"] == "initial" and 0.49 < half["done"] / tl.total < 0.51 and not half["instances"]
    first = int(tl.total / tl.bps * 1000) + 1
    ev = evaluate(rec, first, tl)
    assert ev["phase"] == "delta" and [i["sequenceNumber"] for i in ev["instances"]] == [1]
    ev = evaluate(rec, first + 2 * 15 * 60000 + 5, tl)
    assert [i["sequenceNumber"] for i in ev["instances"]] == [1, 2, 3]
    assert ev["instances"][1]["timestamp"] - ev["instances"][0]["timestamp"] == 15 * 60000
    materialize(rec, first + 2 * 15 * 60000 + 5, tl)  # re-basing changes nothing that was shown
    assert [i["sequenceNumber"] for i in evaluate(rec, first + 2 * 15 * 60000 + 5, tl)["instances"]] == [1, 2, 3]


def test_timeline_slow_link_falls_behind_the_rpo():
    rec = _rec(disk=100 * GIB, rpo=15)
    tl = Timeline(rec, 0.5, 2.0)  # a 500 MB delta per RPO on 0.5 Mbit/s takes about 2.2 h
    assert tl.d_ms > tl.rpo_ms and tl.p_ms == tl.d_ms


# ----- API ---------------------------------------------------------------------------------------------------------
def test_warm_migration_into_the_vdc_then_reverse_and_failback(site):
    cloud = site.client("r-cloud1", tenant=True)
    site.settings(bandwidthMbps={"onprem1": 50.0})  # 1 GiB at 50 Mbit/s: 172 lab s ≈ 48 ms real at 3600x
    item = create(cloud, vcvm_body(site))
    rec_id = item["id"]
    assert item["isMigration"] and item["source"]["vmId"] == "vm-65" and item["source"]["vcUuid"] == site.fake.uuid
    assert item["destination"]["vdcName"] == "org1-vdc" and item["destination"]["storageProfileName"] == "Standard"
    assert item["destinationState"]["recoveryInfo"]["recoveryState"] == "NOT_STARTED"
    ready = synced(cloud, rec_id)
    assert ready["dataConnectionState"] in ("OK", "SYNCING") and ready["sourceState"]["progress"]["progress"] in range(0, 101)
    assert ready["destinationState"]["latestInstance"]["transferBytes"] > 0 and ready["overallHealth"] == "GREEN"
    assert ready["destinationState"]["spaceRequirement"] >= GIB
    # the same VM again: refused, nothing created
    dup = cloud.call("POST", "/vm-replications", vcvm_body(site))
    assert dup.status == 400 and rec_id in dup.body["msg"]
    # an unknown network fails before anything happens
    bad = cloud.call("POST", "/vm-replications/%s/migrate" % rec_id,
                     {"type": "vcloud", "powerOn": True, "vmNetworkSettings": {"nics": [{"nicIndex": 0, "network": "no-such-net"}]}})
    assert bad.status == 400 and "no-such-net" in bad.body["msg"] and "company-network" in bad.body["msg"]
    assert site.fake.vms["vm-65"]["powerState"] == "poweredOn"
    body = {"type": "vcloud", "powerOn": True, "consolidate": False, "connectVmNics": True,
            "vAppNetworkSettings": {"networkMappings": [{"sourceNetworkName": "DC0_DVPG0",
                                                         "destinationOrgVdcNetwork": {"name": "company-network"}}]},
            "vmNetworkSettings": {"nics": [{"nicIndex": 0, "ipAddressAllocationMode": "POOL"}], "computerName": "web01",
                                  "enableGuestCustomization": True}}
    task = ok(cloud.call("POST", "/vm-replications/%s/migrate" % rec_id, body), 202)
    assert task["workflowInfo"] == {"type": "migrate", "resourceType": "vmReplication", "resourceId": rec_id}
    done = wait_task(cloud, task)
    assert done["state"] == "SUCCEEDED", done
    after = done["result"]
    info = after["destinationState"]["recoveryInfo"]
    assert info["recoveryState"] == "COMPLETE" and info["vAppId"] and info["vcdVmId"]
    assert after["dataConnectionState"] == "FINISHED" and after["destination"]["recoveredVappId"] == info["vAppId"]
    assert site.fake.vms["vm-65"]["powerState"] == "poweredOff" and ("shutdownGuest+powerOff", "vm-65") in site.fake.calls
    # visible in the lab vCD, as a user would look
    vcd = site.vcd()
    vcd.login(*ORG1)
    records = vcd.xml("GET", "/api/query?type=vm&format=records&filter=name==VM0")
    assert records.status == 200, records
    vm_rec = records.body[0]
    assert vm_rec.get("status") == "POWERED_ON" and vm_rec.get("networkName") == "company-network"
    assert vm_rec.get("containerName") == "VM0" and vm_rec.get("storageProfileName") == "Standard"
    vm_xml = vcd.xml("GET", "/api/vApp/vm-" + info["vcdVmId"]).body
    ns = {"v": "http://www.vmware.com/vcloud/v1.5"}
    assert vm_xml.get("status") == "4"
    assert vm_xml.findtext("v:NetworkConnectionSection/v:NetworkConnection/v:IsConnected", namespaces=ns) == "true"
    assert vm_xml.findtext("v:NetworkConnectionSection/v:NetworkConnection/v:IpAddress", namespaces=ns) == "172.16.10.50"
    assert vm_xml.findtext("v:GuestCustomizationSection/v:ComputerName", namespaces=ns) == "web01"
    assert vcd.xml("GET", "/api/vApp/vapp-" + info["vAppId"]).body.get("status") == "4"
    # one-way: a second migrate or a failover is refused
    again = cloud.call("POST", "/vm-replications/%s/failover" % rec_id, {"type": "vcloud", "powerOn": True})
    assert again.status == 400 and "COMPLETE" in again.body["msg"]
    # reverse: the vCD VM becomes the source, the original vcsim VM the seed
    done = wait_task(cloud, ok(cloud.call("POST", "/vm-replications/%s/reverse" % rec_id), 202))
    assert done["state"] == "SUCCEEDED", done
    rev = done["result"]
    assert rev["isReversed"] and rev["source"]["site"] == "site1" and rev["source"]["vmId"] == info["vcdVmId"]
    assert rev["destination"]["site"] == "onprem1" and rev["destinationState"]["recoveryInfo"]["recoveryState"] == "NOT_STARTED"
    synced(cloud, rec_id)
    site.fake.disabled.add("vm-65")  # the guard: PowerOnVM_Task is disabled
    failed = wait_task(cloud, ok(cloud.call("POST", "/vm-replications/%s/failover" % rec_id, {"type": "vcenter", "powerOn": True}), 202))
    assert failed["state"] == "FAILED" and "MethodDisabled" in failed["error"]["msg"]
    assert ok(cloud.call("GET", "/vm-replications/" + rec_id))["destinationState"]["recoveryInfo"]["recoveryState"] == "NOT_STARTED"
    site.fake.disabled.clear()
    done = wait_task(cloud, ok(cloud.call("POST", "/vm-replications/%s/failover" % rec_id, {"type": "vcenter", "powerOn": True}), 202))
    assert done["state"] == "SUCCEEDED", done
    assert done["result"]["destinationState"]["recoveryInfo"]["vcVmId"] == "vm-65"
    assert site.fake.vms["vm-65"]["powerState"] == "poweredOn"
    # the on-prem appliance sees the same replication
    onprem = site.client("r-onprem")
    assert ok(onprem.call("GET", "/vm-replications/" + rec_id))["isReversed"] is True


def test_vapp_replication_groups_vms_and_failover_test_cleans_up(site):
    cloud = site.client("r-cloud1")
    body = {"source": {"type": "vcVapp", "site": "onprem1", "vcUuid": site.fake.uuid, "vappName": "WebApp", "vmIds": ["vm-65", "vm-68"]},
            "destination": {"type": "vapp", "site": "site1", "vdc": site.vdc_id(), "storageProfile": "*"}, "rpo": 15,
            "isMigration": False}
    item = create(cloud, body, "vapp")
    assert [v["source"]["vmId"] for v in item["vmReplications"]] == ["vm-65", "vm-68"]
    assert all(v["vappReplicationId"] == item["id"] for v in item["vmReplications"])
    synced(cloud, item["id"], "vapp")
    vm_list = ok(cloud.call("GET", "/vm-replications?vappId=" + item["id"]))
    assert vm_list["total"] == 2
    child = item["vmReplications"][0]["id"]
    refused = cloud.call("POST", "/vm-replications/%s/failover" % child, {"type": "vcloud"})
    assert refused.status == 400 and item["id"] in refused.body["msg"]
    test = {"type": "vcloud", "powerOn": True, "sync": True,
            "vmNetworkSettings": {"vm-65": {"nics": [{"nicIndex": 0, "network": "test-network"}]},
                                  "vm-68": {"nics": [{"nicIndex": 0, "network": "test-network"}]}}}
    done = wait_task(cloud, ok(cloud.call("POST", "/vapp-replications/%s/failover-test" % item["id"], test), 202))
    assert done["state"] == "SUCCEEDED", done
    result = done["result"]
    test_vapp = result["recoveryInfo"]["testVAppId"]
    assert result["recoveryInfo"]["recoveryState"] == "TEST" and test_vapp
    assert site.fake.vms["vm-65"]["powerState"] == "poweredOn"  # a test leaves the source alone
    vapp = [v for v in site.appliance("r-vcd1").state["vapps"].values() if v["id"] == test_vapp][0]
    assert vapp["name"] == "WebApp-test" and len(vapp["vms"]) == 2
    assert all(site.appliance("r-vcd1").state["vms"][v]["nics"][0]["network"] == "test-network" for v in vapp["vms"])
    again = cloud.call("POST", "/vapp-replications/%s/failover-test" % item["id"], test)
    assert again.status == 400 and "TEST" in again.body["msg"]
    done = wait_task(cloud, ok(cloud.call("DELETE", "/vapp-replications/%s/failover-test" % item["id"]), 202))
    assert done["state"] == "SUCCEEDED" and done["result"]["recoveryInfo"]["recoveryState"] == "NOT_STARTED"
    assert test_vapp not in site.appliance("r-vcd1").state["vapps"]
    done = wait_task(cloud, ok(cloud.call("DELETE", "/vapp-replications/" + item["id"]), 202))
    assert done["state"] == "SUCCEEDED"
    assert cloud.call("GET", "/vapp-replications/" + item["id"]).status == 404
    assert ok(cloud.call("GET", "/vm-replications"))["total"] == 0


def test_policy_refusals_name_the_field_and_create_nothing(site):
    cloud = site.client("r-cloud1", tenant=True)
    with site.appliance("r-cloud1").store.edit() as state:
        state["policyAssignments"] = {}
    reply = cloud.call("POST", "/vm-replications", vcvm_body(site))
    assert reply.status == 400 and reply.body["code"] == "BadUserInput" and "allowIncomingMigrations" in reply.body["msg"]
    strict = dict(OPEN_POLICY, id="strict", displayName="strict", minRpo=30, maxIncoming=1, maxInstances=2,
                  allowIncomingProtections=False)
    with site.appliance("r-cloud1").store.edit() as state:
        state["policies"]["strict"] = strict
        state["policyAssignments"] = {"org1": "strict"}
    reply = cloud.call("POST", "/vm-replications", vcvm_body(site, rpo=15))
    assert reply.status == 400 and "minRpo" in reply.body["msg"] and reply.body["args"][:3] == ["minRpo", "15", "30"]
    reply = cloud.call("POST", "/vm-replications", vcvm_body(site, rpo=30, migration=False))
    assert reply.status == 400 and "allowIncomingProtections" in reply.body["msg"]
    rules = {"rules": [{"numberOfInstances": 3, "distance": 30}]}
    reply = cloud.call("POST", "/vm-replications", vcvm_body(site, rpo=30, retentionPolicy=rules))
    assert reply.status == 400 and "maxInstances" in reply.body["msg"]
    assert ok(cloud.call("GET", "/vm-replications"))["total"] == 0
    first = create(cloud, vcvm_body(site, rpo=30))
    reply = cloud.call("POST", "/vm-replications", vcvm_body(site, vm="vm-68", rpo=30))
    assert reply.status == 400 and "maxIncoming" in reply.body["msg"]
    reply = cloud.call("PATCH", "/vm-replications/" + first["id"], {"rpo": 10})
    assert reply.status == 400 and "minRpo" in reply.body["msg"]
    # source site rules: outgoing on-prem migrations from the cloud
    assert ok(cloud.call("GET", "/vm-replications"))["total"] == 1


def test_bad_input_unknown_vm_vdc_profile_and_discriminator(site):
    cloud = site.client("r-cloud1")
    reply = cloud.call("POST", "/vm-replications", vcvm_body(site, vm="vm-999"))
    assert reply.status == 400 and "vm-999" in reply.body["msg"]
    reply = cloud.call("POST", "/vm-replications", vcvm_body(site, vdc="no-such-vdc"))
    assert reply.status == 400 and "destination.vdc" in reply.body["msg"]
    body = vcvm_body(site)
    body["destination"]["storageProfile"] = "Platinum"
    reply = cloud.call("POST", "/vm-replications", body)
    assert reply.status == 400 and "storageProfile" in reply.body["msg"]
    body = vcvm_body(site)
    body["destination"]["type"] = "vcloud"
    reply = cloud.call("POST", "/vm-replications", body)
    assert reply.status == 400 and "vm" in reply.body["msg"] and "destination.type" in reply.body["msg"]
    body = vcvm_body(site)
    body["source"]["vcUuid"] = "not-this-vcenter"
    assert cloud.call("POST", "/vm-replications", body).status == 400
    body = vcvm_body(site, surprise=True)
    reply = cloud.call("POST", "/vm-replications", body)
    assert reply.status == 400 and "surprise" in reply.body["msg"]
    assert ok(cloud.call("GET", "/vm-replications"))["total"] == 0


def test_cross_site_needs_an_extended_session(site):
    seeded = site.vcd().lab("POST", "/_lab/vapps", {"vdc": "org1-vdc", "name": "web", "powerOn": True,
                                                    "vms": [{"name": "web01", "network": "company-network", "diskGb": 1}]})
    assert seeded.status == 201, seeded
    vm_id = seeded.body["vmIds"][0]
    cloud = site.client("r-cloud1", tenant=True)
    body = {"source": {"type": "vm", "site": "site1", "vappId": seeded.body["id"], "vmId": vm_id},
            "destination": {"type": "vm", "site": "site2", "vdc": site.vdc_id("r-vcd2"), "storageProfile": "*"},
            "rpo": 15, "isMigration": True}
    reply = cloud.call("POST", "/vm-replications", body)
    assert reply.status == 401 and reply.body["code"] == "NotAuthenticated" and reply.body["args"] == ["site2"]
    inventory = cloud.call("GET", "/inventory/vdcs?site=site2")
    assert inventory.status == 401
    wrong = cloud.call("POST", "/sessions/extend", {"type": "credentials", "site": "site2", "vcdUsername": ORG1[0], "vcdPassword": "nope"})
    assert wrong.status == 400 and wrong.body["code"] == "RemoteAuthenticationFailure"
    ext = ok(cloud.call("POST", "/sessions/extend", {"type": "credentials", "site": "site2", "vcdUsername": ORG1[0],
                                                     "vcdPassword": ORG1[1]}))
    assert {"org": "org1", "site": "site2"} in ext["authenticatedSites"]
    assert {"org": "org1", "site": "site2"} in ok(cloud.call("GET", "/sessions"))["authenticatedSites"]
    vdcs = ok(cloud.call("GET", "/inventory/vdcs?site=site2"))
    assert [v["name"] for v in vdcs["items"]] == ["org1-vdc"]
    item = create(cloud, body)
    synced(cloud, item["id"])
    done = wait_task(cloud, ok(cloud.call("POST", "/vm-replications/%s/migrate" % item["id"], {"type": "vcloud", "powerOn": True}), 202))
    assert done["state"] == "SUCCEEDED", done
    vcd1, vcd2 = site.appliance("r-vcd1").state, site.appliance("r-vcd2").state
    assert vcd1["vms"][vm_id]["powerState"] == "POWERED_OFF"
    recovered = done["result"]["destinationState"]["recoveryInfo"]["vcdVmId"]
    assert vcd2["vms"][recovered]["powerState"] == "POWERED_ON" and vcd2["vms"][recovered]["nics"][0]["network"] == "none"
    # site2 sees it too (its own session, no extension needed for its local site... but site1 is remote for it)
    cloud2 = site.client("r-cloud2")
    assert ok(cloud2.call("GET", "/vm-replications"))["total"] == 1
    assert cloud2.call("POST", "/vm-replications/%s/sync" % item["id"]).status == 401


def test_pause_resume_sync_and_a_slow_link_violates_the_rpo(site):
    cloud = site.client("r-cloud1")
    item = create(cloud, vcvm_body(site, migration=False))
    synced(cloud, item["id"])
    done = wait_task(cloud, ok(cloud.call("POST", "/vm-replications/%s/pause" % item["id"]), 202))
    assert done["result"]["isPaused"] and done["result"]["dataConnectionState"] == "PAUSED"
    assert done["result"]["overallHealth"] == "YELLOW"
    assert cloud.call("POST", "/vm-replications/%s/sync" % item["id"]).status == 400
    assert wait_task(cloud, ok(cloud.call("POST", "/vm-replications/%s/pause" % item["id"]), 202))["state"] == "SUCCEEDED"
    done = wait_task(cloud, ok(cloud.call("POST", "/vm-replications/%s/resume" % item["id"]), 202))
    assert not done["result"]["isPaused"]
    before = ok(cloud.call("GET", "/vm-replications/%s/instances" % item["id"]))
    done = wait_task(cloud, ok(cloud.call("POST", "/vm-replications/%s/sync" % item["id"]), 202))
    assert done["state"] == "SUCCEEDED"
    after = ok(cloud.call("GET", "/vm-replications/%s/instances" % item["id"]))
    assert isinstance(after, list) and after[0]["sequenceNumber"] > before[0]["sequenceNumber"]
    wrong = cloud.call("POST", "/vm-replications/%s/failover-test" % item["id"], {"type": "vcloud", "instanceId": "h4replica-nope"})
    assert wrong.status == 400 and "h4replica-nope" in wrong.body["msg"]
    both = cloud.call("POST", "/vm-replications/%s/failover-test" % item["id"], {"type": "vcloud", "sync": True,
                                                                                 "instanceId": after[0]["id"]})
    assert both.status == 400 and "mutually exclusive" in both.body["msg"]
    # a slow link: the deltas take longer than the RPO
    site.settings(bandwidthMbps={"onprem1": 0.01})

    def violated():
        current = ok(cloud.call("GET", "/vm-replications/" + item["id"]))
        return current if current["destinationState"]["currentRpoViolation"] > 0 else None

    view = wait_for(violated, timeout=15)
    assert view["overallHealth"] == "YELLOW"
    truth = ok(cloud.lab("GET", "/_lab/replications?id=" + item["id"]))
    assert truth["items"][0]["view"]["id"] == item["id"] and truth["items"][0]["record"]["vm"]["diskBytes"] == GIB
    site.settings(bandwidthMbps={"onprem1": None})
    ok(cloud.lab("POST", "/_lab/replications/%s/error" % item["id"], {"code": "ReplicatorDown", "msg": "boom"}))
    red = ok(cloud.call("GET", "/vm-replications/" + item["id"]))
    assert red["overallHealth"] == "RED" and red["dataConnectionState"] == "ERROR" and red["destinationState"]["lastError"]["code"] == "ReplicatorDown"


def test_seed_paging_and_filters(site):
    cloud = site.client("r-cloud1")
    seeded = ok(cloud.lab("POST", "/_lab/replications/seed", {"count": 250, "sourceSite": "onprem1", "destinationSite": "site1",
                                                              "org": "org1"}), 201)
    assert seeded["created"] == 250
    page1 = ok(cloud.call("GET", "/vm-replications?offset=0&limit=100"))
    page3 = ok(cloud.call("GET", "/vm-replications?offset=200&limit=100"))
    assert page1["total"] == 250 and len(page1["items"]) == 100 and len(page3["items"]) == 50
    everything = page1["items"] + ok(cloud.call("GET", "/vm-replications?offset=100&limit=100"))["items"] + page3["items"]
    assert len({i["id"] for i in everything}) == 250
    assert ok(cloud.call("GET", "/vm-replications?vmName=seed-vm-0001%"))["total"] == 10
    migrations = ok(cloud.call("GET", "/vm-replications?isMigration=true&limit=1000"))
    assert 0 < migrations["total"] < 250 and all(i["isMigration"] for i in migrations["items"])
    red = ok(cloud.call("GET", "/vm-replications?overallHealth=RED&limit=1000"))
    assert all(i["overallHealth"] == "RED" for i in red["items"])
    assert ok(cloud.call("GET", "/vm-replications?site=site2"))["total"] == 0
    assert ok(cloud.call("GET", "/vm-replications?sourceSiteType=vcenter&limit=1"))["total"] == 250
    assert cloud.call("GET", "/vm-replications?limit=5000").status == 400
    tenant2 = Client(site.appliance("r-cloud1").spec.url, site.appliance("r-cloud1").thumbprint)
    reply = tenant2.call("POST", "/sessions", {"type": "vcdCredentials", "vcdUser": "admin2@org2", "vcdPassword": "Org2-Admin-1!"})
    tenant2.token = reply.headers["x-vcav-auth"]
    assert ok(tenant2.call("GET", "/vm-replications"))["total"] == 0  # another org sees none of org1's


def test_start_time_is_wall_clock_timestamps_never_in_the_future_and_storage_profile_change(site):
    cloud = site.client("r-cloud1")
    start = int(time.time() * 1000) + 1500  # 1.5 s from now on the wall clock
    item = create(cloud, vcvm_body(site, migration=False, initialSyncTime=start))
    assert item["settings"]["initialSyncTime"] == start  # echoed as sent (idempotent comparisons)
    assert item["dataConnectionState"] == "INITIAL_SYNCING" and item["sourceState"]["state"] == "none"
    assert item["sourceState"]["progress"]["progress"] == 0
    ready = synced(cloud, item["id"])
    now = int(time.time() * 1000)
    assert now >= start and ready["destinationState"]["latestInstance"]["timestamp"] <= now + 5
    assert start - 50 <= ready["destinationState"]["latestInstance"]["timestamp"]
    assert ready["lastUpdated"] <= now + 5
    profiles = ok(cloud.call("GET", "/inventory/vdcs/%s/storage-profiles" % site.vdc_id()))["items"]
    fast = next(p for p in profiles if p["name"] == "Performance")
    bad = cloud.call("POST", "/vm-replications/%s/storage-profile" % item["id"], {"storageProfileId": "nope"})
    assert bad.status == 400 and "storageProfileId" in bad.body["msg"]
    done = wait_task(cloud, ok(cloud.call("POST", "/vm-replications/%s/storage-profile" % item["id"], {"storageProfileId": fast["id"]}), 202))
    assert done["result"]["destination"]["storageProfileName"] == "Performance"


def test_a_tenant_reads_its_own_policy_only_and_a_remote_sites_with_an_extended_session(site):
    """GET /policies as an org user: the one policy assigned to its org (what the tenant portal shows and the
    replication pre-checks need); another policy, the org status and every write stay provider-only; ?site= of the
    paired cloud site reads that site's policy once the session is extended there."""
    provider = site.client("r-cloud1")
    assert [p["id"] for p in ok(provider.call("GET", "/policies"))] == ["default", "open"]
    tenant = site.client("r-cloud1", tenant=True)
    own = ok(tenant.call("GET", "/policies"))
    assert [p["id"] for p in own] == ["open"] and own[0]["minRpo"] == OPEN_POLICY["minRpo"]
    assert ok(tenant.call("GET", "/policies/open"))["displayName"] == OPEN_POLICY["displayName"]
    assert tenant.call("GET", "/policies/default").status == 403
    assert tenant.call("GET", "/policies/open/status").status == 403
    assert tenant.call("POST", "/policies", dict(OPEN_POLICY, displayName="mine")).status == 403
    assert tenant.call("PATCH", "/policies/default/orgs/org1").status == 403
    with site.appliance("r-cloud2").store.edit() as state:
        state["policies"]["open"] = dict(state["policies"]["open"], minRpo=30)
    remote = tenant.call("GET", "/policies?site=site2")
    assert remote.status == 401 and remote.body["args"] == ["site2"]
    ok(tenant.call("POST", "/sessions/extend", {"type": "credentials", "site": "site2", "vcdUsername": ORG1[0],
                                                "vcdPassword": ORG1[1]}))
    assert [(p["id"], p["minRpo"]) for p in ok(tenant.call("GET", "/policies?site=site2"))] == [("open", 30)]
    assert tenant.call("GET", "/policies?site=site9").status == 404
    # an org without an assignment sees the default policy
    with site.appliance("r-cloud1").store.edit() as state:
        state["policyAssignments"] = {}
    assert [p["id"] for p in ok(tenant.call("GET", "/policies"))] == ["default"]


def test_creates_are_served_side_by_side_and_a_vm_is_replicated_once(site, monkeypatch):
    """A real site serves requests in parallel: the creates' vCenter reads overlap (no lock across them), while
    "this VM is replicated already" and the policy's VM count stay one step with the new record - of six creates
    of the same VM sent at once one is accepted, and a policy allowing two VMs accepts two of five."""
    import threading
    fake = site.fake
    for n in range(5):
        moid = "vm-%d" % (200 + n)
        fake.vms[moid] = dict(copy.deepcopy(fake.vms["vm-65"]), moid=moid, name="P%d" % n)
    lock, state = threading.Lock(), {"now": 0, "peak": 0}
    read = fake.vm_info

    def slow_read(moid):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.15)  # a vCenter round trip
        with lock:
            state["now"] -= 1
        return read(moid)
    fake.vm_info = slow_read
    clients = [site.client("r-cloud1", tenant=True) for _n in range(6)]

    def send_all(bodies):
        replies = [None] * len(bodies)
        threads = [threading.Thread(target=lambda i=i: replies.__setitem__(i, clients[i].call("POST", "/vm-replications", bodies[i])))
                   for i in range(len(bodies))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return replies

    replies = send_all([vcvm_body(site, vm="vm-65") for _n in range(6)])
    assert sorted(r.status for r in replies) == [202] + [400] * 5
    assert all("already" in r.body["msg"] or "replicat" in r.body["msg"] for r in replies if r.status == 400)
    assert state["peak"] > 1  # the reads of the six requests overlapped
    listed = ok(clients[0].call("GET", "/vm-replications"))["items"]
    assert [i["source"]["vmId"] for i in listed] == ["vm-65"]

    from lab.emulators.vcda import api_replications
    check = api_replications.check_policy

    def slow_check(*args, **kwargs):  # the thread is switched out right after its check: the others must wait
        check(*args, **kwargs)
        time.sleep(0.1)
    monkeypatch.setattr(api_replications, "check_policy", slow_check)
    with site.appliance("r-cloud1").store.edit() as store:
        store["policies"]["two"] = dict(OPEN_POLICY, id="two", displayName="two", maxIncoming=2)
        store["policyAssignments"] = {"org1": "two"}
    replies = send_all([vcvm_body(site, vm="vm-%d" % (200 + n)) for n in range(5)])
    assert sorted(r.status for r in replies) == [202] + [400] * 4  # one more besides vm-65: two in all
    assert all("maxIncoming" in r.body["msg"] for r in replies if r.status == 400)
    assert ok(clients[0].call("GET", "/vm-replications"))["total"] == 2
