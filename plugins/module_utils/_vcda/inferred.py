# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""INFERRED VCDA API items: every choice the contract (docs/api/vcda.md, docs/api/open-questions.md) marks [I].

Nothing here has been checked against a real Cloud Director Availability appliance; each item
is listed in docs/verification.md as "needs a real appliance". Change them here only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# [I] docs/api/vcda.md#corrections point 9: the only restart-services call seen is the 3.x ``POST /os/reboot-services``
# (PSC, no body); no 4.x client (TF, AVS) restarts services. It is only ever sent when the user asks
# (vcda_service state=restarted, provider_site_restart=always); 404/405 mean "unsupported on this version".
REBOOT_SERVICES_PATH = "/os/reboot-services"
REBOOT_SERVICES_UNSUPPORTED = (404, 405)

# [I] docs/api/vcda.md#conventions: task states seen are QUEUED, RUNNING, SUCCEEDED, FAILED; CANCELED is inferred.
TASK_CANCELED = "CANCELED"

# 3.5 / 4.0 CloudHealthInfo (docs/api/vcda.md#corrections point 6, from the vendor's 3.5/4.0 data-structure pages; no
# public client reads them): ``dbConnectivity``/``lsConnectivity``/``managerConnectivity`` are
# ``{"value": {code, msg}}`` when broken; [I] ``{"value": null}`` (or absent) when fine.
HEALTH_CONNECTIVITY_SUFFIX = "Connectivity"
HEALTH_CONNECTIVITY_VALUE = "value"

# [I] docs/api/vcda.md#health: 4.6 assumed like 4.2-4.5 (GET -> 202 task); 4.0/4.1 assumed like 3.x
# (GET -> data). Entries of the version table in _vcda.VERSION_TABLE that rely on this.
HEALTH_GET_TASK_FROM = (4, 2)
HEALTH_GET_DATA_BELOW = (4, 2)

# [I] ``workflowInfo.type`` of the task ``POST /sites`` starts (looked for in ``GET /tasks?state=`` after a lost
# reply, before pairing again).
TASK_PAIR_WORKFLOW = "pairSite"
# [I] ``workflowInfo.type`` of the task a replication operation (``POST /vm-replications/{id}/<operation>``)
# starts, with ``workflowInfo.resourceId`` the replication's id: looked for in ``GET /tasks?state=`` after a lost
# reply, before the operation is sent again: the operation's path segment.
TASK_OPERATION_WORKFLOW = {"migrate": "migrate", "failover": "failover", "test": "failover-test",
                           "pause": "pause", "resume": "resume", "sync": "sync", "reverse": "reverse"}
# [I] a task that failed with this code may have failed for a transient reason (a peer that answered 503 or was
# restarting): a creating call is re-read and submitted again, a bounded number of times.
TASK_TRANSIENT_CODES = ("GeneralServerFailure",)
# [I] seconds a freshly paired link may take to report healthy (a peer restarting, a transient 503).
SITE_LINK_SETTLE_SECONDS = 30

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

# [I] the on-prem appliance takes ``ssoAdminCredentials`` with its lookup service (docs/api/open-questions.md#on-premises-appliance).
ONPREM_LOOKUP_SERVICE_SSO = True

# ``serviceType`` of ``GET /diagnostics/about`` (lower-cased; compared case-insensitively) per appliance
# type [C: PSC ValidateSet "Cloud","Manager","Replicator","Tunnel"; AVS compares "MANAGER"/"CLOUD"];
# "onprem" is [I].
SERVICE_TYPES = {"cloud": "cloud", "manager": "manager", "replicator": "replicator", "tunnel": "tunnel",
                 "onprem": "onprem"}

# ===== site pairing and policies (issue 4) ====================================================
# [I] docs/api/vcda.md#policies gives the 4.x policy body; that 4.1+ takes the split direction flags (and 4.0 / 3.x
# ``allowIncoming``/``allowOutgoing``) is the boundary inferred from "4.0 / 3.x body used ...".
POLICY_SPLIT_DIRECTIONS_FROM = (4, 1)
# [C: PSC path] ``GET /policies/{id}/status``: a list of objects with ``org`` [C: PSC Remove-vCAVTenantPolicy
# reads $objOrg.org] (for ``default``: the orgs without another policy); [I] an ``{"orgs": [...]}`` object.
POLICY_STATUS_PATH = "/policies/%s/status"
POLICY_STATUS_ORG_KEY = "org"
POLICY_STATUS_ORGS_KEY = "orgs"
# docs/api/vcda.md#policies: the default policy's id; [I] unassigning = assigning the default policy.
DEFAULT_POLICY_ID = "default"
# [I] ``maxIncoming`` < 0 means unlimited (docs/api/vcda.md#policies says "<0 unlimited"); the value we send.
UNLIMITED = -1
# [I] the task of ``PUT /sites/{site}`` repairs both sides; the site entry of ``GET /sites`` carries
# ``state.incomingCommError`` / ``outgoingCommError`` [C: TF, PSC]; any non-null value is a broken link.
SITE_COMM_ERROR_KEYS = ("incomingCommError", "outgoingCommError")

# ===== on-premises appliance (docs/api/open-questions.md#on-premises-appliance: NO public contract; every item below is [I]) ========
# Setup: ``POST /config/site`` ``{"site"}`` and ``POST /config/lookup-service`` with
# ``ssoAdminCredentials`` (docs/api/open-questions.md#on-premises-appliance). Pairing with the cloud follows the cloud pairing's ``POST /sites``
# (task), with the organization credentials in a ``credentials`` object shaped like the
# ``POST /sessions/extend`` bodies (docs/api/vcda.md#sessions).
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

