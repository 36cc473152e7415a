"""The collection tarball holds what users need, and nothing a working tree collects after
`make demo` or `make test` (lab private keys and credentials, virtualenvs, test output)."""
import os
import shutil
import subprocess
import tarfile
import uuid

import pytest

# A marker generated per run, so this file itself never matches it.
MARK = "SECRET-%s" % uuid.uuid4().hex
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# What a working tree holds after the lab ran: none of it may ship.
DIRTY = {
    "lab/run/emulators.json": '{"labToken": "%s", "appliances": []}' % MARK,
    "lab/run/vcsim-provider/key.pem": "-----BEGIN PRIVATE KEY-----\n" + MARK + "\n-----END PRIVATE KEY-----\n",
    "lab/run/vcsim-provider.json": '{"password": "VMware1!Lab"}',
    "lab/state/site1-cloud.json": '{"rootPassword": "%s"}' % MARK,
    "lab/build/ova/vcda-lab.ova": "not an ova",
    "lab/build/bin/vcsim-lab": "binary",
    "tests/output/lab-vars.yml": "secret: " + MARK + "\n",
    "tests/output/demo-rerun.log": "log\n",
    ".ansible/collections/x": "x",
    ".venv/bin/python": "x",
    ".venv-ee/bin/python": "x",
    ".pytest_cache/v/cache/lastfailed": "{}",
    "benchmarks/results/run1.json": "{}",
    "benchmarks/ovf_upload/results/run1.json": "{}",
    "plugins/modules/__pycache__/vcda_info.cpython-311.pyc": "x",
    "cloudmove-vcda-0.0.9.tar.gz": "old build",
}
FORBIDDEN_PREFIXES = ("lab/run", "lab/state", "lab/build", "tests/output", ".ansible/", ".venv", ".pytest_cache",
                      "benchmarks/results", "benchmarks/ovf_upload/results", ".ci", ".git")


def _tracked_files():
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, check=True).stdout.decode()
    return [f for f in out.split("\0") if f and os.path.lexists(os.path.join(ROOT, f))]


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    if shutil.which("ansible-galaxy") is None:
        pytest.skip("ansible-galaxy not installed")
    tree = tmp_path_factory.mktemp("tree") / "vcda"
    for rel in _tracked_files():
        dest = tree / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), dest, follow_symlinks=False)
    for rel, text in DIRTY.items():
        dest = tree / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(out), str(tree)],
                   check=True, capture_output=True)
    path = out / "cloudmove-vcda-0.1.0.tar.gz"
    with tarfile.open(str(path)) as tar:
        members = dict((m.name, m) for m in tar.getmembers())
        contents = dict((n, tar.extractfile(m).read()) for n, m in members.items() if m.isfile())
    return members, contents


def test_no_working_tree_leftovers_ship(tarball):
    members, _contents = tarball
    bad = [n for n in members if n.startswith(FORBIDDEN_PREFIXES) or "__pycache__" in n or n.endswith((".pyc", ".tar.gz"))]
    assert not bad, bad


def test_no_secret_of_the_dirty_tree_ships(tarball):
    _members, contents = tarball
    for name, data in contents.items():
        assert MARK.encode() not in data, name


def test_what_users_need_ships(tarball):
    members, contents = tarball
    for name in ("MANIFEST.json", "FILES.json", "LICENSE", "README.md", "meta/runtime.yml",
                 "plugins/modules/vcda_cloud_site.py", "plugins/module_utils/_common/http.py",
                 "roles/provider_site/meta/argument_specs.yml", "changelogs/changelog.yaml"):
        assert name in members, name
    assert b"GNU GENERAL PUBLIC LICENSE" in contents["LICENSE"] and b"Version 3" in contents["LICENSE"]
    modules = sorted(f for f in os.listdir(os.path.join(ROOT, "plugins", "modules")) if f.endswith(".py"))
    for module in modules:
        assert "plugins/modules/" + module in members, module


def test_manifest_carries_real_metadata(tarball):
    import json
    _members, contents = tarball
    info = json.loads(contents["MANIFEST.json"])["collection_info"]
    assert info["license"] == ["GPL-3.0-or-later"]
    assert info["version"] == "0.1.0"
    assert info["description"] and info["authors"]
    # No invented addresses: the URLs are either all absent (no public home yet) or all point into the
    # one repository, on https.
    urls = dict((key, info.get(key)) for key in ("repository", "documentation", "issues", "homepage"))
    if not any(urls.values()):
        return
    assert all(urls.values()), urls
    repo = urls["repository"].rstrip("/")
    assert repo.startswith("https://") and "example" not in repo, repo
    assert urls["homepage"].rstrip("/") == repo, urls
    assert urls["issues"].rstrip("/") == repo + "/issues", urls
    assert urls["documentation"].startswith(repo + "/"), urls


def test_galaxy_yml_names_no_invented_address():
    """The collection has no public repository yet: galaxy.yml must not point at one."""
    import yaml
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        info = yaml.safe_load(handle)
    for key in ("repository", "documentation", "issues", "homepage"):
        value = info.get(key) or ""
        assert "github.com/cloudmove" not in value, (key, value)
    with open(os.path.join(ROOT, "README.md")) as handle:
        assert "github.com/cloudmove" not in handle.read()


def test_every_plugin_was_added_in_a_version_up_to_the_collection_version():
    """version_added of every module, lookup and filter names a version not above galaxy.yml's (a later one would make
    the changelog of this release leave the plugin out; the changelog lists a plugin under the version it names)."""
    import glob
    import re
    import yaml
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        version = tuple(int(p) for p in yaml.safe_load(handle)["version"].split("."))
    files = sorted(glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))
                   + glob.glob(os.path.join(ROOT, "plugins", "lookup", "*.py"))
                   + glob.glob(os.path.join(ROOT, "plugins", "filter", "*.yml")))
    assert len(files) > 20
    for path in files:
        with open(path) as handle:
            text = handle.read()
        found = re.findall(r"^\s*version_added:\s*['\"]?([0-9.]+)['\"]?\s*$", text, re.M)
        assert found, "%s: no version_added" % os.path.relpath(path, ROOT)
        for value in found:
            assert tuple(int(p) for p in value.split(".")) <= version, (os.path.relpath(path, ROOT), value)
