"""Keeps evchain-bench-e2e from rotting: a bounded run against evchain only (no etcd needed).

  run         a 1-second closed-loop single-deposit run; the JSON report holds the run with
              accepted and committed deposits, a commit latency and the Ed25519 reference, and
              the temporary directory is gone afterwards.
  interrupt   SIGINT while a network runs: exit status 130, no validator left running, the
              temporary directory removed.
  refused     a network that holds at most 50 pending deposits, 16 connections: the 503s carry
              Retry-After, and each refused deposit is sent again until it is accepted, so the
              deposits the load used are the ones accepted (plus those refused at the window's end).
  repeat      --repeat 2: two runs of the one load level, rounds 1 and 2, and a summary whose
              median and range are those of the two runs (printed as a last table too).
  burst       issue "The chain holds under load", item 7: 32 connections post single deposits
              as fast as they are answered for 5 s (far more than the network orders, so a
              backlog builds, up to max_pending); then the backlog drains, every accepted
              deposit commits, and no validator changed view on the way.

Usage: smoke_test.py BENCH_BINARY [run|interrupt|burst|refused|repeat ...]
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

# The process tests' harness: its /proc scan, its failure and the sanitizer build's timings.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/process"))
from evnet import SANITIZED_GENESIS_PARAMS, check, pids_under  # noqa: E402

BENCH = sys.argv[1]
ARGS = ["--only", "evchain", "--modes", "single", "--connections", "2", "--rates", "",
        "--bulk-rates", "", "--duration", "1s", "--drain", "15s", "--pool", "4000",
        "--verify-count", "500", "--latency-samples", "50"]
if os.environ.get("EVCHAIN_SANITIZED"):
    ARGS += ["--genesis-param", *(f"{k}={v}" for k, v in SANITIZED_GENESIS_PARAMS.items())]


def test_run():
    with tempfile.TemporaryDirectory(prefix="bench-e2e-smoke-") as tmp:
        out = os.path.join(tmp, "report.json")
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        p = subprocess.run([BENCH, *ARGS, "--json", out], capture_output=True, text=True,
                           timeout=120, env={**os.environ, "TMPDIR": work})
        check(p.returncode == 0, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}")
        with open(out) as f:
            report = json.load(f)
        check(report["machine"]["nproc"] >= 1, "machine.nproc")
        check(report["ed25519"]["verifies_per_cpu_second"] > 0, "no Ed25519 reference")
        check(len(report["runs"]) == 1, f"expected one run: {report['runs']}")
        run = report["runs"][0]
        check("error" not in run, f"run failed: {run.get('error')}")
        answers = run["answers"]
        check(answers["accepted_deposits"] > 0, f"nothing accepted: {answers}")
        check(set(answers["by_status"]) == {"202"}, f"unexpected answers: {answers['by_status']}")
        check(run["drain"]["committed_after_drain"] > 0, f"nothing committed: {run['drain']}")
        check(run["drain"]["committed_after_drain"] <= answers["accepted_deposits"],
              "more committed than accepted on a fresh chain")
        check(run["commit_latency_ms"]["looked_up"] > 0, "no receipt looked up")
        check(run["commit_latency_ms"]["p50"] is not None and run["commit_latency_ms"]["p50"] > 0,
              f"no commit latency: {run['commit_latency_ms']}")
        server = run["commit_latency_ms"]["server"]
        # Read after the drain's last poll: every deposit that poll saw committed, perhaps a few
        # more, never one the validator did not accept.
        check(run["drain"]["committed_after_drain"] <= server["deposits"]
              <= answers["accepted_deposits"], f"server histogram counts other deposits: {server}")
        check(server["mean"] is not None and server["mean"] > 0 and
              server["p99_at_most"] is not None and server["p50_at_most"] <= server["p99_at_most"],
              f"no server-side commit latency: {server}")
        shares = [server["share_within_ms"][k] for k in sorted(server["share_within_ms"], key=float)]
        check(shares == sorted(shares) and shares[-1] == 1.0, f"shares not cumulative: {server}")
        check("srv p50/p99" in p.stdout, "no server-side latency column")
        check(run["ratio_to_ed25519_ceiling"] > 0, "no ratio to the ceiling")
        cpu = run["cpu_seconds"]
        check(cpu["validators_in_window"] > 0 and cpu["servers_us_per_commit"] > 0,
              f"no server CPU per commit: {cpu}")
        check(abs(cpu["servers_us_per_commit"] - 4 * cpu["us_per_committed_deposit_per_validator"])
              <= 0.01 * cpu["servers_us_per_commit"], f"CPU per commit disagrees: {cpu}")
        check("cpu/commit" in p.stdout, "no CPU-per-commit column")
        memory = run["memory"]
        check(len(memory["peak_rss_mb"]) == 4 and all(m > 1 for m in memory["peak_rss_mb"]) and
              memory["max_peak_rss_mb"] == max(memory["peak_rss_mb"]) and memory["since"] == "run",
              f"no peak memory of the validators: {memory}")
        check("evchain" in p.stdout and "committed/s" in p.stdout, "no table on stdout")
        check(os.listdir(work) == [], f"left behind: {os.listdir(work)}")


def test_interrupt():
    with tempfile.TemporaryDirectory(prefix="bench-e2e-smoke-") as tmp:
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        args = [a if a != "1s" else "60s" for a in ARGS]
        p = subprocess.Popen([BENCH, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, "TMPDIR": work})
        try:
            # The load starts once the 4 validators answer: wait for them, then interrupt.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(pids_under(work)) < 4:
                check(p.poll() is None, "the benchmark exited before the network was up")
                time.sleep(0.1)
            check(len(pids_under(work)) >= 4, "the validators never started")
            time.sleep(1)
            p.send_signal(signal.SIGINT)
            rc = p.wait(timeout=30)
            stderr = p.stderr.read()
            check(rc == 130, f"exit {rc} after SIGINT, expected 130\n{stderr}")
            check(pids_under(work) == [], "processes left running after SIGINT")
            check(os.listdir(work) == [], f"left behind: {os.listdir(work)}")
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()


def run_report(prefix, args, timeout):
    """Runs the benchmark with `args` (plus --json) in a scratch directory; returns its JSON
    report and its stdout, after checking the exit status and that nothing was left behind."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        out = os.path.join(tmp, "report.json")
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        p = subprocess.run([BENCH, *args, "--json", out], capture_output=True, text=True,
                           timeout=timeout, env={**os.environ, "TMPDIR": work})
        check(p.returncode == 0, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}")
        with open(out) as f:
            report = json.load(f)
        check(os.listdir(work) == [], f"left behind: {os.listdir(work)}")
        return report, p.stdout


