#!/usr/bin/env python3
"""Process-level tests: 4 real evchain-node processes on 127.0.0.1 (issue: PBFT node).

Run one: python3 tests/process/network_test.py deposits_commit   (EVCHAIN_BUILD_DIR=build dir)
"""
import json
import os
import re
import shutil
import signal
import subprocess
import time

from evnet import (CLI, NODE, Network, TestFailure, check, http_json, make_files, run,
                   wait_until, main)


def deposits_commit():
    with Network() as net:
        net.start_all()
        one = make_files(net, 1, "single")
        net.deposit(one, node=1)  # a backup: the deposit must reach the primary
        many = make_files(net, 5, "batch")
        net.deposit(many, node=2)
        for f in one + many:
            out = net.verify(f, f + ".receipt.json").stdout
            check("VERIFIED" in out, f"verify did not pass for {f}:\n{out}")
        size = net.status(0)["log_size"]
        check(size == 6, f"expected 6 entries, log has {size}")
        net.wait_log_size(6)
        hashes = [net.block_hashes(i, net.status(0)["height"]) for i in range(4)]
        check(all(h == hashes[0] for h in hashes), "validators hold different chains")
        # The whole chain audits clean through the API of another validator.
        audit = run([CLI, "audit", "--node", net.url(3), "--genesis", net.genesis_path, "--json",
                     "--token", net.block_token()])
        report = json.loads(audit.stdout)
        check(report.get("ok") is True, f"audit failed: {audit.stdout}")
        # Each validator runs on the allocator its build linked (node/allocator.h), and says so.
        expected = {"jemalloc": "memory allocator: jemalloc ",
                    "glibc": "memory allocator: glibc ",
                    "sanitizer": "memory allocator: the sanitizer's allocator"}
        wanted = expected[os.environ.get("EVCHAIN_NODE_ALLOCATOR", "glibc")]
        for i in range(4):
            check(net.log_lines(i, wanted), f"node{i}'s log does not say {wanted!r}")


def primary_crash_view_change():
    with Network() as net:
        net.start_all()
        net.deposit(make_files(net, 1, "before"), node=0)
        primary = net.primary_index()
        backup = (primary + 1) % net.n
        timeout_ms = net.genesis.get("params", {}).get("view_change_timeout_ms", 2000)
        killed_at = time.monotonic()
        net.kill(primary, signal.SIGKILL)
        files = make_files(net, 1, "after")
        net.deposit(files, node=backup)
        elapsed = time.monotonic() - killed_at
        print(f"  kill -9 of the primary to the next commit: {elapsed:.2f}s "
              f"(view-change timeout {timeout_ms} ms)")
        check(elapsed <= 2 * timeout_ms / 1000.0,
              f"commit after primary crash took {elapsed:.2f}s > 2x view-change timeout")
        new_primary = net.primary_index(backup)
        check(new_primary != primary, "the crashed primary is still the primary")
        check("VERIFIED" in net.verify(files[0], files[0] + ".receipt.json").stdout,
              "receipt after view change does not verify")


