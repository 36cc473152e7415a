"""Bad input, as an operator types it: every URL and port option of every module with values it must refuse,
bad thumbprints, unknown names, and input that only the live appliance shows to be wrong.

Each experiment expects a failure whose message names ``option`` (and contains ``words``), with no traceback,
no "unexpected error" and no "MODULE FAILURE"; ``run.py`` checks that no write reached any appliance.
"""
import json
import os
import subprocess

import labctl as lab

VCDA_ROOT = "Vcda-Lab-Root-2!"
ONPREM_ROOT = "Onprem-Lab-Root-2!"
BAD_URLS = [("ftp://files.example.com/x", "only https://"), ("http://vcda.example.com", "only https://"),
            ("not a url", "is not a URL"), ("https://vcda.example.com:70000", "is not a TCP port")]
BAD_PORTS = [0, 70000]
BAD_THUMBPRINT = "SHA-256:12:34"


def _app(info, name):
    return next(a for a in info["appliances"] if a["name"] == name)


def _vcsim(site):
    with open(os.path.join(lab.ROOT, "lab", "run", "vcsim-%s.json" % site)) as handle:
        return json.load(handle)


def experiments(info):
    cloud, onprem, repl, tunnel = (_app(info, n) for n in ("site1-cloud", "onprem1", "site1-replicator", "site1-tunnel"))
    site2 = _app(info, "site2-cloud")
    vcd, edge = _app(info, "site1-vcd"), _app(info, "tenant-edge")
    vc = _vcsim("provider")
    vcda = {"url": cloud["url"], "thumbprint": cloud["thumbprint"], "password": VCDA_ROOT}
    op = {"url": onprem["url"], "thumbprint": onprem["thumbprint"], "password": ONPREM_ROOT}
    vcdc = {"url": vcd["url"], "thumbprint": vcd["thumbprint"], "username": "administrator", "org": "System",
            "password": "VMware1!"}
    nsx = {"url": edge["url"], "thumbprint": edge["thumbprint"], "username": "admin", "password": "Nsx-Edge-Admin-1!"}
    vsphere = {"hostname": vc["hostname"], "port": vc["port"], "username": vc["username"], "password": vc["password"],
               "thumbprint": vc["thumbprint"]}
    ls = {"lookup_service_url": vc["lookup_service_url"], "lookup_service_thumbprint": vc["thumbprint"]}
    out = []

    def add(module, args, option, *words):
        out.append({"id": "bad-%03d" % (len(out) + 1), "module": module, "args": args, "option": option,
                    "words": list(words)})

    # every URL option of every module
    url_cases = [
        ("vcda_info", dict(vcda), "url"),
        ("vcda_replicator", dict(vcda, replicator_url=repl["url"], replicator_thumbprint=repl["thumbprint"],
                                 replicator_password=VCDA_ROOT, sso_user="u", sso_password="Sso-Pass-1!"), "replicator_url"),
        ("vcda_tunnel", dict(vcda, tunnel_url=tunnel["url"], tunnel_thumbprint=tunnel["thumbprint"],
                             tunnel_password=VCDA_ROOT), "tunnel_url"),
        ("vcda_site_pairing", dict(vcda, remote_url=site2["url"], remote_thumbprint=site2["thumbprint"]), "remote_url"),
        ("vcda_lookup_service", dict(vcda, **ls), "lookup_service_url"),
        ("vcda_lookup_service", dict(vcda, appliance_type="replicator", remote_url=repl["url"],
                                     remote_thumbprint=repl["thumbprint"], remote_password=VCDA_ROOT, **ls), "remote_url"),
        ("vcda_onprem_site", dict(op, **ls), "lookup_service_url"),
        ("vcda_onprem_site", dict(op, cloud_url=cloud["url"], cloud_thumbprint=cloud["thumbprint"],
                                  cloud_user="admin1@org1", cloud_password="Org1-Admin-1!"), "cloud_url"),
        ("vcda_cloud_site", dict(vcda, vcd_url="https://127.0.1.14:8443/api", vcd_username="administrator@System",
                                 vcd_password="VMware1!"), "vcd_url"),
        ("vcd_rights", dict(vcdc, rights=["View Rights"], organization="org1"), "url"),
        ("nsx_l2vpn_client", dict(nsx, name="x", state="absent"), "url"),
    ]
    for module, args, option in url_cases:
        for value, words in BAD_URLS:
            add(module, dict(args, **{option: value}), option, words)
    # every port option
    port_cases = [("vcda_cloud_site", dict(vcda), o) for o in ("api_port", "api_public_port", "mgmt_port",
                                                               "mgmt_public_port")]
    port_cases += [("vcd_l2vpn_server", dict(vcdc, edge_gateway="org1-edge-nsxv", organization="org1"), "listener_port"),
                   ("vcda_info", dict(vcda, proxy_host="proxy.example.com"), "proxy_port"),
                   ("vsphere_trunk_portgroup", dict(vsphere, name="x", switch="DSwitch", state="absent"), "port")]
    for module, args, option in port_cases:
        for value in BAD_PORTS:
            add(module, dict(args, **{option: value}), option, "1-65535")
    # thumbprints
    for module, args, option in [
            ("vcda_info", dict(vcda), "thumbprint"), ("vcd_rights", dict(vcdc, rights=["View Rights"], organization="org1"),
                                                      "thumbprint"),
            ("nsx_l2vpn_client", dict(nsx, name="x", state="absent"), "thumbprint"),
            ("vcda_replicator", dict(vcda, replicator_url=repl["url"], replicator_thumbprint=repl["thumbprint"],
                                     replicator_password=VCDA_ROOT, sso_user="u", sso_password="Sso-Pass-1!"), "replicator_thumbprint"),
            ("vcda_site_pairing", dict(vcda, remote_url=site2["url"], remote_thumbprint="x"), "remote_thumbprint"),
            ("vcda_onprem_site", dict(op, cloud_url=cloud["url"], cloud_thumbprint="x", cloud_user="admin1@org1",
                                      cloud_password="Org1-Admin-1!"), "cloud_thumbprint"),
            ("vcda_lookup_service", dict(vcda, **ls), "lookup_service_thumbprint")]:
        add(module, dict(args, **{option: BAD_THUMBPRINT}), option, "thumbprint")
    # names, values and settings only the appliance shows to be wrong
    add("vcda_service", dict(vcda, state="healthy", ignore=["bogusError"]), "ignore", "bogusError", "tunnelError")
    add("vcda_service", dict(vcda, state="healthy", ignore=["lsError", "dbErr"]), "ignore", "dbErr", "accepted")
    add("vcda_onprem_site", dict(op, cloud_url=site2["url"], cloud_thumbprint=site2["thumbprint"],
                                 cloud_user="admin2@org2", cloud_password="Org2-Admin-1!"), "cloud_url",
        "different cloud", "cloud_repoint")
    add("vcda_cloud_site", dict(vcda, site_name="renamed"), "site_name")
    add("vcda_info", dict(vcda, timeout=0), "timeout")
    add("vcd_rights", dict(vcdc, rights=["View Rights"], organization="org1", timeout=0), "timeout")
    add("vcda_root_password", dict(vcda, new_password=VCDA_ROOT, auth_type="sso", username="a@b"), "auth_type")
    add("vcda_root_password", dict(vcda, password="Wrong-Pass-1!", new_password="Wrong-Pass-2!"), "password")
    add("vcd_rights", dict(vcdc, rights=["View Rightz"], organization="org1"), "rights", "unknown right")
    add("vcd_rights", dict(vcdc, rights=["View Rights"], organization="org9"), "organization", "org1")
    add("vcd_org_vdc_network", dict(vcdc, name="n-bad", organization="org1", edge_gateway="no-such-edge",
                                    gateway_cidr="10.9.9.1/24"), "edge_gateway", "org1-edge")
    add("vcd_org_vdc_network", dict(vcdc, name="n-bad", organization="org1", edge_gateway="org1-edge-nsxt",
                                    gateway_cidr="10.9.9.1/99"), "gateway_cidr")
    add("vcda_policy", dict(vcda, name="Bad", max_replicated_vms="lots"), "max_replicated_vms")
    add("vcda_onprem_site", dict(op, cloud_url=cloud["url"], cloud_thumbprint=cloud["thumbprint"],
                                 cloud_api_token="t"), "cloud_org")
    return out


