"""The legacy query service (``/api/query``): the query list and the typed queries pyvcloud and
go-vcloud-director use (``organization``, ``orgVdc``, ``edgeGateway``, ``orgVdcNetwork``, ``right``)
in the ``records`` and ``references`` formats, with ``filter`` / ``page`` / ``pageSize`` and the
``nextPage`` link."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlencode

from ..common.appliance import Endpoint
from ..common.xmlbody import xml_response
from . import api_vapps, inferred, openapi
from .api_sessions import link, org_href, vroot, vsub
from .media import xml_type

FORMATS = {"records": "vcloud.query.records", "references": "vcloud.query.references", "idrecords": "vcloud.query.idrecords"}


def _visible(call, items, key="org"):
    if call.principal["system"]:
        return list(items)
    return [i for i in items if i[key] == call.principal["orgId"]]


def _orgs(call, appliance, state):
    orgs = _visible(call, state["orgs"].values(), "id")
    return [{"name": o["name"], "displayName": o["fullName"], "isEnabled": o["enabled"], "href": org_href(appliance, o)}
            for o in sorted(orgs, key=lambda o: o["name"])]


def _vdcs(call, appliance, state):
    out = []
    for vdc in sorted(_visible(call, state["vdcs"].values()), key=lambda v: v["name"]):
        org = state["orgs"][vdc["org"]]
        out.append({"name": vdc["name"], "href": appliance.href("/api/vdc/" + vdc["id"]), "org": org_href(appliance, org),
                    "orgName": org["name"], "isEnabled": True, "status": "1"})
    return out


def _edges(call, appliance, state):
    out = []
    for edge in sorted(_visible(call, state["edges"].values()), key=lambda e: e["name"]):
        nets = [n for n in state["networks"].values() if n.get("edge") == edge["id"]]
        out.append({"name": edge["name"], "href": appliance.href("/api/admin/edgeGateway/" + edge["id"]),
                    "vdc": appliance.href("/api/vdc/" + edge["vdc"]), "orgVdcName": state["vdcs"][edge["vdc"]]["name"],
                    "gatewayStatus": "READY", "haStatus": "DISABLED", "isBusy": False, "numberOfExtNetworks": 1,
                    "numberOfOrgNetworks": len(nets), "advancedNetworkingEnabled": True,
                    "isSyslogServerSettingInSync": True, "taskStatus": "success"})
    return out


def _networks(call, appliance, state):
    out = []
    for net in sorted(_visible(call, state["networks"].values()), key=lambda n: n["name"]):
        edge = state["edges"].get(net.get("edge") or "")
        out.append({"name": net["name"], "href": appliance.href("/api/admin/network/" + net["id"]),
                    "vdc": appliance.href("/api/vdc/" + net["vdc"]), "vdcName": state["vdcs"][net["vdc"]]["name"],
                    "connectedTo": edge["name"] if edge else None, "linkType": 1 if edge else 0,
                    "defaultGateway": net["gateway"], "netmask": str(ipaddress.ip_network("0.0.0.0/%d" % net["prefixLength"]).netmask),
                    "isShared": net["shared"], "isBusy": False})
    return out


def _rights(call, appliance, _state):
    appliance.require_system(call)
    return [{"name": r["name"], "href": appliance.href("/api/admin/right/" + r["id"]), "category": r["category"],
             "rightType": r["rightType"]} for r in inferred.right_catalog()]


# query type -> (record element prefix, rows)
QUERY_TYPES = {"organization": ("Org", _orgs), "orgVdc": ("OrgVdc", _vdcs), "edgeGateway": ("EdgeGateway", _edges),
               "orgVdcNetwork": ("OrgVdcNetwork", _networks), "right": ("Right", _rights)}


def query_list(call):
    appliance = call.appliance
    mtype = xml_type("vcloud.query.queryList", call.media)
    root = vroot("QueryList", href=appliance.href("/api/query"), type=mtype)
    for qtype in list(QUERY_TYPES) + list(api_vapps.QUERY_TYPES):
        for fmt, name in FORMATS.items():
            link(root, "down", appliance.href("/api/query?" + urlencode({"type": qtype, "format": fmt})), xml_type(name, call.media), qtype)
    return xml_response(200, root, mtype)


def query(call):
    appliance = call.appliance
    args = call.request.args
    qtype = args.get("type")
    if qtype is None:
        return query_list(call)
    fmt = args.get("format", "records")
    if fmt not in FORMATS:
        raise inferred.bad_request("Unsupported query format.", fmt)
    if qtype in QUERY_TYPES:
        prefix, rows = QUERY_TYPES[qtype]
        items = rows(call, appliance, appliance.state)
    else:  # vApps, VMs, storage profiles (api_vapps)
        found = api_vapps.query_items(call, qtype)
        if found is None:
            raise inferred.bad_request("Unsupported query type: %s" % qtype, qtype)
        record, items = found
        prefix = record[:-len("Record")] if record.endswith("Record") else record
    result = openapi.page(items, args)
    mtype = xml_type(FORMATS[fmt], call.media)
    tag = "QueryResultRecords" if fmt != "references" else "QueryResultReferences"
    root = vroot(tag, total=result["resultTotal"], page=result["page"], pageSize=result["pageSize"], name=qtype,
                 href=appliance.href(call.request.full_path.rstrip("?")), type=mtype)
    if result["page"] * result["pageSize"] < result["resultTotal"]:
        following = dict(args.items(), page=str(result["page"] + 1))
        link(root, "nextPage", appliance.href("/api/query?" + urlencode(following)), mtype)
    for item in result["values"]:
        if fmt == "references":
            vsub(root, prefix + "Reference", href=item["href"], name=item["name"], type=xml_type(qtype, call.media))
        else:
            vsub(root, prefix + "Record", **{k: _attr(v) for k, v in item.items() if v is not None})
    return xml_response(200, root, mtype)


def _attr(value):
    return ("true" if value else "false") if isinstance(value, bool) else value


def endpoints(appliance):
    return [Endpoint("GET", "/api/query", query, media=appliance.xml_media)]
