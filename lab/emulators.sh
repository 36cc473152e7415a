#!/usr/bin/env bash
# Start, stop and inspect the lab emulators (one Python process serving every appliance of
# lab/config/lab.yml). See lab/README.md, section "Emulators".
#
#   lab/emulators.sh start          start in the background; returns once every appliance answers
#   lab/emulators.sh stop           stop it
#   lab/emulators.sh status         running? print each appliance (exit 0 running, 3 stopped)
#   lab/emulators.sh reset [--all]  wipe appliance state (first boot again); --all also drops the
#                                   certificates (new thumbprints). Restarts it if it was running.
#
# Environment: EMULATORS_CONFIG (lab file), EMULATORS_STATE_DIR, EMULATORS_RUN_DIR (override the
# lab file's dirs), EMULATORS_START_TIMEOUT (seconds, default 30), PYTHON (default python3).
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$LAB_DIR")
PYTHON=${PYTHON:-python3}
CONFIG=${EMULATORS_CONFIG:-$LAB_DIR/config/lab.yml}

run_py() { (cd "$REPO_DIR" && "$PYTHON" -m lab.emulators.run "$@"); }

dir_args=(--config "$CONFIG")
[ -n "${EMULATORS_STATE_DIR:-}" ] && dir_args+=(--state-dir "$EMULATORS_STATE_DIR")
[ -n "${EMULATORS_RUN_DIR:-}" ] && dir_args+=(--run-dir "$EMULATORS_RUN_DIR")
read -r STATE_DIR RUN_DIR < <(run_py "${dir_args[@]}" --print-dirs)
PID_FILE=$RUN_DIR/emulators.pid
RUN_FILE=$RUN_DIR/emulators.json
LOG_FILE=$RUN_DIR/emulators.log

alive() { # PID: running, and not a zombie waiting to be reaped
  kill -0 "$1" 2>/dev/null || return 1
  ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"
}

running_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && alive "$pid" || return 1
  echo "$pid"
}

summary() {
  "$PYTHON" - "$RUN_FILE" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
print("lab token: %s   (header X-Lab-Token, /_lab/ endpoints)" % doc["labToken"])
for a in doc["appliances"]:
    print("%-18s %-10s %-8s %-4s %-24s %s" % (a["name"], a["type"], a.get("site") or "-", a.get("version", ""), a["url"], a["thumbprint"]))
PY
}

# The provider appliances' guestinfo certificates, told to the provider's lab vCenter when it runs:
# their VMs carry them from power-on (lab/guestinfo.py, vcsim patch 0011).
publish_guestinfo() {
  [ -f "${VCSIM_RUN_DIR:-$LAB_DIR/run}/vcsim-provider.json" ] || return 0
  (cd "$REPO_DIR" && EMULATORS_RUN_DIR="$RUN_DIR" "$PYTHON" lab/guestinfo.py publish --quiet) \
    || echo "warning: the appliances' guestinfo certificates were not published to the provider vcsim" >&2
}

start() {
  local pid deadline
  if pid=$(running_pid); then
    echo "emulators already running (pid $pid)"
    [ -f "$RUN_FILE" ] && summary
    return 0
  fi
  mkdir -p "$RUN_DIR"
  rm -f "$RUN_FILE"
  (cd "$REPO_DIR" && exec nohup "$PYTHON" -m lab.emulators.run "${dir_args[@]}" >"$LOG_FILE" 2>&1 </dev/null) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  deadline=$((SECONDS + ${EMULATORS_START_TIMEOUT:-30}))
  until [ -f "$RUN_FILE" ]; do
    if ! alive "$pid"; then
      echo "emulators failed to start; last lines of $LOG_FILE:" >&2
      tail -n 20 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "emulators did not become ready in time; see $LOG_FILE" >&2
      kill "$pid" 2>/dev/null || true
      rm -f "$PID_FILE"
      return 1
    fi
    sleep 0.2
  done
  echo "emulators running (pid $pid); details in $RUN_FILE"
  summary
  publish_guestinfo
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    echo "emulators not running"
    rm -f "$PID_FILE"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    echo "emulators (pid $pid) ignored SIGTERM; killing" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE" "$RUN_FILE"
  echo "emulators stopped"
}

status() {
  local pid
  if pid=$(running_pid); then
    echo "emulators running (pid $pid)"
    [ -f "$RUN_FILE" ] && summary
    return 0
  fi
  echo "emulators not running"
  return 3
}

reset() {
  local was_running=""
  if running_pid >/dev/null; then
    was_running=1
    stop
  fi
  if [ -d "$STATE_DIR" ]; then
    find "$STATE_DIR" -maxdepth 1 -type f \( -name '*.json' -o -name '*.installed.*' -o -name '*.tmp-*' \) -delete
    if [ "${1:-}" = "--all" ]; then
      rm -rf "$STATE_DIR/certs"
    fi
  fi
  echo "emulator state wiped ($STATE_DIR)${1:+, certificates too}"
  if [ -n "$was_running" ]; then
    start
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  reset) shift; reset "$@" ;;
  *) echo "usage: $0 start|stop|status|reset [--all]" >&2; exit 2 ;;
esac
