#!/usr/bin/env bash
# clang-tidy with the project's checks (.clang-tidy: bugprone-*, performance-*) over C++ sources.
#
# Usage: scripts/tidy.sh [--since REV | FILE...]
#   FILE...       these files (.cc, or headers through the .cc files that include them)
#   --since REV   every .cc file changed between REV and the work tree (e.g. --since HEAD~3)
#   (nothing)     every .cc file of the project: about 13 minutes on 2 cores
#
# The unity build's compile database has one entry per target, which clang-tidy cannot use, so
# this configures build-tidy/ file by file (generating only the protobuf headers it needs) the
# first time. Exit status 1 when a check fires in the project's own code (HeaderFilterRegex);
# what it found is printed. Needs clang-tidy-14 (Debian: clang-tidy-14).
set -euo pipefail
cd "$(dirname "$0")/.."
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
if [[ -z "$tidy" ]]; then
  echo "tidy.sh: clang-tidy not found; install Debian's clang-tidy-14" >&2
  exit 2
fi

files=()
if [[ $# -ge 2 && "$1" == "--since" ]]; then
  mapfile -t files < <(git diff --name-only --diff-filter=d "$2" -- '*.cc' | grep -v '^build')
elif [[ $# -ge 1 && "$1" == -* ]]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
elif [[ $# -ge 1 ]]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files '*.cc' | grep -Ev '^(fuzz|build)/')
fi
if [[ ${#files[@]} -eq 0 ]]; then
  echo "tidy.sh: no .cc files to check"
  exit 0
fi

if [[ ! -f build-tidy/compile_commands.json ]]; then
  echo "tidy.sh: configuring build-tidy/ (file by file, protobuf headers only) ..." >&2
  cmake -S . -B build-tidy -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DCMAKE_UNITY_BUILD=OFF >/dev/null
  cmake --build build-tidy --target evchain_proto -j"$(nproc)" >/dev/null
fi

echo "tidy.sh: ${#files[@]} file(s) with $tidy on $(nproc) cores ..." >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Boost.Asio enables its C++20 coroutines (tools/bench_e2e) only when it recognises the compiler:
# GCC builds them, and clang-14 over libstdc++ needs telling.
printf '%s\n' "${files[@]}" |
  xargs -P "$(nproc)" -I{} "$tidy" -p build-tidy --quiet \
    --extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 --extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE=1 \
    {} >"$log" 2>/dev/null || true
# Only diagnostics in the project's files count (system headers are filtered by clang-tidy;
# build-tidy/include holds copies of project headers, reported under their own names too).
pattern="^$PWD/([^b]|b[^u]|bu[^i]|bui[^l]|buil[^d]).*: (warning|error):"
if grep -E "$pattern" "$log" | sort -u | grep . ; then
  grep -A3 -E "$pattern" "$log" >&2 || true
  exit 1
fi
echo "tidy.sh: no findings"
