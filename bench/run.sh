#!/usr/bin/env bash
# bench/run.sh — Stafet side by side with its peers and the limits, in one run.
#
#   bench/run.sh            the full run (~20 minutes on 2 cores): writes
#                           docs/benchmarks.md and bench/results/*.png
#   bench/run.sh --short    a quick check (< 2 minutes): writes
#                           bench/results/short/benchmarks.md and its plots
#
# Options: --no-install (skip apt), --no-build, --no-profile, --keep (leave the
# work directory), --work DIR (default /tmp/stafet-bench).
#
# What it does: installs what is missing (deploy/install-deps.sh and the peers'
# Debian 12 packages), builds Release with -DSTAFET_BENCH=ON into build-bench/,
# starts every system on loopback with private ports and data directories,
# runs build-bench/bench/stafet-bench against each, stops everything it
# started (by pid), and turns the results into the report (bench/report.py).
#
# Durability, the same for every durable system where the system allows it
# (see docs/benchmarks.md for what each one really does):
#   Redis (Stafet's store and the raw limit): AOF, appendfsync always
#   RabbitMQ: durable quorum queues, persistent messages, publisher confirms
#   NATS JetStream: file storage, PubAcks, explicit consumer acks
#   Mosquitto: QoS 1, persistent sessions, persistence on
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODE=full
INSTALL=1
BUILD=1
PROFILE=1
KEEP=0
WORK=/tmp/stafet-bench
while (($#)); do
  case "$1" in
  --short) MODE=short ;;
  --no-install) INSTALL=0 ;;
  --no-build) BUILD=0 ;;
  --no-profile) PROFILE=0 ;;
  --keep) KEEP=1 ;;
  --work)
    WORK="$2"
    shift
    ;;
  -h | --help)
    sed -n '2,26p' "$0"
    exit 0
    ;;
  *)
    echo "run.sh: unknown option $1" >&2
    exit 2
    ;;
  esac
  shift
done

BUILD_DIR="$ROOT/build-bench"
BENCH="$BUILD_DIR/bench/stafet-bench"
HUB_BIN="$BUILD_DIR/hub/stafet-hub"
if [ "$MODE" = short ]; then
  PROFILE=0 # keeps --short under two minutes
  OUT="$ROOT/bench/results/short"
  DOC="$OUT/benchmarks.md"
else
  OUT="$ROOT/bench/results"
  DOC="$ROOT/docs/benchmarks.md"
fi
RESULTS="$OUT/results.jsonl"
T_START=$(date +%s)

# Private loopback ports (none of the systems' defaults).
HUB_PORT=17400
AMQP_PORT=25673
RABBIT_DIST_PORT=25674
EPMD_PORT=14369
NATS_PORT=14222
MQTT_PORT=11883
ZMQ_PORT=17500

log() { printf '[%4ds] %s\n' $(($(date +%s) - T_START)) "$*" >&2; }

# ---------------------------------------------------------------- install

PEER_PACKAGES=(rabbitmq-server librabbitmq-dev nats-server libnats-dev mosquitto
  libmosquitto-dev gnuplot-nox valgrind linux-perf python3)

install_all() {
  "$ROOT/deploy/install-deps.sh"
  local missing=()
  for pkg in "${PEER_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]})); then
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    log "installing ${missing[*]}"
    $sudo apt-get update -qq
    # policy-rc.d keeps the packages' own services from starting: this script
    # starts private instances instead.
    DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# ---------------------------------------------------------------- processes

PIDS=()     # every process this script started, stopped in reverse order
declare -A PID_OF

stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

stop_all() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    stop_pid "${PIDS[i]}"
  done
  PIDS=()
}

