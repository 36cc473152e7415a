# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rights of organizations, rights bundles, global roles and tenant roles (docs/api/vcd-nsx.md#rights).

- legacy ``OrgRights`` XML (``/api/admin/org/{uuid}/rights``: POST adds, PUT replaces);
- OpenAPI ``rightsBundles``/``globalRoles``/``roles`` ``{id}/rights`` (POST adds, PUT replaces) and
  ``{id}/tenants/publish`` for bundles and global roles; tenant roles through the tenant context.

Rights are resolved by name against the catalog (``GET /cloudapi/1.0.0/rights``, every page);
unknown names fail with the closest known ones. Knows nothing of Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import Outcome, Reconciler, reconcile_set
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.client import (
    OPENAPI,
    VCLOUD_NS,
    closest,
    etree,
    urn_uuid,
)

ORG_RIGHTS_TYPE = "application/vnd.vmware.admin.org.rights+xml"
RIGHT_TYPE = "application/vnd.vmware.admin.right+xml"
KINDS = {
    "rights_bundle": ("rightsBundles", "rights bundle"),
    "global_role": ("globalRoles", "global role"),
    "role": ("roles", "role"),
}


# ----- pure helpers ---------------------------------------------------------------------------------
# Where rights are read or granted (an organization, or one of its roles; a rights bundle; a global role):
# the options and their rules, shared by vcd_rights and vcd_rights_info.
TARGET_OPTIONS = dict(
    organization=dict(type="str"),
    rights_bundle=dict(type="str"),
    global_role=dict(type="str"),
    role=dict(type="str"),
)
TARGET_RULES = dict(
    mutually_exclusive=[("rights_bundle", "global_role", "role"), ("organization", "rights_bundle"),
                        ("organization", "global_role")],
    required_one_of=[("organization", "rights_bundle", "global_role")],
    required_by={"role": "organization"},
)


def resolve(catalog, names, option="rights"):
    """``{name: right urn}`` for ``names`` from the catalog (``[{"name","id"}]``).

    InputError naming every unknown right with the closest known names.
    """
    by_name = dict((r["name"], r["id"]) for r in catalog)
    unknown = [n for n in names if n not in by_name]
    if unknown:
        hints = []
        for name in unknown:
            near = closest(name, list(by_name))
            hints.append("'%s'%s" % (name, " (did you mean %s?)" % " or ".join("'%s'" % c for c in near) if near else
                                     " (no similar right)"))
        raise InputError("%s: unknown right%s %s" % (option, "s" if len(unknown) > 1 else "", "; ".join(hints)),
                         option=option)
    return dict((n, by_name[n]) for n in names)


def duplicates(names):
    seen, dups = set(), []
    for name in names:
        if name in seen and name not in dups:
            dups.append(name)
        seen.add(name)
    return dups


def plan(live_names, wanted_names, state):
    """``(to_add, to_remove, after)`` of a rights set; ``after`` sorted."""
    to_add, to_remove = reconcile_set(live_names, wanted_names, state)
    after = sorted((set(live_names) | set(to_add)) - set(to_remove))
    return to_add, to_remove, after


def org_rights_xml(base_url, refs):
    """``<OrgRights>`` with one ``RightReference`` per ``(name, urn)`` in XSD order."""
    root = etree.Element("{%s}OrgRights" % VCLOUD_NS, nsmap={None: VCLOUD_NS})
    for name, urn in refs:
        etree.SubElement(root, "{%s}RightReference" % VCLOUD_NS,
                         href="%s/api/admin/right/%s" % (base_url.rstrip("/"), urn_uuid(urn)),
                         name=name, type=RIGHT_TYPE)
    return root


def parse_org_rights(root):
    """``{right uuid: name}`` of an ``OrgRights`` document (name from the reference, may be None)."""
    out = {}
    for ref in root.iter("{%s}RightReference" % VCLOUD_NS):
        href = (ref.get("href") or "").rstrip("/")
        out[href.rsplit("/", 1)[-1]] = ref.get("name")
    return out


def _all_there(pairs, names):
    """After a lost reply: ``{}`` (done) when every name of ``pairs`` is now in ``names``, else None (send again)."""
    return {} if set(n for n, _urn in pairs) <= set(names) else None


def entity_refs(pairs):
    """OpenAPI ``EntityReferences`` body from ``(name, urn)`` pairs."""
    return {"values": [{"name": name, "id": urn} for name, urn in pairs]}


