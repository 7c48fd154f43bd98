#!/usr/bin/env python3
"""Process-level test: crash faults under load (docs/reliability.md "Crash faults under load").

Client threads deposit signed single statements to random live validators while a seeded
schedule kills validators (SIGKILL, now and then SIGTERM) or pauses them (SIGSTOP) and brings
them back: the primary of the moment or a backup, one at a time, and twice a second crash while
one is down, which leaves the network without a quorum until both return. Afterwards:
- every deposit a validator acknowledged (202 pending or 200 committed) is in the chain: an
  acknowledgement is a promise that survives the acknowledging validator's crash;
- all four validators hold one chain (the same block hashes at every height);
- the chain audits clean, and a new deposit commits.

Run: EVCHAIN_BUILD_DIR=build python3 tests/process/chaos_test.py crash_chaos
     (EVCHAIN_CHAOS_SEED=N picks another schedule; the seed is printed.)
"""
import hashlib
import http.client
import json
import os
import random
import signal
import threading
import time
import urllib.error
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from evnet import CLI, Network, TestFailure, check, http_json, make_files, run, wait_until, main

CHAOS_SECONDS = 40
CLIENT_THREADS = 4
# Each client pauses this long between deposits: enough deposits to fill blocks while nodes die,
# few enough that reading every block back afterwards stays quick.
CLIENT_PAUSE_S = 0.01


def load_depositor_key(path):
    """The depositor's key file: `evchain-ed25519-seed:<64 hex>` (docs/formats.md "Key file")."""
    with open(path) as f:
        prefix, seed_hex = f.read().strip().split(":")
    check(prefix == "evchain-ed25519-seed", f"unexpected key file {path}")
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))


def parsed(raw):
    """The JSON object of an answer's body; a body that is not one is kept as text, so that it
    shows as an unexpected answer instead of ending the client thread."""
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return {"not_json": raw[:200].decode(errors="replace")}
    return answer if isinstance(answer, dict) else {"not_an_object": answer}


def post_json(url, body, timeout=10.0):
    """(status, parsed body); raises OSError or http.client.HTTPException when the connection
    fails or breaks before the answer is whole (a validator killed under the request)."""
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, parsed(r.read())
    except urllib.error.HTTPError as e:
        return e.code, parsed(e.read())


class Clients:
    """Threads that deposit to live validators and remember what was acknowledged."""

    def __init__(self, net, key, seed):
        self.net, self.key, self.seed = net, key, seed
        self.lock = threading.Lock()
        self.down = set()  # validators the schedule has stopped; guarded by lock
        self.acknowledged = set()  # evidence ids answered 200/202; guarded by lock
        self.counts = {"acknowledged": 0, "connection_failed": 0, "overloaded": 0}
        self.unexpected = []  # (status, body) of any other answer
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(t,)) for t in
                        range(CLIENT_THREADS)]

    def statement(self, thread, k):
        digest = hashlib.sha256(f"chaos {self.seed} {thread} {k}".encode()).hexdigest()
        return (f"evchain-deposit/1\nchain_id: {self.net.genesis['chain_id']}\n"
                f"depositor: demo-platform\ndigest: {digest}\nkind: document\nsource: chaos\n"
                f"captured_at: 2026-12-05T00:00:00Z\nnonce: chaos-{self.seed}-{thread}-{k}\n")

    def _run(self, thread):
        rng = random.Random(f"{self.seed} client {thread}")
        k = 0
        while not self.stop.is_set():
            k += 1
            text = self.statement(thread, k)
            body = {"statement": text, "signature": self.key.sign(text.encode()).hex()}
            evidence_id = hashlib.sha256(text.encode()).hexdigest()
            with self.lock:
                live = [i for i in range(self.net.n) if i not in self.down]
            node = rng.choice(live)
            try:
                status, answer = post_json(self.net.url(node) + "/v1/deposits", body)
            except (OSError, http.client.HTTPException):
                # The validator died under the request: the deposit may or may not have been
                # recorded, and nobody was promised anything.
                with self.lock:
                    self.counts["connection_failed"] += 1
                continue
            with self.lock:
                if status in (200, 202) and answer.get("evidence_id") == evidence_id:
                    self.acknowledged.add(evidence_id)
                    self.counts["acknowledged"] += 1
                elif status == 503:
                    self.counts["overloaded"] += 1
                else:
                    self.unexpected.append((status, answer))
            time.sleep(CLIENT_PAUSE_S)

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join()


def answers(net, i):
    try:
        net.status(i)
        return True
    except OSError:
        return False


