"""Write the lab's inventory: the same shape as playbooks/inventory/example/ (hosts.yml +
group_vars), filled from the running lab (lab/run/*.json), so that playbooks/provider.yml,
tenant.yml and site.yml run against the lab exactly as against a real provider's inventory.

    python3 lab/inventory.py [--out tests/output/inventory/lab] [--secrets inline|env]

--secrets inline (default, `make demo`): the lab credentials are written as plain values (the
  directory is git-ignored and never shipped).
--secrets env: every secret the AWX credential types inject (VCDA_/VCD_/VMWARE_/NSX_PASSWORD) is
  left out, so the roles fall back to the environment; the other secrets (initial root password,
  licence, L2 VPN keys, the organization user's password) are Ansible Vault encrypted with the
  password in OUT/vault-password. `--print-env provider|tenant` prints the environment AWX would inject.
"""
import argparse
import json
import os
import sys

import yaml

LAB = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(LAB)

# Lab credentials (lab/README.md, lab/config/lab.yml); a real inventory takes them from a vault or AWX.
ROOT_PASSWORD = "Vcda-Lab-Root-2!"
ONPREM_ROOT_PASSWORD = "Onprem-Lab-Root-2!"
LICENSE_KEY = "LAB01-VCDA0-00000-00000-00001"
L2VPN_PEER_USER = "onprem1-site"
L2VPN_PEER_PASSWORD = "L2vpn-Peer-Lab-1!"
L2VPN_PSK = "L2vpn-Psk-Lab-1!"
L2VPN_CLI_PASSWORD = "L2vpn-Cli-Lab-1!"
VAULT_PASSWORD = "lab-vault-password"


def load(name):
    with open(os.path.join(LAB, "run", name)) as handle:
        return json.load(handle)


class Vaulted(str):
    """A secret to write as `!vault` (env mode)."""


def lab_facts():
    emulators = load("emulators.json")
    by_name = dict((a["name"], a) for a in emulators["appliances"])
    return emulators, by_name, load("vcsim-provider.json"), load("vcsim-tenant.json")