cleanup() {
  local rc=$?
  stop_all
  if [ "$KEEP" = 0 ] && [ -d "$WORK" ]; then rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME LOGFILE CMD...: runs CMD in the background, remembers its pid.
start() {
  local name=$1 logf=$2
  shift 2
  "$@" >"$logf" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  PID_OF[$name]=$pid
}

# stop NAME: stops one process this script started.
stop() {
  local name=$1 pid=${PID_OF[$1]:-}
  [ -n "$pid" ] || return 0
  stop_pid "$pid"
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" != "$pid" ] && keep+=("$p"); done
  PIDS=("${keep[@]}")
  unset "PID_OF[$name]"
}

wait_for() { # wait_for SECONDS CMD...: until CMD succeeds
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    (($(date +%s) < deadline)) || return 1
    sleep 0.1
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------- systems

# Redis as Stafet's store and as the raw limit: the embedded Redis's settings
# (AOF, appendfsync always, unix socket only), in a fresh directory.
start_redis() { # start_redis NAME FSYNC
  local name=$1 fsync=${2:-always} dir="$WORK/$1"
  rm -rf "$dir" && mkdir -p "$dir"
  start "$name" "$dir/redis.out" redis-server --port 0 --unixsocket "$dir/redis.sock" \
    --unixsocketperm 700 --dir "$dir" --appendonly yes --appendfsync "$fsync" --save "" \
    --daemonize no --logfile "$dir/redis.log"
  wait_for 20 redis-cli -s "$dir/redis.sock" ping
}

restart_redis() { stop redis; start_redis redis always; }

start_hub() { # start_hub: hub on the Redis "stafet-redis", after a fresh start of both
  stop hub
  stop stafet-redis
  start_redis stafet-redis "${1:-always}"
  local dir="$WORK/hub"
  rm -rf "$dir" && mkdir -p "$dir"
  start hub "$dir/hub.log" "$HUB_BIN" --data-dir "$dir" --redis "unix:$WORK/stafet-redis/redis.sock" \
    --bind-tcp "tcp://127.0.0.1:$HUB_PORT" --admin-bind 127.0.0.1:0 --log-level warn
  wait_for 20 port_open "$HUB_PORT"
}

start_rabbitmq() {
  local dir="$WORK/rabbitmq"
  mkdir -p "$dir/mnesia" "$dir/log"
  cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$AMQP_PORT
loopback_users.guest = true
EOF
  echo "[]." >"$dir/enabled_plugins"
  : >"$dir/env.conf"
  RENV=(RABBITMQ_NODENAME=stafetbench@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    RABBITMQ_NODE_PORT=$AMQP_PORT RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT ERL_EPMD_PORT=$EPMD_PORT
    "RABBITMQ_MNESIA_BASE=$dir/mnesia" "RABBITMQ_LOG_BASE=$dir/log"
    "RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf" "RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins"
    "RABBITMQ_PID_FILE=$dir/pid" "RABBITMQ_CONF_ENV_FILE=$dir/env.conf" "HOME=$dir")
  # our own epmd (not a daemon), so we can stop it by pid
  start epmd "$dir/epmd.log" epmd -port "$EPMD_PORT"
  wait_for 10 port_open "$EPMD_PORT"
  start rabbitmq "$dir/server.log" env "${RENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server
  wait_for 90 env "${RENV[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl -n stafetbench@localhost \
    await_startup --timeout 5
  wait_for 10 port_open "$AMQP_PORT"
  RABBIT_BEAM=$(cat "$dir/pid")
}

stop_rabbitmq() {
  [ -n "${PID_OF[rabbitmq]:-}" ] || return 0
  env "${RENV[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl -n stafetbench@localhost stop >/dev/null 2>&1 ||
    true
  [ -n "${RABBIT_BEAM:-}" ] && stop_pid "$RABBIT_BEAM"
  stop rabbitmq
  stop epmd
}

start_nats() {
  local dir="$WORK/nats"
  mkdir -p "$dir/js"
  # NATS 2.9 (Debian 12) has no sync_interval setting (it came with 2.10):
  # its file store writes through the page cache and syncs on its own timer.
  cat >"$dir/nats.conf" <<EOF
listen: 127.0.0.1:$NATS_PORT
max_payload: 1MB
jetstream {
  store_dir: "$dir/js"
  max_file_store: 100G
  max_memory_store: 1G
}
EOF
  start nats "$dir/server.log" nats-server -c "$dir/nats.conf"
  wait_for 20 port_open "$NATS_PORT"
}

start_mosquitto() {
  local dir="$WORK/mosquitto"
  mkdir -p "$dir/data"
  cat >"$dir/mosquitto.conf" <<EOF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $dir/data/
autosave_interval 1800
max_inflight_messages 1000
max_queued_messages 0
max_queued_bytes 0
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
EOF
  start mosquitto "$dir/server.log" mosquitto -c "$dir/mosquitto.conf"
  wait_for 20 port_open "$MQTT_PORT"
}

start_zmq_broker() {
  start zmq "$WORK/zmq-broker.log" "$BENCH" zmq-broker "$ZMQ_PORT"
  wait_for 10 port_open $((ZMQ_PORT + 5))
}

# ---------------------------------------------------------------- workloads

if [ "$MODE" = short ]; then
  DUR=1
  WARM=500
  BACKLOG=20000
  ROUTING=(10 1000)
  SWEEP=(50)
  FULL_SYSTEMS=0
  REPEATS=1
else
  DUR=3
  WARM=2000
  BACKLOG=1000000
  ROUTING=(10 1000 100000)
  SWEEP=(10 25 50 75 90)
  FULL_SYSTEMS=1
  REPEATS=3 # 1 -> 1, 256 B: the headline figure, median of 3 (runs vary by +-15 %)
fi
PUBS_MANY=4

# bench SYSTEM WATCH [stafet-bench options...]: one run, appended to RESULTS.
bench() {
  local system=$1 watch=$2
  shift 2
  log "  $system $*"
  local extra=()
  [ -n "$watch" ] && extra+=(--watch "$watch")
  timeout 900 "$BENCH" --system "$system" --duration "$DUR" --warm "$WARM" --out "$RESULTS" \
    --stafet "tcp://127.0.0.1:$HUB_PORT" --amqp "127.0.0.1:$AMQP_PORT" \
    --nats "nats://127.0.0.1:$NATS_PORT" --mqtt "127.0.0.1:$MQTT_PORT" --zmq-port "$ZMQ_PORT" \
    "${extra[@]}" "$@" >/dev/null 2>>"$WORK/bench.err" || log "  ($system: exit $?)"
}

# peak SYSTEM LABEL: the median throughput of the results with that system and
# label (report.py shows the same run)
peak() {
  python3 - "$RESULTS" "$1" "$2" <<'EOF'
import json, sys
runs = []
for line in open(sys.argv[1]):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if d.get("system") == sys.argv[2] and d.get("label") == sys.argv[3] and "throughput" in d:
        runs.append(d["throughput"])
runs.sort()
print(int(runs[(len(runs) - 1) // 2]) if runs else 0)
EOF
}

# fresh SYSTEM: its server again, on empty storage, before each point of its
# latency sweep: every point starts from the same clean state rather than
# behind what the runs before it left (for Redis: an AOF rewrite, a fork and a
# full write of everything stored so far, in the middle of the point).
fresh() {
  case "$1" in
  redis) restart_redis ;;
  stafet | stafet-transient) start_hub ;;
  nats-js | nats) stop nats && rm -rf "$WORK/nats/js" && start_nats ;;
  mqtt | mqtt0) stop mosquitto && rm -rf "$WORK/mosquitto/data" && start_mosquitto ;;
  rabbitmq) stop_rabbitmq && rm -rf "$WORK/rabbitmq/mnesia" && start_rabbitmq ;;
  *) ;; # zmq: the broker hop keeps nothing
  esac
}

