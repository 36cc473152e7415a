"""The VCDA appliance: state, authentication, error shape and which endpoints each
appliance type and API version serves."""
from __future__ import annotations

import base64
import time
import uuid
import weakref
from typing import Any, Dict, List, Optional

from ..common import certs
from ..common.appliance import BaseAppliance, Call, Endpoint
from ..common.errors import ApiError, ValidationError
from ..common.media import VendorMediaPolicy
from ..common.tasks import now_ms
from . import api_auth, api_config, api_health, api_onprem, api_peers, api_policies, api_replications, api_sites, inferred
from .versions import Features

TYPES = ("cloud", "manager", "replicator", "tunnel", "onprem")
ADMIN_ROLE = "ADMINISTRATORS"
DAY_SECONDS = 86400

# Live appliances of this process by (state dir, name): a Manager Service finds the Cloud Service of
# its appliance (spec option ``cloud``) here, and the other way round.
_LIVE: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()


class VcdaAppliance(BaseAppliance):
    kind = "vcda"
    session_header = "X-VCAV-Auth"

    def __init__(self, spec, lab, cert_dir=None):
        if spec.type not in TYPES:
            raise ValueError("vcda appliance %s: type must be one of %s" % (spec.name, ", ".join(TYPES)))
        self.features = Features(spec.get("version", "4.7"))
        versions = [Features(v).media_version for v in (spec.get("accept_versions") or [self.features.version])]
        if self.features.media_version not in versions:
            versions.append(self.features.media_version)
        self._media = VendorMediaPolicy(r"application/vnd\.vmware\.h4-v(?P<version>[0-9.]+)\+json",
                                        "application/vnd.vmware.h4-v{version}+json", versions, self.features.media_version)
        if spec.type == "manager" and not spec.get("cloud"):
            raise ValueError("vcda appliance %s: a manager needs 'cloud', the name of its cloud appliance" % spec.name)
        super().__init__(spec, lab, cert_dir)
        _LIVE[(lab.state_dir, spec.name)] = self

    # ----- the two services of one cloud appliance ------------------------------------------
    def _live(self, name: str) -> "VcdaAppliance":
        found = _LIVE.get((self.lab.state_dir, name))
        if found is None:
            raise RuntimeError("%s: appliance %s is not served by this lab" % (self.name, name))
        return found

    @property
    def cloud_service(self) -> Optional["VcdaAppliance"]:
        """Manager: the Cloud Service of the same appliance (same OS: root password, site)."""
        return self._live(self.spec.get("cloud")) if self.spec.type == "manager" else None

    @property
    def manager_service(self) -> Optional["VcdaAppliance"]:
        """Cloud: the Manager Service of the same appliance (lab.yml entry of type manager naming it), or None."""
        if self.spec.type != "cloud":
            return None
        for spec in self.lab.appliances:
            if spec.kind == "vcda" and spec.type == "manager" and spec.get("cloud") == self.name:
                return self._live(spec.name)
        return None

    @property
    def serves_replicators(self) -> bool:
        """Who owns the replicators: the Manager Service on 4.x, the cloud (the 3.x manager) before."""
        return self.spec.type == "manager" or (self.spec.type == "cloud" and not self.features.separate_manager)

    @property
    def password_store(self):
        """Where the root password lives: the Cloud Service's state for a manager (one OS), else its own."""
        return self.cloud_service.store if self.spec.type == "manager" else self.store

    def root_password(self) -> str:
        return self.password_store.peek("rootPassword")

    # ----- state ---------------------------------------------------------------------------
    def initial_state(self) -> Dict[str, Any]:
        return {
            "instanceId": str(uuid.uuid4()),
            "bootTimestamp": now_ms(),
            "rootPassword": self.initial_root_password,
            "rootPasswordExpired": True,
            "rootPasswordChangedAt": None,
            "license": None,
            "site": None,
            "endpoints": None,
            "lookupService": None,
            "managerLookupService": None,
            "vcloud": None,
            "telemetry": {"enabled": False, "environment": None},
            "dataEngine": {"hbrsrv": True, "h4dm": False},
            "replicators": [],
            "tunnels": [],
            "manager": None,
            "pendingRestart": False,
            "healthOverrides": {},
            "tasks": {},
            "sites": [],                 # paired sites (api_sites)
            "policies": None,            # None: only the built-in default policy (api_policies)
            "policyAssignments": {},     # org -> policy id; absent = default
            "vcSites": [],               # cloud: registered on-prem sites (api_onprem)
            "cloudSite": None,           # on-prem: the cloud site it is paired with
            "allowAccessFromCloud": False,
            "placement": None,           # on-prem: placement of workloads replicated from the cloud
        }

    @property
    def initial_root_password(self) -> str:
        return str(self.spec.get("initial_root_password", "Vcda-Init-1!"))

    @property
    def state(self) -> Dict[str, Any]:
        """The appliance's state without its task list (read through ``self.tasks``): every request reads the
        state several times, and a copy of a few hundred tasks with their results is most of the cost."""
        return self.store.snapshot(without=("tasks",))

    def password_status(self, state=None) -> Dict[str, Any]:
        if state is None or self.spec.type == "manager":  # the two keys, not a copy of everything (every request)
            state = self.password_store.read(lambda s: {"rootPasswordExpired": s["rootPasswordExpired"],
                                                        "rootPasswordChangedAt": s.get("rootPasswordChangedAt")})
        if state["rootPasswordExpired"]:
            return {"rootPasswordExpired": True, "secondsUntilExpiration": 0}
        max_age = float(self.spec.get("root_password_max_age_days", 365)) * DAY_SECONDS
        changed = (state.get("rootPasswordChangedAt") or now_ms()) / 1000.0
        left = int(max_age - (time.time() - changed))
        return {"rootPasswordExpired": left <= 0, "secondsUntilExpiration": max(0, left)}

    @property
    def service_type(self) -> str:
        return inferred.service_type(self.spec.type, self.features.v)

    @property
    def peer_timeout(self) -> float:
        return float(self.spec.get("peer_timeout", 5.0))

    def about(self) -> Dict[str, Any]:
        build = str(self.spec.get("build", inferred.DEFAULT_BUILD))
        version = self.features.version + ".0" * (3 - len(self.features.v))
        return {
            "serviceType": self.service_type,
            "productName": inferred.PRODUCT_NAME_3X if self.features.is_3x else inferred.PRODUCT_NAME_4X,
            "buildVersion": "%s.%s" % (version, build),
            "buildDate": int(self.spec.get("build_date", 1700000000000)),
        }

    # ----- hooks ---------------------------------------------------------------------------
    @property
    def media(self) -> VendorMediaPolicy:
        return self._media

    def authenticate(self, request, endpoint):
        token = request.headers.get(self.session_header)
        principal = self.sessions.get(token)
        if principal is None:
            raise inferred.not_authenticated()
        return principal, token

    def authorize(self, call: Call) -> None:
        if not call.endpoint.auth:
            return
        if not call.endpoint.flags.get("expired_ok") and self.password_status()["rootPasswordExpired"]:
            raise inferred.root_password_expired()
        if call.endpoint.flags.get("admin", True) and ADMIN_ROLE not in call.principal.get("roles", []):
            raise inferred.forbidden()

    def error_body(self, err: ApiError) -> Dict[str, Any]:
        return {"code": err.code, "msg": err.msg, "args": list(err.error_args),
                "stacktrace": "%s%sException: %s" % (inferred.STACKTRACE_PACKAGE, err.code, err.msg)}

    def bad_input(self, err: ValidationError) -> ApiError:
        return inferred.bad_input(err.msg, *err.error_args)

    def not_found(self, method, path):
        return inferred.not_found(method, path)

    def method_not_allowed(self, method, path):
        return inferred.method_not_allowed(method, path)

    def endpoints(self) -> List[Endpoint]:
        eps: List[Endpoint] = []
        for module in (api_auth, api_config, api_peers, api_health, api_sites, api_policies, api_onprem, api_replications):
            eps.extend(module.endpoints(self))
        return eps

    def control_routes(self, blueprint) -> None:
        api_replications.control_routes(self, blueprint)

    def control_ops(self):
        ops = api_config.control_ops(self)
        ops.update(api_sites.control_ops(self))
        return ops

    def describe(self) -> Dict[str, Any]:
        out = super().describe()
        out.update(site=self.spec.get("site"), version=self.features.version, serviceType=self.service_type,
                   hostname=self.spec.get("hostname"), initialRootPassword=self.initial_root_password,
                   # what the appliance VM publishes as guestinfo.<service>.certificate (lab/guestinfo.py)
                   certificate=base64.b64encode(self.certificate_der).decode("ascii"))
        return out

    # ----- helpers shared by the API modules -------------------------------------------------
    def check_config_secret(self, call: Call, required: bool) -> None:
        secret = call.header("Config-Secret")
        if secret is None:
            if required:
                raise inferred.missing_config_secret()
            return
        if secret != self.root_password():
            raise inferred.wrong_config_secret()

    def own_certificate(self) -> Dict[str, Any]:
        der = self.certificate_der
        return {"certificate": {"thumbPrint": certs.thumbprint(der)}, "encoded": certs.b64_der(der)}

    def local_site(self, state=None):
        if self.spec.type == "manager":  # the manager's site is the one set on the Cloud Service [C: AVS Get-Config .site]
            return self.cloud_service.local_site()
        site = state["site"] if state else self.store.peek("site")
        return site["name"] if site else None

    def reset(self) -> None:
        super().reset()
        manager = self.manager_service  # first boot of the cloud appliance is first boot of both its services
        if manager is not None:
            manager.reset()
