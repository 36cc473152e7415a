"""Everything the vCD/NSX contract (`docs/api/vcd-nsx.md`, `docs/api/open-questions.md`) does not settle,
in one place. Each item here is a lab choice to verify against a real Cloud Director.

- right ids other than the two the contract quotes (``RIGHT_IDS_FROM_CONTRACT``): name-derived
  ``uuid3(LAB_NAMESPACE, name)`` (stable, UUID form, NOT the real ids: resolve rights by name);
- ids of orgs, VDCs, edges, networks, roles, bundles seeded from lab.yml: ``uuid5`` of the
  appliance name and the object name (stable across resets);
- error ``minorErrorCode``s and statuses below, the JSON error shape of ``/cloudapi``;
- the effective rights of an org = its legacy ``OrgRights`` ∪ the rights of the bundles
  published to it; a tenant role may only hold effective rights (400 otherwise);
- tenant calls on L2VPN need "Organization vDC Gateway: View/Configure L2 VPN" in both the org's
  effective rights and the user's role;
- subinterface index (10, 11, …) and tunnel id (1, 2, …): lowest free per edge; distributed
  interfaces are listed in ``vdcNetworks`` (type ``distributed``) numbered from 10 in their own space;
- NSX-T: ``SUBINTERFACE`` is refused on NSX-T gateways; a SERVER tunnel's ``tunnelId`` is
  assigned (1, 2, …) and may only be echoed back (``0`` = assign, as go-vcloud-director sends it);
  ``preSharedKey`` reads ``******`` from API 38.0 and in clear below; a PUT without it keeps the
  key, a ``******`` sent is taken as the new key (the collection must never send it);
  ``GET …/tunnels/{id}/peerCode`` → ``{"peerCode"}``; stale or missing ``version`` → 400;
- the peer code: base64 of a JSON document (see ``peer_code``);
- a routed network overlapping a subnet already on its edge gateway (uplink or another routed
  network) is refused with 400 ``BAD_REQUEST`` (text and code are the lab's: ``subnet_overlap``);
- the legacy query service: the ``org`` / ``vdc`` filter values are hrefs, the Org's VDC query
  link is ``/api/query?type=orgVdc&format=records&filter=org==<org href>`` (API 33.0+; below
  33.0 the Org carries one ``down`` link per VDC), the default page size is 25;
- NSX proxy errors as NSX ``<error><details/><errorCode/><moduleName/></error>``;
- the missing-version Accept header answers 406 like an unsupported version.
"""
from __future__ import annotations

import base64
import json
import uuid

from ..common.errors import ApiError

LAB_NAMESPACE = uuid.UUID("6c1e4f0a-8a53-4b0e-9d7e-1ab0c1d2e3f4")

# [spec] the two ids the contract gives (Extender 1.1 doc, API 27.0 OrgRights example).
RIGHT_IDS_FROM_CONTRACT = {
    "Organization vDC Gateway: Configure L2 VPN": "eeb2b2a0-33a1-36d4-a121-6547ad992d59",
    "Organization vDC Gateway: View L2 VPN": "105191de-9e29-3495-a917-05fcb5ec1ad0",
}

# docs/workflows.md#c1-rights: the vCD 9.x set granted for data-center extension (API 27.0 OrgRights).
C1_RIGHTS = [
    "Hybrid Cloud Operations: View from-the-cloud tunnel",
    "Organization vDC Distributed Firewall: Enable/Disable",
    "Organization vDC Gateway: Configure BGP Routing",
    "Organization vDC Gateway: Configure DHCP",
    "Organization vDC Gateway: Configure Firewall",
    "Organization vDC Gateway: Configure IPSec VPN",
    "Organization vDC Gateway: Configure L2 VPN",
    "Organization vDC Gateway: Configure Load Balancer",
    "Organization vDC Gateway: Configure NAT",
    "Organization vDC Gateway: Configure OSPF Routing",
    "Organization vDC Gateway: Configure Remote Access",
    "Organization vDC Gateway: Configure SSL VPN",
    "Organization vDC Gateway: Configure Static Routing",
    "Organization vDC Gateway: View BGP Routing",
    "Organization vDC Gateway: View DHCP",
    "Organization vDC Gateway: View Firewall",
    "Organization vDC Gateway: View IPSec VPN",
    "Organization vDC Gateway: View L2 VPN",
    "Organization vDC Gateway: View Load Balancer",
    "Organization vDC Gateway: View NAT",
    "Organization vDC Gateway: View OSPF Routing",
    "Organization vDC Gateway: View Remote Access",
    "Organization vDC Gateway: View SSL VPN",
    "Organization vDC Gateway: Configure Services",
    "Organization vDC Gateway: Configure Syslog",
    "Organization vDC Gateway: Configure System Logging",
    "Organization vDC Gateway: Convert to Advanced Networking",
]