def replica_catch_up():
    with Network() as net:
        net.start_all()
        net.deposit(make_files(net, 1, "first"), node=0)
        lagging = 3
        net.kill(lagging, signal.SIGKILL)
        live = [i for i in range(net.n) if i != lagging]
        before = net.status(0)["log_size"]
        net.loadgen(10000, node=0, batch=1000, timeout=240)
        target = before + 10000
        net.wait_log_size(target, nodes=live, timeout=120)
        started = time.monotonic()
        net.start(lagging)
        net.wait_log_size(target, nodes=[lagging], timeout=120)
        took = time.monotonic() - started
        print(f"  restarted replica caught up {target} entries in {took:.2f}s")
        # It caught up by state transfer (pipelined fetches), not by anything else.
        wait_until("the state-transfer log line",
                   lambda: net.log_lines(lagging, "state transfer: caught up"), 30)
        height = net.status(0)["height"]
        wait_until("same height everywhere",
                   lambda: all(net.status(i)["height"] >= height for i in range(net.n)), 60)
        reference = net.block_hashes(0, height)
        check(net.block_hashes(lagging, height) == reference,
              "the caught-up replica holds a different chain")
        # What the others dropped for it while it was away (only past a view-change timeout
        # without a link, so not in every run: the sanitizer build's timeouts are longer), they
        # logged, naming it, and the drops ended once it was back (node/send_drop_log.h).
        lagging_id = net.genesis["validators"][lagging]["id"]
        for i in live:
            dropped = re.search(r"^evchain_peer_send_queue_dropped_total (\S+)$",
                                http_text_metrics(net, i), re.M)
            check(dropped, f"validator {i} exports no evchain_peer_send_queue_dropped_total")
            print(f"  validator {i} dropped {float(dropped.group(1)):.0f} messages for it")
            if float(dropped.group(1)) == 0:
                continue
            # The log line is written in the tick that sets the metric, just after it.
            wait_until(f"validator {i}'s line on the messages it dropped",
                       lambda i=i: net.log_lines(i, "dropping consensus messages to peers: "), 5)
            for line in net.log_lines(i, "dropping consensus messages to peers: "):
                check(f" to {lagging_id} (" in line,
                      f"validator {i} does not name the peer it dropped for: {line}")
            wait_until(f"validator {i}'s end of its drop episodes",
                       lambda i=i: len(net.log_lines(i, "no longer dropping consensus")) ==
                       len(net.log_lines(i, "dropping consensus messages to peers: ")), 30)


def restart_all_receipts_verify():
    with Network() as net:
        net.start_all()
        files = make_files(net, 3, "keep")
        net.deposit(files, node=1)
        # Two stop cleanly, two crash.
        for i, sig in [(0, signal.SIGTERM), (1, signal.SIGKILL), (2, signal.SIGTERM),
                       (3, signal.SIGKILL)]:
            rc = net.kill(i, sig)
            if sig == signal.SIGTERM:
                check(rc == 0, f"node{i} exited {rc} on SIGTERM")
        net.start_all()
        for f in files:
            check("VERIFIED" in net.verify(f, f + ".receipt.json").stdout,
                  f"receipt of {f} does not verify after restart")
            online = run([CLI, "verify", f, "--node", net.url(2), "--genesis", net.genesis_path])
            check("VERIFIED" in online.stdout, f"online verify failed: {online.stdout}")
        more = make_files(net, 1, "after-restart")
        net.deposit(more, node=3)
        check("VERIFIED" in net.verify(more[0], more[0] + ".receipt.json").stdout,
              "new deposit after restart does not verify")


