# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs ``vcda_migration_wave`` with its progress lines in the playbook output (see ``vcda_replication``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudmove.vcda.plugins.action.vcda_replication import ActionModule as _ReplicationAction


class ActionModule(_ReplicationAction):
    MODULE = "cloudmove.vcda.vcda_migration_wave"
