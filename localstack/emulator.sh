#!/usr/bin/env bash
# AWS emulator harness: Python venvs under the cache dir, start on a free 127.0.0.1 port,
# wait for readiness, stop by PID. Used by `cargo xtask emulator ...`, the e2e test harness
# (cloudops-e2e) and CI.
#
#   emulator.sh setup  [moto|localstack]   create the venv and install the pinned packages
#   emulator.sh up     [moto|localstack]   start (setup first if needed); prints the endpoint URL
#   emulator.sh down                       stop the running emulator (by PID)
#   emulator.sh status                     print "running <kind> <url> pid <pid>" or "stopped"; exit 3 when stopped
#   emulator.sh reset                      empty all state (moto only)
#   emulator.sh url                        print the endpoint URL of the running emulator
#   emulator.sh venv   [moto|localstack]   print the venv path
#
# Environment: CLOUDOPS_CACHE_DIR (default $XDG_CACHE_HOME/cloudops or ~/.cache/cloudops),
#              CLOUDOPS_EMULATOR_PORT (default: a free port; LocalStack uses 4566),
#              CLOUDOPS_EMULATOR_STATE_DIR (pid/url/log files; default $CLOUDOPS_CACHE_DIR/emulator:
#              give a private one to run an emulator of your own beside the shared one).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${CLOUDOPS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cloudops}"
state="${CLOUDOPS_EMULATOR_STATE_DIR:-$cache/emulator}"
python="${PYTHON:-python3}"

die() { echo "emulator: $*" >&2; exit 1; }

venv_dir() {
  case "$1" in
    moto) echo "$cache/venv/moto-$(sha256sum "$here/requirements-moto.txt" | cut -c1-12)" ;;
    localstack) echo "$cache/venv/localstack-$(cat "$here/requirements-localstack.txt" "$here/constraints-localstack.txt" | sha256sum | cut -c1-12)" ;;
    *) die "unknown emulator '$1': use moto or localstack" ;;
  esac
}

setup() {
  local kind="$1" venv; venv="$(venv_dir "$kind")"
  if [[ -f "$venv/.complete" ]]; then return 0; fi
  echo "emulator: installing $kind into $venv" >&2
  # A venv is not relocatable, so it is built in place; .complete marks a finished install
  # and anything without it is removed and rebuilt.
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv" || die "could not create a venv with $python: install python3 and python3-venv"
  local pip=("$venv/bin/pip" install --quiet --disable-pip-version-check)
  if [[ "$kind" == moto ]]; then
    "${pip[@]}" -r "$here/requirements-moto.txt" >&2
  else
    "${pip[@]}" -r "$here/requirements-localstack.txt" -c "$here/constraints-localstack.txt" >&2
  fi
  touch "$venv/.complete"
}

free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

running_pid() {
  [[ -f "$state/pid" ]] || return 1
  local pid; pid="$(cat "$state/pid")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

wait_ready() {
  local url="$1" probe="$2" pid="$3" i
  for i in $(seq 1 600); do
    if curl -fsS -o /dev/null "$url$probe" 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$state/log" >&2; die "the emulator exited during start-up (log: $state/log)"; }
    sleep 0.1
  done
  die "the emulator did not answer $url$probe within 60 s (log: $state/log)"
}

up() {
  local kind="$1"
  if pid="$(running_pid)"; then
    echo "$(cat "$state/url")"; return 0
  fi
  setup "$kind"
  local venv port url probe; venv="$(venv_dir "$kind")"
  mkdir -p "$state"
  if [[ "$kind" == moto ]]; then
    port="${CLOUDOPS_EMULATOR_PORT:-$(free_port)}"
    url="http://127.0.0.1:$port"; probe="/moto-api/"
    setsid "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$state/log" 2>&1 </dev/null &
  else
    port="${CLOUDOPS_EMULATOR_PORT:-4566}"
    url="http://127.0.0.1:$port"; probe="/_localstack/health"
    mkdir -p "$state/localstack-root"
    OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$state/localstack-root" GATEWAY_LISTEN="127.0.0.1:$port" \
      GATEWAY_SERVER=hypercorn DNS_ADDRESS=0 DISABLE_EVENTS=1 SKIP_SSL_CERT_DOWNLOAD=1 \
      setsid "$venv/bin/python" -m localstack.runtime.main >"$state/log" 2>&1 </dev/null &
  fi
  local pid=$!
  echo "$pid" >"$state/pid"; echo "$url" >"$state/url"; echo "$kind" >"$state/kind"
  wait_ready "$url" "$probe" "$pid"
  echo "$url"
}

down() {
  local pid
  if pid="$(running_pid)"; then
    # The emulator runs in its own session: stop the whole process group.
    # LocalStack's hypercorn ignores SIGTERM, so escalate to SIGKILL.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    echo "emulator: stopped pid $pid" >&2
  fi
  rm -f "$state/pid" "$state/url" "$state/kind"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running $(cat "$state/kind") $(cat "$state/url") pid $pid"
  else
    echo "stopped"; exit 3
  fi
}

reset() {
  running_pid >/dev/null || die "no emulator is running: start one with 'cargo xtask emulator up'"
  [[ "$(cat "$state/kind")" == moto ]] || die "reset needs moto; LocalStack core has no reset endpoint (restart it instead)"
  curl -fsS -X POST "$(cat "$state/url")/moto-api/reset" >/dev/null
  echo "emulator: state reset" >&2
}

cmd="${1:-}"; kind="${2:-moto}"
case "$cmd" in
  setup) setup "$kind"; venv_dir "$kind" ;;
  up) up "$kind" ;;
  down) down ;;
  status) status ;;
  reset) reset ;;
  url) running_pid >/dev/null || die "no emulator is running"; cat "$state/url" ;;
  venv) venv_dir "$kind" ;;
  *) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
