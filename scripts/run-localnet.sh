#!/usr/bin/env bash
# Sets up (installs missing Debian packages, builds) and runs a local evchain network: 4
# validators (two courts, a notary office, a time service) on 127.0.0.1, each serving the HTTP
# API and the judge's page. Ctrl-C stops every node cleanly.
# Usage: scripts/run-localnet.sh [--validators N] [--dir DIR] [--fresh]
set -euo pipefail
cd "$(dirname "$0")/.."
validators=4
dir=net
fresh=0
while (($#)); do
  case "$1" in
    --validators) validators="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --fresh) fresh=1; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
scripts/build.sh build

if ((fresh)) && [[ -d "$dir" ]]; then rm -rf "$dir"; fi
if [[ ! -f "$dir/genesis.json" ]]; then
  build/tools/cli/evchain testnet --validators "$validators" --out "$dir"
fi

pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping ${#pids[@]} validators..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait
}
trap stop INT TERM EXIT

for cfg in "$dir"/node*/config.json; do
  node_dir=$(dirname "$cfg")
  build/node/evchain-node --config "$cfg" >"$node_dir/node.log" 2>&1 &
  pids+=($!)
done

sleep 1
echo
echo "evchain local network: ${#pids[@]} validators, logs in $dir/node*/node.log"
for cfg in "$dir"/node*/config.json; do
  http=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http_listen"])' "$cfg")
  id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["validator_id"])' "$cfg")
  echo "  $id  http://$http/"
done
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http_listen"])' "$dir/node0/config.json")
cat <<TXT

Judge's page:  http://$first/
Deposit a file:
  build/tools/cli/evchain deposit README.md --key $dir/depositor.key --depositor demo-platform \\
      --node http://$first --wait
Verify it offline:
  build/tools/cli/evchain verify README.md --receipt README.md.receipt.json --genesis $dir/genesis.json
Press Ctrl-C to stop.
TXT
wait