def build(secrets):
    emulators, app, vc_p, vc_t = lab_facts()
    env = secrets == "env"

    def secret(value):
        return Vaulted(value) if env else value

    def injected(value):
        """A secret an AWX credential injects: left out in env mode."""
        return None if env else value

    vcd1 = app["site1-vcd"]
    gateways = dict((g["name"], g) for g in vcd1["edgeGateways"])
    edge = app["tenant-edge"]
    org1_user, org1_password = sorted(
        [o for o in vcd1["orgs"] if o["name"] == "org1"][0]["users"].items())[0]
    initial = app["site1-cloud"]["initialRootPassword"]
    ova = os.path.join(ROOT, "lab", "build", "ova")

    sites = {}
    for n, site in ((1, "site1"), (2, "site2")):
        vcd = app["%s-vcd" % site]
        h = {
            "provider_site_name": site,
            "provider_site_site_description": "%s (lab)" % ("Auckland" if n == 1 else "Christchurch"),
            "provider_site_cloud_url": app["%s-cloud" % site]["url"],
            "provider_site_cloud_thumbprint": app["%s-cloud" % site]["thumbprint"],
            # The Manager Service of the same cloud appliance (:8441): replicators are registered there.
            "provider_site_manager_url": app["%s-manager" % site]["url"],
            "provider_site_manager_thumbprint": app["%s-manager" % site]["thumbprint"],
            "provider_site_replicator_url": app["%s-replicator" % site]["url"],
            "provider_site_replicator_thumbprint": app["%s-replicator" % site]["thumbprint"],
            "provider_site_tunnel_url": app["%s-tunnel" % site]["url"],
            "provider_site_tunnel_thumbprint": app["%s-tunnel" % site]["thumbprint"],
            "provider_site_api_public_address": "vcda-%s.lab.example" % site,
            "provider_site_api_public_port": 443,
            "provider_site_lookup_service_url": vc_p["lookup_service_url"],
            "provider_site_lookup_service_thumbprint": vc_p["thumbprint"],
            "provider_site_vcd_url": vcd["apiUrl"],
            # One AWX Cloud Director credential serves every site: each site pins its own vCD here, else
            # the credential's VCD_THUMBPRINT (another site's vCD) would apply.
            "provider_site_vcd_thumbprint": vcd["thumbprint"] if env else None,
            "provider_site_replicator_description": "%s replicator" % site,
            "appliance_deploy_vcenter_hostname": vc_p["hostname"],
            "appliance_deploy_vcenter_port": vc_p["port"],
            "appliance_deploy_vcenter_thumbprint": vc_p["thumbprint"],
            "appliance_deploy_appliances": [
                {"name": "%s-vcda-%s" % (site, kind), "source": "{{ vcda_provider_ova }}", "deployment_option": kind,
                 "properties": {"guestinfo.cis.appliance.net.hostname": "%s-vcda-%s.lab.example" % (site, kind),
                                "guestinfo.cis.appliance.net.ip0": "127.0.1.%d%d" % (n, i + 1)}}
                for i, kind in enumerate(("cloud", "replicator", "tunnel"))],
            "site_pairing_remote_sites": [],
        }
        sites[site] = h
    sites["site1"]["site_pairing_remote_sites"] = [{
        "name": "site2", "url": "{{ hostvars['site2'].provider_site_cloud_url }}",
        "thumbprint": "{{ hostvars['site2'].provider_site_cloud_thumbprint }}", "description": "site1 <-> site2"}]

    provider = {
        "vcda_provider_ova": os.path.join(ova, "vcda-lab.ova"),
        "appliance_deploy_vcenter_username": vc_p["username"],
        "appliance_deploy_vcenter_password": injected(vc_p["password"]),
        "appliance_deploy_datacenter": "DC0",
        "appliance_deploy_cluster": "DC0_C0",
        "appliance_deploy_datastore": "LocalDS_0",
        "appliance_deploy_networks": {"VM Network": "DC0_DVPG0"},
        "appliance_deploy_properties": {
            "guestinfo.cis.appliance.net.netmask0": "255.255.255.0",
            "guestinfo.cis.appliance.net.gateway": "127.0.1.1",
            "guestinfo.cis.appliance.net.dns": "127.0.0.53",
            "guestinfo.cis.appliance.net.domain": "lab.example",
            "guestinfo.cis.appliance.net.ntp": "pool.ntp.lab.example"},
        "appliance_deploy_wait_for_ip_timeout": 120,
        "appliance_deploy_initial_root_password": secret(initial),
        "provider_site_initial_root_password": secret(initial),
        "provider_site_root_password": injected(ROOT_PASSWORD),
        "provider_site_sso_user": vc_p["username"],
        "provider_site_sso_password": injected(vc_p["password"]),
        "provider_site_vcd_username": vcd1["systemAdmin"]["user"],
        "provider_site_vcd_password": injected(vcd1["systemAdmin"]["password"]),
        "provider_site_license_key": secret(LICENSE_KEY),
        "provider_site_telemetry": False,
        # playbooks/report.yml: the report reads every site as the vCD system administrator (vcdCredentials); in env
        # mode the report job's AWX credential says how (its login type and its user or Cloud Director access token).
        "replication_report_auth_type": None if env else "vcd",
        "site_pairing_name": "{{ provider_site_name }}",
        "site_pairing_url": "{{ provider_site_cloud_url }}",
        "site_pairing_thumbprint": "{{ provider_site_cloud_thumbprint }}",
        "site_pairing_password": None if env else "{{ provider_site_root_password }}",
        "site_pairing_initial_password": "{{ provider_site_initial_root_password }}",
        "site_pairing_accept_remote_certificate": True,
        "replication_policies_url": "{{ provider_site_cloud_url }}",
        "replication_policies_thumbprint": "{{ provider_site_cloud_thumbprint }}",
        "replication_policies_password": None if env else "{{ provider_site_root_password }}",
        "replication_policies_initial_password": "{{ provider_site_initial_root_password }}",
        "replication_policies_policies": [{
            "name": "Gold", "allow_incoming_protections": True, "allow_incoming_migrations": True,
            "allow_outgoing_protections": True, "allow_outgoing_migrations": True,
            "allow_outgoing_onprem_protections": True, "allow_outgoing_onprem_migrations": True,
            "max_replicated_vms": "unlimited", "max_instances": 24, "min_rpo": 15, "orgs": ["org1"]}],
    }

    vlan = 100
    tenants = {
        "tenant_vcd_url": "{{ hostvars[tenant_cloud_site].provider_site_vcd_url | regex_replace('/api$', '') }}",
        "tenant_vcd_thumbprint": vcd1["thumbprint"],
        "tenant_rights_vcd_url": "{{ tenant_vcd_url }}",
        "tenant_rights_vcd_thumbprint": "{{ tenant_vcd_thumbprint }}",
        "tenant_rights_vcd_username": vcd1["systemAdmin"]["user"],
        "tenant_rights_vcd_password": injected(vcd1["systemAdmin"]["password"]),
        "tenant_rights_organization": "{{ inventory_hostname }}",
        "tenant_rights_legacy": True,
        "tenant_rights_bundle": "Default Rights Bundle",
        "tenant_rights_global_role": "Organization Administrator",
        "l2vpn_server_vcd_url": "{{ tenant_vcd_url }}",
        "l2vpn_server_vcd_thumbprint": "{{ tenant_vcd_thumbprint }}",
        "l2vpn_server_vcd_username": vcd1["systemAdmin"]["user"],
        "l2vpn_server_vcd_password": injected(vcd1["systemAdmin"]["password"]),
        "l2vpn_server_organization": "{{ inventory_hostname }}",
        "l2vpn_server_networks": [
            {"name": "company-network", "edge_gateway": "org1-edge-nsxv", "gateway_cidr": "172.16.10.1/24",
             "interface_type": "subinterface", "static_pools": [{"start_address": "172.16.10.100",
                                                                 "end_address": "172.16.10.199"}],
             "dns1": "172.16.10.1"},
            {"name": "web-network", "edge_gateway": "org1-edge-nsxt", "gateway_cidr": "172.16.20.1/24",
             "interface_type": "internal"}],
        "l2vpn_server_servers": [
            {"edge_gateway": "org1-edge-nsxv", "listener_ip": gateways["org1-edge-nsxv"]["uplinkIps"][0],
             "listener_port": 443, "cipher": "AES256-SHA",
             "peer_sites": [{"name": "onprem1", "user_id": L2VPN_PEER_USER, "password": secret(L2VPN_PEER_PASSWORD),
                             "stretched_networks": ["company-network"]}]},
            {"edge_gateway": "org1-edge-nsxt", "name": "dcx-onprem1",
             "local_endpoint_ip": gateways["org1-edge-nsxt"]["uplinkIps"][0],
             "remote_endpoint_ip": edge["uplinkIp"], "pre_shared_key": secret(L2VPN_PSK),
             "stretched_networks": ["web-network"]}],
        "l2vpn_server_timeout": 60,
        "appliance_deploy_vcenter_hostname": vc_t["hostname"],
        "appliance_deploy_vcenter_port": vc_t["port"],
        "appliance_deploy_vcenter_thumbprint": vc_t["thumbprint"],
        "appliance_deploy_vcenter_username": vc_t["username"],
        "appliance_deploy_vcenter_password": injected(vc_t["password"]),
        "appliance_deploy_datacenter": "DC0",
        "appliance_deploy_cluster": "DC0_C0",
        "appliance_deploy_datastore": "LocalDS_0",
        "appliance_deploy_networks": {"VM Network": "DC0_DVPG0"},
        "appliance_deploy_wait_for_ip_timeout": 120,
        "appliance_deploy_initial_root_password": secret(initial),
        "appliance_deploy_appliances": [{
            "name": "onprem1-vcda", "source": os.path.join(ova, "vcda-onprem-lab.ova"),
            "properties": {"guestinfo.cis.appliance.net.hostname": "onprem1-vcda.tenant.example",
                           "guestinfo.cis.appliance.net.ip0": "127.0.1.31",
                           "guestinfo.cis.appliance.net.netmask0": "255.255.255.0",
                           "guestinfo.cis.appliance.net.gateway": "127.0.1.1"}}],
        "tenant_onprem_url": app["onprem1"]["url"],
        "tenant_onprem_thumbprint": app["onprem1"]["thumbprint"],
        "tenant_onprem_initial_root_password": secret(initial),
        "tenant_onprem_root_password": injected(ONPREM_ROOT_PASSWORD),
        "tenant_onprem_site_name": "onprem1",
        "tenant_onprem_site_description": "Tenant data center (lab)",
        "tenant_onprem_lookup_service_url": vc_t["lookup_service_url"],
        "tenant_onprem_lookup_service_thumbprint": vc_t["thumbprint"],
        "tenant_onprem_sso_user": vc_t["username"],
        "tenant_onprem_sso_password": injected(vc_t["password"]),
        "tenant_onprem_cloud_url": "{{ hostvars[tenant_cloud_site].provider_site_cloud_url }}",
        "tenant_onprem_cloud_thumbprint": "{{ hostvars[tenant_cloud_site].provider_site_cloud_thumbprint }}",
        "tenant_onprem_cloud_user": org1_user,
        "tenant_onprem_cloud_password": secret(org1_password),
        "tenant_onprem_allow_access_from_cloud": True,
        "tenant_onprem_placement": {"folder": "vm", "cluster": "DC0_C0", "network": "VM Network",
                                    "datastore": "LocalDS_0"},
        "l2vpn_client_vcenter_hostname": "{{ appliance_deploy_vcenter_hostname }}",
        "l2vpn_client_vcenter_port": "{{ appliance_deploy_vcenter_port }}",
        "l2vpn_client_vcenter_thumbprint": "{{ appliance_deploy_vcenter_thumbprint }}",
        "l2vpn_client_vcenter_username": "{{ appliance_deploy_vcenter_username }}",
        "l2vpn_client_vcenter_password": None if env else "{{ appliance_deploy_vcenter_password }}",
        "l2vpn_client_nsx_url": edge["url"],
        "l2vpn_client_nsx_thumbprint": edge["thumbprint"],
        "l2vpn_client_nsx_username": edge["username"],
        "l2vpn_client_nsx_password": injected(edge["password"]),
        "l2vpn_client_trunk_portgroups": [
            {"datacenter": "DC0", "switch": "DVS0", "name": "l2vpn-trunk", "vlan_trunk": str(vlan),
             "forged_transmits": True, "promiscuous": True, "num_ports": 8}],
        "l2vpn_client_standalone_clients": [{
            "name": "l2vpn-client-01", "source": os.path.join(ova, "l2vpn-client-lab.ova"),
            "datacenter": "DC0", "cluster": "DC0_C0", "datastore": "LocalDS_0",
            "networks": {"Public": "VM Network", "Trunk": "l2vpn-trunk", "HA interface": "VM Network"},
            "properties": {
                "l2vpn.server.address": gateways["org1-edge-nsxv"]["uplinkIps"][0],
                "l2vpn.server.port": "443",
                "l2vpn.cipher": "AES256-SHA",
                "l2vpn.user.id": L2VPN_PEER_USER,
                "l2vpn.user.password": secret(L2VPN_PEER_PASSWORD),
                "l2vpn.vlan.tunnel_ids": "%d({{ l2vpn_server_tunnels['org1-edge-nsxv']['company-network'] }})" % vlan,
                "l2vpn.uplink.ip": "198.51.100.30",
                "l2vpn.uplink.prefix_length": "24",
                "l2vpn.uplink.gateway": "198.51.100.1",
                "l2vpn.cli.password": secret(L2VPN_CLI_PASSWORD)}}],
        # Lab only: the emulated Cloud Director learns that the client runs (stands in for the SSL tunnel).
        "l2vpn_client_post_deploy_tasks": os.path.join(LAB, "ansible", "l2vpn_client_running.yml"),
        "lab_vcd_url": vcd1["url"],
        "lab_token": secret(emulators["labToken"]),
        "l2vpn_client_edge_sessions": [{
            "name": "dcx-cloud-site1", "peer_code": "{{ l2vpn_server_peer_codes['dcx-onprem1'] }}",
            "peer_address": gateways["org1-edge-nsxt"]["uplinkIps"][0], "local_address": edge["uplinkIp"],
            "l2_extensions": [{"vlan": vlan, "tunnel_id": "{{ l2vpn_server_tunnels['org1-edge-nsxt']['web-network'] }}"}],
            "wait_for_up": True}],
        "l2vpn_client_timeout": 60,
        # The migration waves (playbooks/migrate.yml): the lab's wave is the example wave file.
        "workload_migration_url": "{{ tenant_onprem_cloud_url }}",
        "workload_migration_thumbprint": "{{ tenant_onprem_cloud_thumbprint }}",
        # env mode: the migrate job's AWX credential logs in with the organization's Cloud Director access token
        "workload_migration_auth_type": "vcd_token" if env else None,
        "workload_migration_username": None if env else "{{ tenant_onprem_cloud_user }}",
        "workload_migration_password": None if env else "{{ tenant_onprem_cloud_password }}",
        # check mode from reset (demo.yml --check): the cloud appliance is still fresh
        "workload_migration_initial_password": secret(initial),
        "workload_migration_source_site": "{{ tenant_onprem_site_name }}",
        "workload_migration_destination_site": "{{ tenant_cloud_site }}",
        "workload_migration_source_vcenter": {
            "hostname": "{{ appliance_deploy_vcenter_hostname }}", "port": "{{ appliance_deploy_vcenter_port }}",
            "username": "{{ appliance_deploy_vcenter_username }}", "password": secret(vc_t["password"]),
            "thumbprint": "{{ appliance_deploy_vcenter_thumbprint }}"},
        "workload_migration_vcd_url": vcd1["url"],
        "workload_migration_vcd_ca_path": os.path.join(LAB, "state", "certs", "site1-vcd.crt"),
        "workload_migration_vcd_username": "{{ tenant_onprem_cloud_user }}",
        "workload_migration_vcd_password": "{{ tenant_onprem_cloud_password }}",
        "migrate_wave_file": os.path.join(ROOT, "playbooks", "vars", "wave-example.yml"),
        # Lab only: the wave's VMs are created in the tenant vcsim first (stand in for the tenant's workloads).
        "migrate_pre_tasks": os.path.join(LAB, "ansible", "tenant_vms.yml"),
        "lab_root": ROOT,
    }

    def drop_none(values):
        return dict((k, v) for k, v in values.items() if v is not None)

    hosts = {"all": {"children": {
        "provider_sites": {"hosts": dict((k, drop_none(v)) for k, v in sites.items())},
        "tenants": {"hosts": {"org1": {"tenant_cloud_site": "site1"}}}}}}
    group_vars = {
        "all": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                "replication_report_dir": os.path.join(ROOT, "tests", "output", "reports")},
        "provider_sites": drop_none(provider),
        "tenants": drop_none(tenants),
    }
    return hosts, group_vars


