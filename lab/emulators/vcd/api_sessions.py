"""Sessions and versions (docs/api/vcd-nsx.md#sessions-and-versions): version discovery, both login kinds, organizations, queries, tasks."""
from __future__ import annotations

import base64
import binascii
import datetime
import uuid
from typing import Any, Dict

from lxml import etree

from ..common.appliance import Endpoint
from ..common.tasks import FAILED, QUEUED, RUNNING, SUCCEEDED
from ..common.xmlbody import sub, xml_response
from . import inferred, openapi
from .media import version_of, xml_type

NS = "http://www.vmware.com/vcloud/v1.5"
VERSIONS_NS = "http://www.vmware.com/vcloud/versions"
TASK_STATUS = {QUEUED: "queued", RUNNING: "running", SUCCEEDED: "success", FAILED: "error"}


def _bare_type(attrs):
    """A real cell's ``type`` attributes carry no ``;version=`` (the Content-Type header does):
    clients such as pyvcloud and go-vcloud-director compare them to the bare media type."""
    if attrs.get("type"):
        attrs["type"] = str(attrs["type"]).split(";", 1)[0]
    return attrs


def vroot(tag: str, **attrs):
    root = etree.Element("{%s}%s" % (NS, tag), nsmap={None: NS})
    for key, value in _bare_type(attrs).items():
        if value is not None:
            root.set(key, str(value))
    return root


def vsub(parent, tag, text=None, **attrs):
    return sub(parent, tag, text, ns=NS, **_bare_type(attrs))


def link(parent, rel, href, mtype, name=None):
    return vsub(parent, "Link", rel=rel, href=href, type=mtype, name=name)


# ----- versions and sessions -------------------------------------------------------------------
def versions(call):
    appliance = call.appliance
    root = etree.Element("{%s}SupportedVersions" % VERSIONS_NS, nsmap={None: VERSIONS_NS})
    for version in appliance.versions:
        info = sub(root, "VersionInfo", ns=VERSIONS_NS, deprecated=False)
        sub(info, "Version", version, ns=VERSIONS_NS)
        sub(info, "LoginUrl", appliance.href("/api/sessions"), ns=VERSIONS_NS)
    return xml_response(200, root, "application/vnd.vmware.vcloud.versions+xml;version=%s" % appliance.version)


def _basic_login(call) -> Dict[str, Any]:
    appliance = call.appliance
    auth = call.header("Authorization") or ""
    if auth[:6].lower() != "basic ":
        raise inferred.not_authenticated("Authorization: Basic base64(user@org:password) is required.")
    try:
        decoded = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise inferred.not_authenticated() from None
    login, _sep, password = decoded.partition(":")
    if "@" not in login:
        raise inferred.not_authenticated()
    user = appliance.users().get(login.lower())
    if user is None or user["password"] != password:
        raise inferred.not_authenticated()
    org = appliance.org_by_name(user["org"])
    system = user["org"] == "System"
    return {"user": user["user"], "org": org["name"], "orgId": org["id"], "system": system,
            "userId": appliance.oid("user", login.lower()), "role": "System Administrator" if system else "Organization Administrator",
            "sessionId": str(uuid.uuid4())}


def _session_headers(legacy, jwt):
    return {"x-vcloud-authorization": legacy, "X-VMWARE-VCLOUD-ACCESS-TOKEN": jwt, "X-VMWARE-VCLOUD-TOKEN-TYPE": "Bearer"}


def _session_xml(call, principal):
    appliance = call.appliance
    root = vroot("Session", org=principal["org"], roles=principal["role"], user=principal["user"],
                 userId="urn:vcloud:user:" + principal["userId"], href=appliance.href("/api/session"),
                 type=xml_type("vcloud.session", call.media), locationId="%s@%s" % (principal["orgId"], appliance.name))
    link(root, "down", appliance.href("/api/org/"), xml_type("vcloud.orgList", call.media))
    link(root, "down", appliance.href("/api/org/" + principal["orgId"]), xml_type("vcloud.org", call.media), principal["org"])
    link(root, "down", appliance.href("/api/admin/"), xml_type("admin.vcloud", call.media))
    link(root, "down", appliance.href("/api/query"), xml_type("vcloud.query.queryList", call.media))
    link(root, "remove", appliance.href("/api/session"), None)
    link(root, "nsx", appliance.href("/network"), "application/xml")
    link(root, "openapi", appliance.href("/cloudapi"), "application/json")
    return root


