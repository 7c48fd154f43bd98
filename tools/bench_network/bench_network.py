#!/usr/bin/env python3
"""Network benchmarks on real evchain-node processes (docs/benchmarks.md "Consensus").

  view change: kill -9 of the primary -> time until a new deposit sent to a backup commits
  catch-up:    a replica down while N entries commit -> entries/s it fetches and verifies

Usage: tools/bench_network/bench_network.py [--runs 5] [--entries 10000] [--build build]
Prints each run and the medians. Not a test: numbers depend on the machine.
"""
import argparse
import os
import signal
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/process"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--entries", type=int, default=10000)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "../../build"))
    args = ap.parse_args()
    os.environ["EVCHAIN_BUILD_DIR"] = os.path.abspath(args.build)
    import evnet  # after EVCHAIN_BUILD_DIR is set

    view_change, catch_up = [], []
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
            net.kill(lagging, signal.SIGKILL)
            live = [i for i in net.procs]
            net.loadgen(args.entries, node=backup, batch=1000, seed=f"bench{run}", timeout=600)
            target = net.status(backup)["log_size"]
            net.wait_log_size(target, nodes=live, timeout=600)
            net.start(lagging)
            t0 = time.monotonic()
            net.wait_log_size(target, nodes=[lagging], timeout=600)
            took = time.monotonic() - t0
            catch_up.append(target / took)
            print(f"run {run + 1}: view change {view_change[-1]:.2f} s, catch-up {target} entries "
                  f"in {took:.2f} s = {catch_up[-1]:,.0f} entries/s", flush=True)
    print(f"median view change (kill -9 primary -> next commit): "
          f"{statistics.median(view_change):.2f} s over {args.runs} runs")
    print(f"median catch-up: {statistics.median(catch_up):,.0f} entries/s over {args.runs} runs "
          f"({args.entries} entries each; includes process start and reconnect)")


if __name__ == "__main__":
    main()
