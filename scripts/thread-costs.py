#!/usr/bin/env python3
"""Where a running local network spends its CPU and context switches, per thread name.

Measures every `evchain-node` process on this machine over a window: for each thread name
(node-io, http-work, verify-blocks, ... as docs/operations.md "Threads" lists them) the
voluntary and involuntary context switches and the CPU time, summed over the validators, then
divided by the blocks and the log entries committed in the window (read from the first
validator's /v1/status), and the fdatasync calls per block (with `perf` when it is installed);
then each validator's CPU per entry and the cores it used, the primary named.

Typical use, beside a benchmark run (the nodes must be up before the window starts):

  evchain-bench-e2e --only evchain --modes wait --connections 256 --rates '' --bulk-rates '' \\
      --duration 15s &
  scripts/thread-costs.py --wait-for-nodes 4 --warmup 6 --window 6

docs/benchmarks.md ("Fewer synced writes per block") has a run of it. Reads /proc only; needs
no privileges beyond those to read the processes' /proc entries (and perf's, for fdatasync).
"""
import argparse
import collections
import glob
import json
import shutil
import subprocess
import sys
import time
import urllib.request


def node_pids():
    out = subprocess.run(["pgrep", "^evchain-node"], capture_output=True, text=True).stdout
    return out.split()


def status_address(pid):
    args = open(f"/proc/{pid}/cmdline").read().split("\0")
    configs = [a for a in args if a.endswith(".json")]
    if not configs:
        raise SystemExit(f"thread-costs: process {pid} has no config file on its command line")
    return json.load(open(configs[0]))["http_listen"]


def read_status(address):
    with urllib.request.urlopen(f"http://{address}/v1/status", timeout=5) as answer:
        return json.load(answer)


def process_ticks(pid):
    """utime + stime of the whole process (its threads, ended ones included)"""
    stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(stat[11]) + int(stat[12])


def snapshot(pids):
    """thread name -> [voluntary switches, involuntary switches, CPU ticks]"""
    totals = collections.defaultdict(lambda: [0, 0, 0])
    for pid in pids:
        for task in glob.glob(f"/proc/{pid}/task/*"):
            try:
                name = open(task + "/comm").read().strip()
                fields = dict(
                    line.split(":", 1) for line in open(task + "/status") if ":" in line)
                stat = open(task + "/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the thread ended meanwhile
            row = totals[name]
            row[0] += int(fields["voluntary_ctxt_switches"])
            row[1] += int(fields["nonvoluntary_ctxt_switches"])
            row[2] += int(stat[11]) + int(stat[12])  # utime + stime
    return totals


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wait-for-nodes", type=int, default=4, metavar="N",
                        help="wait until N evchain-node processes run (default 4)")
    parser.add_argument("--warmup", type=float, default=5.0, metavar="S",
                        help="seconds to let the load settle after they appear (default 5)")
    parser.add_argument("--window", type=float, default=5.0, metavar="S",
                        help="seconds measured (default 5)")
    args = parser.parse_args()
    if args.window <= 0 or args.warmup < 0 or args.wait_for_nodes < 1:
        parser.error("--window must be positive, --warmup not negative, --wait-for-nodes >= 1")

    while len(node_pids()) < args.wait_for_nodes:
        time.sleep(0.2)
    time.sleep(args.warmup)
    pids = node_pids()
    address = status_address(pids[0])
    ticks = subprocess.run(["getconf", "CLK_TCK"], capture_output=True, text=True)
    us_per_tick = 1e6 / int(ticks.stdout.strip() or 100)

    first = read_status(address)
    height0, size0 = first["height"], first["log_size"]
    names = {pid: read_status(status_address(pid)) for pid in pids}
    process_before = {pid: process_ticks(pid) for pid in pids}
    before = snapshot(pids)
    fsyncs = None
    if shutil.which("perf"):
        perf = subprocess.run(
            ["perf", "stat", "-x,", "-e", "syscalls:sys_enter_fdatasync", "-p", ",".join(pids),
             "--", "sleep", str(args.window)], capture_output=True, text=True)
        counted = [line for line in perf.stderr.splitlines() if "fdatasync" in line]
        if counted and counted[0].split(",")[0].isdigit():
            fsyncs = int(counted[0].split(",")[0])
    else:
        time.sleep(args.window)
    after = snapshot(pids)
    process_after = {pid: process_ticks(pid) for pid in pids}
    last = read_status(address)
    height1, size1 = last["height"], last["log_size"]

    blocks, entries = height1 - height0, size1 - size0
    if blocks <= 0 or entries <= 0:
        sys.exit(f"thread-costs: nothing committed in the window ({blocks} blocks, "
                 f"{entries} entries): is the load running?")
    line = f"{len(pids)} validators, {args.window:g} s: {blocks} blocks, {entries} entries " \
           f"({entries / blocks:.0f} a block)"
    if fsyncs is not None:
        line += f", {fsyncs / blocks:.1f} fdatasync a block"
    print(line)
    print(f"{'thread':16s} {'vol/block':>10s} {'invol/block':>12s} {'vol/entry':>10s} "
          f"{'CPU us/entry':>13s}")
    total = [0.0, 0.0, 0.0]
    rows = []
    for name, now in after.items():
        then = before.get(name, [0, 0, 0])
        delta = [now[k] - then[k] for k in range(3)]
        rows.append((name, delta))
    for name, (vol, invol, cpu) in sorted(rows, key=lambda r: -r[1][2]):
        cpu_us = cpu * us_per_tick / entries
        total[0] += vol
        total[1] += invol
        total[2] += cpu_us
        print(f"{name:16s} {vol / blocks:10.1f} {invol / blocks:12.1f} {vol / entries:10.2f} "
              f"{cpu_us:13.1f}")
    print(f"{'total':16s} {total[0] / blocks:10.1f} {total[1] / blocks:12.1f} "
          f"{total[0] / entries:10.2f} {total[2]:13.1f}")

    # Per validator: the primary orders and, under a benchmark, usually takes the clients' HTTP
    # too; a backup verifies and applies what the primary sends.
    print()
    print(f"{'validator':16s} {'role':>8s} {'CPU us/entry':>13s} {'cores':>6s}")
    for pid in sorted(pids, key=lambda p: names[p]["validator_id"]):
        status = names[pid]
        role = "primary" if status["validator_id"] == last.get("primary_id") else "backup"
        ticks = process_after[pid] - process_before[pid]
        print(f"{status['validator_id']:16s} {role:>8s} {ticks * us_per_tick / entries:13.1f} "
              f"{ticks * us_per_tick / 1e6 / args.window:6.2f}")


if __name__ == "__main__":
    main()
