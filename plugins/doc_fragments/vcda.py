# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of every Cloud Director Availability module (the base class's), what it requires
    # and its action group.
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the Cloud Director Availability appliance API, without a path,
        for example V(https://vcda.example.com:8046) (cloud management port) or V(https://replicator:8043).
      - Taken from the E(VCDA_URL) environment variable when unset.
    type: str
    required: true
  username:
    description:
      - User to log in as. With O(auth_type=local) the appliance's V(root); with O(auth_type=sso) a vSphere SSO
        user (V(administrator@vsphere.local)); with O(auth_type=vcd) a Cloud Director user as C(user@org)
        (V(admin@System) for a provider, V(admin1@org1) for an organization administrator).
      - Not used with O(auth_type=vcd_token).
      - Taken from E(VCDA_USERNAME) when unset.
    type: str
    default: root
  password:
    description:
      - Password of O(username). Required unless O(auth_type=vcd_token).
      - Taken from E(VCDA_PASSWORD) when unset.
    type: str
  initial_password:
    description:
      - Check mode on a fresh appliance. The initial root password of the appliance, used only in check mode and only
        when O(password) is refused. When it opens a session and the appliance reports its root password expired,
        an earlier M(cloudmove.vcda.vcda_root_password) task only predicted the change; this task then predicts
        against the appliance as it will be once the password is changed (nothing configured yet, so it reports
        what it would create) instead of failing with an authentication error, and warns.
      - With O(auth_type=sso) or O(auth_type=vcd) it is still the appliance's root password (the session that tells a
        fresh appliance is root's); the users of a fresh site cannot log in before it is configured.
      - Taken from E(VCDA_INITIAL_PASSWORD) when unset.
    type: str
  auth_type:
    description:
      - How to log in (C(POST /sessions) type). V(local) is the appliance's root (C(localUser)), V(sso) a vSphere
        SSO user (C(ssoCredentials)), V(vcd) a Cloud Director user and password (C(vcdCredentials)), V(vcd_token)
        a Cloud Director API access token (C(vcdAccessToken), VCDA 4.2 and later; see O(access_token)).
      - With V(vcd) and V(vcd_token) the site shows what that Cloud Director user may see - a provider
        (C(@System)) every organization, an organization administrator only its own organization.
      - Taken from E(VCDA_AUTH_TYPE) when unset.
    type: str
    choices: [local, sso, vcd, vcd_token]
    default: local
  access_token:
    description:
      - With O(auth_type=vcd_token), the Cloud Director access token (the JWT a Cloud Director login returns in
        C(X-VMWARE-VCLOUD-ACCESS-TOKEN), or the access token an API token is exchanged for) that logs in.
      - Never logged or returned; a refused token fails with HTTP 401 and a message that does not repeat it.
      - Taken from E(VCDA_ACCESS_TOKEN) when unset.
    type: str
  access_token_org:
    description:
      - With O(auth_type=vcd_token), the organization the token belongs to (the login's C(context)), for example
        V(System) or V(org1). A token of another organization is refused.
      - Taken from E(VCDA_ACCESS_TOKEN_ORG) when unset.
    type: str
  api_version:
    description:
      - API version for the C(application/vnd.vmware.h4-v<version>+json) media type, for example V(4.7).
      - Detected from C(GET /diagnostics/about) when unset.
    type: str
  timeout:
    description:
      - Seconds each long operation (an API task, a wait) may take. Single requests time out after
        at most 60 seconds.
    type: int
    default: 300
requirements:
  - requests
attributes:
  action_group:
    description: Use C(group/cloudmove.vcda.vcda) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cloudmove.vcda.vcda
"""