def unknown_key_cannot_join():
    with Network() as net:
        rogue_index = 3
        for i in range(3):
            net.start(i)
        net.wait_connected(nodes=[0, 1, 2])
        # The rogue takes time-1's place and addresses with a key that is not in the genesis.
        rogue_dir = os.path.join(net.dir, "rogue")
        os.makedirs(rogue_dir)
        keygen_out = run([CLI, "keygen", "--out", rogue_dir + "/validator.key"]).stdout
        rogue_key_hex = re.search(r"\b[0-9a-f]{64}\b", keygen_out).group(0)
        rogue_genesis = dict(net.genesis)
        config = dict(net.configs[rogue_index])
        config.update({"genesis": net.genesis_path, "key_file": rogue_dir + "/validator.key",
                       "data_dir": rogue_dir + "/data"})
        with open(rogue_dir + "/config.json", "w") as f:
            json.dump(config, f)
        os.chmod(rogue_dir + "/config.json", 0o600)  # configs hold tokens: the node wants 0600
        # With the real genesis the node refuses to start with a foreign key...
        p = run([NODE_BIN(), "--config", rogue_dir + "/config.json"], timeout=30, check_rc=False)
        check(p.returncode != 0 and "not the genesis key" in p.stdout + p.stderr,
              f"a node with a foreign key started: rc={p.returncode} {p.stderr}")
        # ...and with a doctored genesis naming its key, the honest validators refuse its links.
        rogue_genesis["validators"] = [dict(v) for v in net.genesis["validators"]]
        rogue_genesis["validators"][rogue_index]["public_key"] = rogue_key_hex
        with open(rogue_dir + "/genesis.json", "w") as f:
            json.dump(rogue_genesis, f)
        config["genesis"] = rogue_dir + "/genesis.json"
        with open(rogue_dir + "/config.json", "w") as f:
            json.dump(config, f)
        net.start(rogue_index, rogue_dir + "/config.json")
        wait_until("rogue serving", lambda: net.status(rogue_index) is not None, 20)
        # Links are redialed every <= 2 s; watch for 5 s that none comes up.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            check(net.status(rogue_index)["peers_connected"] == 0, "the rogue got a link")
            for i in range(3):
                check(net.status(i)["peers_connected"] == 2, f"node{i} linked with the rogue")
            time.sleep(0.2)
        metrics = http_text_metrics(net, 0)
        check("evchain_peer_handshakes_rejected_total" in metrics,
              "rejected handshakes are not counted in /metrics")
        # Both ends log why, once for the rogue's redials (docs/operations.md "Refused peer
        # links"): its genesis hash differs from the honest validators'.
        for i in (0, rogue_index):
            refused = [line for line in net.log_lines(i, "peer links refused: ")
                       if "wrong_genesis — its genesis differs from ours" in line]
            check(refused and all(" warning " in line for line in refused),
                  f"node{i} did not log the refused links: {refused}")
            # One line per dial and per source (each honest peer claims another validator).
            most = 2 if i == 0 else 6
            check(len(refused) <= most, f"node{i} logged a line per redial: {refused}")
        # The three honest validators still commit.
        files = make_files(net, 1, "honest")
        net.deposit(files, node=0)


def sigterm_clean_shutdown():
    with Network() as net:
        net.start_all()
        net.deposit(make_files(net, 1, "x"), node=0)
        for i in range(net.n):
            started = time.monotonic()
            rc = net.kill(i, signal.SIGTERM)
            check(rc == 0, f"node{i} exited {rc} on SIGTERM")
            check(time.monotonic() - started < 15, f"node{i} took too long to stop")


def NODE_BIN():
    from evnet import NODE
    return NODE


def deposits_verified_once():
    """Each deposit's signature is verified at most once per validator, although it reaches each
    one several times (admission or FORWARD, the primary's PRE-PREPARE, retransmissions, a block
    fetched by a replica that fell behind); and its statement is parsed and hashed once, by the
    check that verified it: the replica takes the facts of that check (no parse of its own on
    the paths of pre-prepares, block cuts and FORWARDs)."""
    with Network() as net:
        net.start_all()
        admitted = {1: 3000, 2: 200}  # validator -> deposits its clients sent it
        net.loadgen(admitted[1], node=1, batch=100, seed="once-batch", timeout=240)
        net.loadgen(admitted[2], node=2, batch=1, seed="once-single", timeout=240)
        total = sum(admitted.values())
        net.wait_log_size(total, timeout=120)
        primary = net.primary_index()
        views = [net.status(i)["view"] for i in range(net.n)]
        for i in range(net.n):
            text = http_text_metrics(net, i)
            counts = {m.group(1): float(m.group(2)) for m in re.finditer(
                r'^evchain_deposit_checks_total\{result="(\w+)"\} (\S+)$', text, re.M)}
            rejected = {m.group(1): float(m.group(2)) for m in re.finditer(
                r'^evchain_peer_payloads_rejected_total\{reason="(\w+)"\} (\S+)$', text, re.M)}
            parses = {m.group(1): float(m.group(2)) for m in re.finditer(
                r'^evchain_consensus_statement_parses_total\{path="(\w+)"\} (\S+)$', text,
                re.M)}
            print(f"  v{i}: {counts} view {views[i]}, peer payloads rejected: {rejected}, "
                  f"replica's own statement parses: {parses}")
            check(set(counts) == {"verified", "cached", "committed"},
                  f"v{i}: /metrics lacks evchain_deposit_checks_total: {counts}")
            check(set(parses) == {"pre_prepare", "block_cut", "forward", "committed_block"},
                  f"v{i}: /metrics lacks evchain_consensus_statement_parses_total: {parses}")
            check(counts["verified"] <= total,
                  f"v{i} verified {counts['verified']:.0f} signatures for {total} deposits")
            if any(views):
                continue  # a view change: blocks re-proposed in a NEW-VIEW reach replicas too
            # Every deposit enters each validator by a checked path: its clients (admission), a
            # FORWARD, a PRE-PREPARE or a fetched block. A FORWARD can be overtaken by the block
            # or dropped (the replica was catching up), but a backup meets the deposits its own
            # clients sent it again, in the primary's PRE-PREPARE or a fetched block; the primary
            # builds its blocks itself.
            check(counts["verified"] + counts["cached"] >= total,
                  f"v{i} met {counts['verified'] + counts['cached']:.0f} of {total} deposits")
            check(i == primary or counts["cached"] >= admitted.get(i, 0),
                  f"v{i} found {counts['cached']:.0f} of the {admitted.get(i, 0)} deposits its "
                  "clients sent verified before")
            # Every deposit met again came with the facts of the check that verified it.
            for path in ("pre_prepare", "block_cut", "forward"):
                check(parses[path] == 0,
                      f"v{i} parsed {parses[path]:.0f} statements again on the {path} path")