# ----- targets ---------------------------------------------------------------------------------------
class RightsService(object):
    """Reads and changes the rights of one target through a logged-in ``VcdClient``."""

    def __init__(self, client):
        self.client = client
        self._catalog = None

    def catalog(self):
        if self._catalog is None:
            self._catalog = self.client.list_all(OPENAPI + "/rights")
        return self._catalog

    def names_by_uuid(self):
        return dict((urn_uuid(r["id"]), r["name"]) for r in self.catalog())

    # ---- legacy OrgRights
    def org_rights(self, org):
        root = self.client.xml("GET", "/api/admin/org/%s/rights" % urn_uuid(org["id"]))
        known = self.names_by_uuid()
        return sorted(name or known.get(uuid, uuid) for uuid, name in parse_org_rights(root).items())

    def change_org_rights(self, org, pairs, replace):
        body = org_rights_xml(self.client.url, pairs)
        self.client.xml("PUT" if replace else "POST", "/api/admin/org/%s/rights" % urn_uuid(org["id"]), body,
                        content_type=ORG_RIGHTS_TYPE,
                        find_existing=lambda: _all_there(pairs, self.org_rights(org)))

    # ---- OpenAPI bundles and roles
    def find(self, kind, name, org=None, option=None):
        path, label = KINDS[kind]
        headers = self.context(org) if kind == "role" else None
        return self.client.find_by_name(OPENAPI + "/" + path, name, label, option or kind, headers=headers)

    def context(self, org):
        if org is None:
            return None
        return self.client.tenant_context(org["id"], org["name"]) if self.client.provider else None

    def item_rights(self, kind, item, org=None):
        path = "%s/%s/%s/rights" % (OPENAPI, KINDS[kind][0], item["id"])
        return sorted(r["name"] for r in self.client.list_all(path, headers=self.context(org)))

    def change_item_rights(self, kind, item, pairs, replace, org=None):
        path = "%s/%s/%s/rights" % (OPENAPI, KINDS[kind][0], item["id"])
        self.client.json("PUT" if replace else "POST", path, entity_refs(pairs), headers=self.context(org),
                         find_existing=lambda: _all_there(pairs, self.item_rights(kind, item, org)))

    def tenants(self, kind, item):
        path = "%s/%s/%s/tenants" % (OPENAPI, KINDS[kind][0], item["id"])
        return sorted(t["name"] for t in self.client.list_all(path))

    def publish(self, kind, item, orgs):
        path = "%s/%s/%s/tenants/publish" % (OPENAPI, KINDS[kind][0], item["id"])
        self.client.json("POST", path, entity_refs((o["name"], o["id"]) for o in orgs),
                         find_existing=lambda: _all_there([(o["name"], o["id"]) for o in orgs], self.tenants(kind, item)))


def reconcile(service, kind, target_name, rights, state, org=None, publish_to=None, rec=None):
    """Grant/revoke ``rights`` on a target; publish bundles and global roles to ``publish_to``.

    ``kind``: ``org`` (legacy OrgRights of ``org``), ``rights_bundle``, ``global_role`` or ``role``
    (a tenant role of ``org``); ``rec`` the module's ``Reconciler`` (its check mode). Returns a dict with
    ``outcome`` (the core's, its views ``{"rights": [...], "tenants": [...]}``), ``changed``, ``before``,
    ``after``, ``added``, ``removed``, ``published``, ``target``.
    """
    rec = rec or Reconciler()
    dups = duplicates(rights)
    if dups:
        raise InputError("rights: listed more than once: %s" % ", ".join(dups), option="rights")
    wanted = resolve(service.catalog(), rights)
    item = None
    if kind == "org":
        live = service.org_rights(org)
    else:
        item = service.find(kind, target_name, org)
        if kind == "role" and item.get("readOnly"):
            raise InputError("role: '%s' in organization %s is read-only (a published global role or a system "
                             "role); grant the rights to the global role instead (option global_role)"
                             % (target_name, org["name"]), option="role")
        live = service.item_rights(kind, item, org)
    all_refs = dict((r["name"], r["id"]) for r in service.catalog())

    def change(to_add, to_remove, after):
        if to_remove:  # the API removes by replacing the whole set
            pairs, replace = [(n, all_refs[n]) for n in after if n in all_refs], True
        else:
            pairs, replace = [(n, wanted[n]) for n in to_add], False
        if kind == "org":
            service.change_org_rights(org, pairs, replace)
        else:
            service.change_item_rights(kind, item, pairs, replace, org)
    publishing = kind in ("rights_bundle", "global_role") and publish_to is not None
    if publishing:  # every organization is found before anything is granted: an unknown one changes nothing
        before_tenants = service.tenants(kind, item)
        missing = [name for name in dict.fromkeys(publish_to) if name not in before_tenants]
        orgs = [service.client.find_org(name, option="publish_to") for name in missing]
    granted = rec.members(live, list(wanted), state, change=change, key="rights")
    published, tenants = [], None
    if publishing:
        published = [o["name"] for o in orgs]
        tenants = rec.members(before_tenants, published, "present", add=lambda _names: service.publish(kind, item, orgs),
                              key="tenants")
    outcome = Outcome.join(granted, tenants)
    return {"outcome": outcome, "changed": outcome.changed, "before": outcome.before, "after": outcome.after,
            "added": granted.delta["add"], "removed": granted.delta["remove"], "published": published,
            "target": {"kind": kind, "name": target_name if kind != "org" else org["name"],
                       "id": item["id"] if item else org["id"]}}
