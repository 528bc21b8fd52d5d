#!/usr/bin/env bash
# Install the browser dependencies from the npm registry, each at the exact version of its
# package-lock.json: the web widget's socket.io-client (bot/channels/web) and the agent
# console dashboard's Chart.js (bot/console). Skips a folder whose node_modules already matches
# its lock; needs node and npm on PATH.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

install() {  # install DIR FILE: npm ci in DIR unless FILE (under node_modules) is up to date
  cd "$root/$1"
  local stamp=node_modules/.package-lock.json
  if [[ -f "$stamp" && "$stamp" -nt package-lock.json && -f "node_modules/$2" ]]; then
    return 0
  fi
  npm ci --no-audit --no-fund --loglevel=error
}

install bot/channels/web socket.io-client/dist/socket.io.min.js
install bot/console chart.js/dist/chart.umd.min.js
