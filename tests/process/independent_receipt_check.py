#!/usr/bin/env python3
"""An independent implementation of docs/receipts.md: receipts verify by the documents alone.

The project promises that a receipt verifies "with nothing but the receipt and the genesis file,
by anyone's tool that follows the standards" (RFC 9162 Merkle inclusion proofs, C2SP signed
notes and tlog checkpoints/cosignatures, Ed25519). This file is such a tool, written from
docs/receipts.md, docs/formats.md, docs/crypto.md and docs/api.md only: verify_receipt() uses
no evchain code and never asks an evchain binary whether a receipt is valid (the harness,
evnet.py, only starts the network and deposits). If it accepts the receipts a real network
emits, the documents are complete and match the node; if it rejects every tampered receipt at
the step the documents name, the checks they describe are the ones that matter.

The test:
  1. starts a 4-validator network (tests/process/evnet.py; the lightest source of receipts the
     node really emits: genesis rules need at least 4 validators, and batch items only come from
     POST /v1/deposits/batch), deposits a batch of three files and one file with every optional
     field with `evchain deposit --wait`, fetches every receipt again with
     GET /v1/deposits/{evidence_id}, and stops the network (about a second in all);
  2. verifies every receipt offline with verify_receipt() below (and, first, the worked example
     of docs/receipts.md against the genesis of docs/formats.md "Vector 7");
  3. tampers with each security-relevant field and checks that verify_receipt() rejects the
     receipt naming the documented step, and that `evchain verify` (the reference) fails at the
     same step, so the two implementations agree on what each check covers.

Run: EVCHAIN_BUILD_DIR=build python3 tests/process/independent_receipt_check.py
Needs Python 3 and python3-cryptography (Ed25519 only).
"""
import base64
import copy
import datetime
import hashlib
import json
import os
import re
import shutil
import tempfile
import urllib.parse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from evnet import CLI, Network, TestFailure, check, http_json, make_files, run, main

# --------------------------------------------------------------------------------------------
# The verifier. Every function below cites the document it implements; nothing here depends on
# evchain's code.
# --------------------------------------------------------------------------------------------

STEPS = ("receipt", "chain", "file", "digest", "statement", "depositor_signature", "leaf",
         "inclusion_proof", "checkpoint_root", "quorum", "time_attestation")


class Rejected(Exception):
    """A receipt failed verification: `step` is one of STEPS (docs/receipts.md "The chain of
    checks"), `reason` says why."""

    def __init__(self, step, reason):
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


def reject_unless(cond, step, reason):
    if not cond:
        raise Rejected(step, reason)


def sha256(data):
    return hashlib.sha256(data).digest()


HEX64 = re.compile(r"[0-9a-f]{64}\Z")
HEX128 = re.compile(r"[0-9a-f]{128}\Z")
ID = re.compile(r"[a-z0-9._-]{1,64}\Z")  # docs/formats.md "Identifiers"
NONCE = re.compile(r"[A-Za-z0-9._:-]{1,64}\Z")
RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                     r"([Zz]|[+-]\d{2}:\d{2})\Z")
KINDS = ("webpage", "screenshot", "source", "log", "document", "audio", "video", "other")


def strict_b64(text):
    """RFC 4648 §4 with padding, no whitespace, and (docs/crypto.md "Checkpoints") no non-zero
    padding bits: returns the bytes only if re-encoding them gives `text` back, else None."""
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text):
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    return raw if base64.b64encode(raw).decode() == text else None


def rfc3339_millis(text):
    """Unix milliseconds of an RFC 3339 date-time (any offset), or None if it is not one."""
    m = RFC3339.fullmatch(text) if isinstance(text, str) else None
    if not m:
        return None
    frac = (m.group(7) or ".0")[1:]
    try:
        dt = datetime.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)),
                               int(m.group(4)), int(m.group(5)), int(m.group(6)),
                               tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    ms = int(dt.timestamp()) * 1000 + int((frac + "000")[:3])
    if m.group(8) not in ("Z", "z"):
        sign = 1 if m.group(8)[0] == "+" else -1
        ms -= sign * (int(m.group(8)[1:3]) * 60 + int(m.group(8)[4:6])) * 60000
    return ms


