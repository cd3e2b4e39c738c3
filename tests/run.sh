#!/usr/bin/env bash
# The whole test suite, as the README says and .ci/run calls:
#   1. installs whatever Debian packages are missing,
#   2. builds and runs every test (unit, integration against a private
#      redis-server and real hub processes, the Python client),
#   3. builds again with AddressSanitizer + UndefinedBehaviorSanitizer and runs
#      every test once more,
#   4. builds the libFuzzer targets with clang and runs each for a bounded time
#      (STAFET_FUZZ_SECONDS, default 20) on its seed corpus.
# Tests start their own redis-server on private unix sockets in temp dirs:
# nothing needs to be running first, and nothing is left running after.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh

jobs=$(nproc)

echo "== build (RelWithDebInfo) =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

echo "== build (ASan + UBSan) =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSTAFET_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0

echo "== build (clang + libFuzzer) =="
CC=clang cmake -S . -B build-fuzz -DSTAFET_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target stafet_fuzzers

status=0
echo "== tests (RelWithDebInfo) =="
(cd build && ctest --output-on-failure -j2) || status=1
echo "== tests (ASan + UBSan) =="
(cd build-asan && ctest --output-on-failure -j2) || status=1
echo "== fuzzers (bounded time each, seed corpus in tests/fuzz/corpus) =="
(cd build-fuzz && ctest -L fuzz --output-on-failure) || status=1
exit $status
