"""The one fake vCenter for module tests: real pyVmomi managed objects whose stub answers from a small in-memory
inventory, so a module's real ``main()``, ``VsphereClient`` (finders, the task waiter, ``DisableMethods`` sent as
SOAP) and services run unchanged.

``FakeVcenter.install(monkeypatch)`` replaces ``SmartConnect``/``Disconnect`` of ``_vsphere.client``. Every property
read returns a copy, as a real server does: a module that edits what it read and forgets to send it changes
nothing here. ``writes`` records each changing call as ``(method, moid)``; ``fail`` makes the task of a method fail.
"""
import itertools
import re
import xml.etree.ElementTree as ET

from pyVmomi import vim, vmodl
from pyVmomi.VmomiSupport import DataObject, ManagedObject

from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import client as _client

PASSWORD = "Vc-Secret-1!"
VC_ARGS = {"hostname": "vc.example", "username": "administrator@vsphere.local", "password": PASSWORD}
READS = ("CreateContainerView", "DestroyView", "RetrieveServiceContent", "RetrieveContents", "RetrieveProperties",
         "FetchDVPorts", "CreateImportSpec")


def copy(value):
    """A deep copy of a data object as the server would send it again (managed objects stay references)."""
    if isinstance(value, ManagedObject) or not isinstance(value, (DataObject, list)):
        return value
    if isinstance(value, list):
        return type(value)(copy(v) for v in value)
    out = type(value)()
    for prop in value._GetPropertyList():
        if getattr(value, prop.name) is not None:
            setattr(out, prop.name, copy(getattr(value, prop.name)))
    return out


def nic(label, key, network=None, port=None, connected=True):
    """A vmxnet3 adapter on a standard network (``network``) or a distributed port (``port``: DVS, group, key)."""
    if port is not None:
        switch, group, port_key = port
        backing = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(
            port=vim.dvs.PortConnection(switchUuid=switch.uuid, portgroupKey=group.key, portKey=port_key))
    else:
        backing = vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(network=network,
                                                                       deviceName=network.name if network else None)
    return vim.vm.device.VirtualVmxnet3(key=key, deviceInfo=vim.Description(label=label, summary=label),
                                        backing=backing, connectable=vim.vm.device.VirtualDevice.ConnectInfo(
                                            startConnected=connected, connected=connected, allowGuestControl=True))


class _Connection(object):
    """The HTTP connection ``VsphereClient._invoke_internal`` posts internal vim25 requests on."""

    def __init__(self, fake):
        self.fake, self.status = fake, None

    def request(self, method, path, body, headers):
        self.status = self.fake.internal(body.decode("utf-8"))

    def getresponse(self):
        return type("Response", (), {"status": self.status, "read": lambda self: b""})()

    def close(self):
        pass


class _Stub(object):
    cookie, versionId, path = "vmware_soap_session=fake", "urn:vim25/8.0.0.0", "/sdk"

    def __init__(self, fake):
        self.fake = fake

    def InvokeAccessor(self, mo, info):  # noqa: N802 (pyVmomi's stub interface)
        return self.fake.get(mo, info)

    def InvokeMethod(self, mo, info, args):  # noqa: N802
        return self.fake.invoke(mo, info, args)

    def GetConnection(self):  # noqa: N802
        return _Connection(self.fake)

    def ReturnConnection(self, conn):  # noqa: N802
        pass

    def DropConnections(self):  # noqa: N802
        pass