def misbehaving_peer():
    """A validator whose key is in the genesis but whose process sends what no correct validator
    sends (envelopes with bad signatures) is counted per peer in /metrics, disconnected and kept
    off for the suspension, while the other three keep committing."""
    with Network() as net:
        for i in range(3):
            net.start(i)
        net.wait_connected(nodes=[0, 1, 2])
        rogue = os.path.join(os.environ.get("EVCHAIN_BUILD_DIR", ""), "tests/process/rogue_peer")
        node3 = net.configs[3]
        key_file = node3["key_file"]
        if not os.path.isabs(key_file):
            key_file = os.path.join(net.net, "node3", key_file)
        # 50 bad envelopes, well past the allowance (20 a minute); then watch the link 3.5 s:
        # the suspension (5 s) outlasts the rogue's redials (every <= 2 s).
        out = run([rogue, net.genesis_path, key_file, "3", "0", "50", "bad_signature", "3500"],
                  timeout=60).stdout
        report = json.loads(out.strip().splitlines()[-1])
        print(f"  rogue: {report}")
        check(report["linked"] and report["sent"] == 50, f"the rogue did not get to send: {report}")
        check(report["cut"], f"node0 kept the misbehaving peer's link: {report}")
        check(not report["back_within_watch"], f"the suspended peer got a link again: {report}")
        metrics = http_text_metrics(net, 0)
        peer_id = net.genesis["validators"][3]["id"]
        offences = re.search(r'^evchain_peer_misbehaviour_total\{peer="%s",reason="bad_signature"'
                             r'\} (\S+)$' % re.escape(peer_id), metrics, re.M)
        suspensions = re.search(r'^evchain_peer_suspensions_total\{peer="%s"\} (\S+)$'
                                % re.escape(peer_id), metrics, re.M)
        check(offences and float(offences.group(1)) >= 21,
              f"offences not counted per peer: {offences and offences.group(0)}")
        check(suspensions and float(suspensions.group(1)) >= 1, "no suspension in /metrics")
        check(any("suspended for" in line for line in net.log_lines(0, "suspended")),
              "node0 did not log the suspension")
        for name in ("evchain_peer_duplicate_links_total", "evchain_peer_retired_links_cut_total",
                     "evchain_peer_handshakes_evicted_total", "evchain_peer_connect_failures_total"):
            check(re.search(r"^%s \S+$" % name, metrics, re.M), f"{name} not in /metrics")
        # The three honest validators still commit.
        files = make_files(net, 1, "honest")
        net.deposit(files, node=1)