# Seen in terraform-provider-vcd tests (contract 2a) plus a few every org has; the baseline of
# the seeded "Default Rights Bundle" and "Organization Administrator" roles.
BASELINE_RIGHTS = [
    "Organization vDC Gateway: View",
    "Organization vDC Network: View Properties",
    "Organization vDC Network: Edit Properties",
    "Organization vDC: View",
    "General: View Error Details",
    "Role: Create, Edit, Delete, or Copy",
    "Organization: View",
]

CONFIGURE_L2VPN = "Organization vDC Gateway: Configure L2 VPN"
VIEW_L2VPN = "Organization vDC Gateway: View L2 VPN"
MASKED_PSK = "******"
# OpenAPI network creation names the VDC in ownerRef from 35.0 (go-vcloud-director's comment: "should be
# set"); the lab refuses a create without it there [I: how strict a real cell is], and uses orgVdc below.
OWNER_REF_FROM = (35, 0)
# The pre-shared key of an NSX-T tunnel reads back masked from API 38.0 (vCD 10.5.1.1), in clear below.
PSK_MASKED_FROM = (38, 0)
SUBINTERFACE_FIRST_INDEX = 10
# Distributed (DLR) interfaces are listed in vdcNetworks too, numbered in their own space from 10: the
# same index as a subinterface is possible (clients must look at the type).
DISTRIBUTED_FIRST_INDEX = 10
DEFAULT_TUNNEL_INTERFACE = "169.254.%d.1/30"


def right_uuid(name: str) -> str:
    return RIGHT_IDS_FROM_CONTRACT.get(name) or str(uuid.uuid3(LAB_NAMESPACE, name))


def right_category(name: str) -> str:
    return str(uuid.uuid3(LAB_NAMESPACE, "category:" + name.split(":", 1)[0]))


def right_type(name: str) -> str:
    tail = name.split(":", 1)[-1].strip()
    return "VIEW" if tail.startswith("View") else "MODIFY"


def right_catalog():
    """Every right of the lab vCD: ``[{name, id(uuid), category, rightType, inferredId}]``."""
    names = list(dict.fromkeys(C1_RIGHTS + BASELINE_RIGHTS))
    return [{"name": n, "id": right_uuid(n), "category": right_category(n), "rightType": right_type(n),
             "inferredId": n not in RIGHT_IDS_FROM_CONTRACT} for n in names]


def object_uuid(appliance: str, kind: str, name: str) -> str:
    return str(uuid.uuid5(LAB_NAMESPACE, "%s:%s:%s" % (appliance, kind, name)))


# ----- errors --------------------------------------------------------------------------------
def error(status: int, minor: str, message: str, *args) -> ApiError:
    return ApiError(status, minor, message, args)


def bad_request(message: str, *args) -> ApiError:
    return error(400, "BAD_REQUEST", message, *args)


def not_authenticated(message="This operation is denied.") -> ApiError:
    return error(401, "UNAUTHORIZED", message)


def forbidden(message="Access is forbidden") -> ApiError:
    return error(403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN", message)


def not_found(what: str) -> ApiError:
    return error(404, "NOT_FOUND", "[ %s ] not found." % what, what)


def not_acceptable(accept) -> ApiError:
    return error(406, "NOT_ACCEPTABLE", "The request has invalid accept header: Invalid API version requested (%s)." % accept,
                 accept or "")


def unsupported_media(content_type) -> ApiError:
    return error(415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type: %s" % (content_type or ""), content_type or "")


def subnet_overlap(name: str, subnet: str, edge: str, other: str) -> ApiError:
    """[I] No public client shows vCD's own text or minor code for this refusal (searched
    go-vcloud-director and terraform-provider-vcd): a 400 BAD_REQUEST naming both subnets."""
    return bad_request("Cannot create network %s: its subnet %s overlaps the %s of edge gateway %s." % (name, subnet, other, edge),
                       name, subnet)


def stale_version(current: int) -> ApiError:
    return bad_request("The entity has been modified (version %d); read it again and send its current version." % current)


# ----- NSX-T peer code (lab format) -------------------------------------------------------------
def peer_code(gateway_urn: str, tunnel: dict) -> str:
    """base64(JSON) with what a client needs: the server endpoint, the PSK, the tunnel ids."""
    doc = {"labPeerCode": 1, "gateway": gateway_urn, "tunnel": tunnel["id"], "serverAddress": tunnel["localEndpointIP"],
           "clientAddress": tunnel["remoteEndpointIP"], "psk": tunnel["preSharedKey"],
           "tunnelInterface": tunnel["tunnelInterface"],
           "tunnelIds": sorted(n["tunnelId"] for n in tunnel.get("stretchedNetworks") or [])}
    return base64.b64encode(json.dumps(doc, sort_keys=True).encode()).decode()


def decode_peer_code(code: str):
    try:
        doc = json.loads(base64.b64decode(code.encode(), validate=True))
    except (ValueError, TypeError):
        return None
    return doc if isinstance(doc, dict) and doc.get("labPeerCode") == 1 else None