def run_schedule(net, clients, rng):
    """Kills, pauses and brings back validators for CHAOS_SECONDS; returns the events."""
    events = []
    started = time.monotonic()
    double_faults = 0

    paused = set()

    def note(what):
        events.append(f"{time.monotonic() - started:5.1f}s {what}")

    def bring_back(nodes):
        for i in nodes:
            if i in paused:
                net.procs[i].send_signal(signal.SIGCONT)
                paused.discard(i)
                note(f"resume node{i}")
            else:
                net.start(i)
                note(f"start node{i}")
        for i in nodes:
            # A restarted validator first opens its data directory and journal: it is back once
            # it answers.
            wait_until(f"node{i} answering", lambda i=i: answers(net, i), 60)
        with clients.lock:
            clients.down.clear()

    while time.monotonic() - started < CHAOS_SECONDS:
        time.sleep(rng.uniform(1.0, 3.5))
        with clients.lock:
            down = sorted(clients.down)
        if len(down) == 1 and double_faults < 2 and rng.random() < 0.5:
            # A second crash while the first is down: no quorum until both are back.
            other = rng.choice([i for i in range(net.n) if i not in down])
            with clients.lock:
                clients.down.add(other)
            net.kill(other, signal.SIGKILL)
            double_faults += 1
            note(f"kill node{other} too (two down)")
            continue
        if down:
            bring_back(down)
            continue
        primary = net.primary_index(rng.randrange(net.n))
        victim = primary if rng.random() < 0.5 else rng.randrange(net.n)
        role = "primary" if victim == primary else "backup"
        with clients.lock:
            clients.down.add(victim)
        fault = rng.random()
        if fault < 0.25:
            # A stall (a VM paused, a process swapped out): it wakes up in an old view with
            # everything it had queued.
            net.procs[victim].send_signal(signal.SIGSTOP)
            paused.add(victim)
            note(f"pause node{victim} ({role}) with SIGSTOP")
            continue
        sig = signal.SIGKILL if fault < 0.85 else signal.SIGTERM
        net.kill(victim, sig)
        note(f"kill node{victim} ({role}) with {sig.name}")
    with clients.lock:
        down = sorted(clients.down)
    bring_back(down)
    return events


def chain_of(net, i, height):
    """(block hashes, evidence ids) of node i's blocks 1..height."""
    hashes, ids = [], []
    h = 1
    while h <= height:
        page = http_json(f"{net.url(i)}/v1/blocks?from={h}&limit=100", timeout=30,
                         token=net.block_token())["blocks"]
        check(page, f"node{i} returned no blocks from height {h}")
        for block in page[:height - h + 1]:
            hashes.append(block["hash"])
            ids += [e["evidence_id"] for e in block["entries"]]
        h += len(page)
    return hashes, ids


def crash_chaos():
    seed = int(os.environ.get("EVCHAIN_CHAOS_SEED", "1"))
    print(f"  schedule seed {seed} (EVCHAIN_CHAOS_SEED)")
    with Network() as net:
        for i in range(net.n):
            # One client address sends everything: the per-address limit is off (0).
            net.configs[i]["rate_limit_rps"] = 0
            with open(f"{net.net}/node{i}/config.json", "w") as f:
                json.dump(net.configs[i], f, indent=2)
        net.start_all()
        clients = Clients(net, load_depositor_key(net.net + "/depositor.key"), seed)
        clients.start()
        try:
            events = run_schedule(net, clients, random.Random(seed))
        finally:
            clients.join()
        print("  " + "\n  ".join(events))
        print(f"  clients: {clients.counts}")
        check(not clients.unexpected, f"unexpected answers: {clients.unexpected[:5]}")
        check(clients.counts["acknowledged"] > 0, "no deposit was acknowledged")

        net.wait_connected(timeout=60)
        acknowledged = clients.acknowledged
        committed_ids = set()

        def all_committed():
            nonlocal committed_ids
            height = net.status(0)["height"]
            committed_ids = set(chain_of(net, 0, height)[1])
            return acknowledged <= committed_ids

        try:
            wait_until("every acknowledged deposit committed", all_committed, 300, interval=2)
        except TestFailure:
            lost = sorted(acknowledged - committed_ids)
            raise TestFailure(f"{len(lost)} acknowledged deposits are not in the chain, "
                              f"e.g. {lost[:3]}")
        height = net.status(0)["height"]
        wait_until(f"height {height} everywhere",
                   lambda: all(net.status(i)["height"] >= height for i in range(net.n)), 120)
        reference = chain_of(net, 0, height)
        for i in range(1, net.n):
            check(chain_of(net, i, height) == reference, f"node{i} holds a different chain")
        print(f"  {len(acknowledged)} acknowledged deposits, all committed; height {height}, "
              f"views {[net.status(i)['view'] for i in range(net.n)]}")

        audit = run([CLI, "audit", "--node", net.url(1), "--genesis", net.genesis_path,
                     "--json", "--token", net.block_token()], timeout=600)
        check(json.loads(audit.stdout).get("ok") is True, f"audit failed: {audit.stdout[:500]}")
        after = make_files(net, 1, "after-chaos")
        net.deposit(after, node=2)
        check("VERIFIED" in net.verify(after[0], after[0] + ".receipt.json").stdout,
              "a deposit after the faults does not verify")


if __name__ == "__main__":
    main({"crash_chaos": crash_chaos})
