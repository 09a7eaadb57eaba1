"""The variables of a Terraform configuration directory that have no default and no value.

Usage: python3 example_vars.py DIR

Prints, one per line, each `variable "NAME"` block of DIR/*.tf whose body has no top-level
`default` and that neither `TF_VAR_NAME` nor DIR/terraform.tfvars nor DIR/*.auto.tfvars sets:
the values `terraform apply -input=false` would stop on. A small scanner, not an HCL parser:
it skips comments, quoted strings and nested blocks, which is all a `variable` block holds.
Exit status 0; 2 when DIR holds no .tf file.
"""

import os
import pathlib
import re
import sys


def strip(text):
    """`text` with comments blanked and quoted strings reduced to `""` (braces inside them gone)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif c == "#" or text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def variables(text):
    """(name, has_default) of each `variable "name" { ... }` block in `text`."""
    found = []
    for m in re.finditer(r'(?m)^\s*variable\s+"([^"]+)"\s*\{', text):
        name = m.group(1)
        body = strip(text[m.end():])
        depth, top = 1, []
        for c in body:
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
            if depth == 1:
                top.append(c)
        found.append((name, re.search(r"(?m)^\s*default\s*=", "".join(top)) is not None))
    return found


def main():
    d = pathlib.Path(sys.argv[1])
    tf = sorted(d.glob("*.tf"))
    if not tf:
        return 2
    decls = [v for f in tf for v in variables(f.read_text(encoding="utf-8"))]
    given = set()
    for f in [d / "terraform.tfvars", *sorted(d.glob("*.auto.tfvars"))]:
        if f.is_file():
            given.update(re.findall(r"(?m)^\s*([A-Za-z_][\w-]*)\s*=", strip(f.read_text(encoding="utf-8"))))
    for name, has_default in decls:
        if not has_default and name not in given and ("TF_VAR_" + name) not in os.environ:
            print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
