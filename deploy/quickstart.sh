#!/usr/bin/env bash
# The run command from the README: installs what is missing, builds, starts
# stafet-hub with its embedded Redis, three department subscribers and a
# publisher of synthetic events, and shows the flow. For operations to look
# at (dashboard on http://127.0.0.1:7480/, stafetctl): one department
# (borgerservice) is offline, so its queue grows, and one (ydelse) rejects
# every 7th case, so dead letters appear with a reason, ready to replay.
# It also runs the back office (issue 3): one stafet-adapter host with the
# cpr, debtor, case and contact plugins (config: stafet-data/adapters.conf),
# the fake ESDH, the fake debtor system importing instruction files, and the
# simulators at a slow rate (a CPR change file every few seconds, call events,
# ESDH webhooks); a synthetic citizen, 010190-1234, opens a case and moves from
# Aabenraa to Aarhus, so a relocation flows through every system.
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
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "quickstart: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target stafet-hub stafet-demo stafetctl stafet-adapter \
  stafet_adapter_cpr stafet_adapter_debtor stafet_adapter_case stafet_adapter_contact \
  stafet-sim-cpr stafet-sim-debtor stafet-sim-esdh stafet-sim-esdh-hooks stafet-sim-events \
  stafet-keys

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

# The admin API (dashboard, stafetctl) on --port + 80: 7480 by default.
admin="127.0.0.1:$((port + 80))"
export STAFET_ADMIN="$admin" STAFET_ENDPOINT="$endpoint" STAFET_ADMIN_TOKEN_FILE="$data/admin.token"
# CURVE on, as in production: the hub's key pair and one per client, made
# once under stafet-data/keys (docs/security.md).
keys="$data/keys"
kt=build/tools/keys/stafet-keys
mkdir -p "$keys"
for name in hub demo stafetctl cpr debtor case contact; do
  [ -f "$keys/$name.key" ] || "$kt" gen "$name" --dir "$keys" >/dev/null
done
run_tagged hub build/hub/stafet-hub --data-dir "$data" --bind-tcp "$endpoint" --admin-bind "$admin" \
  --curve-secret-key-file "$keys/hub.key"
for _ in $(seq 100); do
  [ -S "$data/hub.sock" ] && [ -S "$data/redis.sock" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || break
  sleep 0.1 # waiting for the hub's socket to appear
done
if ! kill -0 "${pids[0]}" 2>/dev/null; then
  echo "quickstart: the hub did not start (see [hub] above; is port $port or $admin taken?)" >&2
  exit 1
fi

# Register every client's key with what it may do (the hub reloads at once).
register() { # register NAME [stafet-keys acl options...]
  local name=$1
  shift
  "$kt" add "$name" "$(cat "$keys/$name.pub")" --data-dir "$data" >/dev/null &&
    "$kt" acl "$name" "$@" --data-dir "$data" >/dev/null
}
until register demo --publish '#' --subscribe '#' --cleared; do
  sleep 0.2 # the embedded Redis is still starting
done
register stafetctl --subscribe '#'
register cpr --publish 'cpr.#' --provide cpr.person.get
register debtor --publish 'debt.#' --subscribe 'cpr.#' --provide debt.summary.get --cleared
register case --publish 'case.#' --subscribe 'cpr.#' --provide case.list.get --cleared
register contact --publish 'contact.#' --call cpr.person.get --call debt.summary.get \
  --call case.list.get
# libstafet takes its keys from here: the demo clients are adapter "demo".
export STAFET_CURVE_SERVER_KEY_FILE="$keys/hub.pub" STAFET_CURVE_SECRET_KEY_FILE="$keys/demo.key"

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

# ---- the back office: fake ESDH, fake debtor system, one adapter host ----
case_port=$((port + 81))    # the case adapter's webhook endpoint (ESDH -> hub)
contact_port=$((port + 82)) # the contact adapter: call events, citizen overview
esdh_port=$((port + 90))    # the fake ESDH's REST API (hub -> ESDH)
sim=build/tools/sim
cpr_spool="$data/cpr-spool" debtor_spool="$data/debtor-spool" import="$data/debtor-import"
mkdir -p "$cpr_spool" "$debtor_spool" "$import"
run_tagged esdh "$sim/esdh/stafet-sim-esdh" --listen "127.0.0.1:$esdh_port" --verbose
run_tagged debtor-system "$sim/debtor/stafet-sim-debtor" import --dir "$import" --interval-ms 500
lib="$PWD/build/adapters"
cat >"$data/adapters.conf" <<EOF
# written by deploy/quickstart.sh; see deploy/examples/adapters-kommune.conf
hub = $endpoint
state_dir = $data/adapters
curve_server_key_file = $keys/hub.pub
curve_keys_dir = $keys
log_level = info
[plugin cpr]
path = $lib/cpr/libstafet_adapter_cpr.so
spool_dir = $cpr_spool
data_dir = $data/adapters/cpr
[plugin debtor]
path = $lib/debtor/libstafet_adapter_debtor.so
spool_dir = $debtor_spool
data_dir = $data/adapters/debtor
import_dir = $import
kommunekode = 0751
[plugin case]
path = $lib/case/libstafet_adapter_case.so
listen = 127.0.0.1:$case_port
data_dir = $data/adapters/case
esdh_url = http://127.0.0.1:$esdh_port
[plugin contact]
path = $lib/contact/libstafet_adapter_contact.so
listen = 127.0.0.1:$contact_port
data_dir = $data/adapters/contact
EOF
run_tagged adapters build/adapters/host/stafet-adapter --config "$data/adapters.conf"

# Waits (up to 10 s) until something listens on 127.0.0.1:$1.
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1 # waiting for the port to open
  done
  return 1
}
# POSTs JSON $2 to 127.0.0.1:$1 path $3 (bash's /dev/tcp: no curl needed).
post_json() {
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'POST %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$3" "${#2}" "$2" >&3
  head -n 1 <&3
  exec 3<&-
}
# GETs 127.0.0.1:$1 path $2 and prints the body.
get_body() {
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
  sed '1,/^\r\{0,1\}$/d' <&3
  exec 3<&-
}
# A CPR change file (docs/cpr-format.md; ASCII here, so bytes are characters):
# cpr_file NAME RECORD... writes the start and end records around the records,
# under a temporary name, then renames it into the spool.
cpr_file() {
  local name="$1" id="${1%.txt}"
  shift
  {
    printf '000%-20s%s0001\n' "$id" "$(date +%Y%m%d)"
    printf '%s\n' "$@"
    printf '999%-20s%08d\n' "$id" "$#"
  } >"$cpr_spool/.$name" && mv "$cpr_spool/.$name" "$cpr_spool/$name"
}
addr() { printf '%-40s%-4s%-2s%-4s%-4s%-20s' "$@"; }

