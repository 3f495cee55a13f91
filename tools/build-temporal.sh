#!/usr/bin/env bash
# Find or build the pinned Temporal CLI into the cache outside the checkout
# (${ZCC_SYNC_CACHE:-${XDG_CACHE_HOME:-~/.cache}/zcc-sync}/temporal-<version>/temporal) and print its path.
# It runs the same launcher code the tests and `zcc-sync dev up` use (devstack/temporal.ts):
#   CGO_ENABLED=0 GOBIN=<tmp> go install -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=1.5.1" \
#     github.com/temporalio/cli/cmd/temporal@v1.5.1
# then an atomic rename into the cache, under a lock file (concurrent callers wait for one build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -f dist/client/main.js ]; then npx tsc -p tsconfig.build.json; fi
exec node dist/client/main.js dev temporal-binary
