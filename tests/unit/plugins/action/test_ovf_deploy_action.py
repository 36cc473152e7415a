import json

from ansible_collections.cloudmove.vcda.plugins.action import ovf_deploy as action


def test_progress_line():
    line = action.progress_line({"name": "vm1", "done": 3 << 29, "total": 1 << 31, "elapsed": 2.0})
    assert line == "vm1: uploaded 75% (1536 of 2048 MiB, 805.3 MB/s)"


def test_watcher_reports_each_ten_percent_step(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(action.display, "display", shown.append)
    path = tmp_path / "p.json"
    watcher = action.ProgressWatcher(str(path), "h1", heartbeat=3600)
    state = {"step": -1, "when": 0.0}
    watcher.poll(state)  # no file yet: nothing
    for done in (0, 5, 12, 18, 35, 100):
        path.write_text(json.dumps({"name": "vm", "done": done, "total": 100, "elapsed": 1}))
        watcher.poll(state)
    assert [s.split("uploaded ")[1].split("%")[0] for s in shown] == ["0", "12", "35", "100"]
    assert all(s.startswith("[h1] ovf_deploy vm: ") for s in shown)