# The common set for a publish/subscribe system.
pubsub_set() { # pubsub_set SYSTEM WATCH [extra options]
  local s=$1 w=$2
  shift 2
  local i
  for ((i = 0; i < REPEATS; i++)); do
    bench "$s" "$w" --label one256 --size 256 "$@"
  done
  bench "$s" "$w" --label one4k --size 4096 "$@"
  if [ "$FULL_SYSTEMS" = 1 ] || [[ "$s" == stafet* ]]; then
    bench "$s" "$w" --label fanout10 --size 256 --subs 10 "$@"
    bench "$s" "$w" --label pubs$PUBS_MANY --size 256 --pubs $PUBS_MANY "$@"
  fi
  local p r
  p=$(peak "$s" one256)
  if ((p > 0)); then
    for r in "${SWEEP[@]}"; do
      fresh "$s"
      [ -n "$w" ] && w=$(watch_of "$s")
      bench "$s" "$w" --label sweep$r --size 256 --rate $((p * r / 100)) "$@"
    done
  fi
}

routing_set() { # routing_set SYSTEM WATCH RESTART_FN [extra]: max rate and 1000 msg/s, per K
  local s=$1 w=$2 restart=$3 k
  shift 3
  for k in "${ROUTING[@]}"; do
    $restart
    w=$(watch_of "$s")
    bench "$s" "$w" --label "route$k" --size 256 --noise "$k" --setup-timeout 60 "$@"
    bench "$s" "$w" --label "routelat$k" --size 256 --noise "$k" --rate 1000 --setup-timeout 60 "$@"
  done
}

