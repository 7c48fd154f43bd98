#!/usr/bin/env python3
"""The HTTP front end's targets (issue 12 item 1 and 2), measured against validator 0 of a real
4-validator network on 127.0.0.1 started by this script (`evchain testnet` + 4 `evchain-node`).

Every figure is next to a reference measured in the same run:
  A. a well-behaved client's GET /v1/status latency (p50/p99), alone      -> the reference
  B. the same while 500 slowloris connections trickle header bytes          -> p99 vs A
  C. 2,000 concurrent keep-alive connections, each served 3 requests        -> served, p99 vs A
  D. a request whose headers never finish: time to the 408 (default 5 s)
  E. 300 connections from one address: how many the per-address cap (256) refuses
  F. 256 keep-alive depositors, fire-and-forget vs ?wait=commit: committed deposits/s (ratio)

With --tls rsa|ecdsa, validator 0 serves HTTPS with a fresh self-signed RSA-2048 or ECDSA P-256
certificate and only the TLS figures are measured instead:
  T0. a well-behaved client's GET /healthz latency on one kept-alive TLS connection, alone
  T1. the same while a flood of new TLS connections comes from one address
  T2. the same while the flood comes from 20 addresses (127.0.0.30-49)
Each also shows the probe's connection as a new one: its connect + handshake time and its first
request, which waits for the server's last handshake step (behind the flood's, in the lane).
The flood sends a ClientHello recorded once and waits for the server's first flight (the
server has signed and derived its keys by then), then closes: the server's whole share of a
handshake at almost no cost to the client, as an attacker would. The server's CPU per
handshake is read from its HTTP threads' CPU time (/proc/PID/task/TID/stat) over the flood.

Usage: python3 tools/bench_http/frontend_bench.py [--build build] [--seconds 10] [--tls rsa]
Needs python3-cryptography (Ed25519 signatures for F). Results: docs/benchmarks.md "HTTP front end".
"""
import argparse
import asyncio
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def open_conn(host, port, source=None):
    return await asyncio.open_connection(host, port,
                                         local_addr=(source, 0) if source else None)


async def request(reader, writer, method, path, body=b"", headers=""):
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\n{headers}"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    writer.write(head.encode() + b"\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    payload = await reader.readexactly(length) if length else b""
    return int(status_line.split()[1]) if status_line else 0, payload


async def probe(host, port, seconds, source="127.0.0.200"):
    """Sequential GET /v1/status on one keep-alive connection for `seconds`: latencies (s)."""
    r, w = await open_conn(host, port, source)
    lat = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.monotonic()
        status, _ = await request(r, w, "GET", "/v1/status")
        assert status == 200, status
        lat.append(time.monotonic() - t)
        await asyncio.sleep(0.01)
    w.close()
    return lat


