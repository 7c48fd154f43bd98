#!/usr/bin/env bash
# Sets up (installs missing Debian packages and the page test's npm packages), builds, and runs
# every test twice: in the normal build (GCC, -O2) and in an AddressSanitizer +
# UndefinedBehaviorSanitizer build (clang-14, which also builds the libFuzzer targets when the
# EVCHAIN_FUZZ option exists; their short runs are ctest tests labelled `fuzz`).
# Usage: scripts/run-tests.sh [--fast]   (--fast: normal build only)
# A test that fails fails the run: nothing is retried (tests take ports from tests/test_ports.h,
# so parallel tests cannot collide).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --browser
# playwright-core drives Debian's chromium in the judge's page test (no browser download).
(cd tests/web && npm ci --no-audit --no-fund --loglevel=error)

jobs=$(nproc)
echo "== build (Release, GCC) =="
scripts/build.sh build
echo "== tests (Release) =="
(cd build && ctest --output-on-failure -j"$jobs" --timeout 900)

if [[ "${1:-}" != "--fast" ]]; then
  echo "== build (ASan+UBSan, clang-14) =="
  # -g1: line tables for sanitizer reports, a lighter build than full debug info. No benchmark
  # programs: no test runs them.
  CC=clang-14 CXX=clang++-14 scripts/build.sh build-asan -DEVCHAIN_SANITIZE=ON \
    -DEVCHAIN_BENCHMARKS=OFF -DEVCHAIN_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
  echo "== tests (ASan+UBSan) =="
  # The simulator runs fewer seeds under the sanitizers (each seed is ~10x slower there; see
  # tests/consensus/CMakeLists.txt); the normal build above runs all 1,000.
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 \
     UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$jobs" --timeout 1800)
  echo "== the simulator replays a seed the same in both builds =="
  # A seed is a schedule only if every build runs it alike: GCC and Clang evaluate a call's
  # arguments in different orders, so two PRNG draws in one call made the builds run different
  # simulations (found 2026-12-08). Compares one digest of each seed's transcript (~12 s).
  for n in 4 6; do
    if ! diff <(build/tests/consensus/consensus_sim --seeds 1-20 --n "$n" --digest | grep '^seed ') \
              <(build-asan/tests/consensus/consensus_sim --seeds 1-20 --n "$n" --digest |
                grep '^seed '); then
      echo "consensus_sim: the builds ran different simulations for n=$n (lines above);" \
           "replay one with --seed S --n $n --verbose in each build and diff the transcripts" >&2
      exit 1
    fi
  done
fi