class FakeVcenter(object):
    def __init__(self, password=PASSWORD):
        self.password = password
        self.stub = _Stub(self)
        self.props = {}
        self.ids = itertools.count(1)
        self.writes = []
        self.fail = {}
        self.locks = {}  # vm moid -> {source id: set of methods}
        self.ports = {}  # switch moid -> [DistributedVirtualPort]
        self.import_spec = {"errors": [], "warnings": []}
        self.logins = 0
        self.root = self.add(vim.Folder, "group-d1", None, name="Datacenters")
        self.content = vim.ServiceInstanceContent(
            rootFolder=self.root, viewManager=self.add(vim.view.ViewManager, "ViewManager"),
            propertyCollector=self.add(vmodl.query.PropertyCollector, "propertyCollector"),
            customFieldsManager=self.add(vim.CustomFieldsManager, "CustomFieldsManager", field=[]),
            authorizationManager=self.add(vim.AuthorizationManager, "AuthorizationManager"),
            ovfManager=self.add(vim.OvfManager, "OvfManager"),
            about=vim.AboutInfo(name="VMware vCenter Server", apiVersion="8.0.0.0", instanceUuid="vc-uuid-1"))
        self.si = vim.ServiceInstance("ServiceInstance", self.stub)

    # ----- the inventory ---------------------------------------------------------------------------------------
    def add(self, vimtype, moid, parent=None, **props):
        obj = vimtype(moid, self.stub)
        self.props[moid] = dict(props, _obj=obj, parent=parent)
        return obj

    def new_id(self, prefix):
        return "%s-%d" % (prefix, 100 + next(self.ids))

    def datacenter(self, name="DC0"):
        dc = self.add(vim.Datacenter, self.new_id("datacenter"), self.root, name=name)
        for kind, folder in (("vm", "vmFolder"), ("host", "hostFolder"), ("network", "networkFolder"),
                             ("datastore", "datastoreFolder")):
            self.props[dc._moId][folder] = self.add(vim.Folder, self.new_id("group"), dc, name=kind)
        return dc

    def folder(self, parent, name):
        return self.add(vim.Folder, self.new_id("group"), parent, name=name)

    def cluster(self, dc, name="DC0_C0", datastores=()):
        cluster = self.add(vim.ClusterComputeResource, self.new_id("domain-c"), dc.hostFolder, name=name,
                           datastore=list(datastores))
        pool = self.add(vim.ResourcePool, self.new_id("resgroup"), cluster, name="Resources", owner=cluster)
        self.props[cluster._moId]["resourcePool"] = pool
        return cluster

    def datastore(self, dc, name="LocalDS_0"):
        return self.add(vim.Datastore, self.new_id("datastore"), dc.datastoreFolder, name=name)

    def network(self, dc, name="VM Network"):
        return self.add(vim.Network, self.new_id("network"), dc.networkFolder, name=name)

    def switch(self, dc, name="DVS0", uuid="50 2a dv s0"):
        switch = self.add(vim.dvs.VmwareDistributedVirtualSwitch, self.new_id("dvs"), dc.networkFolder, name=name,
                          uuid=uuid)
        self.ports[switch._moId] = []
        return switch

    def portgroup(self, switch, name, config=None):
        moid = self.new_id("dvportgroup")
        config = config or vim.dvs.DistributedVirtualPortgroup.ConfigInfo(
            name=name, numPorts=8, type="earlyBinding", configVersion="1",
            defaultPortConfig=vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(
                vlan=vim.dvs.VmwareDistributedVirtualSwitch.VlanIdSpec(inherited=False, vlanId=0)),
            policy=vim.dvs.VmwareDistributedVirtualSwitch.VMwarePortgroupPolicy(vendorConfigOverrideAllowed=False))
        config.key, config.distributedVirtualSwitch = moid, switch
        return self.add(vim.dvs.DistributedVirtualPortgroup, moid, self.props[switch._moId]["parent"], name=name,
                        key=moid, config=config, switch=switch)

    def port(self, switch, group, key):
        self.ports[switch._moId].append(vim.dvs.DistributedVirtualPort(
            key=key, portgroupKey=group.key, dvsUuid=switch.uuid, config=vim.dvs.DistributedVirtualPort.ConfigInfo(
                configVersion="1", setting=vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy())))

    def vm(self, folder, name, power="poweredOff", nics=(), extra=None, annotation="", properties=None, cpu=2,
           memory=4096, ip=None, networks=(), moid=None):
        """A VM; ``properties`` (``{id: value}`` or ``{id: (value, default)}``) gives it vApp options."""
        vapp = None
        if properties is not None:
            vapp = vim.vApp.VmConfigInfo(property=[
                vim.vApp.PropertyInfo(key=i, id=pid, value=val[0] if isinstance(val, tuple) else val,
                                      defaultValue=val[1] if isinstance(val, tuple) else "")
                for i, (pid, val) in enumerate(sorted(properties.items()))])
        config = vim.vm.ConfigInfo(
            name=name, annotation=annotation, template=False, vAppConfig=vapp,
            extraConfig=[vim.option.OptionValue(key=k, value=v) for k, v in sorted((extra or {}).items())],
            hardware=vim.vm.VirtualHardware(numCPU=cpu, memoryMB=memory, device=list(nics)))
        return self.add(vim.VirtualMachine, moid or self.new_id("vm"), folder, name=name, config=config,
                        runtime=vim.vm.RuntimeInfo(powerState=power), guest=vim.vm.GuestInfo(ipAddress=ip),
                        customValue=vim.CustomFieldsManager.Value.Array(), network=vim.Network.Array(networks))

    def state(self, obj):
        return self.props[obj._moId]

    def children(self, container, vimtype=None, recursive=True):
        out = []
        for entry in list(self.props.values()):
            obj, parent = entry["_obj"], entry["parent"]
            while parent is not None and parent != container and recursive:
                parent = self.props[parent._moId]["parent"]
            if parent == container and (vimtype is None or isinstance(obj, tuple(vimtype))):
                out.append(obj)
        return out

    def disabled(self, vm):
        return sorted(set().union(*self.locks.get(vm._moId, {}).values()))

    def extra(self, vm):
        return dict((o.key, o.value) for o in self.state(vm)["config"].extraConfig)

    # ----- the stub ----------------------------------------------------------------------------------------------
    def get(self, mo, info):
        state = self.props[mo._moId]
        name = info.name
        if name == "childEntity":
            return vim.ManagedEntity.Array(self.children(mo, recursive=False))
        if name == "disabledMethod":
            return self.disabled(mo)
        if name == "portgroup":
            return [s["_obj"] for s in self.props.values() if s.get("switch") == mo]
        if name not in state and issubclass(info.type, list):
            return info.type()
        return copy(state.get(name))

    def invoke(self, mo, info, args):
        method = info.wsdlName
        if method not in READS:
            self.writes.append((method, mo._moId))
        handler = getattr(self, "do_" + method, None)
        if handler is None:
            raise AssertionError("the fake vCenter has no %s" % method)
        return handler(mo, *args)

    def task(self, method, result=None):
        task = self.add(vim.Task, self.new_id("task"))
        if method in self.fail:
            info = vim.TaskInfo(key=task._moId, state="error", error=vim.fault.InvalidState(msg=self.fail[method]))
        else:
            info = vim.TaskInfo(key=task._moId, state="success", result=result, progress=100)
        self.props[task._moId]["info"] = info
        return task

    def connect(self, host, user, pwd, **_kwargs):
        if pwd != self.password:
            raise vim.fault.InvalidLogin(msg="Cannot complete login due to an incorrect user name or password.")
        self.logins += 1
        return self.si

    def install(self, monkeypatch):
        monkeypatch.setattr(_client, "SmartConnect", self.connect)
        monkeypatch.setattr(_client, "Disconnect", lambda si: None)
        return self

    def internal(self, body):
        """``DisableMethods``/``EnableMethods`` as the internal vim25 API takes them: one lock per source id."""
        root = ET.fromstring(body)[0][0]
        request = root.tag.split("}")[-1]
        self.writes.append((request, None))
        ns = {"v": "urn:internalvim25"}
        source = root.find("v:sourceId", ns).text
        entities = [e.text for e in root.findall("v:entity", ns)]
        if request == "DisableMethods":
            methods = [m.find("v:method", ns).text for m in root.findall("v:method", ns)]
        else:
            methods = [m.text for m in root.findall("v:method", ns)]
        for moid in entities:
            locks = self.locks.setdefault(moid, {})
            if request == "DisableMethods":
                locks.setdefault(source, set()).update(methods)
            else:
                locks[source] = locks.get(source, set()) - set(methods)
                if not locks[source]:
                    del locks[source]
        return 200

    # ----- methods -------------------------------------------------------------------------------------------
    def do_RetrieveServiceContent(self, _si):
        return self.content

    def do_CreateContainerView(self, _mgr, container, types, recursive):
        view = self.add(vim.view.ContainerView, self.new_id("session[1]view"))
        self.props[view._moId]["view"] = vim.ManagedObject.Array(self.children(container, types, recursive))
        return view

    def do_DestroyView(self, view):
        self.props.pop(view._moId, None)

    def do_RetrieveContents(self, _pc, specs):
        out = []
        for spec in specs:
            view = spec.objectSet[0].obj
            for obj in self.props[view._moId]["view"]:
                values = []
                for path in spec.propSet[0].pathSet:
                    value = self.state(obj)
                    for part in path.split("."):
                        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
                    values.append(vmodl.DynamicProperty(name=path, val=copy(value)))
                out.append(vmodl.query.PropertyCollector.ObjectContent(
                    obj=obj, propSet=vmodl.DynamicProperty.Array(values)))
        return vmodl.query.PropertyCollector.ObjectContent.Array(out)

    def do_RetrieveProperties(self, pc, specs):
        return self.do_RetrieveContents(pc, specs)

    def do_ReconfigVM_Task(self, vm, spec):
        config = self.state(vm)["config"]
        if spec.annotation is not None:
            config.annotation = spec.annotation
        if spec.extraConfig:
            extra = dict((o.key, o.value) for o in config.extraConfig)
            for option in spec.extraConfig:
                if option.value in (None, ""):
                    extra.pop(option.key, None)  # vCenter removes a key set to the empty string
                else:
                    extra[option.key] = option.value
            config.extraConfig = [vim.option.OptionValue(key=k, value=v) for k, v in sorted(extra.items())]
        for change in spec.deviceChange or []:
            assert change.operation == "edit", change.operation
            config.hardware.device = [copy(change.device) if d.key == change.device.key else d
                                      for d in config.hardware.device]
        if spec.vAppConfig is not None:
            by_id = dict((p.id, p) for p in config.vAppConfig.property)
            for prop in spec.vAppConfig.property or []:
                assert prop.operation == "edit" and by_id[prop.info.id].key == prop.info.key
                by_id[prop.info.id].value = prop.info.value
        return self.task("ReconfigVM_Task")

    def do_PowerOnVM_Task(self, vm, host=None):
        if "PowerOnVM_Task" in self.disabled(vm):
            raise vim.fault.MethodDisabled(source="cloudmove.vcda")
        self.state(vm)["runtime"].powerState = "poweredOn"
        return self.task("PowerOnVM_Task")

    def do_PowerOffVM_Task(self, vm):
        self.state(vm)["runtime"].powerState = "poweredOff"
        return self.task("PowerOffVM_Task")

    def do_Destroy_Task(self, entity):
        task = self.task("Destroy_Task")
        if "Destroy_Task" not in self.fail:
            self.props.pop(entity._moId)
        return task

    def do_AddCustomFieldDef(self, mgr, name, moType=None, fieldDefPolicy=None, fieldPolicy=None):
        field = vim.CustomFieldsManager.FieldDef(key=len(self.state(mgr)["field"]) + 101, name=name,
                                                 managedObjectType=moType)
        self.state(mgr)["field"].append(field)
        return field

    def do_SetField(self, _mgr, entity, key, value):
        values = vim.CustomFieldsManager.Value.Array(v for v in self.state(entity)["customValue"] if v.key != key)
        values.append(vim.CustomFieldsManager.StringValue(key=key, value=value))
        self.state(entity)["customValue"] = values

    def do_AddDVPortgroup_Task(self, switch, specs):
        for spec in specs:
            config = vim.dvs.DistributedVirtualPortgroup.ConfigInfo(
                name=spec.name, numPorts=spec.numPorts, type=spec.type, defaultPortConfig=spec.defaultPortConfig,
                policy=spec.policy or vim.dvs.VmwareDistributedVirtualSwitch.VMwarePortgroupPolicy(), configVersion="1")
            self.portgroup(switch, spec.name, config)
        return self.task("AddDVPortgroup_Task")

    def do_ReconfigureDVPortgroup_Task(self, group, spec):
        config = self.state(group)["config"]
        if spec.configVersion != config.configVersion:
            raise vim.fault.ConcurrentAccess(msg="configVersion %s is not %s" % (spec.configVersion,
                                                                                 config.configVersion))
        for attr in ("name", "numPorts", "type", "policy"):
            if getattr(spec, attr) is not None:
                setattr(config, attr, getattr(spec, attr))
        if spec.defaultPortConfig is not None:  # merged part by part, as vCenter does
            for prop in spec.defaultPortConfig._GetPropertyList():
                if getattr(spec.defaultPortConfig, prop.name) is not None:
                    setattr(config.defaultPortConfig, prop.name, getattr(spec.defaultPortConfig, prop.name))
        config.configVersion = str(int(config.configVersion) + 1)
        return self.task("ReconfigureDVPortgroup_Task")

    def do_FetchDVPorts(self, switch, criteria=None):
        ports = self.ports[switch._moId]
        if criteria is not None and criteria.portKey:
            ports = [p for p in ports if p.key in criteria.portKey]
        return [copy(p) for p in ports]

    def do_ReconfigureDVPort_Task(self, switch, specs):
        for spec in specs:
            (port,) = [p for p in self.ports[switch._moId] if p.key == spec.key]
            assert spec.configVersion == port.config.configVersion
            port.config.setting.vendorSpecificConfig = spec.setting.vendorSpecificConfig
            port.config.configVersion = str(int(port.config.configVersion) + 1)
        return self.task("ReconfigureDVPort_Task")

    def do_CreateImportSpec(self, _mgr, descriptor, pool, datastore, params):
        """The import spec of a descriptor: ``import_spec`` holds the errors and warnings vCenter would give."""
        self.last_import_params = params
        spec = vim.VirtualMachineImportSpec(configSpec=vim.vm.ConfigSpec(name=params.entityName))
        return vim.OvfManager.CreateImportSpecResult(
            importSpec=spec, fileItem=[],
            error=[vmodl.fault.SystemError(reason=e, msg=e) for e in self.import_spec["errors"]],
            warning=[vmodl.fault.SystemError(reason=w, msg=w) for w in self.import_spec["warnings"]])


def moid_of(fake, name):
    """The moid of the inventory object named ``name``."""
    return next(k for k, v in fake.props.items() if v.get("name") == name and not re.match(r"^group-", k))
