#!/usr/bin/env bash
# Installs the mermaid npm package linter/tests/graph_browser.rs loads (its own dist only;
# nothing here downloads a browser) into linter/tests/browser/node_modules with `npm ci` from
# the committed package-lock.json, saying what it does. Chromium is Debian's, installed by
# scripts/setup.sh. Best effort: the test skips with a loud message when either is missing.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[setup] %s\n' "$*" >&2; }
if [ -f "$here/node_modules/mermaid/dist/mermaid.min.js" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    log "npm missing: the mermaid package is not installed (the Mermaid browser test will skip)"
    exit 0
fi
log "npm ci in $here (the mermaid package)"
if ! (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund 2>&1 | sed -u 's/^/[setup] npm: /'; exit "${PIPESTATUS[0]}"); then
    log "npm ci failed in $here (the Mermaid browser test will skip)"
fi
exit 0
