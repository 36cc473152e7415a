"""End to end, with plain requests and pyVmomi, through the lab's replication engine:

* a warm migration of a tenant vcsim VM into site1's org VDC on ``company-network``: the source ends powered off in
  the tenant vcsim, the VM runs in the vCD VDC (vCD query service and vApp API), connected to ``company-network``;
* then reverse and failback: the original vcsim VM (the seed) runs again;
* a cloud-to-on-premises protection of a vCD VM: its failover creates a VM in the tenant vcsim's placement.

Everything is set up through the products' APIs, as a user would: VCDA first boot, site, Cloud Director, a policy
for org1; the on-prem appliance's lookup service (the tenant vcsim) and its pairing with site1 (allow access from
cloud); the org VDC network in the lab vCD."""
import os
import ssl
import subprocess
import time

import pytest
import requests
from lxml import etree

INITIAL = "Vcda-Init-1!"
NEW = "Repl-Lab-Pass-1!"
ORG1 = ("admin1@org1", "Org1-Admin-1!")
VCD_ACCEPT = "application/*+xml;version=36.0"
NS = {"v": "http://www.vmware.com/vcloud/v1.5"}
POLICY = {"displayName": "migrate-all", "allowIncomingProtections": True, "allowIncomingMigrations": True,
          "allowOutgoingProtections": True, "allowOutgoingMigrations": True, "allowOutgoingOnpremProtections": True,
          "allowOutgoingOnpremMigrations": True, "allowAdvancedRetentionRules": True, "allowCustomSlaSettings": True,
          "allowNotificationConfiguration": True, "maxIncoming": -1, "maxInstances": 24, "maxPinnedInstances": 0,
          "minRpo": 5, "onpremDataCap": -1}


