#!/usr/bin/env bash
# Start the action server (port 5055) and the Rasa server (port 5005, REST channel) together;
# Ctrl-C stops both. Called by `make run` after setup and training.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var

"$PY" -m bot.tickets.cli migrate

pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping..."
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

"$PY" -m rasa_sdk --actions bot.actions --port 5055 &
pids+=($!)
"$PY" -m rasa run \
  --model bot/models/shouhou.tar.gz \
  --endpoints endpoints.yml \
  --credentials credentials.yml \
  --port 5005 \
  --cors "*" &
pids+=($!)

echo "action server: http://localhost:5055/health"
echo "Rasa server:   http://localhost:5005/ (REST: POST /webhooks/rest/webhook), ready in about a minute"
# Stop everything as soon as either server exits.
wait -n "${pids[@]}"
