#!/usr/bin/env bash
# Start the action server (port 5055) and the Rasa server (port 5005, REST channel) together;
# Ctrl-C stops both. Called by `make run` after setup and training.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
ENDPOINTS="${ENDPOINTS:-endpoints.yml}"
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
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

"$PY" -m rasa_sdk --actions bot.actions --port "$ACTION_PORT" &
pids+=($!)
"$PY" -m rasa run \
  --model bot/models/shouhou.tar.gz \
  --endpoints "$ENDPOINTS" \
  --credentials credentials.yml \
  --port "$RASA_PORT" \
  --cors "*" &
pids+=($!)

echo "action server: http://localhost:$ACTION_PORT/health"
echo "Rasa server:   http://localhost:$RASA_PORT/ (REST: POST /webhooks/rest/webhook), ready in about a minute"
# Stop everything as soon as either server exits.
wait -n "${pids[@]}"
