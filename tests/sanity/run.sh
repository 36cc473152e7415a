#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection placed in an ansible_collections tree, on the
# local Python (there is no container engine here), with empty ignore files.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
py=${PYTHON:-python3}
pyver=$($py -c 'import sys; print("%d.%d" % sys.version_info[:2])')
tree="$root/tests/output/sanity/ansible_collections/cloudmove/vcda"
rm -rf "$tree"
mkdir -p "$tree"
cd "$root"
# Tracked files plus new files git does not ignore: what a commit would contain.
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] || continue
  mkdir -p "$tree/$(dirname "$f")"
  cp -P "$f" "$tree/$f"
done
# ansible-test bootstraps pip from a downloaded script; put our shim in its cache instead.
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
for v in $($py - <<'PY'
import pathlib, re, ansible_test
src = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(" ".join(sorted(set(v.replace(".", "_") for v in re.findall(r"pip='([0-9.]+)'", src)))))
PY
); do
  cp "$root/tests/sanity/get_pip_shim.py" "$cache/get_pip_$v.py"
done
cd "$tree"
git init -q . 2>/dev/null || true
git add -A >/dev/null 2>&1 || true
ansible-test sanity --venv --python "$pyver" --color no "$@"