class Vcda:
    def __init__(self, facts, state_dir):
        self.url = facts["url"]
        self.verify = os.path.join(state_dir, "certs", facts["name"] + ".crt")
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"

    def call(self, method, path, body=None, expect=(200,), **kwargs):
        reply = self.session.request(method, self.url + path, json=body, verify=self.verify, timeout=30, **kwargs)
        assert reply.status_code in expect, (method, path, reply.status_code, reply.text)
        return reply.json() if reply.content else None

    def login(self, body):
        reply = self.session.post(self.url + "/sessions", json=body, verify=self.verify, timeout=30)
        assert reply.status_code == 200, reply.text
        self.session.headers["X-VCAV-Auth"] = reply.headers["X-VCAV-Auth"]
        return self

    def first_boot(self):
        self.login({"type": "localUser", "localUser": "root", "localPassword": INITIAL})
        self.call("POST", "/config/root-password", {"rootPassword": NEW}, expect=(204,), headers={"Config-Secret": INITIAL})
        return self

    def wait(self, task, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            body = self.call("GET", "/tasks/" + task["id"])
            if body["state"] in ("SUCCEEDED", "FAILED"):
                assert body["state"] == "SUCCEEDED", body
                return body
            assert time.monotonic() < deadline, body
            time.sleep(0.2)


def _vm(content, name):
    from pyVmomi import vim  # pylint: disable=import-outside-toplevel
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return next(v for v in view.view if v.name == name)
    finally:
        view.Destroy()


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREATED_VMS = ("crm-db01",)


@pytest.fixture(scope="module")
def tenant_vc(vcsim):
    """The tenant vcsim; at the end the VMs these tests created are destroyed and DC0_H0_VM0 runs again."""
    from pyVim.connect import Disconnect, SmartConnect  # pylint: disable=import-outside-toplevel
    facts = vcsim["tenant"]
    context = ssl.create_default_context(cafile=facts["cert_file"])
    context.check_hostname = False  # the certificate names the IP; pinned by the CA file
    si = SmartConnect(host=facts["hostname"], port=facts["port"], user=facts["username"], pwd=facts["password"], sslContext=context)
    yield si
    content = si.RetrieveContent()
    for name in CREATED_VMS:
        try:
            vm = _vm(content, name)
        except StopIteration:
            continue
        if vm.runtime.powerState == "poweredOn":
            _task(vm.PowerOffVM_Task())
        _task(vm.Destroy_Task())
    original = _vm(content, "DC0_H0_VM0")
    if original.runtime.powerState != "poweredOn":
        _task(original.PowerOnVM_Task())
    Disconnect(si)


def _task(task):
    while task.info.state not in ("success", "error"):
        time.sleep(0.1)
    return task.info.state


@pytest.fixture(scope="module")
def fresh_emulators(vcda_lab):
    """First boot before (another test may have configured the sites) and after (what the targets expect)."""
    subprocess.run(["bash", "lab/emulators.sh", "reset"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    yield vcda_lab
    subprocess.run(["bash", "lab/emulators.sh", "reset"], cwd=ROOT, check=False, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def lab_sites(vcsim, fresh_emulators):
    """site1 and onprem1 set up through their APIs, company-network in org1-vdc."""
    vcda_lab = fresh_emulators
    apps = {a["name"]: a for a in vcda_lab["appliances"]}
    state_dir = vcda_lab["stateDir"]
    tenant = vcsim["tenant"]
    site1 = Vcda(apps["site1-cloud"], state_dir).first_boot()
    site1.call("POST", "/config/site", {"localSite": "site1", "localSiteDescription": "provider site 1"})
    vcd = apps["site1-vcd"]
    site1.call("POST", "/config/vcloud", {"vcdUrl": vcd["url"] + "/api", "vcdUsername": vcd["systemAdmin"]["user"],
                                          "vcdPassword": vcd["systemAdmin"]["password"], "vcdThumbprint": vcd["thumbprint"]})
    policy = site1.call("POST", "/policies", POLICY)
    site1.call("PATCH", "/policies/%s/orgs/org1" % policy["id"], expect=(202,))

    onprem = Vcda(apps["onprem1"], state_dir).first_boot()
    onprem.call("POST", "/config/site", {"site": "onprem1"})
    onprem.call("POST", "/config/lookup-service", {"url": tenant["lookup_service_url"], "thumbprint": tenant["thumbprint"],
                                                   "ssoAdminCredentials": {"ssoUser": tenant["username"], "ssoPassword": tenant["password"]}})
    pair = onprem.call("POST", "/sites", {"apiUrl": apps["site1-cloud"]["url"], "apiThumbprint": apps["site1-cloud"]["thumbprint"],
                                          "description": "tenant on-prem", "allowAccessFromCloud": True,
                                          "credentials": {"type": "credentials", "vcdUsername": ORG1[0], "vcdPassword": ORG1[1]}},
                       expect=(202,))
    onprem.wait(pair)

    # company-network in org1's VDC, through the vCD API
    vcd_http = requests.Session()
    vcd_verify = os.path.join(state_dir, "certs", "site1-vcd.crt")
    login = vcd_http.post(vcd["url"] + "/cloudapi/1.0.0/sessions/provider", auth=(vcd["systemAdmin"]["user"], vcd["systemAdmin"]["password"]),
                          headers={"Accept": "application/json;version=36.0"}, verify=vcd_verify, timeout=30)
    assert login.status_code == 200, login.text
    vcd_http.headers["Authorization"] = "Bearer " + login.headers["X-VMWARE-VCLOUD-ACCESS-TOKEN"]
    org1 = next(o for o in vcd["orgs"] if o["name"] == "org1")
    vdc = site1.call("GET", "/inventory/vdcs?name=org1-vdc")["items"][0]
    net = vcd_http.post(vcd["url"] + "/cloudapi/1.0.0/orgVdcNetworks", verify=vcd_verify, timeout=30,
                        headers={"Accept": "application/json;version=36.0", "Content-Type": "application/json"},
                        json={"name": "company-network", "networkType": "ISOLATED", "orgVdc": {"id": "urn:vcloud:vdc:" + vdc["id"]},
                              "ownerRef": {"id": "urn:vcloud:vdc:" + vdc["id"]},
                              "subnets": {"values": [{"gateway": "172.16.10.1", "prefixLength": 24,
                                                      "ipRanges": {"values": [{"startAddress": "172.16.10.50", "endAddress": "172.16.10.99"}]}}]}})
    assert net.status_code in (201, 202), net.text
    deadline = time.monotonic() + 30
    while not any(n["name"] == "company-network" for n in site1.call("GET", "/inventory/vdcs/%s/networks" % vdc["id"])["items"]):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    del org1

    return {"apps": apps, "state_dir": state_dir, "site1": site1, "onprem": onprem, "vdc": vdc, "vcd": vcd, "vcd_verify": vcd_verify}


STATE = {}


def _tenant(lab_sites, vcda_lab):
    session = Vcda(lab_sites["apps"]["site1-cloud"], lab_sites["state_dir"]).login(
        {"type": "vcdCredentials", "vcdUser": ORG1[0], "vcdPassword": ORG1[1]})
    session.call("PUT", "/_lab/replications/settings", {"clockRate": 600.0}, headers={"X-Lab-Token": vcda_lab["labToken"]})
    return session


def _synced(session, rec_id, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        item = session.call("GET", "/vm-replications/" + rec_id)
        if item["destinationState"]["latestInstance"]:
            return item
        assert time.monotonic() < deadline, item
        time.sleep(0.2)


def test_warm_migration_of_a_tenant_vm_into_site1_on_company_network(lab_sites, vcda_lab, tenant_vc):
    apps, state_dir, vdc, vcd, vcd_verify = (lab_sites[k] for k in ("apps", "state_dir", "vdc", "vcd", "vcd_verify"))
    # the source: a running VM of the tenant vcsim (warm migration)
    from pyVmomi import vim  # pylint: disable=import-outside-toplevel
    content = tenant_vc.RetrieveContent()
    source = _vm(content, "DC0_H0_VM0")
    if source.runtime.powerState != "poweredOn":
        _task(source.PowerOnVM_Task())
    nic = next(d for d in source.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard))
    networks = {getattr(n, "key", n._moId): n.name for n in source.network}  # pylint: disable=protected-access
    backing = nic.backing
    source_net = networks.get(backing.port.portgroupKey) if hasattr(backing, "port") else backing.deviceName

    tenant_site1 = _tenant(lab_sites, vcda_lab)
    body = {"source": {"type": "vcVm", "site": "onprem1", "vcUuid": content.about.instanceUuid, "vmId": source._moId},  # pylint: disable=protected-access
            "destination": {"type": "vm", "site": "site1", "vdc": vdc["id"], "storageProfile": "*"},
            "rpo": 15, "isMigration": True, "description": "webapp wave", "targetDiskType": "THIN"}
    created = tenant_site1.wait(tenant_site1.call("POST", "/vm-replications", body, expect=(202,)))
    rec_id = created["result"]["id"]
    item = _synced(tenant_site1, rec_id)
    assert item["sourceState"]["progress"]["checksumTotalBytes"] > 0
    migrate = {"type": "vcloud", "powerOn": True, "consolidate": False, "connectVmNics": True,
               "vAppNetworkSettings": {"networkMappings": [{"sourceNetworkName": source_net,
                                                            "destinationOrgVdcNetwork": {"name": "company-network"}}]}}
    done = tenant_site1.wait(tenant_site1.call("POST", "/vm-replications/%s/migrate" % rec_id, migrate, expect=(202,)))
    info = done["result"]["destinationState"]["recoveryInfo"]
    assert info["recoveryState"] == "COMPLETE"

    # the source: powered off, still in the tenant vCenter
    source = _vm(tenant_vc.RetrieveContent(), "DC0_H0_VM0")
    assert source.runtime.powerState == "poweredOff"

    # the VM in the VDC, as the tenant sees it through the vCD API
    tenant_vcd = requests.Session()
    login = tenant_vcd.post(vcd["url"] + "/api/sessions", auth=ORG1, headers={"Accept": VCD_ACCEPT}, verify=vcd_verify, timeout=30)
    assert login.status_code == 200, login.text
    tenant_vcd.headers.update({"x-vcloud-authorization": login.headers["x-vcloud-authorization"], "Accept": VCD_ACCEPT})
    query = tenant_vcd.get(vcd["url"] + "/api/query", params={"type": "vm", "format": "records", "filter": "name==DC0_H0_VM0"},
                           verify=vcd_verify, timeout=30)
    assert query.status_code == 200, query.text
    records = etree.fromstring(query.content)
    assert records.get("total") == "1"
    record = records[0]
    assert record.get("status") == "POWERED_ON" and record.get("networkName") == "company-network"
    vm = etree.fromstring(tenant_vcd.get(vcd["url"] + "/api/vApp/vm-" + info["vcdVmId"], verify=vcd_verify, timeout=30).content)
    assert vm.findtext("v:NetworkConnectionSection/v:NetworkConnection/v:IsConnected", namespaces=NS) == "true"
    assert vm.find("v:NetworkConnectionSection/v:NetworkConnection", namespaces=NS).get("network") == "company-network"
    assert vm.find("v:StorageProfile", namespaces=NS).get("name") == "Standard"
    del state_dir
    STATE["migrated"] = rec_id


def test_reverse_and_failback_run_the_original_vm_again(lab_sites, vcda_lab, tenant_vc):
    if "migrated" not in STATE:
        pytest.skip("needs the migration of the test before")
    rec_id = STATE["migrated"]
    session = _tenant(lab_sites, vcda_lab)
    reversed_ = session.wait(session.call("POST", "/vm-replications/%s/reverse" % rec_id, expect=(202,)))["result"]
    assert reversed_["isReversed"] and reversed_["destination"]["site"] == "onprem1"
    _synced(session, rec_id)
    done = session.wait(session.call("POST", "/vm-replications/%s/failover" % rec_id, {"type": "vcenter", "powerOn": True},
                                     expect=(202,)))
    assert done["result"]["destinationState"]["recoveryInfo"]["recoveryState"] == "COMPLETE"
    assert _vm(tenant_vc.RetrieveContent(), "DC0_H0_VM0").runtime.powerState == "poweredOn"


def test_cloud_to_onprem_protection_failover_creates_a_vm_in_the_tenant_vcsim(lab_sites, vcda_lab, tenant_vc):
    apps, onprem = lab_sites["apps"], lab_sites["onprem"]
    candidates = onprem.call("GET", "/config/placement/candidates")
    cluster = candidates["clusters"][0]["id"]
    folder = next(f["id"] for f in candidates["vmFolders"] if f["name"] == "vm")
    network = next(n["id"] for n in candidates["networks"] if n["name"] == "VM Network")
    datastore = candidates["datastores"][0]["id"]
    onprem.call("POST", "/config/placement", {"vmFolder": folder, "cluster": cluster, "network": network, "datastore": datastore})
    lab_token = {"X-Lab-Token": vcda_lab["labToken"]}
    vcd = apps["site1-vcd"]
    seeded = requests.post(vcd["url"] + "/_lab/vapps", headers=lab_token, verify=lab_sites["vcd_verify"], timeout=30,
                           json={"vdc": "org1-vdc", "name": "crm", "powerOn": True,
                                 "vms": [{"name": "crm-db01", "network": "company-network", "diskGb": 0.01}]})
    assert seeded.status_code == 201, seeded.text
    session = _tenant(lab_sites, vcda_lab)
    body = {"source": {"type": "vm", "site": "site1", "vappId": seeded.json()["id"], "vmId": seeded.json()["vmIds"][0]},
            "destination": {"type": "vcVm", "site": "onprem1"}, "rpo": 15, "isMigration": False}
    rec_id = session.wait(session.call("POST", "/vm-replications", body, expect=(202,)))["result"]["id"]
    _synced(session, rec_id)
    done = session.wait(session.call("POST", "/vm-replications/%s/failover" % rec_id, {"type": "vcenter", "powerOn": True},
                                     expect=(202,)))
    moid = done["result"]["destinationState"]["recoveryInfo"]["vcVmId"]
    vm = _vm(tenant_vc.RetrieveContent(), "crm-db01")
    assert vm._moId == moid and vm.runtime.powerState == "poweredOn"  # pylint: disable=protected-access
    assert vm.parent._moId == folder and vm.datastore[0]._moId == datastore  # pylint: disable=protected-access
