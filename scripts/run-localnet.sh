#!/usr/bin/env bash
# Sets up (installs missing Debian packages, builds) and runs a local evchain network: 4
# validators (two courts, a notary office, a time service) on 127.0.0.1, each serving the HTTP
# API and the judge's page. Ctrl-C stops every node cleanly.
#
# Usage: scripts/run-localnet.sh [--validators N] [--dir DIR] [--fresh] [--base-port P]
#                                [--no-setup] [--build DIR]
#   --validators N  validators of a new network: 3f+1, 4..16 (default 4)
#   --dir DIR       the network's keys, genesis, configs, data and logs (default net/); an
#                   existing DIR is run again, resuming its chain
#   --fresh         delete DIR first and start a new chain
#   --base-port P   ports of a new network: validator i takes P+2i (p2p) and P+2i+1 (HTTP)
#                   (default: free ports chosen by `evchain testnet`)
#   --no-setup      skip installing packages and building: use the binaries already in --build
#   --build DIR     the build tree the binaries come from (default build/)
#
# It prints every validator's address once each one answers /healthz; a validator that does
# not start, or exits later, is named with the end of its log. Exit status: 0 after
# Ctrl-C (or SIGTERM), 1 when a validator failed to start or every validator exited, 2 for a
# bad option.
set -euo pipefail
cd "$(dirname "$0")/.."
validators=4
dir=net
fresh=0
setup=1
build=build
base_port=
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
need_value() { [[ $# -ge 2 && -n "$2" ]] || { echo "run-localnet: $1 needs a value" >&2; exit 2; }; }
while (($#)); do
  case "$1" in
    --validators) need_value "$@"; validators="$2"; shift 2 ;;
    --dir) need_value "$@"; dir="$2"; shift 2 ;;
    --fresh) fresh=1; shift ;;
    --base-port) need_value "$@"; base_port="$2"; shift 2 ;;
    --no-setup) setup=0; shift ;;
    --build) need_value "$@"; build="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run-localnet: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

if ((setup)); then
  scripts/install-deps.sh
  scripts/build.sh "$build"
fi
cli="$build/tools/cli/evchain"
node_bin="$build/node/evchain-node"
for bin in "$cli" "$node_bin"; do
  if [[ ! -x "$bin" ]]; then
    echo "run-localnet: $bin is missing: build first (scripts/build.sh $build), or drop --no-setup" >&2
    exit 1
  fi
done

if ((fresh)) && [[ -d "$dir" ]]; then rm -rf "$dir"; fi
if [[ ! -f "$dir/genesis.json" ]]; then
  # testnet's own "Next steps" tell how to start the validators by hand: this script does it.
  created=$("$cli" testnet --validators "$validators" --out "$dir" ${base_port:+--base-port "$base_port"}) ||
    exit 1
  printf '%s\n' "${created%%$'\n\nNext steps:'*}"
fi

config_value() {  # config_value FILE KEY
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}
log_tail() {  # log_tail NODE_DIR: the end of a validator's log, indented
  echo "  last lines of $1/node.log:" >&2
  tail -n 15 "$1/node.log" 2>/dev/null | sed 's/^/    /' >&2 || true
}

declare -A node_of_pid=()  # pid -> node directory
pids=()   # every validator started
live=()   # those not seen to exit
stopping=0
# shellcheck disable=SC2317  # invoked from the traps below
stop() {
  stopping=1
  trap - INT TERM EXIT
  if ((${#live[@]})); then
    echo "stopping ${#live[@]} validators..."
    for pid in "${live[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait || true
  fi
}
trap stop EXIT
trap 'stop; exit 0' INT TERM

for cfg in "$dir"/node*/config.json; do
  node_dir=$(dirname "$cfg")
  "$node_bin" --config "$cfg" >"$node_dir/node.log" 2>&1 &
  pids+=($!)
  live+=($!)
  node_of_pid[$!]=$node_dir
done

# Every validator answers /healthz within 120 s, or the network is stopped and the one that did
# not is named (a port in use, a data directory of another chain, a bad config...).
for pid in "${pids[@]}"; do
  node_dir=${node_of_pid[$pid]}
  http=$(config_value "$node_dir/config.json" http_listen)
  health=0
  python3 - "$http" "$pid" <<'PY' || health=$?
import sys, time, urllib.request
address, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                sys.exit(1)  # exited, not yet reaped
    except FileNotFoundError:
        sys.exit(1)  # exited
    try:
        with urllib.request.urlopen(f"http://{address}/healthz", timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:  # not listening yet
        pass
    time.sleep(0.1)
sys.exit(2)  # running, but not answering
PY
  if ((health)); then
    id=$(config_value "$node_dir/config.json" validator_id)
    if ((health == 1)); then
      echo "run-localnet: validator $id did not start" >&2
      wait "$pid" 2>/dev/null || true  # reap it; stop() signals the others
      still=()
      for other in "${live[@]}"; do [[ "$other" == "$pid" ]] || still+=("$other"); done
      live=("${still[@]}")
    else  # still running: stop() signals it with the others
      echo "run-localnet: validator $id did not answer http://$http/healthz within 120 s" >&2
    fi
    log_tail "$node_dir"
    exit 1
  fi
done

echo
echo "evchain local network: ${#pids[@]} validators, logs in $dir/node*/node.log"
for cfg in "$dir"/node*/config.json; do
  echo "  $(config_value "$cfg" validator_id)  http://$(config_value "$cfg" http_listen)/"
done
first=$(config_value "$dir/node0/config.json" http_listen)
cat <<TXT

Judge's page:  http://$first/
Deposit a file:
  $cli deposit README.md --key $dir/depositor.key --depositor demo-platform \\
      --node http://$first --wait
Verify it offline:
  $cli verify README.md --receipt README.md.receipt.json --genesis $dir/genesis.json
Press Ctrl-C to stop.
TXT

# A validator that exits is reported; the others keep running (a network of 3f+1 tolerates f).
while ((${#live[@]})); do
  exited_pid=
  status=0
  wait -n -p exited_pid "${live[@]}" || status=$?
  ((stopping)) && exit 0
  [[ -n "$exited_pid" ]] || continue
  still=()
  for pid in "${live[@]}"; do [[ "$pid" == "$exited_pid" ]] || still+=("$pid"); done
  live=("${still[@]}")
  node_dir=${node_of_pid[$exited_pid]}
  echo "run-localnet: validator $(config_value "$node_dir/config.json" validator_id) exited" \
    "(status $status); ${#live[@]} still running" >&2
  log_tail "$node_dir"
done
echo "run-localnet: every validator exited" >&2
exit 1