def overload_logged():
    """A validator that sheds load says so (docs/operations.md "Overload"). Validator 0, the
    primary, holds at most 100 pending deposits; a client sends it 1,000 in batches of 100, each
    refused batch again 100 ms later, so most of its requests are refused with 503 until the
    batch before commits. Afterwards: every deposit committed; validator 0's log has a warning
    when the refusals started and, 5 s after the last, a line for each episode's end; /metrics
    counts the refusals and its evchain_overloaded gauge is back to 0."""
    with Network() as net:
        net.configs[0]["max_pending"] = 100
        with open(f"{net.net}/node0/config.json", "w") as f:
            json.dump(net.configs[0], f, indent=2)
        net.start_all()
        net.loadgen(1000, node=0, batch=100, seed="overload", timeout=180)
        metrics = http_text_metrics(net, 0)
        refused = re.search(r'^evchain_deposits_rejected_total\{code="overloaded"\} (\S+)$',
                            metrics, re.M)
        check(refused and float(refused.group(1)) >= 1,
              f"no refusal counted: {refused and refused.group(0)}")
        starts = net.log_lines(0, "overloaded: refusing requests")
        check(starts and all(" warning " in line for line in starts),
              f"no warning when the refusals started: {starts}")
        wait_until("every overload episode logged as ended",
                   lambda: len(net.log_lines(0, "no longer overloaded")) == len(starts),
                   timeout=15)
        print(f"  {float(refused.group(1)):.0f} requests refused, {len(starts)} episode(s): "
              f"{starts[0].strip()}")
        wait_until("evchain_overloaded back to 0",
                   lambda: re.search(r"^evchain_overloaded 0$", http_text_metrics(net, 0), re.M),
                   timeout=5)
        check(not net.log_lines(1, "overloaded: refusing"), "validator 1 refused nothing")


def node_exit_statuses():
    """evchain-node's exit statuses as its --help states them: 2 for a wrong command line (one
    line on stderr) or config file (its path, then each problem on a line), 1 for a validator that
    cannot start with its config."""
    def node(*args):
        return subprocess.run([NODE, *args], capture_output=True, text=True, timeout=60)

    help_run = node("--help")
    check(help_run.returncode == 0 and "Exit status: 0 after a clean shutdown" in help_run.stdout,
          f"--help: {help_run.returncode} {help_run.stdout!r}")
    with Network() as net:
        config_path = f"{net.net}/node0/config.json"
        broken = f"{net.dir}/broken.json"
        with open(broken, "w") as f:
            f.write("{")
        os.chmod(broken, 0o600)
        with open(config_path) as f:
            config = json.load(f)
        config["key_file"] = "missing.key"
        wrong_key = f"{net.net}/node0/wrong_key.json"
        with open(wrong_key, "w") as f:
            json.dump(config, f)
        os.chmod(wrong_key, 0o600)
        for args, want, needle in [
                ((), 2, "--config is required"),
                (("--config", f"{net.dir}/absent.json"), 2, "File does not exist"),
                (("--config", config_path, "--bogus"), 2, "--bogus"),
                (("--config", broken), 2, "config is not valid JSON: line 1, column 2"),
                (("--config", wrong_key), 1, "missing.key")]:
            r = node(*args)
            check(r.returncode == want, f"evchain-node {' '.join(args)}: exit {r.returncode}, "
                                        f"expected {want}; stderr {r.stderr!r}")
            check(needle in r.stderr, f"evchain-node {' '.join(args)}: {needle!r} not in "
                                      f"{r.stderr!r}")
            if want == 2 and args[-1:] != (broken,):
                check(r.stderr.count("\n") == 1, f"not one line: {r.stderr!r}")


def http_text_metrics(net, i):
    import urllib.request
    with urllib.request.urlopen(net.url(i) + "/metrics", timeout=5) as r:
        return r.read().decode()


TESTS = {
    "deposits_commit": deposits_commit,
    "primary_crash_view_change": primary_crash_view_change,
    "replica_catch_up": replica_catch_up,
    "restart_all_receipts_verify": restart_all_receipts_verify,
    "unknown_key_cannot_join": unknown_key_cannot_join,
    "sigterm_clean_shutdown": sigterm_clean_shutdown,
    "deposits_verified_once": deposits_verified_once,
    "misbehaving_peer": misbehaving_peer,
    "node_exit_statuses": node_exit_statuses,
    "overload_logged": overload_logged,
}

if __name__ == "__main__":
    main(TESTS)
