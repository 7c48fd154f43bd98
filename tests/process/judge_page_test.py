#!/usr/bin/env python3
"""The judge's page in headless Chromium against a running 4-validator network (issue: API).

A deposited file shows "Preserved" with the right time and depositor; an unknown file shows
"Not found"; a tampered receipt shows "INVALID". Needs Debian's chromium and Node.js with
tests/web/node_modules (scripts/run-tests.sh installs both).
"""
import json
import os
import shutil

from evnet import Network, check, run, main

WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../web")


def judge_page():
    check(shutil.which("node") and os.path.exists("/usr/bin/chromium"),
          "node and /usr/bin/chromium are required (scripts/install-deps.sh --browser)")
    check(os.path.isdir(os.path.join(WEB, "node_modules/playwright-core")),
          "run `npm ci` in tests/web first (scripts/run-tests.sh does)")
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


if __name__ == "__main__":
    main({"judge_page": judge_page})
