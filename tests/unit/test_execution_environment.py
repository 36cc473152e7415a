"""An execution environment for AWX: ansible-builder finds the collection's Python and system
requirements (meta/execution-environment.yml) and `ansible-builder create` writes a build context
from awx/execution-environment.yml."""
import os
import shutil
import subprocess

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, "tests", "output", "collections")

pytestmark = pytest.mark.skipif(shutil.which("ansible-builder") is None, reason="ansible-builder not installed")


def _lines(path):
    with open(os.path.join(ROOT, path)) as handle:
        return [line.split("#")[0].strip() for line in handle if line.split("#")[0].strip()]


def test_introspection_finds_the_collection_requirements():
    out = subprocess.run(["ansible-builder", "introspect", "--sanitize", COLLECTIONS], capture_output=True,
                         text=True, check=True).stdout
    doc = yaml.safe_load(out.split("\n", 1)[1])
    python = [line.split("#")[0].strip() for line in doc["python"]]
    system = [line.split("#")[0].strip() for line in doc["system"]]
    assert python == _lines("meta/ee-requirements.txt")
    assert system == _lines("bindep.txt")
    # the EE brings its own ansible-core; the runtime libraries match requirements.txt
    assert not [p for p in python if p.startswith("ansible")]
    runtime = [p for p in _lines("requirements.txt") if not p.startswith("ansible")]
    assert sorted(python) == sorted(runtime)


def test_create_writes_a_build_context(tmp_path):
    with open(os.path.join(ROOT, "awx", "execution-environment.yml")) as handle:
        definition = yaml.safe_load(handle)
    assert definition["version"] == 3
    assert {"name": "cloudmove.vcda", "version": ">=0.1.0"} in definition["dependencies"]["galaxy"]["collections"]
    ee_file = tmp_path / "execution-environment.yml"
    ee_file.write_text(yaml.safe_dump(definition))
    context = tmp_path / "context"
    subprocess.run(["ansible-builder", "create", "-f", str(ee_file), "-c", str(context), "--output-filename",
                    "Containerfile"], check=True, capture_output=True, cwd=str(tmp_path))
    containerfile = (context / "Containerfile").read_text()
    assert definition["images"]["base_image"]["name"] in containerfile
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect" in containerfile and "assemble" in containerfile
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert [c["name"] for c in requirements["collections"]] == ["cloudmove.vcda"]