def run_one(prefix, args, timeout):
    """As run_report; returns the report's one run, after checking that it did not fail."""
    run = run_report(prefix, args, timeout)[0]["runs"][0]
    check("error" not in run, f"run failed: {run.get('error')}")
    return run


def test_burst():
    args = ["--only", "evchain", "--modes", "single", "--connections", "32", "--rates", "",
            "--bulk-rates", "", "--duration", "5s", "--drain", "90s", "--pool", "40000",
            "--verify-count", "500", "--latency-samples", "50"]
    run = run_one("bench-e2e-burst-", args, timeout=240)
    accepted = run["answers"]["accepted_deposits"]
    check(accepted > 0, f"nothing accepted: {run['answers']}")
    check(run["drain"]["drained"], f"backlog not drained: {run['drain']} of {accepted} accepted")
    views = run["views"]
    check(views["view_changes_total_delta"] == 0,
          f"view changes during the burst or the drain: {views}")
    print(f"burst: {accepted} accepted, drained {run['drain']['seconds_after_window']} s "
          f"after the window, answers {run['answers']['by_status']}")


def test_refused():
    connections = 16
    args = list(ARGS)
    args[args.index("--connections") + 1] = str(connections)
    args[args.index("--duration") + 1] = "3s"
    run = run_one("bench-e2e-refused-", [*args, "--node-config", "max_pending=50"], timeout=120)
    a = run["answers"]
    check(a["http_503"] > 0, f"no 503 from a network holding 50 deposits: {a}")
    check(a["http_503_with_retry_after"] == a["http_503"], f"a 503 without Retry-After: {a}")
    check(a["resent"] > 0, f"no refused deposit was sent again: {a}")
    # Every request is one deposit here. Distinct deposits sent = requests - resends; each was
    # accepted, or refused as the window ended (at most one per connection), or lost.
    distinct = a["requests_sent"] - a["resent"]
    check(a["accepted_requests"] >= distinct - connections - a["unanswered"],
          f"refused deposits were dropped instead of sent again: {a}")
    check(run["drain"]["drained"], f"accepted deposits not committed: {run['drain']}")
    check(not a["pool_exhausted"], f"the pre-signed pool ran out: {a}")
    print(f"refused: {a['http_503']} answers 503, {a['resent']} sent again, "
          f"{a['accepted_requests']} accepted")


def test_repeat():
    report, stdout = run_report("bench-e2e-repeat-", [*ARGS, "--repeat", "2"], timeout=180)
    runs = report["runs"]
    check([r["round"] for r in runs] == [1, 2], f"rounds: {[r.get('round') for r in runs]}")
    rates = sorted(r["committed_per_s"] for r in runs)
    check(all(r > 0 for r in rates), f"a round committed nothing: {rates}")
    summary = report["summary"]
    check(len(summary) == 1, f"one load level, one summary entry: {summary}")
    s = summary[0]
    check((s["system"], s["mode"], s["load"], s["rounds"]) ==
          ("evchain", "single", "closed 2", 2), f"summary entry: {s}")
    c = s["committed_per_s"]
    # The upper median of two samples is the larger one.
    check((c["min"], c["median"], c["max"]) == (rates[0], rates[1], rates[1]),
          f"committed_per_s {c} against the runs' {rates}")
    check(s["ratio_to_etcd"]["median"] is None, "a ratio to etcd without etcd")
    check("median [min-max] of each level's rounds" in stdout, f"no summary table:\n{stdout}")
    print(f"repeat: rounds committed {rates[0]} and {rates[1]} deposits/s")


TESTS = {"run": test_run, "interrupt": test_interrupt, "burst": test_burst,
         "refused": test_refused, "repeat": test_repeat}

if __name__ == "__main__":
    failed = 0
    for name in sys.argv[2:] or list(TESTS):
        start = time.monotonic()
        try:
            TESTS[name]()
            print(f"PASS {name} ({time.monotonic() - start:.1f} s)")
        except Exception as e:  # noqa: BLE001 - report every failure the same way
            failed += 1
            print(f"FAIL {name}: {e}")
    sys.exit(1 if failed else 0)
