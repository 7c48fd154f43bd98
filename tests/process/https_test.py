#!/usr/bin/env python3
"""A validator whose config names a certificate and key serves the API and the judge's page over
HTTPS (browsers give WebCrypto only to secure pages; docs/operations.md)."""
import json
import os
import re
import socket
import ssl
import time
import urllib.request

from evnet import Network, check, run, wait_until, main


def https_serving():
    with Network() as net:
        tls_dir = os.path.join(net.dir, "tls")
        os.makedirs(tls_dir)
        cert, key = tls_dir + "/cert.pem", tls_dir + "/key.pem"
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert], timeout=60)
        config_path = f"{net.net}/node0/config.json"
        with open(config_path) as f:
            config = json.load(f)
        # A short header deadline, so that a silent client's TLS handshake runs out quickly.
        config.update({"tls_cert": cert, "tls_key": key, "header_timeout_ms": 1500})
        with open(config_path, "w") as f:
            json.dump(config, f)
        for i in range(net.n):
            net.start(i)
        context = ssl.create_default_context(cafile=cert)
        context.check_hostname = False  # the test certificate names 127.0.0.1 only as CN
        base = "https://" + config["http_listen"]

        def get(path):
            with urllib.request.urlopen(base + path, context=context, timeout=5) as r:
                return r.status, r.read().decode()

        status, body = wait_until("HTTPS /healthz", lambda: get("/healthz"), 30)
        check(status == 200 and body.strip() == "ok", f"/healthz over HTTPS: {status} {body!r}")
        status, page = get("/")
        check(status == 200 and "<html" in page.lower(), "the judge's page is not served over HTTPS")
        status, genesis = get("/v1/genesis")
        check(json.loads(genesis)["chain_id"] == net.genesis["chain_id"], "wrong genesis over HTTPS")
        # Plain HTTP on the TLS port is not answered as HTTP.
        try:
            urllib.request.urlopen("http://" + config["http_listen"] + "/healthz", timeout=5)
            raise AssertionError("plain HTTP was served on the HTTPS port")
        except AssertionError:
            raise
        except Exception:  # noqa: BLE001 - any failure to speak plain HTTP is the point
            pass
        # A client that connects and never starts its TLS handshake is closed at the header
        # deadline and counted (before 2026-12-07 it was closed without a count).
        host, port = config["http_listen"].rsplit(":", 1)
        started = time.monotonic()
        with socket.create_connection((host, int(port)), timeout=10) as silent:
            check(silent.recv(1) == b"", "a silent TLS client was not closed")
        waited = time.monotonic() - started
        check(1.0 <= waited < 8, f"a silent TLS client was closed after {waited:.1f} s, not ~1.5 s")
        _, metrics = get("/metrics")
        timeouts = re.search(r'^evchain_http_timeouts_total\{phase="tls_handshake"\} (\d+)', metrics,
                             re.M)
        check(timeouts is not None and int(timeouts.group(1)) >= 1,
              "the TLS handshake timeout is not counted in evchain_http_timeouts_total")


def tls_handshakes_per_address():
    """At most 16 TLS handshakes in progress from one address: the next connection from it is
    closed at accept, before any crypto, and counted; other addresses' handshakes complete
    meanwhile, and the address gets its slots back as its handshakes end."""
    handshake_cap({}, 16)


def tls_handshakes_per_address_setting():
    """tls_max_handshakes_per_address sets the cap; 0 lifts it (a TCP load balancer passing TLS
    through brings every client from one address)."""
    handshake_cap({"tls_max_handshakes_per_address": 3}, 3)
    handshake_cap({"tls_max_handshakes_per_address": 0}, None)


def handshake_cap(extra_config, cap):
    """Node 0 with `extra_config` refuses a connection beyond `cap` handshakes in progress from
    one address; with `cap` None, 40 in progress from one address do not stop another."""
    with Network() as net:
        tls_dir = os.path.join(net.dir, "tls")
        os.makedirs(tls_dir)
        cert, key = tls_dir + "/cert.pem", tls_dir + "/key.pem"
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
            timeout=60)
        config_path = f"{net.net}/node0/config.json"
        with open(config_path) as f:
            config = json.load(f)
        # A long header deadline: the stalled handshakes below stay in progress throughout.
        config.update({"tls_cert": cert, "tls_key": key, "header_timeout_ms": 20000})
        config.update(extra_config)
        with open(config_path, "w") as f:
            json.dump(config, f)
        net.start(0)
        context = ssl.create_default_context(cafile=cert)
        context.check_hostname = False
        host, port = config["http_listen"].rsplit(":", 1)
        port = int(port)

        def healthz(source):
            raw = socket.create_connection((host, port), timeout=10, source_address=(source, 0))
            with context.wrap_socket(raw) as tls:
                tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                answer = b""
                while chunk := tls.recv(4096):
                    answer += chunk
                return answer

        def refused_count():
            raw = socket.create_connection((host, port), timeout=10,
                                           source_address=("127.0.0.79", 0))
            with context.wrap_socket(raw) as tls:
                tls.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                text = b""
                while chunk := tls.recv(65536):
                    text += chunk
            found = re.search(rb'^evchain_http_connections_refused_total'
                              rb'\{reason="tls_handshakes_per_address"\} (\d+)', text, re.M)
            return int(found.group(1)) if found else 0

        wait_until("HTTPS /healthz", lambda: b" 200 " in healthz("127.0.0.78"), 30)
        # `cap` (or 40) connections from one address that never send their ClientHello.
        stalled = [socket.create_connection((host, port), timeout=10,
                                            source_address=("127.0.0.77", 0))
                   for _ in range(40 if cap is None else cap)]
        try:
            time.sleep(0.5)  # all accepted
            if cap is None:
                answer = healthz("127.0.0.77")
                check(answer.startswith(b"HTTP/1.1 200"), "with the cap off, a handshake from an "
                      f"address with 40 in progress did not complete: {answer[:40]!r}")
                check(refused_count() == 0, "with the cap off, a connection was refused")
                return
            with socket.create_connection((host, port), timeout=10,
                                          source_address=("127.0.0.77", 0)) as extra:
                extra.settimeout(5)
                try:
                    closed = extra.recv(1) == b""
                except ConnectionResetError:
                    closed = True
                except socket.timeout:
                    closed = False
            check(closed, f"handshake {cap + 1} in progress from one address was not refused")
            check(refused_count() >= 1, "the refusal is not counted in "
                  'evchain_http_connections_refused_total{reason="tls_handshakes_per_address"}')
            answer = healthz("127.0.0.78")
            check(answer.startswith(b"HTTP/1.1 200"),
                  f"another address's handshake did not complete: {answer[:40]!r}")
        finally:
            for s in stalled:
                s.close()
        # The address's slots come back as its connections close.
        wait_until("the address's handshakes counted as ended",
                   lambda: b" 200 " in healthz("127.0.0.77"), 10)


if __name__ == "__main__":
    main({"https_serving": https_serving, "tls_handshakes_per_address": tls_handshakes_per_address,
          "tls_handshakes_per_address_setting": tls_handshakes_per_address_setting})