def legacy_login(call):
    principal = _basic_login(call)
    legacy, jwt = call.appliance.new_session(principal)
    return xml_response(200, _session_xml(call, principal), xml_type("vcloud.session", call.media), _session_headers(legacy, jwt))


def legacy_session(call):
    return xml_response(200, _session_xml(call, call.principal), xml_type("vcloud.session", call.media))


def logout(call):
    call.appliance.sessions.delete(call.token)
    return 204, None


def _session_json(appliance, principal):
    role_id = appliance.oid("role-ref", principal["role"])
    return {"id": "urn:vcloud:session:" + principal["sessionId"],
            "site": {"name": appliance.name, "id": "urn:vcloud:site:" + appliance.oid("site", appliance.name)},
            "user": {"name": principal["user"], "id": "urn:vcloud:user:" + principal["userId"]},
            "org": {"name": principal["org"], "id": "urn:vcloud:org:" + principal["orgId"]},
            "operatingOrg": {"name": principal["org"], "id": "urn:vcloud:org:" + principal["orgId"]},
            "location": "%s@%s" % (principal["orgId"], appliance.name), "roles": [principal["role"]],
            "roleRefs": [{"name": principal["role"], "id": "urn:vcloud:role:" + role_id}],
            "sessionIdleTimeoutMinutes": int(appliance.sessions.idle_timeout // 60)}


def _openapi_login(call, provider: bool):
    principal = _basic_login(call)
    if principal["system"] != provider:
        raise inferred.not_authenticated("Use /cloudapi/1.0.0/sessions/provider for the System organization and "
                                         "/cloudapi/1.0.0/sessions for tenants.")
    legacy, jwt = call.appliance.new_session(principal)
    return 200, _session_json(call.appliance, principal), _session_headers(legacy, jwt)


def openapi_login(call):
    return _openapi_login(call, False)


def openapi_provider_login(call):
    return _openapi_login(call, True)


def current_session(call):
    return _session_json(call.appliance, call.principal)


# ----- organizations ---------------------------------------------------------------------------
def _visible_orgs(call):
    orgs = list(call.appliance.state["orgs"].values())
    if not call.principal["system"]:
        orgs = [o for o in orgs if o["id"] == call.principal["orgId"]]
    return sorted(orgs, key=lambda o: o["name"])


def org_list(call):
    appliance = call.appliance
    root = vroot("OrgList", href=appliance.href("/api/org/"), type=xml_type("vcloud.orgList", call.media))
    for org in _visible_orgs(call):
        vsub(root, "Org", href=appliance.href("/api/org/" + org["id"]), name=org["name"], type=xml_type("vcloud.org", call.media))
    return xml_response(200, root, xml_type("vcloud.orgList", call.media))


def org_get(call, org_id):
    appliance = call.appliance
    org = next((o for o in _visible_orgs(call) if o["id"] == org_id), None)
    if org is None:
        raise inferred.forbidden() if org_id in appliance.state["orgs"] else inferred.not_found("urn:vcloud:org:" + org_id)
    root = vroot("Org", name=org["name"], id="urn:vcloud:org:" + org["id"], href=appliance.href("/api/org/" + org["id"]),
                 type=xml_type("vcloud.org", call.media))
    if api_version(call.media) < (33, 0):
        for vdc in appliance.state["vdcs"].values():
            if vdc["org"] == org["id"]:
                link(root, "down", appliance.href("/api/vdc/" + vdc["id"]), xml_type("vcloud.vdc", call.media), vdc["name"])
    else:  # from API 33.0 the Org names its VDCs through a query link (pyvcloud Org.list_vdcs)
        link(root, "down", appliance.href("/api/query?type=orgVdc&format=records&filter=org==%s" % org_href(appliance, org)),
             xml_type("vcloud.query.records", call.media), "vdcs")
    vsub(root, "Description", "")
    vsub(root, "FullName", org["fullName"])
    return xml_response(200, root, xml_type("vcloud.org", call.media))


def api_version(media: str):
    """``(36, 0)`` from a response media type carrying ``version=36.0``."""
    text = version_of(media) or "0.0"
    major, _sep, minor = text.partition(".")
    return int(major), int(minor or 0)


def org_href(appliance, org) -> str:
    return appliance.href("/api/org/" + org["id"])


def org_json(org):
    return {"id": "urn:vcloud:org:" + org["id"], "name": org["name"], "displayName": org["fullName"], "description": "",
            "isEnabled": org["enabled"], "orgVdcCount": 0, "catalogCount": 0, "vappCount": 0, "runningVMCount": 0,
            "userCount": 0, "diskCount": 0, "canPublish": False}


def openapi_orgs(call):
    return openapi.page([org_json(o) for o in _visible_orgs(call)], call.request.args)


def openapi_org(call, urn):
    org = next((o for o in _visible_orgs(call) if "urn:vcloud:org:" + o["id"] == urn), None)
    if org is None:
        raise inferred.not_found(urn)
    return org_json(org)


# ----- tasks -------------------------------------------------------------------------------------
def task_xml(appliance, task, media):
    info = task["workflowInfo"]
    result = task.get("result") or {}
    mtype = xml_type("vcloud.task", media)
    root = vroot("Task", cancelRequested=False, operation=info["type"], operationName=info["type"], serviceNamespace="com.vmware.cloud",
                 startTime=_iso(task["startTime"]), endTime=_iso(task["endTime"]) if task["endTime"] > 0 else None,
                 status=TASK_STATUS[task["state"]], name="task", id="urn:vcloud:task:" + task["id"],
                 href=appliance.href("/api/task/" + task["id"]), type=mtype)
    if info.get("resourceId"):
        vsub(root, "Owner", href=result.get("ownerHref") or "", name=info.get("resourceType") or "", type="")
    if task.get("error"):
        error = task["error"]
        vsub(root, "Error", majorErrorCode=error["majorErrorCode"], minorErrorCode=error["minorErrorCode"], message=error["message"])
    vsub(root, "User", name=task["user"], href="", type="application/vnd.vmware.admin.user+xml")
    if task.get("site"):
        vsub(root, "Organization", href=appliance.href("/api/org/" + task["site"]), type=xml_type("vcloud.org", media), name="")
    vsub(root, "Progress", task["progress"])
    if result.get("details") is not None:
        vsub(root, "Details", result["details"])
    return root


def _iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def get_task(call, task_id):
    appliance = call.appliance
    task = appliance.tasks.get(task_id)
    if task is None or not call.principal["system"] and task.get("site") != call.principal["orgId"]:
        raise inferred.not_found("urn:vcloud:task:" + task_id)
    return xml_response(200, task_xml(appliance, task, call.media), xml_type("vcloud.task", call.media))


def submit_task(call, work, operation: str, org_id: str, resource_type: str, resource_id: str):
    """Start a vCD task (``work`` returns ``{"details": …}`` or None); the task's public form."""
    user = "%s@%s" % (call.principal["user"], call.principal["org"])
    return call.appliance.tasks.submit(work, user=user, site=org_id, workflow_type=operation,
                                       resource_type=resource_type, resource_id=resource_id)


def endpoints(appliance):
    x, j, a = appliance.xml_media, appliance.json_media, appliance.any_media
    return [
        Endpoint("GET", "/api/versions", versions, auth=False, media=a),
        Endpoint("POST", "/api/sessions", legacy_login, auth=False, media=x),
        Endpoint("GET", "/api/session", legacy_session, media=x),
        Endpoint("DELETE", "/api/session", logout, media=x),
        Endpoint("POST", "/cloudapi/1.0.0/sessions", openapi_login, auth=False, media=j),
        Endpoint("POST", "/cloudapi/1.0.0/sessions/provider", openapi_provider_login, auth=False, media=j),
        Endpoint("GET", "/cloudapi/1.0.0/sessions/current", current_session, media=j),
        Endpoint("DELETE", "/cloudapi/1.0.0/sessions/current", logout, media=j),
        Endpoint("GET", "/api/org", org_list, media=x),
        Endpoint("GET", "/api/org/<org_id>", org_get, media=x),
        Endpoint("GET", "/cloudapi/1.0.0/orgs", openapi_orgs, media=j),
        Endpoint("GET", "/cloudapi/1.0.0/orgs/<urn>", openapi_org, media=j),
        Endpoint("GET", "/api/task/<task_id>", get_task, media=x),
    ]
