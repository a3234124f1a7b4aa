#!/usr/bin/env bash
# Install the Debian packages Interloom needs outside Python, when they are missing.
#
#   scripts/system-packages.sh
#
# Packages (Debian name: the command that shows it is present):
#   graphviz: dot     draws `interloom catalog graph --format svg` and docs/landscape.svg
#
# Quiet and quick when everything is present (nothing is installed twice). A missing package
# is installed with apt-get when running as root (or with passwordless sudo) on a system that
# has apt-get; otherwise the script names what to install and exits 1.
#
# Environment: SYSTEM_PACKAGES_LOG  where apt-get's output goes
#                                   (default: $TMPDIR or /tmp, interloom-packages.UID.log)
# Exit status: 0 when every package is present afterwards, 1 otherwise.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
LOG=${SYSTEM_PACKAGES_LOG:-${TMPDIR:-/tmp}/interloom-packages.$(id -u).log}

# Debian package and the command it provides, one pair per line.
PACKAGES=(
  "graphviz dot"
)

say() { echo "system-packages: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 1
  fi
}

missing=()
for entry in "${PACKAGES[@]}"; do
  read -r package command <<<"$entry"
  command -v "$command" >/dev/null 2>&1 || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  say "missing: ${missing[*]}; apt-get is not available: install them with the system's package manager"
  exit 1
fi
say "installing ${missing[*]} (apt-get output in $LOG)"
if ! { as_root apt-get update -q && as_root apt-get install -y -q --no-install-recommends "${missing[@]}"; } >>"$LOG" 2>&1; then
  say "could not install ${missing[*]} (needs root or passwordless sudo); see $LOG"
  say "install them by hand: sudo apt-get install ${missing[*]}"
  exit 1
fi

for entry in "${PACKAGES[@]}"; do
  read -r package command <<<"$entry"
  if ! command -v "$command" >/dev/null 2>&1; then
    say "$package is installed but '$command' is still not on PATH"
    exit 1
  fi
done
say "installed ${missing[*]}"
