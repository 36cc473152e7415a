"""Rules of the layout that used to be conventions only (DEVELOPERS.md)."""
import ast
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE_UTILS = os.path.join(ROOT, "plugins", "module_utils")


def _sources():
    for folder, _dirs, files in os.walk(MODULE_UTILS):
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.relpath(os.path.join(folder, name), MODULE_UTILS)


def _imports(path):
    tree = ast.parse(open(os.path.join(MODULE_UTILS, path)).read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_clients_and_services_never_import_ansible():
    """Every file under module_utils except the module base classes (``*/module.py``) is Ansible-free,
    so that modules, action plugins and tests reuse it; collection imports are fine."""
    offenders = []
    for path in _sources():
        if os.path.basename(path) == "module.py":
            continue
        for name in _imports(path):
            if name == "ansible" or name.startswith("ansible."):
                offenders.append("%s imports %s" % (path, name))
    assert offenders == []


def test_the_rule_above_sees_an_ansible_import(tmp_path):
    """The scan is not vacuous: it finds the imports the base classes do have."""
    assert any(n.startswith("ansible.module_utils") for n in _imports(os.path.join("_common", "module.py")))


def _layout_rows():
    text = open(os.path.join(ROOT, "DEVELOPERS.md")).read()
    table = text.split("## Layout", 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in table.splitlines():
        match = re.match(r"^\| `([^`]+)` \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_the_layout_table_lists_every_module_utils_package_and_file():
    rows = _layout_rows()
    missing = []
    for package in sorted(os.listdir(MODULE_UTILS)):
        folder = os.path.join(MODULE_UTILS, package)
        if not os.path.isdir(folder) or package == "__pycache__":
            continue
        key = "plugins/module_utils/%s/" % package
        if key not in rows:
            missing.append(key)
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py") and name != "__init__.py" and "`%s`" % name not in rows[key]:
                missing.append(key + name)
    assert missing == [], "DEVELOPERS.md's layout table does not describe: %s" % ", ".join(missing)


def test_the_layout_table_names_only_files_that_exist():
    stale = []
    for key, text in _layout_rows().items():
        if not key.startswith("plugins/module_utils/_"):
            continue
        for name in re.findall(r"`([a-z_]+\.py)`", text):
            if not os.path.exists(os.path.join(ROOT, key, name)):
                stale.append(key + name)
    assert stale == []


def _module_sources():
    folder = os.path.join(ROOT, "plugins", "modules")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            yield name, open(os.path.join(folder, name)).read()


PRODUCTS = {"_vcda": ("vcda", "VcdaModule"), "_vcd": ("vcd", "VcdModule"), "_nsx": ("nsx", "NsxModule"),
            "_vsphere": ("vsphere", "VsphereModule")}


def _fragment(name, var="DOCUMENTATION"):
    import importlib
    import yaml
    module = importlib.import_module("ansible_collections.cloudmove.vcda.plugins.doc_fragments." + name)
    return yaml.safe_load(getattr(module.ModuleDocFragment, var))


def _documentation(text):
    import yaml
    return yaml.safe_load(text.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])


def test_every_rest_module_documents_the_shared_http_options():
    """The CA bundle and proxy options (HTTP_OPTIONS of every REST base class) are documented once, in the
    cloudmove.vcda.rest fragment, which every VCDA, Cloud Director and NSX module lists."""
    missing = []
    for name, text in _module_sources():
        if re.search(r"module_utils\._(vcda|vcd|nsx)\.module import", text) and "- cloudmove.vcda.rest\n" not in text:
            missing.append(name)
    assert missing == [], "add cloudmove.vcda.rest to extends_documentation_fragment of: %s" % ", ".join(missing)


def test_every_module_header_is_its_fragments_and_nothing_they_hold():
    """A module lists its product's fragment first (connection options, requirements, action group), then rest
    for a REST product, and ends with cloudmove.vcda.attributes (changes things) or .attributes.info_module
    (only reads), which hold the mode descriptions and the author; it repeats none of them itself."""
    wrong = []
    for name, text in _module_sources():
        doc = _documentation(text)
        bases = [fragment for package, (fragment, _cls) in PRODUCTS.items()
                 if re.search(r"module_utils\.%s\.module import" % package, text)]
        fragments = doc.get("extends_documentation_fragment") or []
        if len(bases) != 1 or fragments[:1] != ["cloudmove.vcda." + bases[0]]:
            wrong.append("%s: lists %s first" % (name, fragments[:1]))
        last = "cloudmove.vcda.attributes" + (".info_module" if name.endswith("_info.py") else "")
        if fragments[-1:] != [last]:
            wrong.append("%s: ends with %s, not %s" % (name, fragments[-1:], last))
        if "author" in doc or any(f.endswith("_group") for f in fragments):
            wrong.append("%s: repeats what its fragments hold" % name)
        if "action_group" in (doc.get("attributes") or {}):
            wrong.append("%s: names its action group itself" % name)
    assert wrong == []


def test_each_product_fragment_documents_exactly_the_options_of_its_base_class():
    """What the base class adds to every argument spec (its connection options, the TLS options, the REST
    HTTP_OPTIONS, timeout) is what the product's fragment (with rest, for a REST product) documents, with the
    same type, default and choices."""
    import importlib
    problems = []
    rest = _fragment("rest")["options"]
    for package, (fragment, cls_name) in PRODUCTS.items():
        module = importlib.import_module("ansible_collections.cloudmove.vcda.plugins.module_utils.%s.module" % package)
        cls = getattr(module, cls_name)
        spec = dict(cls.CONNECTION, validate_certs=dict(type="bool", default=True), thumbprint=dict(type="str"))
        if cls.TIMEOUT is not None:
            spec["timeout"] = dict(type="int", default=cls.TIMEOUT)
        documented = dict(_fragment(fragment)["options"])
        if fragment != "vsphere":
            overlap = sorted(set(documented) & set(rest))
            if overlap:
                problems.append("%s: documents %s again (they are in rest)" % (fragment, overlap))
            documented.update(rest)
        if sorted(documented) != sorted(spec):
            problems.append("%s: documents %s, the base has %s" % (fragment, sorted(documented), sorted(spec)))
            continue
        for option, rules in spec.items():
            for key, unset in (("type", "str"), ("default", None), ("choices", None)):
                if rules.get(key, unset) != documented[option].get(key, unset):
                    problems.append("%s.%s: %s differs" % (fragment, option, key))
    assert problems == []


def test_modules_never_build_outcomes_or_test_check_mode_in_callbacks():
    """Mutating modules go through the core: no hand-built Outcome, no reconciler with its check mode forced,
    no result whose diff has to be popped again, no follow-up (re-read, wait) gated on check mode by the
    module itself (``Reconciler.follow`` / ``Outcome.pending``)."""
    offenders = []
    for name, text in _module_sources():
        for pattern in (r"\bOutcome\(", r"Reconciler\(", r"\.pop\(\"diff\"", r"not mod\.check_mode",
                        r"\.changed and mod\.check_mode", r"mod\.check_mode and \w+_pending",
                        r"if mod\.check_mode:\n\s+return None"):
            if re.search(pattern, text):
                offenders.append("%s: %s" % (name, pattern))
    assert offenders == []


def test_every_wait_is_the_poller():
    """``time.sleep`` loops live only in ``_common/wait.py`` (the HTTP retry pause and the upload keep-alive
    excepted by name): a new wait uses ``Poller.until``."""
    allowed = {os.path.join("_common", "wait.py"), os.path.join("_common", "http.py")}
    offenders = []
    for path in _sources():
        if path in allowed:
            continue
        text = open(os.path.join(MODULE_UTILS, path)).read()
        if re.search(r"\btime\.sleep\(|poller\.wait\(\)|poller\.expired\(\)", text):
            offenders.append(path)
    for name, text in _module_sources():
        if re.search(r"\btime\.sleep\(|import time\b", text):
            offenders.append("modules/" + name)
    assert offenders == []
