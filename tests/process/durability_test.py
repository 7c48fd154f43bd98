#!/usr/bin/env python3
"""Process-level test: a deposit acknowledged with 202 ("pending") is never lost.

Two backups of four validators run (no quorum, and no primary: the deposit reaches no
pre-prepare, so only the journal can keep it); a deposit is acknowledged as pending; both are
killed with SIGKILL; all four start; the deposit commits and its receipt, fetched from a
validator that never saw the deposit, verifies.

A validator started on a copy of another validator's data directory (both stopped, the files
copied) refuses to run: the copy holds the other's votes and acknowledged deposits, none of its
own, and no restore marker to make it withhold its votes.

A validator whose data directory is lost after it voted, started again on an empty one, finds
its own signature on the chain's certificates, or the others tell it they hold its votes, and it
withholds its votes as a validator restored from a backup; the validators of a new network each
check their empty data directories and vote (docs/operations.md "An empty data directory").

Run: EVCHAIN_BUILD_DIR=build python3 tests/process/durability_test.py pending_survives_crash
     EVCHAIN_BUILD_DIR=build python3 tests/process/durability_test.py copied_data_dir_refused
     EVCHAIN_BUILD_DIR=build python3 tests/process/durability_test.py lost_data_dir_withholds
"""
import os
import shutil
import signal
import subprocess

from evnet import CLI, NODE, Network, check, make_files, run, wait_until, main


def pending_survives_crash():
    with Network() as net:
        # View 0's primary is node0: it stays down until the restart.
        net.start(2)
        net.start(3)
        net.wait_connected(nodes=[2, 3])
        path = os.path.join(net.dir, "evidence.txt")
        with open(path, "w") as f:
            f.write("acknowledged before a crash of every validator holding it\n")
        out = run([CLI, "deposit", path, "--key", net.net + "/depositor.key",
                   "--depositor", "demo-platform", "--node", net.url(2)]).stdout
        check("pending" in out, f"expected the deposit to be pending:\n{out}")
        check(not os.path.exists(path + ".receipt.json"), "nothing can commit without quorum")
        wait_until("node2 holds the deposit", lambda: net.status(2)["pending"] >= 1, 10)

        net.kill(2)
        net.kill(3)
        net.start_all()
        net.wait_log_size(1, timeout=60)
        check(any("re-proposing 1 deposits" in line for line in net.log_lines(2, "re-proposing")),
              "node2 did not re-propose the deposit from its journal")
        out = run([CLI, "verify", path, "--node", net.url(0), "--genesis",
                   net.genesis_path]).stdout
        check("VERIFIED" in out, f"the receipt does not verify:\n{out}")
        # SPEC: the time service's cosignature stands in every certificate.
        check("time-1" in out, f"the certificate lacks the time validator:\n{out}")
        wait_until("no deposit left pending",
                   lambda: all(net.status(i)["pending"] == 0 for i in range(4)), 30)


def data_dir(net, i):
    d = net.configs[i]["data_dir"]
    return d if os.path.isabs(d) else os.path.join(net.net, f"node{i}", d)


def copied_data_dir_refused():
    with Network() as net:
        net.start_all()
        net.deposit(make_files(net, 3, "before-copy"), node=1)
        net.kill(1, signal.SIGTERM)
        net.kill(3, signal.SIGTERM)
        # node3's disk replaced by a file copy of node1's (its Unix socket is no file to copy).
        shutil.rmtree(data_dir(net, 3))
        shutil.copytree(data_dir(net, 1), data_dir(net, 3),
                        ignore=shutil.ignore_patterns("backup.sock"))
        config = f"{net.net}/node3/config.json"
        try:
            started = subprocess.run([NODE, "--config", config], capture_output=True, text=True,
                                     timeout=20)
        except subprocess.TimeoutExpired:
            raise AssertionError("node3 ran on node1's data directory")
        log = started.stdout + started.stderr
        check(started.returncode == 1, f"exit {started.returncode}, expected 1:\n{log[-2000:]}")
        owner = net.genesis["validators"][1]["id"]
        check(f"validator {owner}'s" in log and "restore marker" in log,
              f"the refusal does not say whose directory it is:\n{log[-2000:]}")
        # node1 still runs on its own directory, and a backup of it, restored for node3, is
        # accepted: its restore marker keeps node3 from voting until it is past node1's votes.
        net.start(1)
        net.wait_connected(nodes=[0, 1, 2])  # the backup is then the running node's
        backup = os.path.join(net.dir, "node1-backup")
        run([CLI, "backup", "create", "--data-dir", data_dir(net, 1), "--out", backup])
        run([CLI, "backup", "restore", "--from", backup, "--data-dir", data_dir(net, 3),
             "--replace"])
        net.start(3)
        net.wait_connected(timeout=60)
        net.deposit(make_files(net, 2, "after-restore"), node=3)
        wait_until("marker cleared", lambda: net.log_lines(3, "clearing the restore marker"), 60)


def lost_data_dir_withholds():
    with Network() as net:
        net.start_all()
        for i in range(4):
            wait_until(f"node{i} checked its empty data directory",
                       lambda i=i: net.log_lines(i, "the empty data directory is checked"), 30)
        # node3 is the time validator: its cosignature stands in every certificate.
        net.deposit(make_files(net, 3, "before-loss"), node=0)
        height = net.status(0)["height"]
        net.wait_log_size(3, nodes=[3])
        net.kill(3)
        checked = len(net.log_lines(3, "the empty data directory is checked"))
        shutil.rmtree(data_dir(net, 3))
        net.start(3)
        found_line = "it voted before its data directory was emptied"
        wait_until("node3 finds its votes", lambda: net.log_lines(3, found_line), 60)
        found = net.log_lines(3, found_line)[0]
        # On a certificate of a block it voted on, or in another validator's message log.
        check(any(f"the certificate of block {h} carries" in found or
                  f"holds a vote this validator signed at seq {h}" in found
                  for h in range(1, height + 1)),
              f"its votes were not found where it cast them:\n{found}")
        check(len(net.log_lines(3, "the empty data directory is checked")) == checked,
              "node3 took its lost data directory for a new validator's")
        # It learns how far it must withhold from the other three, and the chain goes on.
        wait_until("node3's bounds", lambda: net.log_lines(3, "withholding votes up to seq="), 60)
        net.deposit(make_files(net, 2, "after-loss"), node=3)
        net.wait_log_size(5, timeout=60)
        check(len(set(tuple(net.block_hashes(i, net.status(3)["height"])) for i in range(4))) == 1,
              "the validators' chains differ")


if __name__ == "__main__":
    main({"pending_survives_crash": pending_survives_crash,
          "copied_data_dir_refused": copied_data_dir_refused,
          "lost_data_dir_withholds": lost_data_dir_withholds})
