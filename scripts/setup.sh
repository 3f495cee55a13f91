#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build, test and demo zcc-sync:
#   1. apt packages: slapd + ldap-utils (preseeded: no system database), and a C/C++ toolchain
#      + python3 for node-gyp (sqlite3 compiles from source when no prebuilt binary is reachable);
#   2. npm ci (skipped when node_modules already matches package-lock.json; CI_FORCE_NPM_CI=1 forces it);
#   3. npm run build;
#   4. the Temporal CLI: found on PATH or in the cache, else built once from Go modules
#      (tools/build-temporal.sh; ~5 min the first time). Skipped when TEMPORAL_ADDRESS is set.
# `--postgresql` also installs Debian's PostgreSQL server (apt `postgresql`) for the store's
# PostgreSQL tests (scripts/pg-throwaway.sh); .ci/run passes it, the demo does not need it.
# Used by .ci/run and by the README's demo instructions. Prints the time of each step.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

with_postgresql=false
for arg in "$@"; do
  case "$arg" in
    --postgresql) with_postgresql=true ;;
    *) echo "scripts/setup.sh: unknown argument \"$arg\" (the only option is --postgresql)" >&2; exit 2 ;;
  esac
done

now_ds() { echo $(( $(date +%s%N) / 100000000 )); } # tenths of a second
step() { # step NAME COMMAND...
  local name="$1" t0 dt; shift
  t0=$(now_ds)
  printf '\n== %s\n' "$name"
  "$@"
  dt=$(( $(now_ds) - t0 ))
  printf -- '-- %s: %d.%d s\n' "$name" $(( dt / 10 )) $(( dt % 10 ))
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  else
    echo "Need root to run: $*" >&2
    echo "Install as root: echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections && apt-get install -y slapd ldap-utils build-essential python3 (and postgresql for --postgresql)" >&2
    exit 1
  fi
}

apt_packages() {
  local want=()
  [ -x /usr/sbin/slapd ] && [ -x /usr/sbin/slapadd ] || want+=(slapd)
  command -v ldapsearch >/dev/null 2>&1 || want+=(ldap-utils)
  { command -v make && command -v g++; } >/dev/null 2>&1 || want+=(build-essential)
  command -v python3 >/dev/null 2>&1 || want+=(python3)
  # Debian 12's server binaries live under /usr/lib/postgresql/15/bin, not on PATH.
  if $with_postgresql && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then want+=(postgresql); fi
  if [ "${#want[@]}" -eq 0 ]; then echo "apt packages: all present"; return 0; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing ${want[*]} and no apt-get: install OpenLDAP 2.5 (slapd, ldap-utils), a C++ toolchain and python3 (and PostgreSQL 15 for --postgresql)" >&2
    exit 1
  fi
  echo "installing: ${want[*]}"
  echo 'slapd slapd/no_configuration boolean true' | as_root debconf-set-selections
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${want[@]}"
}

npm_install() {
  # npm writes node_modules/.package-lock.json on every install: newer than the lock file = in step.
  if [ -z "${CI_FORCE_NPM_CI:-}" ] && [ node_modules/.package-lock.json -nt package-lock.json ] && [ node_modules/.package-lock.json -nt package.json ]; then
    echo "node_modules matches package-lock.json; skipping npm ci (CI_FORCE_NPM_CI=1 to force)"
  else
    npm ci --no-audit --no-fund
  fi
}

temporal_cli() {
  if [ -n "${TEMPORAL_ADDRESS:-}" ]; then echo "TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS: using that server, no Temporal CLI needed"; return 0; fi
  tools/build-temporal.sh
}

step "apt packages" apt_packages
step "npm ci" npm_install
step "build (tsc)" npm run --silent build
step "Temporal CLI" temporal_cli