backlog_run() { # backlog_run SYSTEM WATCH [extra]
  local s=$1 w=$2
  shift 2
  bench "$s" "$w" --label "backlog" --workload backlog --count "$BACKLOG" --setup-timeout 150 \
    --drain-timeout 150 "$@"
}

watch_of() {
  case "$1" in
  stafet*) echo "hub=${PID_OF[hub]},redis=${PID_OF[stafet-redis]}" ;;
  redis) echo "redis=${PID_OF[redis]}" ;;
  rabbitmq) echo "server=$RABBIT_BEAM" ;;
  nats*) echo "server=${PID_OF[nats]}" ;;
  mqtt*) echo "server=${PID_OF[mosquitto]}" ;;
  zmq) echo "server=${PID_OF[zmq]}" ;;
  esac
}

noop() { :; }

# ---------------------------------------------------------------- profile

profile_hub() {
  local prof="$OUT/profile"
  mkdir -p "$prof"
  log "profile: stafet-hub under callgrind, durable 1->1, 256 B"
  stop hub
  stop stafet-redis
  start_redis stafet-redis always
  local dir="$WORK/hub"
  rm -rf "$dir" && mkdir -p "$dir"
  start hub "$dir/hub.log" valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" \
    "$HUB_BIN" --data-dir "$dir" --redis "unix:$WORK/stafet-redis/redis.sock" \
    --bind-tcp "tcp://127.0.0.1:$HUB_PORT" --admin-bind 127.0.0.1:0 --log-level warn
  wait_for 60 port_open "$HUB_PORT"
  local count=20000
  [ "$MODE" = short ] && count=3000
  timeout 600 "$BENCH" --system stafet --duration 120 --count "$count" --warm 200 \
    --stafet "tcp://127.0.0.1:$HUB_PORT" --label profile --out "$prof/callgrind-run.jsonl" \
    >/dev/null 2>>"$WORK/bench.err" || true
  stop hub # SIGTERM: callgrind writes its output
  callgrind_annotate --inclusive=no "$WORK/callgrind.out" 2>/dev/null | head -60 >"$prof/callgrind-self.txt" || true
  callgrind_annotate --inclusive=yes "$WORK/callgrind.out" 2>/dev/null | head -60 >"$prof/callgrind-inclusive.txt" || true

  # perf with the cpu-clock software event (no hardware counters here):
  # wall-clock samples of the hub at full speed, kernel time included.
  if perf record -e cpu-clock -o /dev/null -- true >/dev/null 2>&1; then
    log "profile: stafet-hub under perf (cpu-clock), durable 1->1, 256 B"
    start_hub
    perf record -e cpu-clock -F 2000 -g -o "$WORK/perf.data" -p "${PID_OF[hub]}" \
      -- sleep $((DUR + 3)) >/dev/null 2>&1 &
    local perf_pid=$!
    PIDS+=("$perf_pid")
    bench stafet "$(watch_of stafet)" --label profile-perf --size 256 --out "$prof/perf-run.jsonl"
    wait "$perf_pid" || true
    perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
      grep -E '^ +[0-9.]+%' | head -40 >"$prof/perf-self.txt" || true
    perf report -i "$WORK/perf.data" --no-children --sort dso --stdio 2>/dev/null |
      grep -E '^ +[0-9.]+%' | head -15 >"$prof/perf-dso.txt" || true
  fi
}

# ---------------------------------------------------------------- main

[ "$INSTALL" = 1 ] && install_all
if [ "$BUILD" = 1 ]; then
  log "building Release into $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DSTAFET_BENCH=ON >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target stafet-hub stafet-bench >/dev/null
fi
[ -x "$BENCH" ] && [ -x "$HUB_BIN" ] || {
  echo "run.sh: $BENCH or $HUB_BIN missing (build first)" >&2
  exit 1
}

rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"
: >"$RESULTS"
{
  echo "{\"meta\":1,\"mode\":\"$MODE\",\"date\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
  echo "\"commit\":\"${STAFET_BENCH_COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}\","
  echo "\"cpus\":$(nproc),\"cpu\":\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\","
  echo "\"loadavg_start\":\"$(cut -d' ' -f1-3 /proc/loadavg)\","
  echo "\"kernel\":\"$(uname -r)\",\"mem_gb\":$(free -g | awk '/Mem:/{print $2}'),"
  echo "\"fs\":\"$(df -T "$WORK" | awk 'NR==2{print $2}')\","
  echo "\"redis\":\"$(redis-server --version | grep -o 'v=[0-9.]*' | cut -d= -f2)\","
  echo "\"rabbitmq\":\"$(dpkg-query -W -f='${Version}' rabbitmq-server)\","
  echo "\"nats\":\"$(nats-server --version | awk '{print $2}')\","
  echo "\"mosquitto\":\"$(dpkg-query -W -f='${Version}' mosquitto)\","
  echo "\"zmq\":\"$(pkg-config --modversion libzmq)\","
  echo "\"request_api\":$(grep -q 'stafet_client_request' "$ROOT/adapters/sdk/include/stafet.h" && echo true || echo false)}"
} | tr -d '\n' >>"$RESULTS"
echo >>"$RESULTS"

log "raw Redis Streams (the durable-store limit)"
restart_redis
W=$(watch_of redis)
pubsub_set redis "$W" --redis-sock "$WORK/redis/redis.sock"
restart_redis
W=$(watch_of redis)
backlog_run redis "$W" --redis-sock "$WORK/redis/redis.sock"
if [ "$FULL_SYSTEMS" = 1 ]; then
  stop redis
  start_redis redis everysec
  bench redis "$(watch_of redis)" --label one256-everysec --size 256 --redis-sock "$WORK/redis/redis.sock"
fi
stop redis

log "Stafet (hub + Redis, appendfsync always)"
start_hub
SOCK="$WORK/stafet-redis/redis.sock"
pubsub_set stafet "$(watch_of stafet)" --redis-sock "$SOCK"
bench stafet "$(watch_of stafet)" --label reqrep --workload reqrep --size 256 --redis-sock "$SOCK"
pubsub_set stafet-transient "$(watch_of stafet)" --redis-sock "$SOCK"
routing_set stafet "" start_hub --redis-sock "$SOCK"
start_hub
backlog_run stafet "$(watch_of stafet)" --redis-sock "$SOCK"
if [ "$FULL_SYSTEMS" = 1 ]; then
  start_hub everysec
  bench stafet "$(watch_of stafet)" --label one256-everysec --size 256 --redis-sock "$SOCK"
fi
[ "$PROFILE" = 1 ] && profile_hub
stop hub
stop stafet-redis

log "ZeroMQ through a broker hop (the transport limit)"
start_zmq_broker
pubsub_set zmq "$(watch_of zmq)"
bench zmq "$(watch_of zmq)" --label reqrep --workload reqrep --size 256
stop zmq

log "NATS (JetStream and core)"
start_nats
pubsub_set nats-js "$(watch_of nats-js)"
pubsub_set nats "$(watch_of nats)"
bench nats "$(watch_of nats)" --label reqrep --workload reqrep --size 256
if [ "$FULL_SYSTEMS" = 1 ]; then
  routing_set nats-js "" noop
  backlog_run nats-js "$(watch_of nats-js)" --store-dir "$WORK/nats/js"
fi
stop nats

log "Mosquitto (QoS 1 and QoS 0)"
start_mosquitto
pubsub_set mqtt "$(watch_of mqtt)"
pubsub_set mqtt0 "$(watch_of mqtt0)"
bench mqtt "$(watch_of mqtt)" --label reqrep --workload reqrep --size 256
if [ "$FULL_SYSTEMS" = 1 ]; then
  routing_set mqtt "" noop
  backlog_run mqtt "$(watch_of mqtt)"
fi
stop mosquitto

log "RabbitMQ (quorum queues, persistent, confirms)"
start_rabbitmq
pubsub_set rabbitmq "$(watch_of rabbitmq)"
bench rabbitmq "$(watch_of rabbitmq)" --label reqrep --workload reqrep --size 256
if [ "$FULL_SYSTEMS" = 1 ]; then
  routing_set rabbitmq "" noop
  backlog_run rabbitmq "$(watch_of rabbitmq)"
fi
stop_rabbitmq

stop_all
echo "{\"meta_end\":1,\"loadavg_end\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"seconds\":$(($(date +%s) - T_START))}" >>"$RESULTS"
log "report"
python3 "$ROOT/bench/report.py" --results "$RESULTS" --out "$OUT" --doc "$DOC" --mode "$MODE"
log "done: $DOC"
