# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base module class: the one place where client errors become ``fail_json``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import (
    ApiError,
    CloudmoveError,
    InputError,
    NotFoundError,
)


class CloudmoveModule(AnsibleModule):
    """AnsibleModule plus error mapping, secret registration and the result layout."""

    def __init__(self, argument_spec, **kwargs):
        kwargs.setdefault("supports_check_mode", True)
        super(CloudmoveModule, self).__init__(argument_spec=argument_spec, **kwargs)

    def add_secret(self, value):
        """Register a derived secret so Ansible masks it wherever it would appear."""
        if value:
            self.no_log_values.add(str(value))

    def fail(self, error):
        details = {}
        if isinstance(error, InputError) and error.option:
            details["option"] = error.option
        if isinstance(error, NotFoundError):
            details["existing"] = error.existing
        if isinstance(error, ApiError):
            details.update(status=error.status, url=error.url, method=error.method, api_code=error.code)
        self.fail_json(msg=str(error), **details)

    def run(self, action):
        """Call ``action(self)`` and exit with its result dict, mapping client errors."""
        try:
            result = action(self)
        except CloudmoveError as error:
            self.fail(error)
        except Exception as error:  # pylint: disable=broad-except
            self.fail_json(msg="unexpected error: %s: %s" % (type(error).__name__, error),
                           exception=traceback.format_exc())
        self.exit_json(**result)

    def outcome_result(self, outcome, **extra):
        """The standard result of a reconciliation: changed, diff (when asked) and extras."""
        result = dict(changed=outcome.changed, **extra)
        if self._diff:
            result["diff"] = outcome.diff()
        return result
