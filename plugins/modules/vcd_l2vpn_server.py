#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcd_l2vpn_server
short_description: L2 VPN server of a Cloud Director edge gateway (NSX-V peer sites or an NSX-T SERVER tunnel)
version_added: 0.1.0
description:
  - Configures the server side of data-center extension (workflow C.3) on the edge gateway O(edge_gateway);
    the gateway's backing decides the API.
  - B(NSX-V) (C(/network/edges/{id}/l2vpn/config) through the vCD proxy) - listener IP and port, cipher,
    server certificate, logging, service enabled, and the peer sites (name, user id, password, stretched
    networks given by name and resolved to their subinterface indexes, egress optimisation gateways, enabled).
    O(peer_sites) is the whole list of sites. NSX needs every password on each change, so they are always
    re-sent with a change; they are read back with C(showSensitiveData) to tell whether they differ.
  - B(NSX-T) (C(/cloudapi/1.0.0/edgeGateways/{id}/l2vpn/tunnels)) - a tunnel in C(SERVER) mode named O(name)
    (local and remote endpoint IPs, pre-shared key, initiation mode, stretched networks by name). The server
    assigns a tunnel id to each stretched network and yields a peer code for the client.
  - Secrets are compared where they can be read (NSX-V passwords; the pre-shared key inside a peer code of a known
    format); otherwise O(update_secrets) decides. They never appear in the result, the diff or errors.
extends_documentation_fragment:
  - cloudmove.vcda.vcd
  - cloudmove.vcda.rest
  - cloudmove.vcda.vcd.edge_gateway
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Reads the live configuration and predicts the result.
  diff_mode:
    support: full
    details: Managed settings before and after; secrets appear only as C(******** (updated)) when they are sent.
