#!/usr/bin/env bash
# Installs what the browser tests in tests/e2e need: Debian's Chromium, the Python Playwright
# driver (the pip package only: no browser download, never `playwright install`) and axe-core.
# Idempotent and quiet: a step whose result is already there is skipped, and a step that runs
# prints one line with its time. Needs root (or sudo) for apt, the project's .venv (make setup)
# and npm. Usage: bash scripts/e2e-setup.sh   (VENV=path to use another virtual environment)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
AXE_DIR="$ROOT/tests/e2e/.axe"
CHROMIUM=/usr/bin/chromium

say() { printf 'e2e-setup: %s\n' "$*"; }
took() { say "$1 ($((SECONDS - $2)) s)"; }

# 1. Chromium from Debian.
bash "$ROOT/scripts/apt-install.sh" "$CHROMIUM" chromium fonts-liberation | sed 's/^/e2e-setup: /'

# 2. The Playwright Python package, into the project's virtual environment.
if [ ! -x "$VENV/bin/python" ]; then
    say "no virtual environment at $VENV: run 'make setup' first" >&2
    exit 1
fi
if ! "$VENV/bin/python" -c 'import playwright.sync_api' >/dev/null 2>&1; then
    start=$SECONDS
    # (pip's notes about unused local index folders of this machine are dropped; errors are kept)
    "$VENV/bin/pip" install --quiet --disable-pip-version-check 'playwright>=1.45' \
        2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
    took "playwright installed: $("$VENV/bin/pip" show playwright 2>/dev/null | sed -n 's/^Version: //p')" "$start"
fi

# 3. axe-core for the accessibility checks (tests/e2e/.axe/ is git-ignored).
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
    command -v npm >/dev/null 2>&1 || { say "npm not found: apt-get install -y npm" >&2; exit 1; }
    start=$SECONDS
    npm install --prefix "$AXE_DIR" axe-core@4 --no-audit --no-fund --silent >/dev/null
    took "axe-core installed: $(sed -n 's/^ *"version": "\(.*\)",/\1/p' \
        "$AXE_DIR/node_modules/axe-core/package.json" | head -1)" "$start"
fi
