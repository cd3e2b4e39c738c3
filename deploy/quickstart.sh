#!/usr/bin/env bash
# The run command from the README: installs what is missing, builds, starts
# stafet-hub with its embedded Redis, three department subscribers and a
# publisher of synthetic events, and shows the flow. For operations to look
# at (dashboard on http://127.0.0.1:7480/, stafetctl): one department
# (borgerservice) is offline, so its queue grows, and one (ydelse) rejects
# every 7th case, so dead letters appear with a reason, ready to replay.
# Ctrl-C (or --seconds N) stops everything; the hub drains and stops its Redis.
#
#   deploy/quickstart.sh [--seconds N] [--rate N] [--port N]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=0
rate=5
port=7400
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "quickstart: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target stafet-hub stafet-demo stafetctl

data="$PWD/stafet-data"
endpoint="tcp://127.0.0.1:$port"
mkdir -p "$data"
pids=()

stop_all() {
  trap - INT TERM EXIT
  echo
  echo "quickstart: stopping (the hub drains, then stops its Redis)"
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
}
trap stop_all INT TERM EXIT

# Prefixes every line of a command's output with a tag.
run_tagged() {
  local tag="$1"
  shift
  "$@" > >(sed -u "s/^/[$tag] /") 2>&1 &
  pids+=($!)
}

run_tagged hub build/hub/stafet-hub --data-dir "$data" --bind-tcp "$endpoint"
for _ in $(seq 100); do
  [ -S "$data/hub.sock" ] && break
  sleep 0.1 # waiting for the hub's socket to appear
done

run_tagged folkeregister build/tools/stafet-demo sub --endpoint "$endpoint" \
  --name folkeregister --pattern 'cpr.#' --filter tenant=0751
run_tagged debitorvagten build/tools/stafet-demo sub --endpoint "$endpoint" \
  --name debitorvagten --pattern 'debt.#'
run_tagged ydelse build/tools/stafet-demo sub --endpoint "$endpoint" \
  --name ydelse --pattern 'case.#' --filter 'kle^=27.' --reject-every 7
ctl=build/tools/stafetctl/stafetctl
for _ in $(seq 100); do
  "$ctl" status >/dev/null 2>&1 && break
  sleep 0.1 # waiting for the hub's admin API to answer
done
"$ctl" subs add borgerservice --pattern 'contact.#' --pattern 'cpr.person.*' >/dev/null || true
run_tagged publisher build/tools/stafet-demo pub --endpoint "$endpoint" --rate "$rate"

echo "quickstart: hub on $endpoint, data in $data; Ctrl-C to stop"
echo "quickstart: dashboard http://127.0.0.1:7480/  ·  $ctl status  ·  $ctl dlq ls ydelse"
if ((seconds > 0)); then
  sleep "$seconds" # the demo's requested running time
else
  wait
fi
