"""The two action plugins' run(): what they hide, show and pass to the module (no controller needed)."""
import os

import pytest

from ansible.plugins.action import ActionBase

from ansible_collections.cloudmove.vcda.plugins.action import ovf_deploy
from ansible_collections.cloudmove.vcda.plugins.action import vcd_l2vpn_server
from ansible_collections.cloudmove.vcda.plugins.plugin_utils import _progress

PEER_CODE = "cGVlci1jb2RlLXNlY3JldA=="


class Task(object):
    def __init__(self, args=None, environment=None, async_val=0):
        self.args = args or {}
        self.environment = environment
        self.async_val = async_val


class Connection(object):
    def __init__(self, transport):
        self.transport = transport


def action(cls, monkeypatch, answer, task=None, transport="local"):
    """An ActionModule whose base run() and module execution are stand-ins; ``seen`` records each execution."""
    monkeypatch.setattr(ActionBase, "run", lambda self, tmp=None, task_vars=None: {})
    plugin = cls.__new__(cls)
    plugin._task = task or Task()
    plugin._connection = Connection(transport)
    plugin.seen = []

    def execute(module_name=None, module_args=None, task_vars=None, wrap_async=False):
        plugin.seen.append({"module": module_name, "args": module_args, "environment": plugin._task.environment,
                            "async": wrap_async})
        return answer(plugin) if callable(answer) else dict(answer)
    plugin._execute_module = execute
    return plugin


def test_l2vpn_server_result_with_a_peer_code_is_no_log_and_a_summary_is_shown(monkeypatch):
    shown = []
    monkeypatch.setattr(vcd_l2vpn_server.display, "display", shown.append)
    plugin = action(vcd_l2vpn_server.ActionModule, monkeypatch,
                    {"changed": True, "peer_code": PEER_CODE, "tunnel_id": "t-1", "tunnels": {"net1": 4097}},
                    task=Task({"name": "to-dc", "return_peer_code": True}))
    result = plugin.run(task_vars={})
    assert result["_ansible_no_log"] is True and result["peer_code"] == PEER_CODE  # kept for the client task
    assert plugin.seen[0]["module"] == "cloudmove.vcda.vcd_l2vpn_server"
    assert plugin.seen[0]["args"] == {"name": "to-dc", "return_peer_code": True}
    assert shown == ["vcd_l2vpn_server: changed, tunnel t-1, tunnel ids: net1=4097 (peer code returned, result hidden)"]
    assert PEER_CODE not in shown[0]


def test_l2vpn_server_result_without_a_peer_code_is_shown_as_usual(monkeypatch):
    shown = []
    monkeypatch.setattr(vcd_l2vpn_server.display, "display", shown.append)
    result = action(vcd_l2vpn_server.ActionModule, monkeypatch, {"changed": False}).run(task_vars={})
    assert "_ansible_no_log" not in result and shown == []


def test_ovf_deploy_remote_or_async_runs_the_module_without_the_progress_file(monkeypatch):
    for transport, async_val in (("ssh", 0), ("local", 30)):
        plugin = action(ovf_deploy.ActionModule, monkeypatch, {"changed": True},
                        task=Task(async_val=async_val), transport=transport)
        assert plugin.run(task_vars={})["changed"] is True
        assert plugin.seen[0]["environment"] is None and plugin.seen[0]["async"] == async_val


@pytest.mark.parametrize("environment", [None, {"A": "1"}, [{"A": "1"}]])
def test_ovf_deploy_local_passes_a_progress_file_and_restores_the_environment(monkeypatch, environment):
    def answer(plugin):
        extra = plugin._task.environment[-1]
        path = extra[_progress.PROGRESS_ENV]
        with open(path, "w") as handle:  # the module writes progress there
            handle.write('{"name": "vm", "done": 1, "total": 2, "elapsed": 1}')
        return {"changed": True, "path": path}
    plugin = action(ovf_deploy.ActionModule, monkeypatch, answer, task=Task(environment=environment))
    monkeypatch.setattr(ovf_deploy.display, "display", lambda line: None)
    result = plugin.run(task_vars={"inventory_hostname": "h1"})
    assert result["changed"] is True and plugin._task.environment == environment
    before = environment if isinstance(environment, list) else [environment] if environment else []
    assert plugin.seen[0]["environment"][:-1] == before  # the task's own environment comes first
    assert not os.path.exists(result["path"])  # cleaned up


def test_replication_line_watcher_shows_each_new_line_once(tmp_path, monkeypatch):
    from ansible_collections.cloudmove.vcda.plugins.action import vcda_replication
    shown = []
    monkeypatch.setattr(vcda_replication.display, "display", shown.append)
    path = tmp_path / "lines.json"
    watcher = vcda_replication.LineWatcher(str(path), "[h1] vcda_replication")
    watcher.poll()  # no file yet: nothing
    path.write_text('{"lines": ["[   0s] created", "[   1s] 1/2 ready"], "count": 2}')
    watcher.poll()
    watcher.poll()  # nothing new
    path.write_text('{"lines": ["[   1s] 1/2 ready", "[   2s] 2/2 ready"], "count": 3}')  # the module keeps the last ones
    watcher.poll()
    assert shown == ["[h1] vcda_replication [   0s] created", "[h1] vcda_replication [   1s] 1/2 ready",
                     "[h1] vcda_replication [   2s] 2/2 ready"]


@pytest.mark.parametrize("name", ["vcda_replication", "vcda_migration_wave"])
def test_replication_actions_run_their_module_with_a_progress_file_that_is_removed(monkeypatch, name):
    import importlib
    from ansible_collections.cloudmove.vcda.plugins.action import vcda_replication
    plugin_module = importlib.import_module("ansible_collections.cloudmove.vcda.plugins.action." + name)
    shown = []
    monkeypatch.setattr(vcda_replication.display, "display", shown.append)  # the line watcher's

    def answer(plugin):
        path = plugin._task.environment[-1][_progress.PROGRESS_ENV]
        with open(path, "w") as handle:
            handle.write('{"lines": ["[   0s] done"], "count": 1}')
        return {"changed": True, "path": path}
    plugin = action(plugin_module.ActionModule, monkeypatch, answer)
    result = plugin.run(task_vars={"inventory_hostname": "h1"})
    assert plugin.seen[0]["module"] == "cloudmove.vcda." + name and result["changed"]
    assert shown == ["[h1] %s [   0s] done" % name] and not os.path.exists(result["path"])
    assert plugin._task.environment is None