def environment(kind):
    """What the AWX credentials of this collection inject for the lab (awx/credential_types/)."""
    _emulators, app, vc_p, vc_t = lab_facts()
    vcd1 = app["site1-vcd"]
    vc = vc_p if kind == "provider" else vc_t
    env = {
        "VMWARE_HOST": vc["hostname"], "VMWARE_PORT": str(vc["port"]), "VMWARE_USER": vc["username"],
        "VMWARE_PASSWORD": vc["password"], "VMWARE_THUMBPRINT": vc["thumbprint"],
        "VCD_URL": vcd1["url"], "VCD_USERNAME": vcd1["systemAdmin"]["user"].split("@")[0], "VCD_ORG": "System",
        "VCD_PASSWORD": vcd1["systemAdmin"]["password"], "VCD_THUMBPRINT": vcd1["thumbprint"],
    }
    if kind == "provider":
        env.update(VCDA_USERNAME="root", VCDA_PASSWORD=ROOT_PASSWORD)
    else:
        edge = app["tenant-edge"]
        env.update(VCDA_URL=app["onprem1"]["url"], VCDA_THUMBPRINT=app["onprem1"]["thumbprint"],
                   VCDA_USERNAME="root", VCDA_PASSWORD=ONPREM_ROOT_PASSWORD,
                   NSX_URL=edge["url"], NSX_USERNAME=edge["username"], NSX_PASSWORD=edge["password"],
                   NSX_THUMBPRINT=edge["thumbprint"])
    return env