# ===== replications, migrations and operations (issue 10; docs/api/vcda.md#replications) ==========================
# [I] destination discriminator per API version: the 4.5/4.7 data-structure pages name the Cloud
# Director targets ``vm`` / ``vapp``; the 4.5 request example uses ``vcloud``. (minimum version, {kind: type}),
# newest first; the emulator accepts one form per version.
REPLICATION_DESTINATION_TYPES = [((4, 5), {"vm": "vm", "vapp": "vapp"}), ((0,), {"vm": "vcloud", "vapp": "vcloud"})]
# [I] the ``type`` of the migrate / failover / failover-test bodies (the operations table of docs/api/vcda.md#operations shows ``vcloud``).
RECOVERY_BODY_TYPE = "vcloud"
# [I] where a list item names its source VM(s): ``source.vmId`` (MoRef for vcVm, vCD VM id for vm),
# ``source.vmName``; grouped (vcVapp) items: ``source.vmIds`` and ``vmReplications[]`` with the per-VM fields.
SOURCE_VM_ID_KEYS = ("vmId",)
SOURCE_VM_NAME_KEYS = ("vmName", "name")
SOURCE_VM_IDS_KEY = "vmIds"
VAPP_VM_ITEMS_KEY = "vmReplications"
# [I] ``GET /vm-replications`` also lists the member VMs of vApp replications, marked with this key (the
# vApp item is the one that is managed; members are skipped when matching).
VAPP_MEMBER_KEY = "vappReplicationId"
# [I] docs/api/open-questions.md#sync-progress: the source-side progress object is ``sourceState`` (``progress.progress`` 0-100).
SOURCE_STATE_KEY = "sourceState"
# [I] docs/api/open-questions.md#sync-progress "suggested logic": initial sync runs while dataConnectionState is one of these;
# synced ("cutover ready") once ``destinationState.latestInstance`` exists and the state is not one of them.
INITIAL_SYNC_STATES = ("INITIAL_SYNCING",)
SYNC_ERROR_STATES = ("ERROR",)
# [I] a list item's owning org: ``destination.org`` for replications into the cloud, else ``source.org``.
# Inventory items (``/inventory/vdcs``, ``.../networks``, ``.../storage-profiles``, ``/inventory/vms``):
# ``id`` and ``name``; a VDC item names its org in ``org``; a VM item its power state in ``powerState``
# (``POWERED_ON``/``POWERED_OFF`` or vCenter's ``poweredOn``/``poweredOff``) and its vApp in ``vappId``.
INVENTORY_ORG_KEY = "org"
INVENTORY_POWER_KEY = "powerState"
# [C: PSC ``Public/Tasks/Get-vCAVTasks.ps1``] ``GET /tasks`` lists tasks as ``{"items","total"}`` pages
# (``offset``/``limit``); [I] waiting for many tasks reads this list once per poll instead of
# ``GET /tasks/{id}`` per task (that every task of the run is in that list).
TASK_LIST_PATH = "/tasks"
# [I] a tenant's ``GET /policies`` answers only the policy assigned to its org.
TENANT_SEES_OWN_POLICY = True

# ===== reporting (issue 11) =======================================================================
# [I] ``POST /sessions`` with a Cloud Director API access token: the 4.2+ reference names the type
# ``vcdAccessToken`` with the fields ``vcdAccessToken`` and ``context`` (the organization); no public
# client sends it (TF, AVS and PSC log in with localUser / ssoCredentials / vcdCredentials / vcdCookie only).
ACCESS_TOKEN_LOGIN_TYPE = "vcdAccessToken"


def access_token_login(token, org=None):
    """The ``vcdAccessToken`` login body; ``context`` only when an organization is given."""
    body = {"type": ACCESS_TOKEN_LOGIN_TYPE, "vcdAccessToken": token}
    if org:
        body["context"] = org
    return body


# [I] the replica storage and instances of a VM replication, read from its list item (one request per page,
# never one per VM): ``destinationState.spaceRequirement`` (bytes) is the storage the replica disks and the
# retained instances occupy at the destination; the retained instances are ``min(sum of the retention rules'
# numberOfInstances, latestInstance.sequenceNumber)`` (``GET /vm-replications/{id}/instances`` would count
# them exactly, at one request per VM). ``currentRpoViolation`` is in minutes (0: on time).
STORAGE_KEY = "spaceRequirement"
RPO_VIOLATION_KEY = "currentRpoViolation"
RPO_VIOLATION_UNIT_SECONDS = 60
INSTANCE_SEQUENCE_KEY = "sequenceNumber"
# [I] ``limit`` a list page may ask for: PSC pages by 100 [C]; a larger page is not documented.
LIST_PAGE_DEFAULT = 100
LIST_PAGE_MAX = 1000

# [I] docs/api/vcda.md#corrections (item 2): the nested 4.x repair body ``{"description", "details"}`` of
# ``POST /replicators/{id}/reset-cookie`` [C: AVS Repair-VCDAReplicator] sets the replicator's description
# (no client shows the effect). vcda_replicator repairs a replicator whose description drifted this way on 4.x;
# on 3.x (the flat body has no description) it only warns.
RESET_COOKIE_SETS_DESCRIPTION = True