# The showcase citizen 010190-1234 (synthetic): a debtor with a case, who moves.
showcase() {
  local cpr=0101901234 today stamp
  today=$(date +%Y%m%d) stamp=$(date +%s)
  printf 'fordring_id;debitor;fordringstype;beloeb;forfaldsdato;tekst\nDEMO-1;010190-1234;DAGINSTITUTION;1.234,50;01-02-2024;Pasning\n' \
    >"$debtor_spool/.demo-claims.csv" && mv "$debtor_spool/.demo-claims.csv" "$debtor_spool/demo-claims-$today-$$.csv"
  wait_port "$case_port" && post_json "$case_port" '{"event":"case.opened","event_id":"demo-1","tenant":"0751","case":{"id":"S-DEMO-1","system":"sim-esdh","kle":"27.24.00","department":"ydelse","title":"Boligstoette","parties":[{"cpr":"010190-1234"}]}}' /esdh/events
  local aabenraa aarhus
  aabenraa=$(addr Storegade 3 st "" 6200 Aabenraa)
  aarhus=$(addr Vestergade 12B 2 tv 8000 "Aarhus C")
  cpr_file "DEMO-$stamp-1.txt" \
    "$(printf '001%s0580%sF19900101%-50s%-40s%s' $cpr "$today" Anna Jensen "$aabenraa")"
  for _ in $(seq 100); do
    ls "$cpr_spool/done/DEMO-$stamp-1.txt"* >/dev/null 2>&1 && break
    sleep 0.1 # waiting for the cpr adapter to read the registration
  done
  cpr_file "DEMO-$stamp-2.txt" "$(printf '002%s0751%s0580%s%s' $cpr "$today" "$aabenraa" "$aarhus")"
  echo "010190-1234 moved from Aabenraa to Aarhus: watch [esdh] and [debtor-system]"
  local overview=""
  for _ in $(seq 100); do
    overview=$(get_body "$contact_port" /citizens/010190-1234/overview 2>/dev/null) || true
    [[ "$overview" == *'"postcode":"8000"'*'"complete":true'* || "$overview" == *'"complete":true'*'"postcode":"8000"'* ]] && break
    sleep 0.1 # waiting for the relocation to reach the register
  done
  echo "the contact centre's overview of 010190-1234: $overview"
}
wait_port "$contact_port" || echo "quickstart: the contact adapter is not listening on $contact_port" >&2
run_tagged showcase showcase
# The simulators, slowly: 4 CPR records a file at 1 a second (a file every ~4 s,
# most with a relocation), a call every 3 s, an ESDH webhook every 4 s.
run_tagged sim-cpr "$sim/cpr/stafet-sim-cpr" --out "$cpr_spool" --files 0 --records 4 \
  --rate 1 --seed "$$"
run_tagged sim-debtor "$sim/debtor/stafet-sim-debtor" export --out "$debtor_spool" \
  --kind claims --lines 20 --seed "$$"
run_tagged sim-calls "$sim/events/stafet-sim-events" --url "http://127.0.0.1:$contact_port/contact/events" \
  --kind calls --rate 0.3 --count 0 --quiet
run_tagged sim-esdh-hooks "$sim/esdh/stafet-sim-esdh-hooks" --url "http://127.0.0.1:$case_port/esdh/events" \
  --rate 0.25 --count 0 --quiet

echo "quickstart: hub on $endpoint, data in $data; Ctrl-C to stop"
echo "quickstart: try  curl http://127.0.0.1:$contact_port/citizens/010190-1234/overview"
echo "quickstart: and   STAFET_ADMIN=$admin $ctl status"
echo "quickstart: wire tap (CURVE: its own key)  STAFET_CURVE_SERVER_KEY_FILE=$keys/hub.pub \\"
echo "              STAFET_CURVE_SECRET_KEY_FILE=$keys/stafetctl.key $ctl tail 'cpr.#'"
echo "quickstart: dashboard http://$admin/  ·  $ctl status  ·  $ctl dlq ls ydelse"
if ((seconds > 0)); then
  sleep "$seconds" # the demo's requested running time
else
  wait
fi
