#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a scratch copy of its seed
# corpus (the repository's corpus is never written). Exit status: the fuzzer's
# (non-zero when it found a crash, a leak or a sanitizer report).
#   run_fuzz.sh BINARY SEED_DIR SECONDS
set -euo pipefail
binary="$1" seeds="$2" seconds="$3"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp -r "$seeds"/. "$work/corpus/" 2>/dev/null || true
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" 2>&1 | tail -n 15
status=${PIPESTATUS[0]}
if ls "$work/artifacts"/* >/dev/null 2>&1; then
  echo "fuzz: crash inputs kept in the log above (artifacts: $(ls "$work/artifacts"))"
fi
exit "$status"
