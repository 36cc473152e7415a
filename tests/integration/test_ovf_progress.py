"""The action plugin shows upload progress in the playbook output while the module runs."""
import os
import re

from lab_paths import OUTPUT

PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Deploy a large appliance
      cloudmove.vcda.ovf_deploy: &a
        hostname: "{{ vcsim_provider.hostname }}"
        port: "{{ vcsim_provider.port }}"
        username: "{{ vcsim_provider.username }}"
        password: "{{ vcsim_provider.password }}"
        thumbprint: "{{ vcsim_provider.thumbprint }}"
        name: it-ovf-progress
        cluster: DC0_C0
        source: "{{ ovas.vcda_big_ova }}"
        upload_workers: 1
    - name: Remove it
      cloudmove.vcda.ovf_deploy:
        <<: *a
        state: absent
"""


def test_progress_lines_are_shown(playbook_runner):
    path = os.path.join(OUTPUT, "ovf-progress.yml")
    with open(path, "w") as handle:
        handle.write(PLAY)
    result = playbook_runner(path)
    assert result.returncode == 0, result.stdout[-3000:]
    lines = re.findall(r"\[localhost\] ovf_deploy it-ovf-progress: uploaded (\d+)% \((\d+) of (\d+) MiB", result.stdout)
    assert lines, result.stdout[-3000:]
    percents = [int(p) for p, _done, _total in lines]
    assert percents == sorted(percents)
    assert percents[-1] == 100
    assert int(lines[-1][2]) >= 256
