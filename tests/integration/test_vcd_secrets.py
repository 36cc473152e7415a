"""The L2 VPN targets run at -vvvv: no password, pre-shared key or peer code in the whole output."""
import os
import sys

import pytest

from lab_paths import OUTPUT, ROOT

sys.path.insert(0, os.path.join(OUTPUT, "collections"))

SECRETS = {
    "vcd_l2vpn_server": ["Peer-Site-Secret-7f3a", "Peer-Site-Secret-9c1e", "Psk-Secret-b61d2e", "Psk-Secret-44aa90"],
    "nsx_l2vpn_client": ["Psk-Client-Secret-5e0c", "Psk-Client-Secret-77d1"],
}


def _peer_code(vcda_lab):
    """The live peer code of the client target's tunnel, read straight from the lab vCD."""
    from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.client import VcdClient  # pylint: disable=import-error
    site = next(a for a in vcda_lab["appliances"] if a["name"] == "site1-vcd")
    gateway = next(g for g in site["edgeGateways"] if g["name"] == "org1-edge-nsxt")
    client = VcdClient(site["url"], site["systemAdmin"]["user"], site["systemAdmin"]["password"], "System",
                       thumbprint=site["thumbprint"])
    base = "/cloudapi/1.0.0/edgeGateways/%s/l2vpn/tunnels" % gateway["id"]
    try:  # the list carries no peer code: each tunnel read by id does
        tunnels = [client.json("GET", "%s/%s" % (base, t["id"])) for t in client.list_all(base)]
    finally:
        client.logout()
    return [t["peerCode"] for t in tunnels if t.get("peerCode")]


@pytest.mark.parametrize("target", sorted(SECRETS))
def test_no_secret_in_vvvv_output(target, playbook_runner, vcda_lab):
    playbook = os.path.join(OUTPUT, "target-%s-vvvv.yml" % target)
    with open(playbook, "w") as handle:
        handle.write("- hosts: localhost\n  gather_facts: false\n  roles:\n    - %s\n" % target)
    result = playbook_runner(playbook, extra=["-vvvv", "--diff"])
    output = result.stdout + result.stderr
    with open(os.path.join(OUTPUT, "target-%s-vvvv.log" % target), "w") as handle:
        handle.write(output)
    assert result.returncode == 0, output[-4000:]
    secrets = list(SECRETS[target])
    if target == "nsx_l2vpn_client":
        codes = _peer_code(vcda_lab)
        assert codes, "the client target leaves its SERVER tunnel in place"
        secrets += codes
    for secret in secrets:
        assert secret not in output, "a secret appears in the -vvvv output of %s" % target
    assert "peer code returned, result hidden" in output or target != "nsx_l2vpn_client"
    assert os.path.isdir(ROOT)
