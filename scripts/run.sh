#!/usr/bin/env bash
# Start the action server (port 5055) and the Rasa server (port 5005: REST, web widget, and WeChat
# when WECHAT_TOKEN is set) together; Ctrl-C stops both. Called by `make run`. The action server
# is restarted when it dies; the Rasa server exiting stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
ENDPOINTS="${ENDPOINTS:-endpoints.yml}"
CREDENTIALS="${CREDENTIALS:-credentials.yml}"
MODEL="${MODEL:-bot/models/shouhou.tar.gz}"  # another trained model (the benchmarks)
RUN_DIR="${VAR_DIR:-var}"
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
mkdir -p "$RUN_DIR"

# endpoints.yml names the action server on port 5055; another ACTION_PORT gets a copy naming it.
if [[ "$ACTION_PORT" != 5055 ]] && grep -q '127.0.0.1:5055/webhook' "$ENDPOINTS"; then
  sed "s#127.0.0.1:5055/webhook#127.0.0.1:$ACTION_PORT/webhook#" "$ENDPOINTS" > "$RUN_DIR/endpoints.run.yml"
  ENDPOINTS="$RUN_DIR/endpoints.run.yml"
fi

# The WeChat channel joins when its token is set (credentials.wechat.yml, values from the env).
if [[ -n "${WECHAT_TOKEN:-}" ]]; then
  missing=()
  for name in WECHAT_APP_ID WECHAT_APP_SECRET; do
    [[ -n "${!name:-}" ]] || missing+=("$name")
  done
  if ((${#missing[@]})); then
    echo "WECHAT_TOKEN is set, but ${missing[*]} not: the WeChat channel needs all three (docs/channels.md)." >&2
    exit 2
  fi
  export WECHAT_ENCODING_AES_KEY="${WECHAT_ENCODING_AES_KEY:-}"  # empty: plain mode
  cat "$CREDENTIALS" credentials.wechat.yml > "$RUN_DIR/credentials.run.yml"
  CREDENTIALS="$RUN_DIR/credentials.run.yml"
fi

# Rasa worker processes (Rasa reads SANIC_WORKERS; the action server stays one process): one
# per core unless RASA_WORKERS says how many. They share conversation locks through
# VAR_DIR/locks.db (endpoints.yml's lock store).
if [[ -n "${RASA_WORKERS:-}" ]]; then
  if ! [[ "$RASA_WORKERS" =~ ^[1-9][0-9]{0,2}$ ]]; then
    echo "RASA_WORKERS must be the number of Rasa worker processes, a whole number from 1 to 999, not '$RASA_WORKERS'." >&2
    exit 2
  fi
  workers="$RASA_WORKERS"
elif [[ -n "${WECHAT_TOKEN:-}" && -z "${WECHAT_REDIS_URL:-}" ]]; then
  workers=1  # WeChat keeps retries, choices and its access token in the process (docs/channels.md)
else
  workers="$(nproc 2>/dev/null || echo 1)"
fi
if ((workers > 1)) && [[ -n "${WECHAT_TOKEN:-}" && -z "${WECHAT_REDIS_URL:-}" ]]; then
  echo "RASA_WORKERS=$workers with WeChat needs WECHAT_REDIS_URL: without it each worker keeps its own WeChat retries, choices and access token (docs/channels.md). Set it, or RASA_WORKERS=1." >&2
  exit 2
fi

# The secret Rasa sends the action server (bot/runtime/action_auth.py): a new one per run unless
# ACTION_SERVER_TOKEN is set (an action server elsewhere). The action server listens on
# ACTION_HOST, loopback unless set.
if [[ -z "${ACTION_SERVER_TOKEN:-}" ]]; then
  ACTION_SERVER_TOKEN="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
fi
export ACTION_SERVER_TOKEN ACTION_HOST="${ACTION_HOST:-127.0.0.1}"

pids=()
# Set while stopping, so that the action server's supervisor does not restart it: Ctrl-C (or a
# group SIGINT) reaches the action server too, and its supervisor, a background job, ignores it.
STOPPING="$RUN_DIR/run.$$.stopping"
rm -f "$STOPPING"
stop() {
  trap - INT TERM EXIT
  touch "$STOPPING"
  echo "stopping..."
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  rm -f "$STOPPING"
}
trap stop INT TERM EXIT

# Rasa starts first: its imports and model load are most of the start-up, and it does not
# touch the ticket database until a request comes. The migration runs meanwhile, then the
# action server, which writes tickets (a failed migration stops everything).
SANIC_WORKERS="$workers" "$PY" -m bot.serve run \
  --model "$MODEL" \
  --endpoints "$ENDPOINTS" \
  --credentials "$CREDENTIALS" \
  --port "$RASA_PORT" &
pids+=($!)
"$PY" -m bot.tickets.cli migrate
# Sanic closes a new connection whose request it has not read within its keep-alive timeout
# (5 s); in a burst of conversations the action server's loop can be that late, and Rasa then
# loses the action ("Cannot write to closing transport"). 30 s leaves room.
# The action server is restarted when it exits (a crash, kill -9): after 1 s, then twice as long
# (up to 30 s) each time it dies again within a minute of its start. Stopped with TERM.
run_action_server() {
  local child="" code delay=1 started
  trap '[[ -n "$child" ]] && kill "$child" 2>/dev/null; wait 2>/dev/null; exit 0' TERM
  while true; do
    started=$SECONDS
    SANIC_KEEP_ALIVE_TIMEOUT="${SANIC_KEEP_ALIVE_TIMEOUT:-30}" \
      "$PY" -m bot.runtime.action_server --actions bot.actions --port "$ACTION_PORT" &
    child=$!
    code=0
    wait "$child" || code=$?
    [[ -e "$STOPPING" ]] && exit 0
    ((SECONDS - started < 60)) || delay=1
    echo "action server exited (code $code), restarting in $delay s" >&2
    sleep "$delay" &
    child=$!
    wait "$child" || true
    [[ -e "$STOPPING" ]] && exit 0
    delay=$((delay * 2 > 30 ? 30 : delay * 2))
  done
}
run_action_server &
pids+=($!)

echo "action server: http://$ACTION_HOST:$ACTION_PORT/health (calls need ACTION_SERVER_TOKEN)"
echo "Rasa server:   http://localhost:$RASA_PORT/ (REST: POST /webhooks/rest/webhook), $workers worker(s), ready in about 15 s"
echo "web widget:    http://localhost:$RASA_PORT/webhooks/socketio/demo (demo page)"
echo "agent console: http://localhost:$RASA_PORT/webhooks/console/ (python -m bot.console.cli add-agent)"
if [[ -n "${WECHAT_TOKEN:-}" ]]; then
  mode=plain; [[ -n "$WECHAT_ENCODING_AES_KEY" ]] && mode=safe
  echo "WeChat:        http://<public host>:$RASA_PORT/webhooks/wechat/webhook ($mode mode)"
fi
# Stop everything as soon as the Rasa server exits (the action server is restarted).
wait -n "${pids[@]}"
