#!/usr/bin/env python3
"""The judge's pages in headless Chromium.

judge_page: a validator's page against a running 4-validator network: a deposited file shows
"Verified" with the right time and depositor, an unknown file "Not found", a tampered receipt
"NOT verified"; the court's fingerprint is compared. Then the court's own page (`evchain page`)
from file: with the network off: the receipt and the file verified in Chinese (验证通过) and
English with the institutions' names, a tampered one 验证未通过, the printed one-page A4 report
with its QR code, and `evchain verify --report` as HTML and PDF.

page_hash_1gb: a 1 GiB file hashed by the offline page through a BYOB reader into one reused
buffer: the digest is sha256sum's and the tab's memory grows by less than 200 MiB (measured
53 MiB; slices read with blob.slice() grew it by 170-235 MiB); cancelling stops it. The rate against
sha256sum on the same file is printed (docs/benchmarks.md "Judge's page hashing").

Needs Debian's chromium and Node.js with tests/web/node_modules (scripts/run-tests.sh installs
both).
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import time

from evnet import CLI, Network, check, run, main

WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../web")
SHOTS = os.environ.get("EVCHAIN_JUDGE_SCREENSHOT_DIR", "")


def require_browser():
    check(shutil.which("node") and os.path.exists("/usr/bin/chromium"),
          "node and /usr/bin/chromium are required (scripts/install-deps.sh --browser)")
    check(os.path.isdir(os.path.join(WEB, "node_modules/playwright-core")),
          "run `npm ci` in tests/web first (scripts/run-tests.sh does)")


def court_page(net_dir, genesis_path, genesis, evidence, receipt_path, receipt):
    """The court's offline page and the CLI's report, for a receipt of the running network."""
    page = os.path.join(net_dir, "verify.html")
    out = run([CLI, "page", "--genesis", genesis_path, "--out", page], timeout=60)
    check(receipt["genesis_hash"] in out.stdout, "evchain page prints the genesis fingerprint")
    names = {"zh": [genesis["depositors"][0]["name_zh"]], "en": [genesis["depositors"][0]["name"]]}
    signers = re.findall(r"^\u2014 (\S+) ", receipt["checkpoint"], re.M)
    check(len(signers) >= 3, "the receipt's checkpoint names its cosigners")
    for v in genesis["validators"]:
        if v["id"] not in signers:
            continue
        names["zh"].append(v["name_zh"])
        names["en"].append(v["name_en"])
    options = {"mode": "offline", "page": page, "evidence": evidence, "receipt": receipt_path,
               "names": names, "height": receipt["block"]["height"], "shots": SHOTS}
    out = run(["node", os.path.join(WEB, "court_page.mjs"), json.dumps(options)], timeout=180)
    print(out.stdout, end="")
    # evchain verify --report, in Chinese: one A4 page naming the institutions, with a QR code.
    for name in ("report.html", "report.pdf"):
        path = os.path.join(net_dir, name)
        out = run([CLI, "verify", evidence, "--receipt", receipt_path, "--genesis",
                   genesis_path, "--lang", "zh", "--report", path], timeout=120)
        check("验证通过" in out.stdout, "evchain verify --lang zh: " + out.stdout)
        check(os.path.getsize(path) > 0, name + " written")
    html = open(os.path.join(net_dir, "report.html"), encoding="utf-8").read()
    for want in ["电子证据存证核验报告", "验证通过", receipt["evidence_id"], "<svg",
                 os.path.basename(evidence)] + names["zh"]:
        check(want in html, "report.html lacks " + want)
    pdf = open(os.path.join(net_dir, "report.pdf"), "rb").read()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    check(pdf.startswith(b"%PDF") and pages == 1, "report.pdf has %d pages" % pages)
    print(json.dumps({"check": "evchain verify --report", "pdf_pages": pages}))
    if SHOTS:
        shutil.copy(os.path.join(net_dir, "report.pdf"), os.path.join(SHOTS, "cli-report-zh.pdf"))


def judge_page():
    require_browser()
    with Network() as net:
        net.start_all()
        evidence = os.path.join(net.dir, "screenshot-of-contract.png")
        with open(evidence, "wb") as f:
            f.write(b"\x89PNG pretend screenshot " + os.urandom(64))
        unknown = os.path.join(net.dir, "never-deposited.txt")
        with open(unknown, "w") as f:
            f.write("nobody deposited this\n")
        net.deposit([evidence], node=1, extra=["--kind", "screenshot",
                                               "--source", "https://example.org/contract"])
        receipt_path = evidence + ".receipt.json"
        with open(receipt_path) as f:
            receipt = json.load(f)
        name = net.genesis["depositors"][0]["name"]
        shot = os.environ.get("EVCHAIN_JUDGE_SCREENSHOT", "")
        out = run(["node", os.path.join(WEB, "judge_page.mjs"), net.url(2) + "/", evidence,
                   receipt_path, unknown, name, receipt["block"]["time"], shot], timeout=120)
        print(out.stdout, end="")
        court_page(net.dir, net.genesis_path, net.genesis, evidence,
                   receipt_path, receipt)


def page_hash_1gb():
    require_browser()
    size = 1 << 30
    work = os.path.join(os.environ.get("TMPDIR", "/tmp"), "evchain-page-hash-%d" % os.getpid())
    os.makedirs(work)
    try:
        # Random 1 MiB + 7 bytes repeated: slices of the page never line up with the pattern.
        big = os.path.join(work, "evidence-1gib.bin")
        block = os.urandom((1 << 20) + 7)
        with open(big, "wb") as f:
            left = size
            while left > 0:
                f.write(block[:min(len(block), left)])
                left -= len(block)
        start = time.monotonic()
        reference = subprocess.run(["sha256sum", big], capture_output=True, text=True,
                                   check=True, timeout=300).stdout.split()[0]
        sha256sum_seconds = time.monotonic() - start
        page = os.path.join(work, "verify.html")
        genesis = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "../../genesis/local/genesis.json")
        run([CLI, "page", "--genesis", genesis, "--out", page], timeout=60)
        options = {"mode": "hash", "page": page, "file": big, "digest": reference,
                   "max_growth_mib": 200, "timeout_ms": 480000}
        out = run(["node", os.path.join(WEB, "court_page.mjs"), json.dumps(options)], timeout=540)
        print(out.stdout, end="")
        hashed = json.loads(out.stdout.splitlines()[0])
        sha256sum_rate = size / 1048576 / sha256sum_seconds
        print(json.dumps({"benchmark": "page hash vs sha256sum", "bytes": size,
                          "page_mib_per_s": hashed["mib_per_s"],
                          "sha256sum_mib_per_s": round(sha256sum_rate, 1),
                          "ratio": round(hashed["mib_per_s"] / sha256sum_rate, 3),
                          "nproc": os.cpu_count(), "loadavg": os.getloadavg()}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main({"judge_page": judge_page, "page_hash_1gb": page_hash_1gb})
