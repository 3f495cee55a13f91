#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the store's PostgreSQL tests.
#   scripts/pg-throwaway.sh start DIR   → prints the connection URL (trust auth, 127.0.0.1, a free port)
#   scripts/pg-throwaway.sh stop DIR
# Needs Debian's postgresql server binaries (/usr/lib/postgresql/<v>/bin): `scripts/setup.sh
# --postgresql` installs them.
#
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` system user.
# That user must be able to reach the cluster, and PostgreSQL's tools also chdir back to their
# working directory after finding their own binary: a clone in a 0700 folder (`mktemp -d`,
# anything under /root) fails both ways ("could not change directory … Permission denied").
# So as root the cluster lives in its own postgres-owned `mktemp -d` under /tmp, the tools run
# with that as their working directory, and DIR only records where it is (DIR/cluster).
set -euo pipefail
cmd="${1:?usage: $0 start|stop DIR}"; dir="${2:?usage: $0 start|stop DIR}"
case "$dir" in /*) ;; *) dir="$(pwd)/$dir" ;; esac
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
root=false; [ "$(id -u)" -eq 0 ] && root=true

# The cluster directory: DIR itself when not root, else the /tmp folder recorded in DIR/cluster.
cluster_of() {
  if ! $root; then echo "$dir"; elif [ -f "$dir/cluster" ]; then cat "$dir/cluster"; fi
}
# Runs a PostgreSQL tool as the cluster's owner, from a working directory that owner can enter.
in_cluster() {
  local c="$1"; shift
  if $root; then (cd "$c" && runuser -u postgres -- "$@"); else (cd "$c" && "$@"); fi
}

stop() {
  local c; c=$(cluster_of)
  if [ -n "$c" ] && [ -d "$c/data" ] && [ -n "$bin" ]; then
    in_cluster "$c" "$bin/pg_ctl" -D "$c/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  # Only ever remove a folder this script made (the recorded path is checked, not trusted).
  if $root && [ -n "$c" ] && [[ "$c" == /tmp/zcc-sync-pg.* ]]; then rm -rf "$c"; fi
  rm -rf "$dir"
}

case "$cmd" in
  start)
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
      echo "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run scripts/setup.sh --postgresql (as root), or apt-get install postgresql" >&2
      exit 1
    fi
    if $root && ! id postgres >/dev/null 2>&1; then
      echo "running as root but there is no \`postgres\` system user to own the cluster (initdb refuses root): reinstall Debian's postgresql package" >&2
      exit 1
    fi
    stop # a cluster left by an earlier run that did not stop it
    mkdir -p "$dir"
    if $root; then
      c=$(mktemp -d /tmp/zcc-sync-pg.XXXXXX)
      chown postgres: "$c"
      echo "$c" >"$dir/cluster"
    else
      c="$dir"
    fi
    port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    if ! out=$(in_cluster "$c" "$bin/initdb" -D "$c/data" -U postgres --auth=trust -E UTF8 2>&1); then
      printf 'initdb failed in %s:\n%s\n' "$c" "$out" >&2
      exit 1
    fi
    if ! in_cluster "$c" "$bin/pg_ctl" -D "$c/data" -l "$c/server.log" -w -t 60 \
      -o "-p $port -k $c -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1; then
      printf 'PostgreSQL did not start (port %s); its log %s:\n' "$port" "$c/server.log" >&2
      tail -n 20 "$c/server.log" >&2 2>/dev/null || true
      exit 1
    fi
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