def run(items, prefix):
    """One playbook with every experiment (errors ignored, results registered), then the verdicts."""
    tasks = []
    for item in items:
        tasks.append({"name": item["id"], "cloudmove.vcda.%s" % item["module"]: item["args"],
                      "register": "r_" + item["id"].replace("-", "_"), "ignore_errors": True})
    names = ", ".join("'%s': r_%s" % (i["id"], i["id"].replace("-", "_")) for i in items)
    copy = {"content": "{{ {%s} | to_json }}" % names, "dest": prefix + "-results.json", "mode": "0600"}
    tasks.append({"name": "results", "ansible.builtin.copy": copy})
    play = [{"name": "bad inputs", "hosts": "localhost", "gather_facts": False, "connection": "local",
             "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"}, "tasks": tasks}]
    book = prefix + ".yml"
    with open(book, "w") as handle:
        json.dump(play, handle, indent=1)
    with open(prefix + ".log", "w") as out:
        subprocess.run(["ansible-playbook", "-i", "localhost,", book], cwd=lab.ROOT, env=lab.env(), stdout=out,
                       stderr=subprocess.STDOUT, check=False)
    with open(prefix + "-results.json") as handle:
        registered = json.load(handle)
    verdicts = []
    for item in items:
        res = registered.get(item["id"]) or {}
        msg = str(res.get("msg", ""))
        text = json.dumps(res)
        problems = []
        if not res.get("failed"):
            problems.append("accepted")
        if res.get("changed"):
            problems.append("changed")
        if item["option"] not in msg:
            problems.append("does not name %s" % item["option"])
        problems += ["lacks %r" % w for w in item["words"] if w not in msg]
        for bad in ("Traceback", "unexpected error", "MODULE FAILURE"):
            if bad in text:
                problems.append(bad)
        verdicts.append({"id": item["id"], "module": item["module"], "option": item["option"], "msg": msg[:400],
                         "clean": not problems, "problems": problems})
    return verdicts
