# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The on-premises appliance's calls on top of a ``VcdaClient``. Every path and body shape is
INFERRED (docs/api/open-questions.md#on-premises-appliance) and comes from ``_vcda_inferred`` (``ONPREM_*``). Knows nothing of Ansible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError, NotFoundError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.client import site_comm_errors


def set_site(client, name):
    return client.call("POST", "/config/site", {"site": name}, idempotent=True)


def cloud_site(client):
    """The cloud site this appliance is paired with (a ``GET /sites`` entry), or None."""
    for item in client.sites():
        if not item.get("isLocal"):
            return item
    return None


def credentials(user=None, password=None, token=None, org=None):
    if token:
        return {"type": inferred.ONPREM_CREDENTIALS_TYPES["token"], "vcdAccessToken": token, "org": org}
    return {"type": inferred.ONPREM_CREDENTIALS_TYPES["password"], "vcdUsername": user, "vcdPassword": password}


def pair(client, api_url, thumbprint, creds, allow_access, description=None, site=None):
    body = {"apiUrl": api_url, "apiThumbprint": thumbprint, "description": description,
            "allowAccessFromCloud": bool(allow_access), "credentials": creds}
    what = "pairing with the cloud site at %s" % api_url
    if site:
        return client.submit("PUT", inferred.ONPREM_SITE_PATH % site, body, what, idempotent=True)
    return client.submit("POST", inferred.ONPREM_PAIR_PATH, body, what, find_existing=lambda: (
        cloud_site(client) or client.running_task(inferred.TASK_PAIR_WORKFLOW)))


def cloud_access(client):
    return bool((client.get(inferred.ONPREM_CLOUD_ACCESS_PATH) or {}).get(inferred.ONPREM_CLOUD_ACCESS_KEY))


def set_cloud_access(client, value):
    return client.call("POST", inferred.ONPREM_CLOUD_ACCESS_PATH, {inferred.ONPREM_CLOUD_ACCESS_KEY: bool(value)},
                       idempotent=True)


def placement(client):
    """``{"folder","cluster","network","datastore"}`` as ``{"id","name"}`` (None when unset)."""
    body = client.get(inferred.ONPREM_PLACEMENT_PATH) or {}
    out = {}
    for option, key in inferred.ONPREM_PLACEMENT_KEYS.items():
        out[option] = {"id": body.get(key), "name": body.get(key + "Name")} if body.get(key) else None
    return out


def resolve_placement(client, names):
    """Names -> MoRef ids through the candidates the appliance lists; NotFoundError names what exists."""
    candidates = client.get(inferred.ONPREM_PLACEMENT_CANDIDATES_PATH) or {}
    out = {}
    for option, name in names.items():
        if name is None:
            continue
        items = candidates.get(inferred.ONPREM_PLACEMENT_CANDIDATE_KEYS[option]) or []
        match = [i for i in items if i.get("name") == name or i.get("id") == name]
        if not match:
            raise NotFoundError(option, name, existing=sorted(i.get("name") for i in items), option="placement." + option)
        out[option] = {"id": match[0]["id"], "name": match[0]["name"]}
    return out


def set_placement(client, resolved):
    body = dict((inferred.ONPREM_PLACEMENT_KEYS[k], v["id"]) for k, v in resolved.items())
    return client.call("POST", inferred.ONPREM_PLACEMENT_PATH, body, idempotent=True)


def settled(client, paired):
    """``(cloud site, placement)`` once a change was made; with ``paired`` (a cloud_url given) after the link
    settles, failing on ``cloud_url`` when it stays unhealthy."""
    cloud = client.settled_site() if paired else cloud_site(client)
    where = placement(client)
    if paired and (cloud is None or site_comm_errors(cloud)):
        raise InputError("cloud_url: paired, but the link is not healthy: %s" % "; ".join(site_comm_errors(cloud)),
                         option="cloud_url")
    return cloud, where
