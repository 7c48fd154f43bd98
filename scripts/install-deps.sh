#!/usr/bin/env bash
# Installs, with apt-get, every Debian 12 package evchain needs that is missing.
# Usage: scripts/install-deps.sh [--browser]   (--browser adds chromium and Node.js for the tests
# of the judge's page)
set -euo pipefail

# clang-14 + libclang-rt-14-dev: the sanitizer build (and its libFuzzer targets) uses clang.
# lld: both builds link with it (scripts/build.sh).
packages=(build-essential cmake ninja-build ccache clang-14 libclang-rt-14-dev lld pkg-config
  libleveldb-dev libsnappy-dev libsodium-dev libcrypto++-dev libboost-dev libprotobuf-dev
  protobuf-compiler libcpp-httplib-dev libssl-dev doctest-dev libcli11-dev
  libspdlog-dev nlohmann-json3-dev libjemalloc-dev curl python3 openssl
  # The crash-fault process test signs its deposits in Python; the independent receipt verifier
  # (tests/process/independent_receipt_check.py) checks Ed25519 signatures with it.
  python3-cryptography
  # The verification report's QR code: C++ for `evchain verify --report`, JavaScript embedded
  # into the judge's page at build time.
  libqrcodegencpp-dev node-qrcode-generator)
if [[ "${1:-}" == "--browser" ]]; then
  # A CJK font, so Chinese pages and PDF reports render (and print) without tofu boxes.
  packages+=(chromium fonts-wqy-microhei)
  # Node.js drives Chromium in the page test; the machine may already have a newer one.
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