async def slowloris(host, port, count, seconds):
    """Keeps `count` connections open, each trickling one header byte every 2 s; reconnects
    whatever the server closes (an attacker would)."""
    end = time.monotonic() + seconds
    reconnects = 0

    async def one(i):
        nonlocal reconnects
        while time.monotonic() < end:
            try:
                r, w = await open_conn(host, port, f"127.0.0.{10 + i % 4}")
                w.write(b"GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                while time.monotonic() < end:
                    await asyncio.sleep(2)
                    if r.at_eof():
                        break
                    w.write(b"a")
                    await w.drain()
                w.close()
            except (OSError, ConnectionError):
                pass
            reconnects += 1
            await asyncio.sleep(0.05)

    await asyncio.gather(*(one(i) for i in range(count)))
    return reconnects


async def keepalive_crowd(host, port, count, rounds):
    conns = []
    for i in range(count):
        conns.append(await open_conn(host, port, f"127.0.0.{20 + i % 10}"))
    lat = []
    served = 0

    async def use(r, w):
        nonlocal served
        for _ in range(rounds):
            t = time.monotonic()
            status, _ = await request(r, w, "GET", "/v1/status")
            if status == 200:
                served += 1
            lat.append(time.monotonic() - t)

    t0 = time.monotonic()
    await asyncio.gather(*(use(r, w) for r, w in conns))
    took = time.monotonic() - t0
    for _, w in conns:
        w.close()
    return served, lat, took


async def header_deadline(host, port):
    r, w = await open_conn(host, port)
    w.write(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n")
    t = time.monotonic()
    data = await asyncio.wait_for(r.read(), 30)
    return time.monotonic() - t, data[:12]


async def per_address(host, port, count):
    conns = [await open_conn(host, port, "127.0.0.50") for _ in range(count)]
    await asyncio.sleep(0.5)
    refused = 0
    for r, w in conns:
        w.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    for r, w in conns:
        try:
            line = await asyncio.wait_for(r.readline(), 5)
            refused += line == b""
        except (ConnectionError, asyncio.TimeoutError):
            refused += 1
        w.close()
    return refused


def client_hello():
    """One TLS ClientHello (TLS 1.2 and 1.3 offered, as Python's default client sends it)."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_side=False)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def flood_worker(host, port, hello, sources, concurrency, seconds, counter):
    """One process: `concurrency` loops, each connecting from one of `sources`, sending `hello`
    and closing once the server's first flight arrived (counter += 1) or was refused."""
    async def loop(i):
        end = time.monotonic() + seconds
        source = sources[i % len(sources)]
        while time.monotonic() < end:
            try:
                r, w = await asyncio.wait_for(open_conn(host, port, source), 5)
                w.write(hello)
                data = await asyncio.wait_for(r.read(1), 10)
                if data:
                    with counter.get_lock():
                        counter.value += 1
                w.transport.abort()
            except (OSError, ConnectionError, asyncio.TimeoutError):
                await asyncio.sleep(0.01)

    async def main():
        await asyncio.gather(*(loop(i) for i in range(concurrency)))

    asyncio.run(main())


def thread_cpu(pid, names):
    """CPU seconds (user + system) of `pid`'s threads whose name is in `names`."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().strip() not in names:
                    continue
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


async def tls_probe(host, port, seconds, ctx, source="127.0.0.200"):
    """Sequential GET /healthz on one new, then kept-alive, TLS connection for `seconds`: the
    connect and handshake time (s, as the client sees it: until the server's flight that lets it
    send its Finished) and the requests' latencies (s). The first request waits for the server's
    last handshake step too (reading the client's Finished)."""
    t = time.monotonic()
    r, w = await asyncio.open_connection(host, port, ssl=ctx, local_addr=(source, 0))
    connect = time.monotonic() - t
    lat = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.monotonic()
        status, _ = await asyncio.wait_for(request(r, w, "GET", "/healthz"), 60)
        assert status == 200, status
        lat.append(time.monotonic() - t)
        await asyncio.sleep(0.01)
    w.close()
    return connect, lat


def run_tls(args, host, port, pid):
    import multiprocessing
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    S = args.seconds
    print(f"machine: {machine()}", flush=True)
    print(f"TLS key: {args.tls}", flush=True)

    def show(name, probe):
        # The slowest three with their place in the sequence: a stall at the start of the flood
        # is told apart from one in its steady state. A new connection's wait (its handshake's
        # steps behind the flood's in the server's lane) shows in the connect time and the
        # first request.
        connect, lat = probe
        worst = sorted(range(len(lat)), key=lambda i: -lat[i])[:3]
        print(f"{name}: {len(lat)} requests, p50 {pct(lat, 50) * 1e3:.1f} ms, "
              f"p99 {pct(lat, 99) * 1e3:.1f} ms, max {max(lat) * 1e3:.1f} ms (slowest: "
              + ", ".join(f"#{i} {lat[i] * 1e3:.0f} ms" for i in worst) + ")", flush=True)
        print(f"   new connection: connect + handshake {connect * 1e3:.1f} ms, first request "
              f"{lat[0] * 1e3:.1f} ms", flush=True)

    show("T0 reference, alone", asyncio.run(tls_probe(host, port, S, ctx)))
    hello = client_hello()
    threads = ("http-io",)  # the handshakes run there (api/handshake_lane.h)
    for name, sources in (("T1 flood from one address", ["127.0.0.30"]),
                          ("T2 flood from 20 addresses",
                           [f"127.0.0.{30 + i}" for i in range(20)])):
        counter = multiprocessing.Value("l", 0)
        procs = [multiprocessing.Process(
            target=flood_worker,
            args=(host, port, hello, sources, args.flood_connections, S + 2, counter))
            for _ in range(args.flood_processes)]
        cpu0 = thread_cpu(pid, threads)
        for p in procs:
            p.start()
        time.sleep(1)
        n0, c0, t0 = counter.value, thread_cpu(pid, threads), time.monotonic()
        probe = asyncio.run(tls_probe(host, port, S, ctx))
        n1, c1, t1 = counter.value, thread_cpu(pid, threads), time.monotonic()
        for p in procs:
            p.join()
        show(f"{name} ({args.flood_processes} x {args.flood_connections} connections)", probe)
        print(f"   server flights received: {n1 - n0} in {t1 - t0:.1f} s = "
              f"{(n1 - n0) / (t1 - t0):.0f} handshakes/s; server {'+'.join(threads)} CPU "
              f"{c1 - c0:.2f} s = {(c1 - c0) / max(1, n1 - n0) * 1e3:.2f} ms per handshake "
              f"({cpu0:.2f} s before the flood)", flush=True)
    print(f"machine after: {machine()}", flush=True)


def signed_deposits(key_seed, chain_id, count, tag):
    key = Ed25519PrivateKey.from_private_bytes(key_seed)
    out = []
    for i in range(count):
        digest = hashlib.sha256(f"{tag}/{i}".encode()).hexdigest()
        text = (f"evchain-deposit/1\nchain_id: {chain_id}\ndepositor: demo-platform\n"
                f"digest: {digest}\nkind: log\nnonce: {tag}-{i}\n")
        out.append(json.dumps({"statement": text,
                               "signature": key.sign(text.encode()).hex()}).encode())
    return out


async def depositors(host, port, bodies, clients, seconds, wait):
    """`clients` keep-alive connections submitting single deposits for `seconds`."""
    path = "/v1/deposits?wait=commit" if wait else "/v1/deposits"
    it = iter(bodies)
    end = time.monotonic() + seconds
    counts = {}

    async def one(i):
        r, w = await open_conn(host, port, f"127.0.0.{60 + i % 10}")
        while time.monotonic() < end:
            body = next(it, None)
            if body is None:
                break
            status, _ = await request(r, w, "POST", path, body)
            counts[status] = counts.get(status, 0) + 1
            if status in (429, 503):
                await asyncio.sleep(0.05)
        w.close()

    await asyncio.gather(*(one(i) for i in range(clients)))
    return counts


def status(base):
    with urllib.request.urlopen(base + "/v1/status", timeout=10) as r:
        return json.loads(r.read())


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    return f"nproc {os.cpu_count()}, {cpu}, {int(mem) // 1024 // 1024} GiB, load {os.getloadavg()}"


async def run(args, host, port, base, key_seed, chain_id):
    S = args.seconds
    print(f"machine: {machine()}", flush=True)
    ref = await probe(host, port, S)
    print(f"A reference: {len(ref)} requests, p50 {pct(ref, 50) * 1e3:.1f} ms, "
          f"p99 {pct(ref, 99) * 1e3:.1f} ms", flush=True)

    slow = asyncio.create_task(slowloris(host, port, 500, S + 3))
    await asyncio.sleep(3)  # all 500 open
    during = await probe(host, port, S)
    reconnects = await slow
    print(f"B with 500 slowloris connections: p50 {pct(during, 50) * 1e3:.1f} ms, "
          f"p99 {pct(during, 99) * 1e3:.1f} ms (reference p99 {pct(ref, 99) * 1e3:.1f} ms; "
          f"target < 100 ms); slowloris reconnects after the header deadline: {reconnects}",
          flush=True)

    served, lat, took = await keepalive_crowd(host, port, 2000, 3)
    print(f"C 2,000 keep-alive connections: {served} of 6000 requests served in {took:.1f} s, "
          f"p50 {pct(lat, 50) * 1e3:.1f} ms, p99 {pct(lat, 99) * 1e3:.1f} ms", flush=True)

    secs, first = await header_deadline(host, port)
    print(f"D unfinished headers: answered {first!r} after {secs:.2f} s (header_timeout 5 s)",
          flush=True)

    refused = await per_address(host, port, 300)
    print(f"E 300 connections from one address: {refused} refused (cap 256)", flush=True)

    n = args.deposits
    rates = {}
    for wait in (False, True):
        bodies = signed_deposits(key_seed, chain_id, n, f"{'w' if wait else 'f'}{time.time()}")
        before = status(base)["log_size"]
        t0 = time.monotonic()
        counts = await depositors(host, port, bodies, 256, S, wait)
        window = time.monotonic() - t0
        in_window = status(base)["log_size"] - before
        accepted = counts.get(200, 0) + counts.get(202, 0)
        # The committed rate: every accepted deposit, over the time until the last one commits
        # (fire-and-forget leaves a backlog that is part of its cost).
        deadline = time.monotonic() + 120
        while status(base)["log_size"] - before < accepted and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        total = time.monotonic() - t0
        committed = status(base)["log_size"] - before
        rates[wait] = committed / total
        print(f"F {'wait=commit' if wait else 'fire-and-forget'}, 256 connections, {S:.0f} s: "
              f"answers {counts}; {in_window} committed within the window; all {committed} "
              f"committed after {total:.1f} s = {rates[wait]:.0f}/s", flush=True)
    print(f"F ratio wait=commit / fire-and-forget = {rates[True] / rates[False]:.2f} "
          f"(target >= 0.90)", flush=True)
    print(f"machine after: {machine()}", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "../../build"))
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--deposits", type=int, default=60000)
    p.add_argument("--tls", choices=["rsa", "ecdsa"],
                   help="serve HTTPS with this key type and measure the TLS flood (T0-T2) only")
    p.add_argument("--flood-processes", type=int, default=2)
    p.add_argument("--flood-connections", type=int, default=64,
                   help="concurrent flood connections per process (the per-address cap is 256)")
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cli = os.path.join(args.build, "tools/cli/evchain")
    node = os.path.join(args.build, "node/evchain-node")
    d = tempfile.mkdtemp(prefix="evchain-frontend-")
    procs = []
    try:
        subprocess.run([cli, "testnet", "--validators", "4", "--out", d + "/net"], check=True,
                       capture_output=True)
        tls = {}
        if args.tls:
            key_args = (["-newkey", "rsa:2048"] if args.tls == "rsa" else
                        ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
            subprocess.run(["openssl", "req", "-x509", *key_args, "-nodes", "-days", "1",
                            "-subj", "/CN=127.0.0.1", "-keyout", d + "/tls.key",
                            "-out", d + "/tls.pem"], check=True, capture_output=True)
            os.chmod(d + "/tls.key", 0o600)
            tls = {"tls_cert": d + "/tls.pem", "tls_key": d + "/tls.key"}
        for i in range(4):
            path = f"{d}/net/node{i}/config.json"
            with open(path) as f:
                config = json.load(f)
            # The crowd's deposits come from 10 addresses: lift the per-address request rate
            # (the target is connections, not the rate limiter); access log off (disk).
            config.update({"rate_limit_rps": 0, "access_log": False})
            if i == 0:
                config.update(tls)
            with open(path, "w") as f:
                json.dump(config, f)
            log = open(f"{d}/net/node{i}/node.log", "w")
            procs.append(subprocess.Popen([node, "--config", path], stdout=log,
                                          stderr=subprocess.STDOUT))
        with open(f"{d}/net/node0/config.json") as f:
            listen = json.load(f)["http_listen"]
        host, port = listen.rsplit(":", 1)
        base = "http://" + listen
        if args.tls:
            # Validator 0 speaks HTTPS only: wait for the network through validator 1.
            with open(f"{d}/net/node1/config.json") as f:
                base = "http://" + json.load(f)["http_listen"]
        deadline = time.monotonic() + 30
        while True:
            try:
                if status(base)["peers_connected"] == 3:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("the network did not come up")
            time.sleep(0.1)
        with open(d + "/net/depositor.key") as f:
            seed = bytes.fromhex(f.read().strip().split(":", 1)[1])
        with open(d + "/net/genesis.json") as f:
            chain_id = json.load(f)["chain_id"]
        if args.tls:
            run_tls(args, host, int(port), procs[0].pid)
        else:
            asyncio.run(run(args, host, int(port), base, seed, chain_id))
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
