#!/usr/bin/env bash
# Installs what linter/tests/graph_browser.rs needs: Debian's Chromium (headless) and the
# mermaid npm package (its own dist only; nothing here downloads a browser) into
# linter/tests/browser/node_modules with `npm ci` from the committed package-lock.json.
# Best effort: the test skips with a loud message when either is missing.
# Call it from scripts/setup.sh: `bash linter/tests/browser/setup.sh`.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
            { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; } ||
            echo "browser/setup.sh: could not install chromium (the Mermaid browser test will skip)" >&2
    else
        echo "browser/setup.sh: chromium missing and apt-get not usable (the Mermaid browser test will skip)" >&2
    fi
fi
if [ ! -f "$here/node_modules/mermaid/dist/mermaid.min.js" ]; then
    if command -v npm >/dev/null 2>&1; then
        (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null 2>&1) ||
            echo "browser/setup.sh: npm ci failed in $here (the Mermaid browser test will skip)" >&2
    else
        echo "browser/setup.sh: npm missing (the Mermaid browser test will skip)" >&2
    fi
fi
exit 0
