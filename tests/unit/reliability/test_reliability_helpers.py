"""The reliability suite's own logic (no lab): duplicate detection, the secret collector, the generated report."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "reliability"))

import labctl as lab  # noqa: E402  pylint: disable=wrong-import-position,import-error
import report  # noqa: E402  pylint: disable=wrong-import-position,import-error
import run  # noqa: E402  pylint: disable=wrong-import-position,import-error


def test_duplicates_finds_objects_that_exist_twice():
    states = {"site1-cloud": {"replicators": [{"id": "1", "apiUrl": "https://r"}, {"id": "2", "apiUrl": "https://r"}],
                              "sites": [{"site": "site2"}], "tasks": {"a": {"name": "x"}, "b": {"name": "x"}}},
              "site1-vcd": {"orgs": [{"name": "org1", "networks": [{"name": "web"}, {"name": "web"}]}, {"name": "org2"}]}}
    found = lab.duplicates(states)
    assert len(found) == 2
    assert any("replicators" in f and "x2" in f for f in found)
    assert any("networks" in f and "web" in f for f in found)
    assert lab.duplicates({"a": {"sites": [{"site": "s1"}, {"site": "s2"}]}}) == []


def test_fault_rules_add_up_to_the_rate():
    client, peer = lab.fault_rules(0.1)
    rates = [v for k, v in client.items() if k.endswith("Rate")]
    assert abs(sum(rates) - 0.1) < 1e-9 and client["latencyMs"] == 20 and client["source"] == "client"
    assert peer["source"] == "peer"


def test_nfc_fault_rates_add_up_to_the_rate_and_carry_latency():
    rates = lab.nfc_fault_rates(0.1)
    assert abs(sum(v for k, v in rates.items() if k.endswith("Rate")) - 0.1) < 1e-9
    assert rates["error503Rate"] > 0 and rates["resetRate"] > 0 and rates["lastByteResetRate"] > 0
    assert rates["latencyMs"] == 20 and rates["retryAfter"] == 1


def test_set_faults_drives_every_appliance_and_both_vcsims_from_one_seed(monkeypatch):
    sent = []
    monkeypatch.setattr(lab, "info", lambda: {"labToken": "t", "appliances": [{"name": "a"}, {"name": "b"}]})
    monkeypatch.setattr(lab, "control", lambda appliance, method, path, body=None, token=None:
                        sent.append((appliance["name"], method, path, body)))
    monkeypatch.setattr(lab, "vcsim_control", lambda name, method, body=None: sent.append((name, method, body)))
    lab.set_faults(3, 0.1)
    seeds = [entry[-1]["seed"] for entry in sent]
    assert [entry[0] for entry in sent] == ["a", "b", "provider", "tenant"]
    assert len(set(seeds)) == 4 and all(3000 <= s < 4000 for s in seeds)
    assert sent[2][2]["error503Rate"] == lab.nfc_fault_rates(0.1)["error503Rate"]


def test_secret_collector_reads_keys_that_hold_secrets():
    found = set()
    run._collect({"tunnels": [{"peerCode": "PEER-CODE-123", "name": "t"}], "x": {"preSharedKey": "Psk-Value-9"}}, found)
    assert found == {"PEER-CODE-123", "Psk-Value-9"}


def test_report_is_rendered_from_the_figures_only():
    results = {"mode": "full", "commit": "abc123", "started": "s", "finished": "f",
               "faults": {"rate": 0.1, "rules": [], "runs": [
                   {"seed": 1, "finished": True, "failed": 0, "faults": {"503": 7, "reset": 2}, "faults_total": 9,
                    "duplicates": [], "seconds": 100},
                   {"seed": 2, "finished": False, "failed": 1, "faults": {"503": 3}, "faults_total": 3,
                    "duplicates": ["x"], "seconds": 90, "failures": ["fatal: [site1]: FAILED! => boom"]}]},
               "kills": [{"point": "pairing", "killed_at": "TASK [Pair]", "rerun_finished": True, "duplicates": [],
                          "survived": True, "seconds": 50}],
               "bad_inputs": {"tried": 10, "refused_cleanly": 9, "writes": [], "changed_state": [],
                              "not_clean": [{"id": "bad-001", "module": "m", "option": "url", "problems": ["accepted"]}]},
               "secrets": {"secrets": 16, "outputs": ["a"], "bytes_scanned": 1000, "hits": []},
               "check_fresh": {"finished": True, "changed": 40, "seconds": 60}}
    text = report.render(results)
    assert "| runs finished with failed=0 | 1 of 2 |" in text
    assert "| faults injected | 12 (503 10, reset 2) |" in text
    assert "| objects duplicated | 1 |" in text
    assert "Kills survived: 1 of 1." in text
    assert "| bad inputs tried | 10 |" in text and "not clean: bad-001" in text
    assert "| secrets found | 0 |" in text and "boom" in text
    assert run.check(results)  # the failed seed, the duplicate and the unclean bad input are problems
    assert "NFC" not in text  # results of a run without NFC faults


def test_report_shows_the_nfc_faults_of_each_seed():
    results = {"mode": "full", "commit": "abc", "started": "s", "finished": "f",
               "faults": {"rate": 0.1, "rules": [], "nfc": lab.nfc_fault_rates(0.1), "runs": [
                   {"seed": 1, "finished": True, "failed": 0, "faults": {"503": 4, "nfc503": 1, "nfcLastByteReset": 1},
                    "faults_total": 6, "nfc_faults": 2, "peer_faults": 1, "disk_uploads": 14, "disks": 12, "duplicates": [],
                    "seconds": 100},
                   {"seed": 2, "finished": True, "failed": 0, "faults": {"503": 2}, "faults_total": 2,
                    "nfc_faults": 0, "disk_uploads": 12, "disks": 12, "duplicates": [], "seconds": 90}]}}
    text = report.render(results)
    assert "10 % of the NFC disk uploads to both lab vCenters" in text
    assert "| faults injected | 8 (503 6, nfc503 1, nfcLastByteReset 1) |" in text
    assert "| of them in vcsim NFC | 2, over 26 disk upload attempts of 24 disks |" in text
    assert "| 1 | yes | 0 | 6 | 2 | 14 (12) | 0 | 100 |" in text
    assert "| of them on appliance-to-appliance calls | 1 |" in text


def test_peer_faults_count_the_peer_rule_only(monkeypatch):
    monkeypatch.setattr(lab, "info", lambda: {"labToken": "t", "appliances": [{"name": "a"}, {"name": "b"}]})
    monkeypatch.setattr(lab, "control", lambda appliance, method, path, body=None, token=None: {
        "rules": [{"source": "client"}, {"source": "peer"}], "injected": [5, 2 if appliance["name"] == "a" else 1]})
    assert lab.peer_faults() == 3


def _make_target(name):
    with open(os.path.join(lab.ROOT, "Makefile")) as handle:
        text = handle.read()
    body = text.split("\n%s:" % name, 1)[1]
    lines = []
    for line in body.splitlines()[1:]:
        if line and not line.startswith("\t"):
            break
        lines.append(line)
    return "\n".join(lines)


def test_make_test_runs_the_bounded_form_and_only_make_reliability_writes_the_report():
    test = _make_target("test")
    assert "tests/integration" in test and "report.py" not in test and "reliability" not in test
    assert os.path.exists(os.path.join(lab.ROOT, "tests", "integration", "test_reliability.py"))
    reliability = _make_target("reliability")
    assert "tests/reliability/run.py" in reliability and "tests/reliability/report.py" in reliability
    assert "--bounded" not in reliability


def test_the_bounded_form_writes_its_own_results():
    assert run.BOUNDED_RESULTS != run.RESULTS
    assert "appliance_deploy_appliances" in " ".join(run.BOUNDED_EXTRA)


def test_replication_duplicates_counts_source_vms_through_the_lab_truth():
    def rec(vm, site="onprem1", parent=None, kind="vm"):
        return {"record": {"kind": kind, "parent": parent, "source": {"site": site, "vmId": vm}}}
    items = [rec("vm-1"), rec("vm-2"), rec("vm-1"), rec("vm-1", parent="g1"), rec("vapp-1", kind="vapp"),
             rec("vm-2", site="site2")]
    assert lab.replication_duplicates(items) == ["replication of onprem1/vm-1 x2"]
    assert lab.replication_duplicates([rec("vm-1"), rec("vm-2")]) == []


def test_kill_points_are_the_role_tasks_that_call_the_appliances():
    points = dict((name, when) for name, _book, when, _delay in run.KILL_POINTS)
    assert points["pairing"]("TASK [cloudmove.vcda.site_pairing : Pair with the remote sites] ****")
    assert not points["pairing"]("TASK [Pair with the remote sites] ****")  # the play's include_role
    assert points["l2vpn"]("TASK [cloudmove.vcda.l2vpn_server : L2 VPN servers (NSX-V edge) and SERVER tunnels "
                           "(NSX-T edge)] ***")
    assert not points["l2vpn"]("TASK [Networks to stretch and the L2 VPN servers] ****")
    for name, book, _when, _delay in run.KILL_POINTS:  # each role task exists under that name
        assert name and book == "demo.yml"
    tasks = ""
    for role in ("site_pairing", "l2vpn_server"):
        with open(os.path.join(lab.ROOT, "roles", role, "tasks", "main.yml")) as handle:
            tasks += handle.read()
    assert "- name: Pair with the remote sites" in tasks and "- name: L2 VPN servers (NSX-V edge)" in tasks


def test_kill_points_include_the_migration_sync_and_cutover():
    points = dict((name, (book, when)) for name, book, when, _delay in run.KILL_POINTS)
    assert points["sync"][1]("TASK [cloudmove.vcda.workload_migration : Replicate every VM and wait until all are cutover ready] ***")
    assert points["cutover"][1]("TASK [cloudmove.vcda.workload_migration : Cut over in batches] ****")
    assert points["sync"][0] == points["cutover"][0] == "demo.yml"


def test_a_key_naming_the_property_of_a_secret_holds_no_secret(tmp_path, monkeypatch):
    inventory = tmp_path / "inv"
    inventory.mkdir()
    (inventory / "vars.yml").write_text('appliance_deploy_root_password_property: guestinfo.cis.appliance.root.password\n'
                                        'provider_site_root_password: "Real-Secret-1!"\n')
    monkeypatch.setattr(lab, "INVENTORY", str(inventory))
    monkeypatch.setattr(lab, "states", lambda: {})
    found = run.known_secrets()
    assert "Real-Secret-1!" in found and "guestinfo.cis.appliance.root.password" not in found