options:
  state:
    description: V(present) configures; V(absent) deletes the NSX-V L2 VPN configuration or the NSX-T tunnel.
    type: str
    choices: [present, absent]
    default: present
  update_secrets:
    description:
      - When a secret cannot be compared, V(always) sends it on every run (the task then reports a change),
        V(on_create) sends it only together with another change.
    type: str
    choices: [always, on_create]
    default: on_create
  enabled:
    description: NSX-V - the L2 VPN service; NSX-T - the tunnel. New configurations default to V(true).
    type: bool
  listener_ip:
    description: NSX-V - the edge uplink address the server listens on. Required the first time.
    type: str
  listener_port:
    description: NSX-V - TCP port of the server (443 when first configured).
    type: int
  cipher:
    description: NSX-V - encryption algorithm (V(AES128-GCM-SHA256) when first configured).
    type: str
    choices: [RC4-MD5, AES128-SHA, AES256-SHA, DES-CBC3-SHA, AES128-GCM-SHA256, NULL-MD5]
  server_certificate:
    description: NSX-V - id of the server certificate on the edge (the self-signed one when unset).
    type: str
  logging:
    description: NSX-V - logging of the L2 VPN service.
    type: dict
    suboptions:
      enabled:
        description: Log the service.
        type: bool
      level:
        description: Log level.
        type: str
        choices: [emergency, alert, critical, error, warning, notice, info, debug]
  peer_sites:
    description: NSX-V - every peer site of the server. Required the first time.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the peer site.
        type: str
        required: true
      description:
        description: Description.
        type: str
      user_id:
        description: User id the client logs in with.
        type: str
        required: true
      password:
        description: Password of O(peer_sites[].user_id).
        type: str
        required: true
      stretched_networks:
        description: Names of the org VDC networks (subinterfaces of the edge) the site stretches.
        type: list
        elements: str
        required: true
      egress_gateways:
        description: Egress optimisation gateway addresses.
        type: list
        elements: str
      enabled:
        description: Whether the site may connect.
        type: bool
  name:
    description: NSX-T - name of the SERVER tunnel. Required on NSX-T backed gateways.
    type: str
  description:
    description: NSX-T - description of the tunnel.
    type: str
  local_endpoint_ip:
    description: NSX-T - an address the edge gateway owns, where the client connects. Required to create.
    type: str
  remote_endpoint_ip:
    description: NSX-T - the client's public (or NAT) address. Required to create.
    type: str
  pre_shared_key:
    description: NSX-T - the IPsec pre-shared key. Required to create.
    type: str
  initiation_mode:
    description: NSX-T - connector initiation mode (the API's V(INITIATOR) when unset).
    type: str
    choices: [initiator, respond_only, on_demand]
  tunnel_interface:
    description: NSX-T - tunnel interface CIDR (allocated by the server when unset).
    type: str
  stretched_networks:
    description: NSX-T - names of the org VDC networks of the gateway the tunnel stretches (the whole list).
    type: list
    elements: str
  return_peer_code:
    description:
      - NSX-T - return the tunnel's peer code as RV(peer_code) for the client (M(cloudmove.vcda.nsx_l2vpn_client)).
      - The action plugin then marks the whole task result C(no_log) so that no callback prints it at any
        verbosity, while the registered variable keeps it; a short summary without secrets is displayed instead.
    type: bool
    default: false
notes:
  - The peer code holds the pre-shared key. Pass it on only to a C(no_log) option, as in EXAMPLES.
"""

EXAMPLES = r"""
- name: NSX-V L2 VPN server of org1 with one peer site stretching company-network
  cloudmove.vcda.vcd_l2vpn_server:
    url: https://127.0.1.14:8443
    thumbprint: "{{ vcd_thumbprint }}"
    username: administrator
    password: "{{ vcd_password }}"
    organization: org1
    edge_gateway: org1-edge-nsxv
    listener_ip: 203.0.113.11
    listener_port: 443
    cipher: AES128-GCM-SHA256
    peer_sites:
      - name: onprem
        user_id: onprem-site
        password: "{{ l2vpn_peer_password }}"
        stretched_networks: [company-network]
  register: nsxv_server   # nsxv_server.tunnels['company-network'] is the client's tunnel id

- name: NSX-T SERVER tunnel stretching web-network, peer code for the client
  cloudmove.vcda.vcd_l2vpn_server:
    url: https://127.0.1.14:8443
    thumbprint: "{{ vcd_thumbprint }}"
    username: administrator
    password: "{{ vcd_password }}"
    organization: org1
    edge_gateway: org1-edge-nsxt
    name: dcx-to-onprem
    local_endpoint_ip: 203.0.113.12
    remote_endpoint_ip: 198.51.100.20
    pre_shared_key: "{{ l2vpn_psk }}"
    stretched_networks: [web-network]
    return_peer_code: true
  register: nsxt_server

- name: Client session on the autonomous edge from that peer code
  cloudmove.vcda.nsx_l2vpn_client:
    url: https://127.0.1.35
    thumbprint: "{{ edge_thumbprint }}"
    password: "{{ edge_password }}"
    name: dcx-to-cloud
    peer_code: "{{ nsxt_server.peer_code }}"
    peer_address: 203.0.113.12
    local_address: 198.51.100.20
    l2_extensions:
      - {vlan: 100, tunnel_id: "{{ nsxt_server.tunnels['web-network'] }}"}
"""

RETURN = r"""
backing:
  description: Backing of the edge gateway, V(nsxv) or V(nsxt).
  returned: always
  type: str
server:
  description: The managed settings afterwards (predicted in check mode), without secrets.
  returned: always
  type: dict
tunnels:
  description: Tunnel id of each stretched network (name -> id); the client maps a VLAN to each.
  returned: always
  type: dict
tunnel_id:
  description: NSX-T - id of the SERVER tunnel.
  returned: on NSX-T gateways with O(state=present)
  type: str
secrets_sent:
  description: Whether the passwords or the pre-shared key were sent (or would be, in check mode).
  returned: always
  type: bool
peer_code:
  description:
    - NSX-T - the tunnel's peer code (holds the pre-shared key). The task result is hidden from every output
      (C(no_log)) when it is returned.
  returned: with O(return_peer_code) on NSX-T gateways
  type: str
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.client import backing_of
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.l2vpn import reconcile_nsxt, reconcile_nsxv
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.module import VcdModule

NSXV_ONLY = ("listener_ip", "listener_port", "cipher", "server_certificate", "logging", "peer_sites")
NSXT_ONLY = ("name", "description", "local_endpoint_ip", "remote_endpoint_ip", "pre_shared_key", "initiation_mode",
             "tunnel_interface", "stretched_networks")


def run(mod):
    p = mod.params
    client = mod.vcd
    gateway = client.find_edge_gateway(p["edge_gateway"], mod.tenant_org())
    backing = backing_of(gateway)
    wrong = [k for k in (NSXT_ONLY if backing == "nsxv" else NSXV_ONLY) if p[k] is not None]
    if wrong:
        raise InputError("%s: not an option of %s-backed edge gateways such as %s (%s)" % (
            ", ".join(wrong), "NSX-V" if backing == "nsxv" else "NSX-T", gateway["name"],
            "peer sites with users and passwords" if backing == "nsxv" else "a SERVER tunnel with a pre-shared key"),
            option=wrong[0])
    if backing == "nsxt" and not p["name"]:
        raise InputError("name: the tunnel name is required on the NSX-T backed edge gateway %s" % gateway["name"],
                         option="name")
    if backing == "nsxv":
        result = reconcile_nsxv(client, gateway, p, mod.reconciler(), warn=mod.warn)
    else:
        result = reconcile_nsxt(client, gateway, p, mod.reconciler(), secret=mod.add_secret, warn=mod.warn)
    extra = {}
    if backing == "nsxt" and p["state"] == "present":
        extra["tunnel_id"] = result.get("tunnel_id")
        if p["return_peer_code"]:
            extra["peer_code"] = result.get("peer_code")
    return mod.result(result["outcome"], backing=backing,
                      server=result["server"], tunnels=result["tunnels"], secrets_sent=result["secrets_sent"],
                      **extra)


def main():
    module = VcdModule(dict(
        edge_gateway=dict(type="str", required=True),
        organization=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        update_secrets=dict(type="str", choices=["always", "on_create"], default="on_create", no_log=False),
        enabled=dict(type="bool"),
        listener_ip=dict(type="str"),
        listener_port=dict(type="int"),
        cipher=dict(type="str", choices=["RC4-MD5", "AES128-SHA", "AES256-SHA", "DES-CBC3-SHA", "AES128-GCM-SHA256",
                                         "NULL-MD5"]),
        server_certificate=dict(type="str"),
        logging=dict(type="dict", options=dict(
            enabled=dict(type="bool"),
            level=dict(type="str", choices=["emergency", "alert", "critical", "error", "warning", "notice", "info",
                                            "debug"]))),
        peer_sites=dict(type="list", elements="dict", options=dict(
            name=dict(type="str", required=True),
            description=dict(type="str"),
            user_id=dict(type="str", required=True),
            password=dict(type="str", required=True, no_log=True),
            stretched_networks=dict(type="list", elements="str", required=True),
            egress_gateways=dict(type="list", elements="str"),
            enabled=dict(type="bool"))),
        name=dict(type="str"),
        description=dict(type="str"),
        local_endpoint_ip=dict(type="str"),
        remote_endpoint_ip=dict(type="str"),
        pre_shared_key=dict(type="str", no_log=True),
        initiation_mode=dict(type="str", choices=["initiator", "respond_only", "on_demand"]),
        tunnel_interface=dict(type="str"),
        stretched_networks=dict(type="list", elements="str"),
        return_peer_code=dict(type="bool", default=False),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
