# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pyvmomi client: connection, inventory look-ups and the one task waiter.

Knows nothing of Ansible; raises the typed errors of ``_errors``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import ssl
from xml.sax.saxutils import escape

try:
    from pyVim.connect import SmartConnect, Disconnect
    from pyVmomi import vim, vmodl
    from pyVmomi.SoapAdapter import SoapResponseDeserializer
    HAS_PYVMOMI = True
    PYVMOMI_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module base class
    HAS_PYVMOMI = False
    PYVMOMI_IMPORT_ERROR = exc
    vim = vmodl = SoapResponseDeserializer = None

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import (
    ConnectionFailure,
    InputError,
    NotFoundError,
    TaskFailed,
    TlsError,
)
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import pinned_ssl_context
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.wait import Poller


_SOAP_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')


def _moref_xml(tag, obj):
    return '<%s type="%s">%s</%s>' % (tag, escape(obj._wsdlName), escape(obj._moId), tag)


def fault_message(fault):
    """The readable text of a vSphere fault."""
    msg = getattr(fault, "msg", None) or getattr(fault, "localizedMessage", None)
    if not msg:
        for item in getattr(fault, "faultMessage", None) or []:
            if getattr(item, "message", None):
                msg = item.message
                break
    return msg or type(fault).__name__


