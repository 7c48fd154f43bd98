#!/usr/bin/env python3
"""The README's first command, scripts/run-localnet.sh, past its setup steps (--no-setup: the
build under test supplies the binaries): it starts the validators, says where they are only once
each answers, names a validator that fails to start or exits later, resumes the same chain when
run again, and stops every node on SIGINT or SIGTERM."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from evnet import BUILD, CLI, check, http_json, http_text, main, pids_under, reserve_port_block, \
    run, wait_until

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../scripts/run-localnet.sh")
VALIDATORS = 4
BANNER = "Press Ctrl-C to stop."


class LocalnetScript:
    """One run of the script in its own process group, its output in a file; close() kills the
    group (the script and every node it started) whatever happened."""

    def __init__(self, net_dir, base_port, fresh):
        self.out_path = net_dir + ".out"
        self.out = open(self.out_path, "w")
        args = ["bash", SCRIPT, "--no-setup", "--build", os.path.abspath(BUILD), "--dir", net_dir,
                "--base-port", str(base_port)]
        if fresh:
            args.append("--fresh")
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def output(self):
        with open(self.out_path) as f:
            return f.read()

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"run-localnet.sh still running after {timeout}s:\n"
                                 + self.output()[-3000:])

    def close(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.out.close()


def node_pids(under):
    """The evchain-node processes running with a path below `under` (their config)."""
    return pids_under(under, "evchain-node")


def http_url(base_port, i):
    return f"http://127.0.0.1:{base_port + 2 * i + 1}"


def runs_resumes_and_stops():
    base_port, port_lock = reserve_port_block()
    work = tempfile.mkdtemp(prefix="evchain-localnet-")
    net_dir = os.path.join(work, "net")
    script = LocalnetScript(net_dir, base_port, fresh=True)
    try:
        wait_until("the script's banner", lambda: BANNER in script.output(), 90)
        out = script.output()
        # The banner comes only after every validator answered /healthz.
        for i in range(VALIDATORS):
            check(http_text(http_url(base_port, i) + "/healthz").strip() == "ok",
                  f"validator {i} listed but not healthy")
            check(f"{http_url(base_port, i)}/" in out, f"validator {i}'s address not printed")
        check("<html" in http_text(http_url(base_port, 0) + "/").lower(),
              "the judge's page is not served")
        check(f"{os.path.abspath(BUILD)}/tools/cli/evchain deposit" in out,
              "the printed commands do not name the build's CLI")
        wait_until("every validator linked to the 3 others",
                   lambda: all(http_json(http_url(base_port, i) + "/v1/status")["peers_connected"]
                               == VALIDATORS - 1 for i in range(VALIDATORS)), 60)
        # What the banner suggests: a deposit that commits, and a receipt that verifies offline.
        evidence = os.path.join(work, "evidence.txt")
        with open(evidence, "w") as f:
            f.write("a file deposited through the local network\n")
        run([CLI, "deposit", evidence, "--key", f"{net_dir}/depositor.key", "--depositor",
             "demo-platform", "--node", http_url(base_port, 0), "--wait"], timeout=120)
        verified = run([CLI, "verify", evidence, "--receipt", evidence + ".receipt.json",
                        "--genesis", f"{net_dir}/genesis.json"], timeout=60)
        check("VERIFIED" in verified.stdout, "the receipt did not verify:\n" + verified.stdout)

        # A validator that exits is named; the other three keep serving.
        victim = node_pids(f"{net_dir}/node1")
        check(len(victim) == 1, f"expected one node1 process, found {victim}")
        os.kill(victim[0], signal.SIGKILL)
        wait_until("the script naming the validator that exited",
                   lambda: "validator court-2 exited (status 137); 3 still running"
                   in script.output(), 30)
        check(script.proc.poll() is None, "the script stopped when one validator exited")
        check(http_text(http_url(base_port, 0) + "/healthz").strip() == "ok",
              "validator 0 stopped serving")

        # SIGINT (Ctrl-C): every node stopped, exit status 0.
        script.proc.send_signal(signal.SIGINT)
        rc = script.wait_exit(60)
        check(rc == 0, f"exit status {rc} after SIGINT:\n" + script.output()[-2000:])
        check("stopping 3 validators..." in script.output(), "the stop was not announced")
        check(node_pids(net_dir) == [], f"nodes left running: {node_pids(net_dir)}")
        script.close()

        # Run again without --fresh: the same chain, with the deposit in it; SIGTERM stops it.
        script = LocalnetScript(net_dir, base_port, fresh=False)
        wait_until("the banner of the second run", lambda: BANNER in script.output(), 90)
        status = wait_until("the chain resumed", lambda: (
            lambda s: s if s["log_size"] >= 1 else None)(
                http_json(http_url(base_port, 0) + "/v1/status")), 30)
        check(status["height"] >= 1, f"the chain did not resume: {status}")
        script.proc.send_signal(signal.SIGTERM)
        rc = script.wait_exit(60)
        check(rc == 0, f"exit status {rc} after SIGTERM:\n" + script.output()[-2000:])
        check(node_pids(net_dir) == [], f"nodes left running: {node_pids(net_dir)}")
    finally:
        script.close()
        port_lock.close()
        shutil.rmtree(work, ignore_errors=True)


def names_a_validator_that_cannot_start():
    base_port, port_lock = reserve_port_block()
    work = tempfile.mkdtemp(prefix="evchain-localnet-")
    net_dir = os.path.join(work, "net")
    # Validator 1's HTTP port is taken by someone else.
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", base_port + 3))
    squatter.listen(1)
    script = LocalnetScript(net_dir, base_port, fresh=True)
    try:
        started = time.monotonic()
        rc = script.wait_exit(90)
        out = script.output()
        check(rc == 1, f"exit status {rc}, expected 1:\n" + out[-2000:])
        check("run-localnet: validator court-2 did not start\n" in out,
              "the validator that failed is not named:\n" + out[-2000:])
        check("Address already in use" in out, "its log's reason is not shown:\n" + out[-2000:])
        check(BANNER not in out, "the banner was printed for a network that did not start")
        check(node_pids(net_dir) == [], f"nodes left running: {node_pids(net_dir)}")
        print(f"  failed start reported in {time.monotonic() - started:.1f}s", flush=True)
    finally:
        script.close()
        squatter.close()
        port_lock.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main({"runs_resumes_and_stops": runs_resumes_and_stops,
          "names_a_validator_that_cannot_start": names_a_validator_that_cannot_start})
