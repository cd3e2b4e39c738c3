#!/usr/bin/env bash
# Soak test (issue 6), on demand, never in CI: steady load with a fault in the
# middle of every stream, for MINUTES (default 10). It cycles the fault suite's
# scenarios — a hub killed and one paused (of two), the Redis master killed
# under Sentinel, the network between hub and Redis cut, a hub killed with
# 10,000 publishes in flight, Redis killed — and stops at the first scenario
# that loses an acknowledged message (or fails in any other way).
#
#   tests/faults/soak.sh [MINUTES] [BUILD_DIR]      (default: 10 build)
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=${1:-10}
build=${2:-build}
scenarios=(
  "$build/tests/faults/fault_test_hubs"
  "$build/tests/faults/fault_test_network_cut"
  "$build/tests/faults/fault_test_sentinel"
  "$build/tests/integration/it_test_crash"
)
for s in "${scenarios[@]}"; do
  [ -x "$s" ] || { echo "soak: $s is not built (cmake --build $build)" >&2; exit 2; }
done
end=$(($(date +%s) + minutes * 60))
rounds=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
while (($(date +%s) < end)); do
  for s in "${scenarios[@]}"; do
    if ! "$s" >"$log" 2>&1; then
      cat "$log"
      echo "soak: FAILED in $(basename "$s") after $rounds full rounds" >&2
      exit 1
    fi
    grep -E "RESULT" "$log" | sed "s/^/[round $((rounds + 1))] /"
    if grep -E "RESULT.*lost=[1-9]" "$log" >/dev/null; then
      echo "soak: acknowledged messages LOST in $(basename "$s")" >&2
      exit 1
    fi
  done
  rounds=$((rounds + 1))
done
echo "soak: $rounds rounds in $minutes minutes, every scenario lost=0"
echo "1 passed, 0 failed"