def secrets_of_the_lab():
    """Every secret value the lab inventory and environment hold (for leak scans)."""
    emulators, app, vc_p, _vc_t = lab_facts()
    vcd1 = app["site1-vcd"]
    org1 = [o for o in vcd1["orgs"] if o["name"] == "org1"][0]["users"]
    return sorted(set([ROOT_PASSWORD, ONPREM_ROOT_PASSWORD, LICENSE_KEY, L2VPN_PEER_PASSWORD, L2VPN_PSK,
                       L2VPN_CLI_PASSWORD, app["site1-cloud"]["initialRootPassword"], vc_p["password"],
                       vcd1["systemAdmin"]["password"], app["tenant-edge"]["password"], emulators["labToken"]]
                      + list(org1.values())))


def write(out, secrets):
    hosts, group_vars = build(secrets)
    os.makedirs(os.path.join(out, "group_vars"), exist_ok=True)
    vault = None
    if secrets == "env":
        from ansible.constants import DEFAULT_VAULT_ID_MATCH
        from ansible.parsing.vault import VaultLib, VaultSecret
        vault = VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(VAULT_PASSWORD.encode()))])
        with open(os.path.join(out, "vault-password"), "w") as handle:
            handle.write(VAULT_PASSWORD + "\n")
        os.chmod(os.path.join(out, "vault-password"), 0o600)

    class Dumper(yaml.SafeDumper):
        pass

    def vaulted(dumper, value):
        text = vault.encrypt(str(value)).decode()
        return dumper.represent_scalar("!vault", text, style="|")

    Dumper.add_representer(Vaulted, vaulted if vault else lambda d, v: d.represent_str(str(v)))
    header = ("# Generated by lab/inventory.py from the running lab: the shape of playbooks/inventory/example/\n"
              "# with the lab's values. Regenerate it after the lab restarts.\n")
    with open(os.path.join(out, "hosts.yml"), "w") as handle:
        handle.write("---\n" + header)
        yaml.dump(hosts, handle, Dumper=Dumper, sort_keys=False, width=120)
    for name, data in group_vars.items():
        with open(os.path.join(out, "group_vars", name + ".yml"), "w") as handle:
            handle.write("---\n" + header)
            yaml.dump(data, handle, Dumper=Dumper, sort_keys=False, width=120)
    for path in (os.path.join(out, "hosts.yml"),) + tuple(
            os.path.join(out, "group_vars", n + ".yml") for n in group_vars):
        os.chmod(path, 0o600)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "output", "inventory", "lab"))
    parser.add_argument("--secrets", choices=["inline", "env"], default="inline")
    parser.add_argument("--print-env", choices=["provider", "tenant"])
    args = parser.parse_args(argv)
    if args.print_env:
        for key, value in sorted(environment(args.print_env).items()):
            print("export %s=%s" % (key, json.dumps(value)))
        return 0
    write(args.out, args.secrets)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
