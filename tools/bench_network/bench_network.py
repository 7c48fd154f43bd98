#!/usr/bin/env python3
"""Network benchmarks on real evchain-node processes (docs/benchmarks.md "Consensus").

  view change: kill -9 of the primary -> time until a new deposit sent to a backup commits
  catch-up:    a replica down while N entries commit -> entries/s it fetches, verifies and
               appends, both from its restart and from its first fetch (read from its log line
               "state transfer: caught up ... in T ms since the first fetch")

Usage: tools/bench_network/bench_network.py [--runs 3] [--entries 100000] [--build build]
Prints each run and the medians. Not a test: numbers depend on the machine.
"""
import argparse
import os
import re
import signal
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/process"))

CAUGHT_UP = re.compile(r"state transfer: caught up at height=(\d+): (\d+) blocks, (\d+) entries "
                       r"in (\d+) ms since the first fetch")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--entries", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=1000, help="entries per signed loadgen batch")
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "../../build"))
    args = ap.parse_args()
    os.environ["EVCHAIN_BUILD_DIR"] = os.path.abspath(args.build)
    import evnet  # after EVCHAIN_BUILD_DIR is set

    view_change, from_restart, from_fetch = [], [], []
    for run in range(args.runs):
        with evnet.Network() as net:
            net.start_all()
            path = os.path.join(net.dir, "warmup.txt")
            with open(path, "w") as f:
                f.write("warm-up\n")
            net.deposit([path], node=0)
            primary = net.primary_index()
            backup = (primary + 1) % net.n
            path = os.path.join(net.dir, "after.txt")
            with open(path, "w") as f:
                f.write(f"after {run}\n")
            t0 = time.monotonic()
            net.kill(primary, signal.SIGKILL)
            net.deposit([path], node=backup)
            view_change.append(time.monotonic() - t0)

            # Bring the old primary back (f = 1: only one validator may be down at a time), then
            # take down a replica that is not the current primary.
            net.start(primary)
            net.wait_connected()
            current = net.primary_index(backup)
            lagging = next(i for i in range(net.n) if i not in (current, backup))
            had = net.status(lagging)["log_size"]
            net.kill(lagging, signal.SIGKILL)
            live = [i for i in net.procs]
            # Chunks of 10,000, each committed before the next, keep the deposit pools below
            # max_pending (a single 100,000 burst gets 503 overloaded until the client gives up).
            for k in range(0, args.entries, 10000):
                net.loadgen(min(10000, args.entries - k), node=backup, batch=args.batch,
                            seed=f"bench{run}-{k}", timeout=600)
            target = net.status(backup)["log_size"]
            net.wait_log_size(target, nodes=live, timeout=600)
            logged_before = len(net.log_lines(lagging, "state transfer: caught up"))
            net.start(lagging)
            t0 = time.monotonic()
            net.wait_log_size(target, nodes=[lagging], timeout=600)
            took = time.monotonic() - t0
            fetched = target - had
            from_restart.append(fetched / took)
            lines = evnet.wait_until(
                "the caught-up log line",
                lambda: net.log_lines(lagging, "state transfer: caught up")[logged_before:], 30)
            m = CAUGHT_UP.search(lines[0])
            evnet.check(m is not None, f"unexpected log line: {lines[0]}")
            entries, ms = int(m.group(3)), int(m.group(4))
            from_fetch.append(entries * 1000 / max(ms, 1))
            print(f"run {run + 1}: view change {view_change[-1]:.2f} s; catch-up of {fetched} "
                  f"entries: restart -> caught up {took:.2f} s = {from_restart[-1]:,.0f} entries/s; "
                  f"first fetch -> caught up {entries} entries in {ms / 1000:.2f} s = "
                  f"{from_fetch[-1]:,.0f} entries/s", flush=True)
    print(f"median view change (kill -9 primary -> next commit): "
          f"{statistics.median(view_change):.2f} s over {args.runs} runs")
    print(f"median catch-up, restart -> caught up: {statistics.median(from_restart):,.0f} entries/s "
          f"(process start, reconnect included)")
    print(f"median catch-up, first fetch -> caught up: {statistics.median(from_fetch):,.0f} "
          f"entries/s over {args.runs} runs ({args.entries} entries each, batches of {args.batch})")


if __name__ == "__main__":
    main()
