#!/usr/bin/env python3
"""A validator that lost its disk rejoins from a snapshot (docs/snapshots.md).

A 4-validator network commits blocks; node3 is stopped and its data directory deleted; a
snapshot is made from node1's data directory while node1 keeps running (online, through its
backup socket); node3's directory is restored from it (verified against the genesis), node3 is
restarted, catches up by state transfer and commits new blocks with the others. The same with
the snapshot fetched from the other validators over the peer links.
"""
import os
import shutil
import signal

from evnet import CLI, Network, check, make_files, run, wait_until, main


def data_dir(net, i):
    d = net.configs[i]["data_dir"]
    return d if os.path.isabs(d) else os.path.join(net.net, f"node{i}", d)


def lose_disk(net, lost):
    """Commits 2,000 deposits, then kills validator `lost` and deletes its data directory."""
    net.start_all()
    net.loadgen(2000, node=0, batch=500, timeout=120)
    net.wait_log_size(2000, timeout=60)
    net.kill(lost, signal.SIGKILL)
    data = data_dir(net, lost)
    shutil.rmtree(data)
    return data


def check_rejoined(net, lost):
    """New deposits through validator `lost` commit, and it holds the others' chain."""
    net.deposit(make_files(net, 3, "after"), node=lost)
    size = net.status(0)["log_size"]
    net.wait_log_size(size, timeout=60)
    height = net.status(0)["height"]
    wait_until("same height everywhere",
               lambda: all(net.status(i)["height"] >= height for i in range(net.n)), 60)
    check(net.block_hashes(lost, height) == net.block_hashes(0, height),
          f"node{lost}, restored, holds a different chain")


def restore_from_snapshot():
    with Network() as net:
        lost = 3
        data = lose_disk(net, lost)
        net.deposit(make_files(net, 2, "while-down"), node=0)
        snap = os.path.join(net.dir, "chain.evsnap")
        out = run([CLI, "snapshot", "create", "--data-dir", data_dir(net, 1),
                   "--out", snap, "--json"])
        check('"ok": true' in out.stdout, out.stdout)
        out = run([CLI, "snapshot", "restore", "--genesis", net.genesis_path, "--in", snap,
                   "--data-dir", data])
        check("verified and restored" in out.stdout, out.stdout)
        shown = run([CLI, "backup", "show", "--data-dir", data]).stdout
        check('"consensus_seq": 0' in shown, "the restored directory lacks its restore marker")
        net.start(lost)
        net.wait_connected(timeout=60)
        # It started on the snapshot's chain, not from an empty directory.
        opened = net.log_lines(lost, "opened data dir")
        check(len(opened) == 2 and "height=0 " not in opened[-1],
              f"node{lost} did not start on the restored chain: {opened[-1:]}")
        size = net.status(0)["log_size"]
        net.wait_log_size(size, nodes=[lost], timeout=120)
        # It read the restore marker: it withholds its votes up to bounds learned from the
        # others (docs/protocol.md "Restored from a backup"), then clears the marker.
        check(net.log_lines(lost, "restored from a backup taken at height"),
              f"node{lost} did not read its restore marker")
        wait_until("the restore marker cleared",
                   lambda: net.log_lines(lost, "clearing the restore marker"), 60)
        # New blocks, committed with the restored validator following.
        check_rejoined(net, lost)


def restore_from_peers():
    """The same rejoin, with the snapshot fetched from the other validators over the peer links
    (`evchain snapshot fetch`, as the lost validator, with its key and p2p address)."""
    with Network() as net:
        lost = 3
        data = lose_disk(net, lost)
        snap = os.path.join(net.dir, "fetched.evsnap")
        config = f"{net.net}/node{lost}/config.json"
        out = run([CLI, "snapshot", "fetch", "--config", config, "--out", snap, "--json"])
        check('"ok": true' in out.stdout and '"verified": false' in out.stdout, out.stdout)
        check(not os.path.exists(snap + ".partial"), "the partial file was left behind")
        # A second fetch into the same file is refused: nothing is overwritten.
        again = run([CLI, "snapshot", "fetch", "--config", config, "--out", snap],
                    check_rc=False)
        check(again.returncode == 2 and "exists" in again.stderr, again.stderr)
        out = run([CLI, "snapshot", "restore", "--genesis", net.genesis_path, "--in", snap,
                   "--data-dir", data])
        check("verified and restored" in out.stdout, out.stdout)
        net.start(lost)
        net.wait_connected(timeout=60)
        opened = net.log_lines(lost, "opened data dir")
        check(len(opened) == 2 and "height=0 " not in opened[-1],
              f"node{lost} did not start on the fetched chain: {opened[-1:]}")
        check_rejoined(net, lost)


def fetch_refused_while_running():
    """A fetch as a validator whose node runs cannot take its p2p address: a clear error."""
    with Network() as net:
        net.start_all()
        snap = os.path.join(net.dir, "never.evsnap")
        out = run([CLI, "snapshot", "fetch", "--config", f"{net.net}/node1/config.json",
                   "--out", snap], check_rc=False)
        check(out.returncode == 3 and "Stop it first" in out.stderr, out.stderr)
        check(not os.path.exists(snap) and not os.path.exists(snap + ".partial"),
              "a refused fetch left a file")


TESTS = {"restore_from_snapshot": restore_from_snapshot,
         "restore_from_peers": restore_from_peers,
         "fetch_refused_while_running": fetch_refused_while_running}

if __name__ == "__main__":
    main(TESTS)
