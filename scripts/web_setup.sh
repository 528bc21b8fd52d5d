#!/usr/bin/env bash
# Install the web widget's npm dependency (socket.io-client, exact version in
# bot/channels/web/package-lock.json) into bot/channels/web/node_modules, from the npm registry.
# Does nothing when node_modules already matches the lock; needs node and npm on PATH.
set -euo pipefail
cd "$(dirname "$0")/../bot/channels/web"
stamp=node_modules/.package-lock.json
if [[ -f "$stamp" && "$stamp" -nt package-lock.json && -f node_modules/socket.io-client/dist/socket.io.min.js ]]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
