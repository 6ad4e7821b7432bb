#!/usr/bin/env bash
# Installs Debian packages unless a program they provide is already there; quiet, idempotent.
# Runs apt-get update only when the package lists cannot provide them. Needs root or sudo.
# Usage: bash scripts/apt-install.sh /usr/bin/PROGRAM PACKAGE...
set -euo pipefail

program="$1"
shift
[ -x "$program" ] && exit 0
start=$SECONDS
SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "$program missing: install $* as root" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
install=($SUDO apt-get install -y -qq --no-install-recommends "$@")
if ! "${install[@]}" >/dev/null 2>&1; then
    $SUDO apt-get update -qq >/dev/null
    "${install[@]}" >/dev/null
fi
echo "installed $* ($((SECONDS - start)) s)"
