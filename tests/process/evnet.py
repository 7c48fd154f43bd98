"""Process-level test harness: a real evchain network of `evchain-node` processes on 127.0.0.1.

Every network lives in its own temporary directory, made by `evchain testnet` on a block of ports
reserved for this process (reserve_port_block, the protocol of tests/test_ports.h), and is torn down (SIGKILL of every process it started) even when a test fails. Waits are
polls with deadlines, never fixed sleeps used as synchronisation.
"""
import fcntl
import json
import os
import socket
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BUILD = os.environ.get("EVCHAIN_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
NODE = os.path.join(BUILD, "node/evchain-node")
CLI = os.path.join(BUILD, "tools/cli/evchain")
LOADGEN = os.path.join(BUILD, "tools/loadgen/evchain-loadgen")


# Consensus timings for networks of the ASan+UBSan build (EVCHAIN_SANITIZED set). That build
# handles a 1,000-entry block several times slower (2-3 s a block on a slow 2-core machine).
# With the default timings a loaded network then times out before each block commits and
# changes view again and again, and a pre-prepare reaches the backups more than 1 s after its
# block time (dropped for clock skew): a known liveness limit, docs/protocol.md "Open notes".
# The sanitizer runs check memory safety, so they get timings that fit their speed.
SANITIZED_GENESIS_PARAMS = {"max_clock_skew_ms": 10000, "view_change_timeout_ms": 10000,
                            "request_timeout_ms": 20000}


class TestFailure(Exception):
    pass


# The port-block protocol of tests/test_ports.h (keep the two in step): blocks of 64 loopback
# ports below the kernel's ephemeral range, each owned by whoever holds an flock on its lock file.
PORT_FIRST = 10000
PORT_BLOCK_SIZE = 64
PORT_LOCK_DIR = "/tmp/evchain-test-ports"


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
        return low if low > PORT_FIRST else 32768
    except (OSError, ValueError, IndexError):
        return 32768


def _can_bind(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def reserve_port_block():
    """Returns (first_port, lock_file): PORT_BLOCK_SIZE ports no other test is given and the
    kernel does not hand out, for as long as lock_file stays open (or the process lives)."""
    os.makedirs(PORT_LOCK_DIR, exist_ok=True)
    try:
        os.chmod(PORT_LOCK_DIR, 0o777)  # other users' test runs share the directory
    except OSError:
        pass
    blocks = (_ephemeral_low() - PORT_FIRST) // PORT_BLOCK_SIZE
    start = os.getpid() % blocks
    for i in range(blocks):
        k = (start + i) % blocks
        f = open(f"{PORT_LOCK_DIR}/block-{k}.lock", "a+")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            continue
        first = PORT_FIRST + k * PORT_BLOCK_SIZE
        if all(_can_bind(p) for p in range(first, first + PORT_BLOCK_SIZE)):
            return first, f
        f.close()
    raise TestFailure(f"no free block of {PORT_BLOCK_SIZE} ports under {PORT_LOCK_DIR}")


def pids_under(directory, program=None):
    """Pids of live processes (not zombies) with an argument naming a path below `directory`
    (`PATH` or `--option=PATH`), running `program` (the end of their first argument) when it is
    given: a test's check that what it started, and only that, is still running or gone."""
    prefix = os.path.join(directory, "").encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # gone meanwhile
        if state == "Z" or (program is not None and not args[0].endswith(program.encode())):
            continue
        if any(a.startswith(prefix) or
               (a.startswith(b"-") and a.partition(b"=")[2].startswith(prefix)) for a in args):
            pids.append(int(entry))
    return pids


def check(cond, message):
    if not cond:
        raise TestFailure(message)


def http_json(url, timeout=5.0, token=None):
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=timeout) as r:
        return json.loads(r.read().decode())


def http_text(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def wait_until(what, predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, urllib.error.URLError, ValueError, KeyError) as e:
            last_error = e
        time.sleep(interval)
    raise TestFailure(f"timed out after {timeout}s waiting for {what}"
                      + (f" (last error: {last_error})" if last_error else ""))


def run(args, timeout=120, check_rc=True):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check_rc and p.returncode != 0:
        raise TestFailure(f"{' '.join(args)} exited {p.returncode}\nstdout:\n{p.stdout}\n"
                          f"stderr:\n{p.stderr}")
    return p


class Network:
    def __init__(self, validators=4, keep=False):
        self.dir = tempfile.mkdtemp(prefix="evchain-net-")
        self.keep = keep
        # p2p and HTTP ports of validator i: base + 2i and base + 2i + 1 (evchain testnet
        # --base-port); the block stays ours until close().
        base_port, self.port_lock = reserve_port_block()
        check(2 * validators <= PORT_BLOCK_SIZE, f"{validators} validators need too many ports")
        run([CLI, "testnet", "--validators", str(validators), "--out", self.dir + "/net",
             "--base-port", str(base_port)])
        self.net = self.dir + "/net"
        self.genesis_path = self.net + "/genesis.json"
        with open(self.genesis_path) as f:
            self.genesis = json.load(f)
        if os.environ.get("EVCHAIN_SANITIZED"):
            self.genesis.setdefault("params", {}).update(SANITIZED_GENESIS_PARAMS)
            with open(self.genesis_path, "w") as f:
                json.dump(self.genesis, f, indent=2)
        self.n = validators
        self.procs = {}
        self.configs = []
        for i in range(validators):
            with open(f"{self.net}/node{i}/config.json") as f:
                self.configs.append(json.load(f))

    # ---- processes
    def start(self, i, config_path=None):
        log = open(f"{self.net}/node{i}/node.log", "a")
        self.procs[i] = subprocess.Popen(
            [NODE, "--config", config_path or f"{self.net}/node{i}/config.json"],
            stdout=log, stderr=subprocess.STDOUT)

    def start_all(self):
        for i in range(self.n):
            self.start(i)
        self.wait_connected()

    def kill(self, i, sig=signal.SIGKILL):
        p = self.procs.pop(i)
        p.send_signal(sig)
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            raise TestFailure(f"node{i} did not exit within 30 s of signal {sig}")
        return rc

    def close(self):
        for p in self.procs.values():
            p.kill()
        for p in self.procs.values():
            p.wait()
        self.procs = {}
        self.port_lock.close()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is not None:
            self.dump_logs()
        self.close()

    def dump_logs(self, lines=40):
        for i in range(self.n):
            path = f"{self.net}/node{i}/node.log"
            if os.path.exists(path):
                with open(path) as f:
                    tail = f.readlines()[-lines:]
                sys.stderr.write(f"---- node{i} log (last {lines} lines)\n" + "".join(tail))

    def log_lines(self, i, needle):
        """Lines of node i's log (every start appends to it) that contain `needle`."""
        path = f"{self.net}/node{i}/node.log"
        if not os.path.exists(path):
            return []
        with open(path, errors="replace") as f:
            return [line for line in f if needle in line]

    # ---- HTTP
    def url(self, i):
        return "http://" + self.configs[i]["http_listen"]

    def status(self, i):
        return http_json(self.url(i) + "/v1/status")

    def wait_connected(self, nodes=None, timeout=30):
        nodes = list(self.procs) if nodes is None else nodes
        wait_until("every link up", lambda: all(
            self.status(i)["peers_connected"] >= len(nodes) - 1 for i in nodes), timeout)

    def primary_index(self, i=None):
        i = next(iter(self.procs)) if i is None else i
        pid = self.status(i)["primary_id"]
        return [v["id"] for v in self.genesis["validators"]].index(pid)

    def wait_log_size(self, size, nodes=None, timeout=60):
        nodes = list(self.procs) if nodes is None else nodes
        wait_until(f"log size {size} on nodes {nodes}",
                   lambda: all(self.status(i)["log_size"] >= size for i in nodes), timeout)

    def block_token(self):
        return self.configs[0]["block_list_tokens"][0]

    def block_hashes(self, i, upto):
        hashes = []
        h = 1
        while h <= upto:
            # Block listing needs the token `evchain testnet` writes into every config.
            page = http_json(f"{self.url(i)}/v1/blocks?from={h}&limit=100", timeout=30,
                             token=self.block_token())["blocks"]
            check(page, f"node{i} returned no blocks from height {h}")
            hashes += [b["hash"] for b in page]
            h += len(page)
        return hashes[:upto]

    # ---- clients
    def deposit(self, files, node=0, extra=()):
        return run([CLI, "deposit", *files, "--key", self.net + "/depositor.key",
                    "--depositor", "demo-platform", "--node", self.url(node), "--wait", *extra])

    def loadgen(self, count, node=0, batch=1000, seed="load", timeout=300):
        return run([LOADGEN, "--node", self.url(node), "--key", self.net + "/depositor.key",
                    "--depositor", "demo-platform", "--count", str(count), "--batch", str(batch),
                    "--seed", seed, "--wait", "--timeout", str(timeout)], timeout=timeout + 30)

    def verify(self, file, receipt, check_rc=True):
        return run([CLI, "verify", file, "--receipt", receipt, "--genesis", self.genesis_path],
                   check_rc=check_rc)


def make_files(net, count, tag):
    """Writes `count` distinct small evidence files in the network's directory; returns paths."""
    files = []
    for k in range(count):
        path = os.path.join(net.dir, f"{tag}-{k}.txt")
        with open(path, "w") as f:
            f.write(f"evidence {tag} {k} {time.time_ns()}\n")
        files.append(path)
    return files


def main(tests):
    """Runs the named test functions; prints one line each and 'N passed, M failed'."""
    names = sys.argv[1:] or list(tests)
    passed = failed = 0
    for name in names:
        start = time.monotonic()
        try:
            tests[name]()
            passed += 1
            print(f"PASS {name} ({time.monotonic() - start:.1f}s)", flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure, then continue
            failed += 1
            print(f"FAIL {name} ({time.monotonic() - start:.1f}s): {e}", flush=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
