"""PEP 517 build backend of the `blueprint-lint-python` pre-commit hook (the root pyproject.toml).

pre-commit installs that hook with `pip install .` in its clone of this repository. This
backend needs nothing to be installed first (`requires = []`, so pip fetches no setuptools and
the install works offline) and the package it builds depends on nothing (so pip never looks up
`blueprint-lint` on a package index, where that name is not ours). Instead it copies the
`blueprint-lint` binary out of the blueprint-lint wheel (linter/pyproject.toml, built by
maturin) into the wheel it builds, as a script: the hook's `blueprint-lint`.

Where the blueprint-lint wheel is looked for, in order:
  BLUEPRINT_LINT_WHEELS   a wheel file, a directory holding it, or an http(s) page linking it
  PIP_FIND_LINKS          the same (space-separated), as pip reads it
Only `blueprint_lint-VERSION-*.whl` for this machine's architecture is taken. When none is
found, the build stops with a message saying what to set; it never falls back to an index.
"""

import base64
import hashlib
import html.parser
import io
import os
import pathlib
import platform
import re
import sys
import urllib.parse
import urllib.request
import zipfile

NAME = "blueprint_lint_pre_commit"
ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


def _version():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    m = re.search(r'(?m)^version\s*=\s*"([^"]+)"', text)
    if not m:
        _fail("pyproject.toml has no `version = \"...\"`")
    return m.group(1)


class _NotFound(Exception):
    pass


def _fail(message):
    sys.stderr.write("\nblueprint-lint-python: " + message + "\n\n")
    sys.stderr.flush()
    raise SystemExit(1)


def _wanted(filename, version):
    """Whether `filename` is the blueprint-lint wheel of `version` for this machine."""
    m = re.fullmatch(r"blueprint_lint-([^-]+)-[^-]+-[^-]+-([^-]+)\.whl", filename)
    if not m or m.group(1) != version:
        return False
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    tags = m.group(2).split(".")
    return any(t.endswith("_" + machine) and ("linux" in t) == sys.platform.startswith("linux") for t in tags)


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def _from_place(place, version):
    """The wheel's bytes and name from one place (file, directory or page), or None."""
    if re.match(r"https?://", place):
        try:
            with urllib.request.urlopen(place, timeout=30) as r:
                body = r.read()
        except OSError as e:
            raise _NotFound("%s: %s" % (place, e))
        name = urllib.parse.urlparse(place).path.rsplit("/", 1)[-1]
        if name.endswith(".whl"):
            return (body, name) if _wanted(name, version) else None
        links = _Links()
        links.feed(body.decode("utf-8", "replace"))
        for href in links.hrefs:
            url = urllib.parse.urljoin(place, href.split("#", 1)[0])
            name = urllib.parse.unquote(urllib.parse.urlparse(url).path.rsplit("/", 1)[-1])
            if _wanted(name, version):
                with urllib.request.urlopen(url, timeout=120) as r:
                    return r.read(), name
        return None
    path = pathlib.Path(urllib.parse.unquote(place[7:]) if place.startswith("file://") else place)
    if path.is_file():
        return (path.read_bytes(), path.name) if _wanted(path.name, version) else None
    if path.is_dir():
        for p in sorted(path.iterdir(), reverse=True):
            if p.is_file() and _wanted(p.name, version):
                return p.read_bytes(), p.name
    return None


def _find_wheel(version):
    places = []
    for var in ("BLUEPRINT_LINT_WHEELS", "PIP_FIND_LINKS"):
        places += [(var, p) for p in os.environ.get(var, "").split() if p]
    looked = []
    for var, place in places:
        try:
            found = _from_place(place, version)
        except _NotFound as e:
            looked.append("%s=%s (%s)" % (var, place, e))
            continue
        if found:
            return found
        looked.append("%s=%s (no blueprint_lint-%s wheel for %s there)" % (var, place, version, platform.machine()))
    _fail(
        "the blueprint-lint %s wheel was not found%s.\n"
        "  This hook installs the linter from a prebuilt wheel, never from a package index.\n"
        "  Set BLUEPRINT_LINT_WHEELS (or PIP_FIND_LINKS) to the wheel, a directory holding it, or a\n"
        "  page linking it, e.g. `export BLUEPRINT_LINT_WHEELS=/path/to/dist`. Build one with\n"
        "  `scripts/build-wheel.sh` in a clone of Blueprint, or use the `blueprint-lint` hook\n"
        "  (builds from source with cargo) instead."
        % (version, (": looked at " + "; ".join(looked)) if looked else " (neither BLUEPRINT_LINT_WHEELS nor PIP_FIND_LINKS is set)")
    )


def _binary(wheel_bytes, wheel_name):
    """The blueprint-lint executable and the platform tag of the blueprint-lint wheel."""
    with zipfile.ZipFile(io.BytesIO(wheel_bytes)) as z:
        for info in z.infolist():
            if re.fullmatch(r"blueprint_lint-[^/]+\.data/scripts/blueprint-lint(\.exe)?", info.filename):
                return z.read(info), info.filename.rsplit("/", 1)[-1]
    _fail("%s holds no blueprint-lint executable (.data/scripts/)" % wheel_name)


def _metadata(version):
    return (
        "Metadata-Version: 2.1\n"
        "Name: blueprint-lint-pre-commit\n"
        "Version: %s\n"
        "Summary: pre-commit hook package of blueprint-lint (the binary of the blueprint-lint wheel)\n"
        "Requires-Python: >=3.8\n" % version
    )


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (name, digest, len(data))


# PEP 517 hooks.

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    version = _version()
    dist_info = pathlib.Path(metadata_directory) / ("%s-%s.dist-info" % (NAME, version))
    dist_info.mkdir(parents=True, exist_ok=True)
    (dist_info / "METADATA").write_text(_metadata(version), encoding="utf-8")
    return dist_info.name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    wheel_bytes, wheel_name = _find_wheel(version)
    exe, exe_name = _binary(wheel_bytes, wheel_name)
    tag = wheel_name[: -len(".whl")].split("-", 2)[2]  # py3-none-PLATFORM
    dist_info = "%s-%s.dist-info" % (NAME, version)
    files = [
        ("%s-%s.data/scripts/%s" % (NAME, version, exe_name), exe, 0o755),
        (dist_info + "/METADATA", _metadata(version).encode(), 0o644),
        (
            dist_info + "/WHEEL",
            ("Wheel-Version: 1.0\nGenerator: blueprint_hook_backend\nRoot-Is-Purelib: false\nTag: %s\n" % tag).encode(),
            0o644,
        ),
    ]
    out = pathlib.Path(wheel_directory) / ("%s-%s-%s.whl" % (NAME, version, tag))
    record = dist_info + "/RECORD"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        lines = []
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
            lines.append(_record_line(name, data))
        lines.append(record + ",,\n")
        z.writestr(zipfile.ZipInfo(record, date_time=(1980, 1, 1, 0, 0, 0)), "".join(lines))
    return out.name


def build_sdist(sdist_directory, config_settings=None):
    _fail("no source distribution: install the hook from a clone (pre-commit does)")