def render_millis(ms):
    """RFC 3339 UTC with milliseconds, as evchain writes times (docs/formats.md conventions)."""
    dt = datetime.datetime.fromtimestamp(ms // 1000, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def ed25519_ok(public_key, signature, message):
    """RFC 8032 pure Ed25519."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


# ---- genesis (docs/formats.md "Genesis")

PARAM_DEFAULTS = {"max_batch": 1000, "block_interval_ms": 200, "max_clock_skew_ms": 1000,
                  "view_change_timeout_ms": 2000, "request_timeout_ms": 4000,
                  "checkpoint_interval": 16, "watermark_window": 64}
PARAM_BOUNDS = {"max_batch": (1, 100000), "block_interval_ms": (1, 60000),
                "max_clock_skew_ms": (1, 60000), "view_change_timeout_ms": (10, 600000),
                "request_timeout_ms": (10, 600000), "checkpoint_interval": (1, 100000),
                "watermark_window": (1, 1000000)}


def no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate JSON key")
    return dict(pairs)


def load_genesis(genesis_bytes):
    """Reads and validates a genesis file; returns it with `params` filled in and `hash` (the
    hex genesis hash) added. Rejected("chain") on an invalid genesis."""
    try:
        g = json.loads(genesis_bytes.decode("utf-8"), object_pairs_hook=no_duplicate_keys)
    except ValueError as e:
        raise Rejected("chain", f"genesis is not valid JSON: {e}") from None
    reject_unless(isinstance(g, dict) and set(g) <= {"chain_id", "genesis_time", "params",
                                                     "validators", "depositors"}
                  and {"chain_id", "genesis_time", "validators", "depositors"} <= set(g),
                  "chain", "genesis fields")
    reject_unless(isinstance(g["chain_id"], str) and ID.fullmatch(g["chain_id"]), "chain",
                  "genesis chain_id")
    t = rfc3339_millis(g["genesis_time"])
    reject_unless(t is not None, "chain", "genesis_time is not RFC 3339")
    params = dict(PARAM_DEFAULTS)
    given = g.get("params", {})
    reject_unless(isinstance(given, dict) and set(given) <= set(PARAM_DEFAULTS), "chain",
                  "genesis params")
    params.update(given)
    for k, (lo, hi) in PARAM_BOUNDS.items():
        v = params[k]
        reject_unless(type(v) is int and lo <= v <= hi, "chain", f"params.{k} out of bounds")
    reject_unless(params["watermark_window"] >= params["checkpoint_interval"], "chain",
                  "params.watermark_window below checkpoint_interval")

    def names_ok(p):
        return all(isinstance(p[k], str) and 1 <= len(p[k].encode()) <= 128
                   and not any(ord(c) < 0x20 or ord(c) == 0x7f for c in p[k])
                   for k in ("name_zh", "name_en", "name") if k in p)

    ids, keys = set(), set()
    reject_unless(isinstance(g["validators"], list) and len(g["validators"]) >= 4, "chain",
                  "fewer than 4 validators")
    for v in g["validators"]:
        reject_unless(isinstance(v, dict) and {"id", "role", "public_key", "p2p", "http"}
                      <= set(v) <= {"id", "role", "public_key", "p2p", "http", "name_zh",
                                    "name_en"}, "chain", "validator fields")
        reject_unless(ID.fullmatch(str(v["id"])) and v["role"] in ("court", "notary", "time")
                      and HEX64.fullmatch(str(v["public_key"])) and names_ok(v), "chain",
                      f"validator {v['id']!r}")
        ids.add(v["id"])
        keys.add(v["public_key"])
    reject_unless(any(v["role"] == "time" for v in g["validators"]), "chain",
                  "no validator with role time")
    reject_unless(isinstance(g["depositors"], list), "chain", "depositors")
    for d in g["depositors"]:
        reject_unless(isinstance(d, dict) and {"id", "name", "public_key"} <= set(d)
                      <= {"id", "name", "public_key", "name_zh", "name_en"}, "chain",
                      "depositor fields")
        reject_unless(ID.fullmatch(str(d["id"])) and HEX64.fullmatch(str(d["public_key"]))
                      and names_ok(d), "chain", f"depositor {d['id']!r}")
        ids.add(d["id"])
        keys.add(d["public_key"])
    parties = len(g["validators"]) + len(g["depositors"])
    reject_unless(len(ids) == parties and len(keys) == parties, "chain",
                  "duplicate ids or keys across validators and depositors")

    # Genesis hash: RFC 8785 of the genesis with params filled in and genesis_time rewritten as
    # RFC 3339 UTC with milliseconds; all values are strings or integers, all keys ASCII, so
    # JCS is sorted keys, compact separators, raw UTF-8.
    canonical = dict(g, params=params, genesis_time=render_millis(t))
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    g = dict(canonical)
    g["hash"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    n = len(g["validators"])
    f = (n - 1) // 3
    g["quorum"] = -(-(n + f + 1) // 2)  # ⌈(n + f + 1)/2⌉
    return g


# ---- statements (docs/formats.md "Deposit statement", "Batch statement")

def utf8_text_ok(value):
    return (not any(ord(c) < 0x20 or ord(c) == 0x7f for c in value)
            and value == value.strip(" "))


def parse_deposit_statement(text):
    """The fields of a canonical evchain-deposit/1 statement, or None if `text` is not exactly
    the canonical form of what it holds."""
    if not isinstance(text, str) or len(text.encode("utf-8")) > 4096 or not text.endswith("\n"):
        return None
    lines = text[:-1].split("\n")
    if lines[0] != "evchain-deposit/1":
        return None
    order = ["chain_id", "depositor", "digest", "kind", "source", "captured_at", "case_ref",
             "related", "nonce"]
    fields = {"related": []}
    pos = 0
    for line in lines[1:]:
        key, sep, value = line.partition(": ")
        if not sep or not value or key not in order or order.index(key) < pos:
            return None
        if key != "related" and key in fields:
            return None
        if key == "related":
            fields["related"].append(value)
        else:
            fields[key] = value
        pos = order.index(key) + (0 if key == "related" else 1)
    if not all(k in fields for k in ("chain_id", "depositor", "digest", "nonce")):
        return None
    ok = (ID.fullmatch(fields["chain_id"]) and ID.fullmatch(fields["depositor"])
          and HEX64.fullmatch(fields["digest"]) and NONCE.fullmatch(fields["nonce"])
          and fields.get("kind", "webpage") in KINDS
          and len(fields.get("source", "").encode()) <= 2048
          and len(fields.get("case_ref", "").encode()) <= 128
          and all(utf8_text_ok(fields[k]) for k in ("source", "case_ref") if k in fields)
          and ("captured_at" not in fields
               or (len(fields["captured_at"]) <= 64
                   and rfc3339_millis(fields["captured_at"]) is not None))
          and len(fields["related"]) <= 16
          and len(set(fields["related"])) == len(fields["related"])
          and all(HEX64.fullmatch(r) for r in fields["related"]))
    return fields if ok else None


def parse_batch_statement(text):
    """The fields of a canonical evchain-batch/1 statement, or None."""
    if not isinstance(text, str) or not text.endswith("\n"):
        return None
    lines = text[:-1].split("\n")
    keys = ["chain_id", "depositor", "items", "root", "nonce"]
    if lines[0] != "evchain-batch/1" or len(lines) != 1 + len(keys):
        return None
    fields = {}
    for key, line in zip(keys, lines[1:]):
        if not line.startswith(key + ": "):
            return None
        fields[key] = line[len(key) + 2:]
    ok = (ID.fullmatch(fields["chain_id"]) and ID.fullmatch(fields["depositor"])
          and re.fullmatch(r"[1-9][0-9]{0,4}", fields["items"])
          and 1 <= int(fields["items"]) <= 10000 and HEX64.fullmatch(fields["root"])
          and NONCE.fullmatch(fields["nonce"]))
    return fields if ok else None


# ---- RFC 9162 §2.1

def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def root_from_inclusion_proof(index, size, leaf_h, proof):
    """RFC 9162 §2.1.3.2 step by step: the root the proof leads to, or None when the proof's
    shape does not fit (index ≥ size, too short, too long)."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf_h
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


# ---- C2SP signed note, tlog-checkpoint, tlog-cosignature (docs/crypto.md "Signed notes")

def parse_note(note):
    """(text, [(key name, signature bytes)]) of a C2SP signed note, or None if malformed."""
    if not isinstance(note, str) or not note.endswith("\n") or len(note) > 1 << 20:
        return None
    if any((ord(c) < 0x20 and c != "\n") or ord(c) == 0x7f for c in note):
        return None
    split = note.rfind("\n\n")
    if split < 0:
        return None
    text, sig_block = note[:split + 1], note[split + 2:]
    sigs = []
    lines = sig_block[:-1].split("\n")
    if not sig_block or len(lines) > 100:
        return None
    for line in lines:
        m = re.fullmatch(r"\u2014 (\S+) (\S+)", line)
        if not m or "+" in m.group(1):
            return None
        raw = strict_b64(m.group(2))
        if raw is None or len(raw) < 5:
            return None
        sigs.append((m.group(1), raw))
    return text, sigs


def cosignature_key_id(name, public_key):
    """tlog-cosignature key id: SHA-256(name || '\\n' || 0x04 || key)[:4]."""
    return sha256(name.encode() + b"\n\x04" + public_key)[:4]


def parse_checkpoint(text):
    """(origin, size, root, {extension key: value}) of an evchain checkpoint body (docs/formats.md
    "Checkpoint": exactly 6 lines), or None."""
    lines = text[:-1].split("\n") if text.endswith("\n") else []
    if len(lines) != 6:
        return None
    origin, size, root_b64 = lines[:3]
    root = strict_b64(root_b64)
    if not re.fullmatch(r"0|[1-9][0-9]{0,19}", size) or int(size) >= 1 << 64 \
            or root is None or len(root) != 32:
        return None
    ext = {}
    for key, line in zip(("height", "block", "time"), lines[3:]):
        if not line.startswith(key + " "):
            return None
        ext[key] = line[len(key) + 1:]
    if not re.fullmatch(r"[1-9][0-9]{0,19}", ext["height"]) or not HEX64.fullmatch(ext["block"]):
        return None
    t = rfc3339_millis(ext["time"])
    if t is None or render_millis(t) != ext["time"]:
        return None
    return origin, int(size), root, ext


# ---- the receipt (docs/receipts.md)

RECEIPT_FIELDS = {"format", "chain_id", "genesis_hash", "evidence_id", "statement", "signature",
                  "depositor_key", "leaf", "leaf_index", "tree_size", "inclusion_proof",
                  "checkpoint", "block"}
BATCH_FIELDS = {"statement", "signature", "item_index", "item_proof"}


def read_receipt(r):
    """Step "receipt": the strict reading of docs/receipts.md "Before step 1"."""
    def is_int(v):
        return type(v) is int and v >= 0

    reject_unless(isinstance(r, dict), "receipt", "not a JSON object")
    reject_unless(RECEIPT_FIELDS <= set(r) <= RECEIPT_FIELDS | {"batch"}, "receipt",
                  f"fields {sorted(set(r) ^ RECEIPT_FIELDS)}")
    reject_unless(r["format"] == "evchain-receipt/1", "receipt", "format")
    for k in ("chain_id", "statement", "checkpoint"):
        reject_unless(isinstance(r[k], str), "receipt", f"{k} is not a string")
    for k in ("genesis_hash", "evidence_id", "depositor_key"):
        reject_unless(isinstance(r[k], str) and HEX64.fullmatch(r[k]), "receipt",
                      f"{k} is not 64 lowercase hex")
    reject_unless(isinstance(r["signature"], str) and HEX128.fullmatch(r["signature"]),
                  "receipt", "signature is not 128 lowercase hex")
    reject_unless(strict_b64(r["leaf"]) is not None, "receipt", "leaf is not strict base64")
    reject_unless(is_int(r["leaf_index"]) and is_int(r["tree_size"]), "receipt",
                  "leaf_index/tree_size are not JSON integers")
    reject_unless(isinstance(r["inclusion_proof"], list)
                  and all(isinstance(h, str) and HEX64.fullmatch(h)
                          for h in r["inclusion_proof"]), "receipt", "inclusion_proof")
    b = r["block"]
    reject_unless(isinstance(b, dict) and set(b) == {"height", "hash", "time"}
                  and is_int(b["height"]) and isinstance(b["hash"], str)
                  and HEX64.fullmatch(b["hash"]) and rfc3339_millis(b["time"]) is not None,
                  "receipt", "block")
    if "batch" in r:
        bt = r["batch"]
        reject_unless(isinstance(bt, dict) and set(bt) == BATCH_FIELDS
                      and isinstance(bt["statement"], str)
                      and isinstance(bt["signature"], str) and HEX128.fullmatch(bt["signature"])
                      and is_int(bt["item_index"]) and isinstance(bt["item_proof"], list)
                      and all(isinstance(h, str) and HEX64.fullmatch(h)
                              for h in bt["item_proof"]), "receipt", "batch")


def verify_receipt(receipt, genesis_bytes, file_bytes=None):
    """Verifies `receipt` (parsed JSON) against the genesis file's bytes and, when given, the
    evidence file's bytes, in the order of docs/receipts.md "The chain of checks". Returns
    (steps passed, warnings, signer ids); raises Rejected naming the first failed step."""
    done, warnings = [], []
    read_receipt(receipt)
    done.append("receipt")
    g = load_genesis(genesis_bytes)
    done.append("chain")
    statement = receipt["statement"]
    digest_line = re.search(r"^digest: (.*)$", statement, re.M)
    digest = digest_line.group(1) if digest_line else ""

    # 1. file
    if file_bytes is not None:
        reject_unless(hashlib.sha256(file_bytes).hexdigest() == digest, "file",
                      "the file's SHA-256 is not the statement's digest")
        done.append("file")

    # 2. digest: the leaf is decoded here (113 bytes, version 1), then its digest compared.
    leaf = strict_b64(receipt["leaf"])
    reject_unless(HEX64.fullmatch(digest), "digest", "the statement has no digest line")
    reject_unless(len(leaf) == 113 and leaf[0] == 1, "digest",
                  "the leaf is not 113 bytes of version 1")
    reject_unless(leaf[33:65].hex() == digest, "digest",
                  "the leaf does not hold the statement's digest")
    done.append("digest")

    # 3. statement
    fields = parse_deposit_statement(statement)
    reject_unless(fields is not None, "statement", "not a canonical evchain-deposit/1 statement")
    reject_unless(fields["chain_id"] == g["chain_id"] and receipt["chain_id"] == g["chain_id"],
                  "statement", "chain id is not the genesis chain id")
    reject_unless(receipt["genesis_hash"] == g["hash"], "statement",
                  "genesis_hash is not the hash of this genesis")
    reject_unless(hashlib.sha256(statement.encode()).hexdigest() == receipt["evidence_id"],
                  "statement", "evidence_id is not SHA-256(statement)")
    depositor = next((d for d in g["depositors"] if d["id"] == fields["depositor"]), None)
    reject_unless(depositor is not None, "statement", "the depositor is not in the genesis")
    reject_unless(receipt["depositor_key"] == depositor["public_key"], "statement",
                  "depositor_key is not the depositor's genesis key")
    done.append("statement")

    # 4. depositor_signature
    depositor_key = bytes.fromhex(receipt["depositor_key"])
    signature = bytes.fromhex(receipt["signature"])
    if "batch" not in receipt:
        reject_unless(ed25519_ok(depositor_key, signature, statement.encode()),
                      "depositor_signature", "Ed25519 signature over the statement fails")
    else:
        batch = receipt["batch"]
        bf = parse_batch_statement(batch["statement"])
        reject_unless(bf is not None, "depositor_signature",
                      "not a canonical evchain-batch/1 statement")
        reject_unless(bf["chain_id"] == fields["chain_id"]
                      and bf["depositor"] == fields["depositor"], "depositor_signature",
                      "batch and item name different chains or depositors")
        reject_unless(batch["signature"] == receipt["signature"], "depositor_signature",
                      "signature is not batch.signature")
        reject_unless(ed25519_ok(depositor_key, signature, batch["statement"].encode()),
                      "depositor_signature", "Ed25519 signature over the batch statement fails")
        item_proof = [bytes.fromhex(h) for h in batch["item_proof"]]
        root = root_from_inclusion_proof(batch["item_index"], int(bf["items"]),
                                         leaf_hash(statement.encode()), item_proof)
        reject_unless(root is not None and root.hex() == bf["root"], "depositor_signature",
                      "item_proof does not take the item statement to the batch root")
    done.append("depositor_signature")

    # 5. leaf
    block = receipt["block"]
    block_ms = rfc3339_millis(block["time"])
    reject_unless(leaf[1:33] == sha256(statement.encode()), "leaf",
                  "statement hash is not SHA-256(statement)")
    reject_unless(leaf[65:97] == depositor_key, "leaf", "depositor key differs")
    reject_unless(int.from_bytes(leaf[97:105], "big") == block["height"], "leaf",
                  "height is not the block's")
    reject_unless(int.from_bytes(leaf[105:113], "big", signed=True) == block_ms, "leaf",
                  "time is not the block's")
    done.append("leaf")

    # 6. inclusion_proof
    note = parse_note(receipt["checkpoint"])
    reject_unless(note is not None, "inclusion_proof", "the checkpoint is not a signed note")
    body, note_sigs = note
    cp = parse_checkpoint(body)
    reject_unless(cp is not None, "inclusion_proof", "the note is not an evchain checkpoint")
    origin, size, root, ext = cp
    reject_unless(receipt["tree_size"] == size, "inclusion_proof",
                  "tree_size is not the checkpoint's size")
    computed = root_from_inclusion_proof(receipt["leaf_index"], receipt["tree_size"],
                                         leaf_hash(leaf),
                                         [bytes.fromhex(h) for h in receipt["inclusion_proof"]])
    reject_unless(computed is not None, "inclusion_proof", "proof shape does not fit")
    reject_unless(computed == root, "inclusion_proof", "proof does not reach the root")
    done.append("inclusion_proof")

    # 7. checkpoint_root
    reject_unless(origin == "evchain/" + g["chain_id"], "checkpoint_root", "origin")
    reject_unless(ext["height"] == str(block["height"]) and ext["block"] == block["hash"]
                  and rfc3339_millis(ext["time"]) == block_ms, "checkpoint_root",
                  "height/block/time lines are not the receipt's block")
    done.append("checkpoint_root")

    # 8. quorum: lines whose (name, key id) match a genesis validator must verify; others are
    # ignored (C2SP); a key counts once.
    cosigned = {}
    message_tail = body.encode()
    for name, raw in note_sigs:
        v = next((v for v in g["validators"] if v["id"] == name), None)
        if v is None:
            continue
        key = bytes.fromhex(v["public_key"])
        if raw[:4] != cosignature_key_id(name, key):
            continue
        reject_unless(len(raw) == 4 + 8 + 64, "quorum", f"{name}: cosignature length")
        ts = int.from_bytes(raw[4:12], "big")
        reject_unless(ts < 1 << 63, "quorum", f"{name}: timestamp")
        message = f"cosignature/v1\ntime {ts}\n".encode() + message_tail
        reject_unless(ed25519_ok(key, raw[12:], message), "quorum",
                      f"{name}: invalid cosignature")
        cosigned.setdefault(name, ts)
    reject_unless(len(cosigned) >= g["quorum"], "quorum",
                  f"{len(cosigned)} genesis validators cosigned, quorum {g['quorum']}")
    done.append("quorum")

    # 9. time_attestation
    skew = g["params"]["max_clock_skew_ms"]
    for v in g["validators"]:
        if v["role"] == "time" and v["id"] in cosigned:
            ts = cosigned[v["id"]]
            reject_unless(ts * 1000 + 999 >= block_ms - skew, "time_attestation",
                          f"{v['id']} cosigned more than {skew} ms before the block time")
            if ts * 1000 > block_ms + skew:
                warnings.append(f"{v['id']} cosigned more than {skew} ms after the block time")
    done.append("time_attestation")
    return done, warnings, sorted(cosigned)


# --------------------------------------------------------------------------------------------
# The test.
# --------------------------------------------------------------------------------------------

def flip_bit(data, index, bit=0):
    out = bytearray(data)
    out[index] ^= 1 << bit
    return bytes(out)


def flip_hex(text, index):
    """`text` (lowercase hex) with one bit of byte `index` flipped."""
    return flip_bit(bytes.fromhex(text), index).hex()


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_seed(path):
    """The 32-byte seed of an evchain key file (docs/formats.md "Key file")."""
    with open(path) as f:
        line = f.read()
    m = re.fullmatch(r"evchain-ed25519-seed:([0-9a-f]{64})\n", line)
    check(m, f"{path} is not an evchain key file")
    return bytes.fromhex(m.group(1))


def raw_public_key(private_key):
    """The 32-byte public key (python3-cryptography 38, Debian 12's, lacks public_bytes_raw)."""
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def cosign(name, private_key, body, ts):
    """A tlog-cosignature line for `body` by `private_key` under key name `name` at `ts`."""
    pub = raw_public_key(private_key)
    sig = private_key.sign(f"cosignature/v1\ntime {ts}\n".encode() + body.encode())
    payload = cosignature_key_id(name, pub) + ts.to_bytes(8, "big") + sig
    return f"\u2014 {name} {base64.b64encode(payload).decode()}\n"


def split_note(note):
    split = note.rfind("\n\n")
    return note[:split + 1], note[split + 2:].splitlines(keepends=True)


def expect_rejected(what, step, receipt, genesis, file_bytes, file_path, workdir):
    """Our verifier rejects at `step`; with a `file_path` (the evidence file, which
    `evchain verify` requires), the reference `evchain verify` fails at that same step too."""
    try:
        verify_receipt(receipt, genesis, file_bytes)
    except Rejected as e:
        check(e.step == step, f"{what}: rejected at {e.step} ({e.reason}), documented {step}")
        reason = e.reason
    else:
        raise TestFailure(f"{what}: the tampered receipt was accepted")
    path = os.path.join(workdir, "tampered.receipt.json")
    with open(path, "w") as f:
        json.dump(receipt, f, ensure_ascii=False)
    genesis_path = os.path.join(workdir, "tampered-genesis.json")
    with open(genesis_path, "wb") as f:
        f.write(genesis)
    if file_path is None:
        print(f"  rejected  {what:58s} -> {step}: {reason}")
        return
    out = run([CLI, "verify", file_path, "--receipt", path, "--genesis", genesis_path,
               "--lang", "en"], check_rc=False)
    text = out.stdout + out.stderr
    if step == "chain":
        # The CLI refuses a genesis file that is not a valid genesis (exit 2) before its steps.
        check(out.returncode == 2 and "VERIFIED:" not in out.stdout,
              f"{what}: evchain verify exited {out.returncode}:\n{text}")
        print(f"  rejected  {what:58s} -> {step}: {reason}")
        return
    m = re.search(r"NOT VERIFIED: step '([a-z_]+)' failed", text)
    check(out.returncode == 1 and m and m.group(1) == step,
          f"{what}: evchain verify exited {out.returncode}, failed step "
          f"{m.group(1) if m else None}, documented {step}:\n{text}")
    print(f"  rejected  {what:58s} -> {step}: {reason}")


DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../docs")


def json_block_after(doc, heading):
    """The first ```json block after `heading` in docs/`doc`."""
    with open(os.path.join(DOCS, doc), encoding="utf-8") as f:
        text = f.read()
    start = text.index(heading)
    block = text.index("```json\n", start) + len("```json\n")
    return text[block:text.index("```", block)]


def worked_example():
    """The worked example of docs/receipts.md verifies against docs/formats.md "Vector 7" and
    the example file, and its genesis hashes to the documented value."""
    receipt = json.loads(json_block_after("receipts.md", "The receipt of entry 1:"))
    genesis = json_block_after("formats.md", "### Vector 7").encode()
    check(load_genesis(genesis)["hash"] == receipt["genesis_hash"], "Vector 7's genesis hash")
    steps, warnings, signers = verify_receipt(receipt, genesis, b"evchain example evidence 1\n")
    check(steps[-1] == "time_attestation" and not warnings
          and signers == ["court-1", "court-2", "notary-1", "time-1"], f"{steps} {signers}")
    print(f"  verified  docs/receipts.md's worked example (cosigned by {', '.join(signers)})")
    # docs/formats.md "Vector 3": the batch root over three item statements, and its signature.
    digests = [hashlib.sha256(b"batch item %d\n" % i).hexdigest() for i in range(3)]
    items = [("evchain-deposit/1\nchain_id: evchain-example\ndepositor: demo-platform\n"
              f"digest: {d}\nkind: log\nnonce: b-0001.{i}\n").encode()
             for i, d in enumerate(digests)]
    leaves = [leaf_hash(item) for item in items]
    root = node_hash(node_hash(leaves[0], leaves[1]), leaves[2]).hex()
    batch = ("evchain-batch/1\nchain_id: evchain-example\ndepositor: demo-platform\nitems: 3\n"
             f"root: {root}\nnonce: b-0001\n")
    check(parse_batch_statement(batch) is not None and root
          == "7240accd920f6b12a0a584fe87eefca4a47797a16b487b2596ae72987dbb10e8", "Vector 3 root")
    check(ed25519_ok(bytes.fromhex(receipt["depositor_key"]), bytes.fromhex(
        "e47ed1b879e34f05d310df865d0f66dc73499701cbec648fbac6d284e6d3e151"
        "bfe6f1da2f4152798b816d981e0acbc795ae22273bfa97ba2dae825260e86204"), batch.encode()),
        "Vector 3 signature")


def independent_receipt_check():
    worked_example()
    workdir = tempfile.mkdtemp(prefix="evchain-indep-")
    try:
        with Network() as net:
            net.start_all()
            # A batch of three, then one deposit with every optional field, relating to the
            # first batch item (leaves 0-2 of block 1 and leaf 3 of block 2).
            batch = make_files(net, 3, "batch")
            net.deposit(batch)
            with open(batch[0] + ".receipt.json") as f:
                related = json.load(f)["evidence_id"]
            single = make_files(net, 1, "single")
            net.deposit(single, extra=["--kind", "webpage", "--source",
                                       "https://forum.example.com/t/42?page=3",
                                       "--captured-at", "2026-11-28T19:10:27.123+08:00",
                                       "--case-ref", "（2026）浙0192民初81号",
                                       "--related", related])
            genesis = read_bytes(net.genesis_path)
            keys = {v["id"]: Ed25519PrivateKey.from_private_bytes(
                read_seed(f"{net.net}/node{i}/validator.key"))
                for i, v in enumerate(net.genesis["validators"])}
            check(net.genesis["validators"][-1]["role"] == "time", "the last validator is time")
            cases, served_receipts = [], []
            for path in single + batch:
                with open(path + ".receipt.json") as f:
                    saved = json.load(f, object_pairs_hook=no_duplicate_keys)
                # Every validator serves the entry's receipt (docs/api.md
                # GET /v1/deposits/{evidence_id}). Each assembles its own certificate from the
                # cosignatures it received, so the signature lines may differ between validators;
                # everything else, the checkpoint body included, is the same.
                for i in range(net.n):
                    got = http_json(f"{net.url(i)}/v1/deposits/"
                                    + urllib.parse.quote(saved["evidence_id"]))
                    check(got["status"] == "committed", f"node{i}: {got}")
                    served = got["receipt"]
                    check({k: v for k, v in served.items() if k != "checkpoint"}
                          == {k: v for k, v in saved.items() if k != "checkpoint"}
                          and split_note(served["checkpoint"])[0]
                          == split_note(saved["checkpoint"])[0],
                          f"node{i} serves another receipt for {path}")
                    served_receipts.append((f"node{i}", served))
                local = os.path.join(workdir, os.path.basename(path))
                shutil.copy(path, local)
                cases.append((local, saved))
        # The network is gone: from here on only the receipts, the genesis and the files.

        for path, receipt in cases:
            data = read_bytes(path)
            steps, warnings, signers = verify_receipt(receipt, genesis, data)
            check(steps[-1] == "time_attestation", f"{path}: {steps}")
            check(len(signers) >= 3, f"{path}: signers {signers}")
            kind = "batch item" if "batch" in receipt else "single deposit"
            print(f"  verified  {os.path.basename(path)} ({kind}, leaf {receipt['leaf_index']} "
                  f"of {receipt['tree_size']}, block {receipt['block']['height']}, "
                  f"cosigned by {', '.join(signers)}){'; ' if warnings else ''}"
                  f"{'; '.join(warnings)}")
        for node, receipt in served_receipts:
            verify_receipt(receipt, genesis)
        print(f"  verified  the {len(served_receipts)} receipts the validators serve (no file)")
        check(any("batch" in r for _, r in cases) and any("batch" not in r for _, r in cases),
              "need both a single deposit and a batch item")

        # ---- tampering
        single_path, single_r = next(c for c in cases if "batch" not in c[1])
        item_path, item_r = next(c for c in cases if c[1].get("batch", {}).get("item_index") == 1)
        single_data = read_bytes(single_path)
        item_data = read_bytes(item_path)

        def tampered(base, edit):
            r = copy.deepcopy(base)
            edit(r)
            return r

        def reject(what, step, base, edit, gen=genesis, path=None):
            path = path or (single_path if base is single_r else item_path)
            expect_rejected(what, step, tampered(base, edit), gen,
                            read_bytes(path), path, workdir)

        def set_leaf(r, index, bit=0):
            r["leaf"] = base64.b64encode(flip_bit(base64.b64decode(r["leaf"]), index, bit)) \
                .decode()

        def replace_sigs(r, lines):
            body, _ = split_note(r["checkpoint"])
            r["checkpoint"] = body + "\n" + "".join(lines)

        # The evidence file.
        expect_rejected("another file", "file", single_r, genesis, single_data + b"x",
                        item_path, workdir)

        # The strict reading of the receipt, and an invalid genesis.
        reject("receipt: an unknown field", "receipt", single_r, lambda r: r.update(note="x"))
        reject("receipt: leaf_index as a string", "receipt", single_r,
               lambda r: r.update(leaf_index=str(r["leaf_index"])))
        reject("receipt: upper-case signature hex", "receipt", single_r,
               lambda r: r.update(signature=r["signature"].upper()))
        reject("receipt: leaf base64 with a line break", "receipt", single_r,
               lambda r: r.update(leaf=r["leaf"][:40] + "\n" + r["leaf"][40:]))
        # A key given twice ("Before step 1"): which of its values counts is undefined.
        twice = json.dumps(single_r).replace('"leaf_index":', '"leaf_index": 0, "leaf_index":', 1)
        check(twice != json.dumps(single_r), "could not repeat a key")
        try:
            json.loads(twice, object_pairs_hook=no_duplicate_keys)
        except ValueError:
            pass
        else:
            raise TestFailure("receipt: a key given twice was read")
        twice_path = os.path.join(workdir, "twice.receipt.json")
        with open(twice_path, "w") as f:
            f.write(twice)
        twice_genesis = os.path.join(workdir, "twice-genesis.json")
        with open(twice_genesis, "wb") as f:
            f.write(genesis)
        out = run([CLI, "verify", single_path, "--receipt", twice_path, "--genesis",
                   twice_genesis, "--lang", "en"], check_rc=False)
        check(out.returncode == 1 and "NOT VERIFIED: step 'receipt' failed" in out.stdout
              and 'duplicate key "leaf_index"' in out.stdout + out.stderr,
              f"receipt with leaf_index twice: evchain verify exited {out.returncode}:\n"
              f"{out.stdout}{out.stderr}")
        print(f"  rejected  {'receipt: leaf_index given twice':58s} -> receipt")
        three = json.loads(genesis)
        three["validators"] = three["validators"][:3]
        reject("genesis with 3 validators", "chain", single_r, lambda r: None,
               gen=json.dumps(three).encode())

        # The statement: a bit of its nonce; its digest (checked against the leaf).
        def flip_statement(r, needle):
            s = r["statement"].encode()
            i = s.index(needle.encode()) + len(needle)
            r["statement"] = flip_bit(s, i, 0).decode()

        reject("statement: a bit of the nonce", "statement", single_r,
               lambda r: flip_statement(r, "nonce: "))
        reject("statement: a bit of the case_ref",
               "statement", single_r, lambda r: flip_statement(r, "case_ref: （2026）"))
        # Without the file the digest is checked against the leaf; with it, against the file.
        expect_rejected("statement: a bit of the digest (no file given)", "digest",
                        tampered(single_r, lambda r: flip_statement(r, "digest: ")), genesis,
                        None, None, workdir)
        reject("statement: a bit of the digest (file given)", "file", single_r,
               lambda r: flip_statement(r, "digest: "))
        reject("evidence_id: one bit", "statement", single_r,
               lambda r: r.update(evidence_id=flip_hex(r["evidence_id"], 0)))
        reject("chain_id of the receipt", "statement", single_r,
               lambda r: r.update(chain_id="evchain-other"))
        reject("genesis_hash: one bit", "statement", single_r,
               lambda r: r.update(genesis_hash=flip_hex(r["genesis_hash"], 31)))

        # The depositor's signature, and a signature by a key not in the genesis.
        reject("depositor signature: one bit", "depositor_signature", single_r,
               lambda r: r.update(signature=flip_hex(r["signature"], 5)))
        reject("depositor signature: last bit of s", "depositor_signature", single_r,
               lambda r: r.update(signature=flip_hex(r["signature"], 63)))
        foreign = Ed25519PrivateKey.generate()

        def foreign_depositor(r):
            r["signature"] = foreign.sign(r["statement"].encode()).hex()
            r["depositor_key"] = raw_public_key(foreign).hex()

        reject("statement signed by a key not in the genesis", "statement", single_r,
               foreign_depositor)

        # Batch items: the batch statement, its signature, the item proof and index.
        def flip_batch_statement(r, needle):
            s = r["batch"]["statement"].encode()
            r["batch"]["statement"] = flip_bit(s, s.index(needle.encode()) + len(needle)).decode()

        reject("batch statement: a bit of its nonce", "depositor_signature", item_r,
               lambda r: flip_batch_statement(r, "\nnonce: "))
        reject("batch statement: a bit of its item count", "depositor_signature", item_r,
               lambda r: flip_batch_statement(r, "\nitems: "))
        reject("batch root: one bit", "depositor_signature", item_r,
               lambda r: r["batch"].update(statement=re.sub(
                   r"root: ([0-9a-f]{64})", lambda m: "root: " + flip_hex(m.group(1), 0),
                   r["batch"]["statement"])))
        reject("batch signature: one bit (both copies)", "depositor_signature", item_r,
               lambda r: (r.update(signature=flip_hex(r["signature"], 1)),
                          r["batch"].update(signature=r["signature"])))
        reject("batch item_proof: a bit of a hash", "depositor_signature", item_r,
               lambda r: r["batch"]["item_proof"].__setitem__(
                   0, flip_hex(r["batch"]["item_proof"][0], 7)))
        reject("batch item_proof: a hash dropped", "depositor_signature", item_r,
               lambda r: r["batch"]["item_proof"].pop())
        reject("batch item_index", "depositor_signature", item_r,
               lambda r: r["batch"].update(item_index=0))

        # The leaf bytes.
        reject("leaf: statement hash bit", "leaf", single_r, lambda r: set_leaf(r, 1))
        reject("leaf: depositor key bit", "leaf", single_r, lambda r: set_leaf(r, 70))
        reject("leaf: height bit", "leaf", single_r, lambda r: set_leaf(r, 104))
        reject("leaf: time bit", "leaf", single_r, lambda r: set_leaf(r, 112))
        reject("leaf: version", "digest", single_r, lambda r: set_leaf(r, 0, 1))
        reject("leaf: truncated", "digest", single_r,
               lambda r: r.update(leaf=base64.b64encode(base64.b64decode(r["leaf"])[:112])
                                  .decode()))
        reject("leaf: digest bit", "digest", single_r, lambda r: set_leaf(r, 40))

        # The inclusion proof, index, size and root.
        reject("leaf_index", "inclusion_proof", item_r,
               lambda r: r.update(leaf_index=r["leaf_index"] ^ 1))
        reject("tree_size", "inclusion_proof", item_r,
               lambda r: r.update(tree_size=r["tree_size"] + 1))
        for k in range(len(item_r["inclusion_proof"])):
            reject(f"inclusion_proof[{k}]: one bit", "inclusion_proof", item_r,
                   lambda r, k=k: r["inclusion_proof"].__setitem__(
                       k, flip_hex(r["inclusion_proof"][k], 31)))
        reject("inclusion_proof: a hash dropped", "inclusion_proof", item_r,
               lambda r: r["inclusion_proof"].pop())

        def flip_root(r):
            lines = r["checkpoint"].split("\n")
            lines[2] = base64.b64encode(flip_bit(base64.b64decode(lines[2]), 9)).decode()
            r["checkpoint"] = "\n".join(lines)

        reject("checkpoint root: one bit", "inclusion_proof", item_r, flip_root)

        reject("checkpoint: not a signed note (no blank line)", "inclusion_proof", item_r,
               lambda r: r.update(checkpoint=r["checkpoint"].replace("\n\n", "\n", 1)))
        reject("checkpoint: a leading zero in the size", "inclusion_proof", item_r,
               lambda r: r.update(checkpoint=re.sub(r"\n(\d+)\n", r"\n0\1\n",
                                                    r["checkpoint"], count=1)))

        # The checkpoint's binding to the block.
        reject("block hash of the receipt", "checkpoint_root", item_r,
               lambda r: r["block"].update(hash=flip_hex(r["block"]["hash"], 0)))

        def resign(r, edit_body, signers):
            body, _ = split_note(r["checkpoint"])
            body = edit_body(body)
            ts = int(rfc3339_millis(r["block"]["time"]) // 1000)
            r["checkpoint"] = body + "\n" + "".join(cosign(v, keys[v], body, ts)
                                                    for v in signers)

        everyone = [v["id"] for v in json.loads(genesis)["validators"]]
        reject("checkpoint height, re-cosigned by every validator", "checkpoint_root", item_r,
               lambda r: resign(r, lambda b: b.replace(
                   f"\nheight {r['block']['height']}\n", f"\nheight {r['block']['height'] + 1}\n"),
                   everyone))
        # Positive control: the same re-cosigning without an edit verifies, so the rejections
        # above come from the edits, not from cosign().
        verify_receipt(tampered(item_r, lambda r: resign(r, lambda b: b, everyone)), genesis,
                       item_data)

        # Cosignatures and the quorum (n = 4: quorum 3).
        def cosig_bit(r, who, byte):
            body, lines = split_note(r["checkpoint"])
            out = []
            for line in lines:
                name, b64 = line[2:-1].split(" ")
                if name == who:
                    raw = flip_bit(base64.b64decode(b64), byte)
                    line = f"\u2014 {name} {base64.b64encode(raw).decode()}\n"
                out.append(line)
            r["checkpoint"] = body + "\n" + "".join(out)

        first_signer = split_note(item_r["checkpoint"])[1][0].split(" ")[1]
        reject(f"cosignature of {first_signer}: a signature bit", "quorum", item_r,
               lambda r: cosig_bit(r, first_signer, 30))
        reject(f"cosignature of {first_signer}: its timestamp", "quorum", item_r,
               lambda r: cosig_bit(r, first_signer, 11))
        reject("all 4 re-cosigned, then one signature bit: 3 valid remain", "quorum", item_r,
               lambda r: (resign(r, lambda b: b, everyone), cosig_bit(r, "notary-1", 40)))
        reject("cosignatures: only 2 (quorum 3)", "quorum", item_r,
               lambda r: replace_sigs(r, split_note(r["checkpoint"])[1][:2]))
        reject("cosignatures: one line repeated three times", "quorum", item_r,
               lambda r: replace_sigs(r, split_note(r["checkpoint"])[1][:1] * 3))
        intruder = Ed25519PrivateKey.generate()

        def intruders(r, name):
            body, lines = split_note(r["checkpoint"])
            ts = int(rfc3339_millis(r["block"]["time"]) // 1000)
            replace_sigs(r, lines[:2] + [cosign(name, intruder, body, ts),
                                         cosign(name + "x", intruder, body, ts)])

        reject("2 validators + cosigners not in the genesis", "quorum", item_r,
               lambda r: intruders(r, "court-9"))
        reject("2 validators + a foreign key named as a validator", "quorum", item_r,
               lambda r: intruders(r, "time-1"))

        # The time service, dated 5 s beyond the genesis's max_clock_skew_ms (1 s by default; the
        # sanitizer builds' networks allow 10 s, evnet.py).
        off_s = json.loads(genesis).get("params", {}).get("max_clock_skew_ms", 1000) // 1000 + 5

        def early_time_service(r):
            resign(r, lambda b: b, everyone[:-1])
            body, lines = split_note(r["checkpoint"])
            ts = int(rfc3339_millis(r["block"]["time"]) // 1000) - off_s
            replace_sigs(r, lines + [cosign("time-1", keys["time-1"], body, ts)])

        reject("time-1 cosignature dated past the skew before the block", "time_attestation",
               item_r, early_time_service)

        # A time service that cosigned late only warns (docs/receipts.md step 9).
        def late_time_service(r):
            resign(r, lambda b: b, everyone[:-1])
            body, lines = split_note(r["checkpoint"])
            ts = int(rfc3339_millis(r["block"]["time"]) // 1000) + off_s
            replace_sigs(r, lines + [cosign("time-1", keys["time-1"], body, ts)])

        late = tampered(item_r, late_time_service)
        _, warnings, _ = verify_receipt(late, genesis, item_data)
        check(len(warnings) == 1 and "after the block time" in warnings[0], f"{warnings}")
        late_path = os.path.join(workdir, "late.receipt.json")
        with open(late_path, "w") as f:
            json.dump(late, f)
        genesis_path = os.path.join(workdir, "genesis.json")
        with open(genesis_path, "wb") as f:
            f.write(genesis)
        out = run([CLI, "verify", item_path, "--receipt", late_path,
                   "--genesis", genesis_path, "--lang", "en"], check_rc=False)
        check(out.returncode == 0 and "VERIFIED:" in out.stdout,
              f"evchain verify refused a late time cosignature:\n{out.stdout}{out.stderr}")
        print(f"  warned    {'time-1 cosignature dated past the skew after the block':58s} -> "
              f"{warnings[0]}")

        # Wrong genesis: another key for one validator (same chain id), or a renamed court.
        other = json.loads(genesis)
        other["validators"][1]["public_key"] = \
            raw_public_key(Ed25519PrivateKey.generate()).hex()
        reject("genesis with another court-2 key", "statement", single_r, lambda r: None,
               gen=json.dumps(other).encode())
        other = json.loads(genesis)
        other["validators"][0]["name_en"] += "."
        reject("genesis with a renamed court", "statement", item_r, lambda r: None,
               gen=json.dumps(other).encode())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main({"independent_receipt_check": independent_receipt_check})
