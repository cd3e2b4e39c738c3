#!/usr/bin/env bash
# Installs every Debian 12 package Stafet needs to build, run and test:
# compilers and CMake, libzmq, protobuf-c (+ protoc-c), libuv, hiredis,
# redis-server, cmocka, and for the independent Python client test
# protobuf-compiler, python3-zmq and python3-protobuf.
# Installs only what is missing; asks apt only when something is.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libzmq3-dev libprotobuf-c-dev protobuf-c-compiler libuv1-dev libhiredis-dev
  redis-server libcmocka-dev
  protobuf-compiler python3 python3-zmq python3-protobuf
  util-linux procps
  # HTTP server (hub admin API, adapters), JSON, HTTP client: libmicrohttpd, jansson, libcurl
  libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev
  # the fuzz targets: clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # tests of the admin HTTP: promtool checks /metrics, headless Chromium the dashboard
  prometheus chromium chromium-driver
  # case/contact/webhook adapters: webhook HMAC-SHA256 (OpenSSL libcrypto), the case store (SQLite)
  libssl-dev libsqlite3-dev
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