class VsphereClient(object):
    """A connection to vCenter with the look-ups modules share."""

    def __init__(self, hostname, username, password, port=443, validate_certs=True, thumbprint=None,
                 timeout=60):
        if not HAS_PYVMOMI:
            raise ConnectionFailure("the Python library 'pyvmomi' is required: %s" % PYVMOMI_IMPORT_ERROR)
        self.hostname = hostname
        self.port = int(port)
        self.validate_certs = validate_certs
        self.thumbprint = thumbprint
        if thumbprint:
            context = pinned_ssl_context(hostname, self.port, thumbprint)
        else:
            context = ssl.create_default_context()
            if not validate_certs:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        try:
            self.si = SmartConnect(host=hostname, user=username, pwd=password, port=self.port,
                                   sslContext=context, connectionPoolTimeout=timeout,
                                   disableSslCertValidation=not validate_certs and not thumbprint)
        except ssl.SSLError as exc:
            raise TlsError(
                "TLS certificate of vCenter %s:%s could not be verified (%s); pin a self-signed "
                "certificate with the 'thumbprint' option (SHA-256)" % (hostname, port, exc))
        except vim.fault.InvalidLogin as exc:
            raise ConnectionFailure("vCenter %s rejected the login of '%s': %s"
                                    % (hostname, username, fault_message(exc)))
        except Exception as exc:  # pyvmomi raises many unrelated types for a failed connect
            if "thumbprint mismatch" in str(exc).lower():
                raise TlsError("TLS certificate of vCenter %s:%s does not match the pinned thumbprint %s: %s"
                               % (hostname, port, thumbprint, exc))
            raise ConnectionFailure("cannot connect to vCenter %s:%s: %s" % (hostname, port, exc))
        self.content = self.si.RetrieveContent()

    def close(self):
        try:
            Disconnect(self.si)
        except Exception:  # pylint: disable=broad-except
            pass

    # --- inventory -------------------------------------------------------------------------
    def _view(self, vimtype, container=None):
        view = self.content.viewManager.CreateContainerView(container or self.content.rootFolder,
                                                            [vimtype], True)
        try:
            return list(view.view)
        finally:
            view.Destroy()

    def _by_name(self, vimtype, kind, name, container=None, option=None):
        if name is None:
            return None
        objects = self._view(vimtype, container)
        wanted = name.rstrip("/").split("/")[-1] if "/" in name else name
        for obj in objects:
            if obj.name == wanted and ("/" not in name or self.path_of(obj).endswith(name.strip("/"))):
                return obj
        raise NotFoundError(kind, name, [o.name for o in objects], option=option)

    def path_of(self, obj):
        parts = []
        while obj is not None and obj != self.content.rootFolder:
            parts.append(obj.name)
            obj = getattr(obj, "parent", None)
        return "/".join(reversed(parts))

    def datacenter(self, name, option="datacenter"):
        if name is None:
            centers = self._view(vim.Datacenter)
            if len(centers) == 1:
                return centers[0]
            raise NotFoundError("datacenter", "(unset)", [d.name for d in centers], option=option)
        return self._by_name(vim.Datacenter, "datacenter", name, option=option)

    def cluster(self, datacenter, name, option="cluster"):
        return self._by_name(vim.ClusterComputeResource, "cluster", name, datacenter.hostFolder, option)

    def host(self, datacenter, name, option="esxi_host"):
        return self._by_name(vim.HostSystem, "ESXi host", name, datacenter.hostFolder, option)

    def resource_pool(self, datacenter, name, option="resource_pool"):
        return self._by_name(vim.ResourcePool, "resource pool", name, datacenter.hostFolder, option)

    def datastore(self, datacenter, name, option="datastore"):
        return self._by_name(vim.Datastore, "datastore", name, datacenter.datastoreFolder, option)

    def network(self, datacenter, name, option="networks"):
        return self._by_name(vim.Network, "network", name, datacenter.networkFolder, option)

    def folder(self, datacenter, path, option="folder"):
        """A VM folder by path relative to the datacenter's VM folder (``None`` = that folder)."""
        folder = datacenter.vmFolder
        if not path:
            return folder
        parts = [p for p in path.strip("/").split("/") if p]
        if parts and parts[0] == datacenter.name:
            parts = parts[1:]
        if parts and parts[0] == "vm":
            parts = parts[1:]
        for part in parts:
            children = [c for c in folder.childEntity if isinstance(c, vim.Folder)]
            match = [c for c in children if c.name == part]
            if not match:
                raise NotFoundError("folder", path, [self.path_of(c) for c in children], option=option)
            folder = match[0]
        return folder

    def vm_in_folder(self, folder, name):
        for child in folder.childEntity:
            if isinstance(child, vim.VirtualMachine) and child.name == name:
                return child
        return None

    def distributed_switch(self, datacenter, name, option="switch"):
        """A distributed virtual switch by name (or path) in the datacenter's network folder."""
        return self._by_name(vim.DistributedVirtualSwitch, "distributed switch", name, datacenter.networkFolder,
                             option)

    def distributed_portgroup(self, switch, name):
        """The port group ``name`` of ``switch``, or None."""
        for portgroup in switch.portgroup:
            if portgroup.name == name:
                return portgroup
        return None

    def vm(self, datacenter, name, option="vm"):
        """A virtual machine by name (or path) in the datacenter's VM folder."""
        return self._by_name(vim.VirtualMachine, "virtual machine", name, datacenter.vmFolder, option)

    def dv_ports(self, switch, port_keys=None, portgroup_keys=None):
        """Ports of a distributed switch (``FetchDVPorts``), optionally only the given keys or port groups."""
        criteria = vim.dvs.PortCriteria()
        if port_keys:
            criteria.portKey = list(port_keys)
        if portgroup_keys:
            criteria.portgroupKey = list(portgroup_keys)
            criteria.inside = True
        return list(switch.FetchDVPorts(criteria) or [])

    def placement(self, datacenter, cluster=None, esxi_host=None, resource_pool=None):
        """(resource pool, host) to create a VM in, from the options the user set."""
        if resource_pool:
            pool = self.resource_pool(datacenter, resource_pool)
            return pool, None
        if esxi_host:
            host = self.host(datacenter, esxi_host)
            return host.parent.resourcePool, host
        if cluster:
            return self.cluster(datacenter, cluster).resourcePool, None
        clusters = self._view(vim.ComputeResource, datacenter.hostFolder)
        if len(clusters) == 1:
            return clusters[0].resourcePool, None
        raise InputError("cluster: datacenter '%s' has several compute resources; set cluster, esxi_host or "
                         "resource_pool" % datacenter.name, "cluster", sorted(c.name for c in clusters))

    # --- internal vim25 methods ---------------------------------------------------------------
    def _invoke_internal(self, body):
        """POST one internal vim25 request (not in pyvmomi's type tables) on the session's connection.

        The request element is in the ``urn:internalvim25`` namespace, as govmomi sends it; a SOAP
        fault comes back as the pyvmomi fault object (``vim.fault.*`` / ``vmodl.fault.*``), raised.
        """
        stub = self.si._stub
        headers = {"Cookie": stub.cookie, "SOAPAction": stub.versionId,
                   "Content-Type": "text/xml; charset=utf-8"}
        conn = stub.GetConnection()
        try:
            conn.request("POST", stub.path, (_SOAP_ENVELOPE % body).encode("utf-8"), headers)
            response = conn.getresponse()
            data = response.read()
        except Exception:
            conn.close()
            stub.DropConnections()
            raise
        stub.ReturnConnection(conn)
        if response.status == 200:
            return
        if response.status == 500:
            fault = SoapResponseDeserializer(stub).Deserialize(io.BytesIO(data), None)
            if isinstance(fault, BaseException):
                raise fault
        raise vmodl.fault.SystemError(reason="HTTP %s from vCenter: %s" % (response.status, data[:200]))

    def disable_methods(self, entities, methods, source_id, reason_id=None):
        """``AuthorizationManager.DisableMethods``: disable ``methods`` on ``entities`` for ``source_id``.

        vCenter records the source with each method, so ``enable_methods`` with the same source undoes
        exactly these and leaves other sources' locks alone.
        """
        manager = self.content.authorizationManager
        parts = [_moref_xml("_this", manager)]
        parts += [_moref_xml("entity", e) for e in entities]
        for method in methods:
            parts.append("<method><method>%s</method>%s</method>"
                         % (escape(method), "<reasonId>%s</reasonId>" % escape(reason_id) if reason_id else ""))
        parts.append("<sourceId>%s</sourceId>" % escape(source_id))
        self._invoke_internal('<DisableMethods xmlns="urn:internalvim25">%s</DisableMethods>' % "".join(parts))

    def enable_methods(self, entities, methods, source_id):
        """``AuthorizationManager.EnableMethods``: lift the locks ``source_id`` set on ``methods``."""
        manager = self.content.authorizationManager
        parts = [_moref_xml("_this", manager)]
        parts += [_moref_xml("entity", e) for e in entities]
        parts += ["<method>%s</method>" % escape(m) for m in methods]
        parts.append("<sourceId>%s</sourceId>" % escape(source_id))
        self._invoke_internal('<EnableMethods xmlns="urn:internalvim25">%s</EnableMethods>' % "".join(parts))

    # --- custom attributes ------------------------------------------------------------------
    def custom_field_key(self, name, create=False):
        """Key of the VirtualMachine custom attribute ``name`` (created when asked), or None."""
        manager = self.content.customFieldsManager
        for field in manager.field or []:
            if field.name == name and field.managedObjectType in (None, vim.VirtualMachine):
                return field.key
        if not create:
            return None
        return manager.AddCustomFieldDef(name=name, moType=vim.VirtualMachine).key

    def set_custom_field(self, entity, key, value):
        self.content.customFieldsManager.SetField(entity=entity, key=key, value=value)

    # --- tasks -----------------------------------------------------------------------------
    def wait_for_task(self, task, timeout=600, what=None, on_progress=None):
        """Wait for a vSphere task; raise TaskFailed with the fault's message or TimeoutExpired."""
        what = what or "task %s" % task._moId

        def probe():
            info = task.info
            if on_progress is not None and info.progress is not None:
                on_progress(info.progress)
            if info.state == vim.TaskInfo.State.error:
                raise TaskFailed("%s failed: %s" % (what, fault_message(info.error)))
            return info
        return Poller(timeout).until(probe, lambda info: info.state == vim.TaskInfo.State.success, what,
                                     last_state=lambda info: info.state).result
