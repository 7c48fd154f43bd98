#!/usr/bin/env python3
"""Process-level test: a deposit acknowledged with 202 ("pending") is never lost.

Two backups of four validators run (no quorum, and no primary: the deposit reaches no
pre-prepare, so only the journal can keep it); a deposit is acknowledged as pending; both are
killed with SIGKILL; all four start; the deposit commits and its receipt, fetched from a
validator that never saw the deposit, verifies.

Run: EVCHAIN_BUILD_DIR=build python3 tests/process/durability_test.py pending_survives_crash
"""
import os

from evnet import CLI, Network, check, run, wait_until, main


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


if __name__ == "__main__":
    main({"pending_survives_crash": pending_survives_crash})
