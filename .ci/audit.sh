#!/usr/bin/env bash
# Known vulnerabilities in the locked dependency set (requirements.lock), with pip-audit
# from a throwaway virtualenv so the project's own environment is not touched.
#
# Fails on a vulnerability, or when some packages could not be checked while the
# vulnerability service answered for others. When it answers for none (the machine cannot
# reach it), it says so loudly and does not fail, unless TRADEGUARD_REQUIRE_AUDIT=1:
# a run that audited nothing must never read as "no known vulnerabilities".
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

not_audited() {
    echo "!! DEPENDENCY AUDIT NOT DONE: $1" >&2
    echo "!! requirements.lock was NOT checked for known vulnerabilities on this machine." >&2
    [ "${TRADEGUARD_REQUIRE_AUDIT:-0}" = 1 ] && exit 1
    exit 0
}

python3 -m venv "$work/venv" || not_audited "cannot create a virtualenv for pip-audit"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "pip-audit==2.10.1" \
    >"$work/pip.log" 2>&1 || not_audited "cannot install pip-audit: $(tail -n 1 "$work/pip.log")"

# The lock must still satisfy pyproject.toml, or the audit would check the wrong set.
"$work/venv/bin/python" - <<'PY'
import sys
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

project = tomllib.load(open("pyproject.toml", "rb"))["project"]
wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
pins = {}
for line in open("requirements.lock"):
    line = line.split("#", 1)[0].strip()
    if "==" in line:
        name, version = line.split("==", 1)
        pins[canonicalize_name(name)] = version.strip()
stale = []
for spec in map(Requirement, wanted):
    pinned = pins.get(canonicalize_name(spec.name))
    if pinned is None or not spec.specifier.contains(pinned, prereleases=True):
        stale.append(f"{spec} (locked: {pinned})")
if stale:
    print("requirements.lock does not match pyproject.toml; regenerate it (see its header):")
    print("\n".join(stale))
    sys.exit(1)
PY

status=0
"$work/venv/bin/pip-audit" --requirement requirements.lock --no-deps --disable-pip \
    --progress-spinner off --format json --output "$work/audit.json" 2>"$work/stderr" || status=$?
[ -s "$work/audit.json" ] || not_audited "pip-audit wrote no report (exit $status): $(tail -n 1 "$work/stderr")"

verdict=0
python3 - "$work/audit.json" <<'PY' || verdict=$?
import json
import sys

dependencies = json.load(open(sys.argv[1]))["dependencies"]
skipped = [d for d in dependencies if "skip_reason" in d]
vulnerable = [d for d in dependencies if d.get("vulns")]
for dependency in vulnerable:
    for vuln in dependency["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixes})")
audited = len(dependencies) - len(skipped)
print(f"audited {audited} of {len(dependencies)} locked packages, {len(vulnerable)} vulnerable")
if vulnerable:
    sys.exit(1)
if skipped and audited == 0:
    print(f"the vulnerability service answered for none of them: {skipped[0]['skip_reason']}")
    sys.exit(3)
if skipped:
    for dependency in skipped:
        print(f"NOT AUDITED {dependency['name']}: {dependency['skip_reason']}")
    sys.exit(1)
PY
case "$verdict" in
    0) ;;
    3) not_audited "the vulnerability service (PyPI's per-release JSON API) did not answer for any package" ;;
    *) exit "$verdict" ;;
esac
