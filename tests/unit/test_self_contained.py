"""The repository explains itself: nothing refers to notes outside it, and every reference into docs/ resolves.

The API notes the code was written from live in ``docs/api/`` and ``docs/workflows.md``. A reference to
the notes the project started from (a ``shared`` folder beside the repository, ``unknowns.md``, a bare
``vcda.md`` / ``vcd-nsx.md`` / ``workflows.md``, or a numbered section of them such as "§5") points at a file
users of the collection do not have, so it fails here; so does a ``docs/...md#anchor`` whose file or
heading does not exist.
"""

import os
import re
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
THIS = os.path.relpath(os.path.abspath(__file__), ROOT)

# What counts as a reference outside the repository. The in-repo docs are spelt with their folder
# (``docs/api/vcda.md``, ``docs/workflows.md``), so a name preceded by its folder is not one.
OUTSIDE = [
    (re.compile(r"\.\./shared\b|\bshared/api\b|\bshared/(?:workflows|conventions)\.md"), "a path into ../shared"),
    (re.compile(r"\bunknowns\.md"), "unknowns.md (now docs/api/open-questions.md)"),
    (re.compile(r"(?<![\w/.-])(?<!docs/api/)(?:vcda|vcd-nsx)\.md"), "a bare API notes name (write docs/api/NAME.md)"),
    (re.compile(r"(?<![\w/.-])(?<!docs/)workflows\.md"), "a bare workflows.md (write docs/workflows.md)"),
    (re.compile(r"\u00a7\s*\d"), "a numbered section of the old notes (use a docs/... #anchor)"),
]
DOC_REF = re.compile(r"(?<![\w/.-])(docs/[\w./-]+\.md)(?:#([\w-]+))?")


def tracked_files():
    """What a commit would contain: tracked files and new files git does not ignore."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, check=True).stdout.decode("utf-8", "replace")
        names = [n for n in out.split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for folder, dirs, files in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in (".git", "output", "__pycache__")]
            names.extend(os.path.relpath(os.path.join(folder, f), ROOT) for f in files)
    return sorted(n for n in names if os.path.isfile(os.path.join(ROOT, n)) and n != THIS)


def read(name):
    with open(os.path.join(ROOT, name), "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def outside_references(text):
    """(line number, what, line) for every reference to notes outside the repository in ``text``."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, what in OUTSIDE:
            if pattern.search(line):
                found.append((number, what, line.strip()[:120]))
    return found


def slug(heading):
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(doc):
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", read(doc), re.M)}


def test_no_file_refers_to_notes_outside_the_repository():
    bad = []
    for name in tracked_files():
        for number, what, line in outside_references(read(name)):
            bad.append("%s:%d: %s: %s" % (name, number, what, line))
    assert bad == [], "references to files outside the repository:\n" + "\n".join(bad)


def test_the_scan_sees_each_kind_of_outside_reference():
    """Not vacuous: each old form is caught, the in-repo forms are not."""
    for text in ("see ../shared/api/vcda.md", "contract: shared/api/vcd-nsx.md", "unknowns.md section 2",
                 "(vcda.md corrections 5)", "`vcd-nsx.md` 3c", "workflows.md C.1", "contract \u00a75"):
        assert outside_references(text), text
    for text in ("docs/api/vcda.md#policies", "`docs/api/vcd-nsx.md#rights`", "docs/workflows.md#c1-rights",
                 "docs/api/open-questions.md#sink-port", "the shared fake module"):
        assert not outside_references(text), text


def test_every_reference_into_docs_resolves_to_a_file_and_a_heading():
    cache = {}
    bad = []
    for name in tracked_files():
        for number, line in enumerate(read(name).splitlines(), 1):
            for match in DOC_REF.finditer(line):
                doc, anchor = match.group(1).rstrip("."), match.group(2)
                if "*" in doc or doc.startswith("docs/reliability"):
                    continue
                if not os.path.isfile(os.path.join(ROOT, doc)):
                    bad.append("%s:%d: %s does not exist" % (name, number, doc))
                elif anchor:
                    if doc not in cache:
                        cache[doc] = anchors(doc)
                    if anchor not in cache[doc]:
                        bad.append("%s:%d: %s has no heading #%s" % (name, number, doc, anchor))
    assert bad == [], "\n".join(bad)


def test_anchors_follow_the_headings():
    assert slug("## C.1 Rights".lstrip("# ")) == "c1-rights"
    assert slug("NSX-V L2 VPN server") == "nsx-v-l2-vpn-server"
    assert slug("C. Tenant network extension (provider side)") == "c-tenant-network-extension-provider-side"


def test_developers_md_starts_from_the_docs_in_the_repository():
    text = read("DEVELOPERS.md")
    first = text.split("\n\n")[1]
    for doc in ("docs/workflows.md", "docs/api/vcda.md", "docs/api/vcd-nsx.md", "docs/api/open-questions.md"):
        assert doc in first, doc
        assert os.path.isfile(os.path.join(ROOT, doc)), doc


def test_every_api_notes_section_names_its_sources():
    """Each notes file has a Sources section naming public repositories (owner/name) and the tags it uses."""
    for doc in ("docs/api/vcda.md", "docs/api/vcd-nsx.md"):
        text = read(doc)
        assert "sources" in anchors(doc), doc
        sources = text.split("## Sources", 1)[1].split("\n## ", 1)[0]
        assert len(re.findall(r"`[\w.-]+/[\w.-]+`", sources)) >= 5, doc
        for tag in ("[S]", "[C]", "[I]"):
            assert tag in text, (doc, tag)
