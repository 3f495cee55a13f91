#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build, test and demo zcc-sync:
#   1. apt packages: slapd + ldap-utils (preseeded: no system database), and a C/C++ toolchain
#      + python3 for node-gyp (sqlite3 compiles from source when no prebuilt binary is reachable);
#      prometheus for its promtool, which checks deploy/'s alert rules (its server is not started);
#   2. npm ci (skipped when node_modules already matches package-lock.json; CI_FORCE_NPM_CI=1 forces it);
#   3. npm run build;
#   4. the Temporal CLI: found on PATH or in the cache, else built once from Go modules
#      (tools/build-temporal.sh; ~5 min the first time). Skipped when TEMPORAL_ADDRESS is set.
# `--postgresql` also installs Debian's PostgreSQL server (apt `postgresql`) for the store's
# PostgreSQL tests (scripts/pg-throwaway.sh); `--samba` installs Samba 4.17 for the tests'
# Active Directory domain controller (devstack/samba-ad.ts), with no system Samba service left
# running or enabled. `--chromium` installs Debian's chromium, the browser the console tests drive
# with playwright-core (Playwright's own browser download cannot be reached). .ci/run passes all
# three; the demo needs none.
# Used by .ci/run and by the README's demo instructions. Prints the time of each step.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

with_postgresql=false
with_samba=false
with_chromium=false
for arg in "$@"; do
  case "$arg" in
    --postgresql) with_postgresql=true ;;
    --samba) with_samba=true ;;
    --chromium) with_chromium=true ;;
    *) echo "scripts/setup.sh: unknown argument \"$arg\" (options: --postgresql, --samba, --chromium)" >&2; exit 2 ;;
  esac
done

# What `samba-tool domain provision` and a DC serving LDAP need; no recommends (no winbind, CUPS…).
SAMBA_PACKAGES=(samba samba-dsdb-modules samba-ad-provision samba-vfs-modules)

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
    echo "Install as root: echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections && apt-get install -y slapd ldap-utils build-essential python3 prometheus (and postgresql for --postgresql, ${SAMBA_PACKAGES[*]} openssl for --samba)" >&2
    exit 1
  fi
}

apt_packages() {
  local want=()
  [ -x /usr/sbin/slapd ] && [ -x /usr/sbin/slapadd ] || want+=(slapd)
  command -v ldapsearch >/dev/null 2>&1 || want+=(ldap-utils)
  { command -v make && command -v g++; } >/dev/null 2>&1 || want+=(build-essential)
  command -v python3 >/dev/null 2>&1 || want+=(python3)
  # promtool (test/deploy.test.ts checks deploy/prometheus/ with it) comes with Debian's prometheus.
  local prometheus_wanted=false
  command -v promtool >/dev/null 2>&1 || { want+=(prometheus); prometheus_wanted=true; }
  # Debian 12's server binaries live under /usr/lib/postgresql/15/bin, not on PATH.
  if $with_postgresql && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then want+=(postgresql); fi
  if $with_chromium && [ ! -x /usr/bin/chromium ]; then want+=(chromium fonts-liberation); fi
  local samba_wanted=false p
  if $with_samba; then
    for p in "${SAMBA_PACKAGES[@]}"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || { want+=("$p"); samba_wanted=true; }
    done
    command -v openssl >/dev/null 2>&1 || want+=(openssl)
  fi
  if [ "${#want[@]}" -eq 0 ]; then echo "apt packages: all present"; $with_samba && quiet_samba_services; return 0; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing ${want[*]} and no apt-get: install OpenLDAP 2.5 (slapd, ldap-utils), a C++ toolchain and python3 (and PostgreSQL 15 for --postgresql, Samba 4.17 with its AD DC modules for --samba)" >&2
    exit 1
  fi
  echo "installing: ${want[*]}"
  echo 'slapd slapd/no_configuration boolean true' | as_root debconf-set-selections
  # Package scripts must not start smbd/nmbd/samba-ad-dc (the tests' DC needs 127.0.0.1:389/636)
  # nor a Prometheus server (only promtool is wanted): a policy-rc.d that denies every start, for
  # this install only, unless the machine has one.
  local own_policy=false rc=0
  if { $samba_wanted || $prometheus_wanted; } && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# written by zcc-sync scripts/setup.sh for one apt-get install\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod 755 /usr/sbin/policy-rc.d
    own_policy=true
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q || rc=$?
  [ "$rc" -ne 0 ] || as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${want[@]}" || rc=$?
  if $own_policy; then as_root rm -f /usr/sbin/policy-rc.d; fi
  [ "$rc" -eq 0 ] || exit "$rc"
  if $with_samba; then quiet_samba_services; fi
  if $prometheus_wanted; then quiet_prometheus_service; fi
}

# Only promtool is used: the prometheus server the package brings stays stopped and disabled.
quiet_prometheus_service() {
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/prometheus ] && command -v update-rc.d >/dev/null 2>&1; then
    as_root update-rc.d prometheus disable >/dev/null 2>&1 || true
  fi
}

# The system's Samba services stay stopped and disabled: the tests run their own DC as a child.
# Only the services' own stop commands are used (never a kill by name: a test run's DC is also
# called samba).
quiet_samba_services() {
  local s
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    as_root systemctl disable --now smbd nmbd samba-ad-dc >/dev/null 2>&1 || true
    return 0
  fi
  for s in samba-ad-dc smbd nmbd; do
    [ -x "/etc/init.d/$s" ] || continue
    command -v update-rc.d >/dev/null 2>&1 && as_root update-rc.d "$s" disable >/dev/null 2>&1 || true
    if [ -s "/run/samba/$s.pid" ] || { [ "$s" = samba-ad-dc ] && [ -s /run/samba/samba.pid ]; }; then
      as_root "/etc/init.d/$s" stop >/dev/null 2>&1 || true
    fi
  done
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
