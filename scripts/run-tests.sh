#!/usr/bin/env bash
# Sets up (installs missing Debian packages), builds, and runs every test twice: in the normal
# build and in an AddressSanitizer + UndefinedBehaviorSanitizer build.
# Usage: scripts/run-tests.sh [--fast]   (--fast: normal build only)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --browser
# playwright-core drives Debian's chromium in the judge's page test (no browser download).
(cd tests/web && npm ci --no-audit --no-fund --loglevel=error)

jobs=$(nproc)
echo "== build (Release) =="
scripts/build.sh build
echo "== tests (Release) =="
# --repeat until-pass:2 reruns a failed test once: the net tests take ports from the kernel
# (bind to port 0, release, reuse) and a parallel test can grab one in between; a real failure
# fails twice. Every first failure is still printed above the rerun.
(cd build && ctest --output-on-failure -j"$jobs" --timeout 900 --repeat until-pass:2)

if [[ "${1:-}" != "--fast" ]]; then
  echo "== build (ASan+UBSan) =="
  # -g1: line tables for sanitizer reports, a lighter build than full debug info.
  scripts/build.sh build-asan -DEVCHAIN_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
  echo "== tests (ASan+UBSan) =="
  # The simulator runs fewer seeds under the sanitizers (each seed is ~10x slower there; see
  # tests/consensus/CMakeLists.txt); the normal build above runs all 1,000.
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 \
     UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$jobs" --timeout 1800 --repeat until-pass:2)
fi
