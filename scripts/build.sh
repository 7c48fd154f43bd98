#!/usr/bin/env bash
# Configures and builds one build tree with Ninja (and ccache when installed).
# Usage: scripts/build.sh DIR [extra cmake args...]   (CXX=... picks the compiler at first configure)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$1"; shift
# -O2 without debug info by default (~30% faster to build on 2 cores than RelWithDebInfo; -O3
# trips GCC 12's false -Wrestrict positives inside libstdc++). Callers may override any of it.
# Unity build, one translation unit per target (the few files that cannot share one are marked
# SKIP_UNITY_BUILD_INCLUSION): the heavy headers (Boost.Asio, spdlog, nlohmann-json, CLI11) are
# parsed once per target instead of once per file, a third less compile time on 2 cores
# (docs/building.md). A plain `cmake` configure builds file by file, which also catches a file
# that forgets an include it got from its neighbour; pass -DCMAKE_UNITY_BUILD=OFF here for that.
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# LLVM's linker when installed (Debian's lld, scripts/install-deps.sh): it links the sanitizer
# build's 115 MB test executables in a quarter of GNU ld's time (docs/building.md "Build and
# test time").
linker=()
command -v ld.lld >/dev/null 2>&1 && linker=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld)
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=0 "${launcher[@]}" "${linker[@]}" "$@" \
  >/dev/null
cmake --build "$dir" -j"$(nproc)"
