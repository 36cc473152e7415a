# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""INFERRED VCDA API items: every choice the contract (shared/api/vcda.md, unknowns.md) marks [I].

Nothing here has been checked against a real Cloud Director Availability appliance; each item
is listed in docs/verification.md as "needs a real appliance". Change them here only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# [I] unknowns.md §1: the only restart-services call seen is the 3.x ``POST /os/reboot-services``
# (no body). On 4.x it is tried as well; 404/405 mean "unsupported on this version".
REBOOT_SERVICES_PATH = "/os/reboot-services"
REBOOT_SERVICES_UNSUPPORTED = (404, 405)

# [I] vcda.md §0: task states seen are QUEUED, RUNNING, SUCCEEDED, FAILED; CANCELED is inferred.
TASK_CANCELED = "CANCELED"

# [I] vcda.md §2 health: 4.6 assumed like 4.2-4.5 (GET -> 202 task); 4.0/4.1 assumed like 3.x
# (GET -> data). Entries of the version table in _vcda.VERSION_TABLE that rely on this.
HEALTH_GET_TASK_FROM = (4, 2)
HEALTH_GET_DATA_BELOW = (4, 2)

# [I] ``GET /replicators``: a plain array (what TF and PSC read); a ``{"items": [...]}`` page is
# accepted too.
REPLICATORS_LIST_KEYS = ("items", "replicators")

# [I] ``GET /config/tunnels`` (4.6+): ``{"tunnels": [{"id", "url", "certificate"}]}``.
TUNNELS_LIST_KEY = "tunnels"

# [I] ``DELETE /sessions`` logs out (clients only, no docs page); failures are ignored.
LOGOUT_PATH = "/sessions"

# [I] replicator / tunnel ``GET /config`` carry ``lsUrl``/``lsThumbprint`` like the manager form.
REMOTE_CONFIG_LS_KEYS = ("lsUrl", "lsThumbprint")

# [I] health: which keys mean "red" (an error object that is not null); the 4.x key list is [S/C],
# treating every ``*Error`` key and offline replicators/managers as red is the inference.
HEALTH_ERROR_SUFFIX = "Error"
HEALTH_OFFLINE_COUNTERS = (("managerHealth", "offlineReplicators"), (None, "offlineManagers"))

# [I] the on-prem appliance takes ``ssoAdminCredentials`` with its lookup service (unknowns.md §2 (a)).
ONPREM_LOOKUP_SERVICE_SSO = True

# [I] ``serviceType`` of ``GET /diagnostics/about`` per appliance type ("OnPrem" is inferred).
SERVICE_TYPES = {"Cloud": "cloud", "Manager": "cloud", "Replicator": "replicator", "Tunnel": "tunnel",
                 "OnPrem": "onprem"}

# ===== site pairing and policies (issue 4) ====================================================
# [I] vcda.md §4 gives the 4.x policy body; that 4.1+ takes the split direction flags (and 4.0 / 3.x
# ``allowIncoming``/``allowOutgoing``) is the boundary inferred from "4.0 / 3.x body used ...".
POLICY_SPLIT_DIRECTIONS_FROM = (4, 1)
# [C: PSC path] ``GET /policies/{id}/status``; [I] its ``orgs`` key: the org names assigned to the
# policy (for ``default``: the orgs without another policy).
POLICY_STATUS_PATH = "/policies/%s/status"
POLICY_STATUS_ORGS_KEY = "orgs"
# vcda.md §4: the default policy's id; [I] unassigning = assigning the default policy.
DEFAULT_POLICY_ID = "default"
# [I] ``maxIncoming`` < 0 means unlimited (vcda.md §4 says "<0 unlimited"); the value we send.
UNLIMITED = -1
# [I] the task of ``PUT /sites/{site}`` repairs both sides; the site entry of ``GET /sites`` carries
# ``state.incomingCommError`` / ``outgoingCommError`` [C: TF, PSC]; any non-null value is a broken link.
SITE_COMM_ERROR_KEYS = ("incomingCommError", "outgoingCommError")

# ===== on-premises appliance (unknowns.md §2: NO public contract; every item below is [I]) ========
# Setup: ``POST /config/site`` ``{"site"}`` and ``POST /config/lookup-service`` with
# ``ssoAdminCredentials`` (unknowns.md §2 (a)). Pairing with the cloud follows §3's ``POST /sites``
# (task), with the organization credentials in a ``credentials`` object shaped like the
# ``POST /sessions/extend`` bodies (vcda.md §1).
ONPREM_PAIR_PATH = "/sites"
ONPREM_SITE_PATH = "/sites/%s"
ONPREM_CREDENTIALS_TYPES = {"password": "credentials", "token": "vcdAccessToken"}
# "Allow access from cloud": its own switch, readable and settable without pairing again.
ONPREM_CLOUD_ACCESS_PATH = "/config/cloud-access"
ONPREM_CLOUD_ACCESS_KEY = "allowAccessFromCloud"
# Placement of workloads replicated from the cloud: vCenter MoRef ids as in VSDR FailoverPlacement,
# read back with the names (``vmFolderName``...). Candidates (the names a tenant picks from).
ONPREM_PLACEMENT_PATH = "/config/placement"
ONPREM_PLACEMENT_CANDIDATES_PATH = "/config/placement/candidates"
ONPREM_PLACEMENT_KEYS = {"folder": "vmFolder", "cluster": "cluster", "network": "network", "datastore": "datastore"}
ONPREM_PLACEMENT_CANDIDATE_KEYS = {"folder": "vmFolders", "cluster": "clusters", "network": "networks",
                                   "datastore": "datastores"}
