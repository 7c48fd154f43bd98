// evchain receipt verification for the judge's page, run entirely in the browser (or Node.js 20)
// with WebCrypto: nothing here trusts the server. It checks, against the genesis file alone,
// the chain SPEC.md describes: file -> digest -> statement -> depositor signature -> leaf ->
// RFC 9162 inclusion proof -> checkpoint root -> quorum of C2SP cosignatures (type 0x04).
// Formats: docs/formats.md (statements, leaf, checkpoint), docs/receipts.md (receipt).
'use strict';

(function (root) {
  const enc = new TextEncoder();

  function subtle() {
    const c = root.crypto || (typeof globalThis !== 'undefined' ? globalThis.crypto : undefined);
    return c && c.subtle ? c.subtle : null;
  }

  // ---- encodings ----
  function fromHex(hex) {
    if (typeof hex !== 'string' || !/^([0-9a-f]{2})*$/.test(hex)) return null;
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
    return out;
  }
  function toHex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  function fromBase64(b64) {
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      return null;
    }
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
  function equal(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  function u64(bytes, off) {
    let v = 0;
    for (let i = 0; i < 8; i++) v = v * 256 + bytes[off + i];
    return v;
  }

  // ---- hashing and signatures ----
  async function sha256(bytes) {
    return new Uint8Array(await subtle().digest('SHA-256', bytes));
  }
  async function leafHash(leaf) {
    return sha256(concat(new Uint8Array([0]), leaf));
  }
  async function nodeHash(left, right) {
    return sha256(concat(new Uint8Array([1]), left, right));
  }
  async function verifyEd25519(publicKey, message, signature) {
    try {
      const key = await subtle().importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
      return await subtle().verify({ name: 'Ed25519' }, key, signature, message);
    } catch (e) {
      return false;
    }
  }

  // RFC 9162 section 2.1.3.2: the root implied by an inclusion proof, or null if malformed.
  async function rootFromInclusionProof(leafHashValue, index, size, proof) {
    if (!(index < size)) return null;
    let fn = index;
    let sn = size - 1;
    let r = leafHashValue;
    for (const p of proof) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  // ---- evchain formats ----
  // "evchain-deposit/1" / "evchain-batch/1" statements: a magic line, then "key: value" lines.
  function parseStatement(text, magic) {
    if (typeof text !== 'string' || !text.endsWith('\n')) return null;
    const lines = text.slice(0, -1).split('\n');
    if (lines[0] !== magic) return null;
    const fields = { related: [] };
    for (const line of lines.slice(1)) {
      const at = line.indexOf(': ');
      if (at <= 0) return null;
      const key = line.slice(0, at);
      const value = line.slice(at + 2);
      if (key === 'related') fields.related.push(value);
      else if (key in fields) return null;
      else fields[key] = value;
    }
    return fields;
  }

  // C2SP signed note: body, a blank line, then "— <name> <base64(key id || signature)>" lines.
  function parseNote(text) {
    if (typeof text !== 'string') return null;
    const split = text.indexOf('\n\n');
    if (split < 0 || !text.endsWith('\n')) return null;
    const body = text.slice(0, split + 1);
    const signatures = [];
    for (const line of text.slice(split + 2, -1).split('\n')) {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) return null;
      const raw = fromBase64(m[2]);
      if (!raw || raw.length < 5) return null;
      signatures.push({ name: m[1], keyId: raw.slice(0, 4), sig: raw.slice(4) });
    }
    return { body, signatures };
  }

  // evchain checkpoint body: origin, size, base64 root, "height", "block", "time" lines.
  function parseCheckpoint(body) {
    const lines = body.slice(0, -1).split('\n');
    if (lines.length !== 6) return null;
    const m = [/^height (\d+)$/, /^block ([0-9a-f]{64})$/, /^time (\S+)$/].map((re, i) =>
      re.exec(lines[3 + i])
    );
    const root = fromBase64(lines[2]);
    if (!/^\d+$/.test(lines[1]) || !root || root.length !== 32 || m.some((x) => !x)) return null;
    return {
      origin: lines[0],
      size: Number(lines[1]),
      root,
      height: Number(m[0][1]),
      block: m[1][1],
      time: m[2][1],
    };
  }

  // The genesis hash: SHA-256 of RFC 8785 canonical JSON (sorted keys, no whitespace).
  function canonicalJson(v) {
    if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
    if (v && typeof v === 'object') {
      return (
        '{' +
        Object.keys(v)
          .sort()
          .map((k) => JSON.stringify(k) + ':' + canonicalJson(v[k]))
          .join(',') +
        '}'
      );
    }
    return JSON.stringify(v);
  }
  async function genesisHash(genesis) {
    return toHex(await sha256(enc.encode(canonicalJson(genesis))));
  }

  // C2SP key id: SHA-256(name || 0x0A || type || public key)[:4].
  async function keyId(name, type, publicKey) {
    const h = await sha256(concat(enc.encode(name + '\n'), new Uint8Array([type]), publicKey));
    return h.slice(0, 4);
  }

  function millisOf(rfc3339) {
    const t = Date.parse(rfc3339);
    return Number.isNaN(t) ? null : t;
  }

  // ---- the verification chain ----
  // Returns {ok, steps: [{name, ok, detail}], failed (first failing step name), signers,
  // depositor, blockTime}. `expectedDigest` (lowercase hex) is the file's digest when known.
  async function verifyReceipt(receipt, genesis, expectedDigest) {
    const steps = [];
    const result = { ok: false, steps, failed: null, signers: [], depositor: null, blockTime: null };
    const step = (name, ok, detail) => {
      steps.push({ name, ok, detail });
      if (!ok && !result.failed) result.failed = name;
      return ok;
    };
    if (!subtle()) {
      step('crypto', false, 'WebCrypto is not available here (the page is not a secure context)');
      return result;
    }
    if (!receipt || receipt.format !== 'evchain-receipt/1') {
      step('receipt', false, 'not an evchain-receipt/1 document');
      return result;
    }
    // chain: the receipt belongs to this genesis.
    const gHash = await genesisHash(genesis);
    if (!step('chain', receipt.chain_id === genesis.chain_id && receipt.genesis_hash === gHash,
        receipt.chain_id === genesis.chain_id
          ? (receipt.genesis_hash === gHash ? 'chain ' + genesis.chain_id + ', genesis ' + gHash
            : 'receipt names genesis ' + receipt.genesis_hash + ', the genesis file hashes to ' + gHash)
          : 'receipt is for chain "' + receipt.chain_id + '", the genesis is "' + genesis.chain_id + '"')) {
      return result;
    }

    // statement: its hash is the evidence id, it names a genesis depositor.
    const statementBytes = enc.encode(receipt.statement || '');
    const statement = parseStatement(receipt.statement, 'evchain-deposit/1');
    const statementHash = await sha256(statementBytes);
    const depositor = statement && (genesis.depositors || []).find((d) => d.id === statement.depositor);
    if (!step('statement',
        !!statement && toHex(statementHash) === receipt.evidence_id && statement.chain_id === genesis.chain_id && !!depositor,
        !statement ? 'not a deposit statement'
          : toHex(statementHash) !== receipt.evidence_id ? 'SHA-256 of the statement is not the evidence id'
          : statement.chain_id !== genesis.chain_id ? 'statement names another chain'
          : !depositor ? 'depositor "' + statement.depositor + '" is not in the genesis'
          : 'evidence id ' + receipt.evidence_id)) {
      return result;
    }
    result.depositor = { id: depositor.id, name: depositor.name };
    result.provenance = statement;

    // file: the statement's digest is the file's.
    if (expectedDigest !== undefined && expectedDigest !== null) {
      if (!step('file', statement.digest === expectedDigest,
          statement.digest === expectedDigest ? 'digest ' + expectedDigest
            : 'statement digest ' + statement.digest + ' is not the file digest ' + expectedDigest)) {
        return result;
      }
    }

    // depositor_signature: with the genesis key, over the statement or the signed batch.
    const depositorKey = fromHex(depositor.public_key);
    const signature = fromHex(receipt.signature);
    if (receipt.depositor_key !== depositor.public_key) {
      step('depositor_signature', false, 'receipt depositor_key is not the genesis key of ' + depositor.id);
      return result;
    }
    let signedBytes = statementBytes;
    if (receipt.batch) {
      const b = receipt.batch;
      const batch = parseStatement(b.statement, 'evchain-batch/1');
      const proof = (b.item_proof || []).map(fromHex);
      const batchRoot = batch && fromHex(batch.root);
      const implied = batch && !proof.some((p) => !p || p.length !== 32)
        ? await rootFromInclusionProof(await leafHash(statementBytes), b.item_index, Number(batch.items), proof)
        : null;
      if (!step('batch',
          !!batch && batch.chain_id === genesis.chain_id && batch.depositor === depositor.id &&
            b.signature === receipt.signature && equal(implied, batchRoot),
          !batch ? 'not a batch statement'
            : batch.depositor !== depositor.id || batch.chain_id !== genesis.chain_id ? 'batch names another depositor or chain'
            : !equal(implied, batchRoot) ? 'item ' + b.item_index + ' is not in the signed batch'
            : 'item ' + b.item_index + ' of ' + batch.items + ' in the signed batch')) {
        return result;
      }
      signedBytes = enc.encode(b.statement);
    }
    if (!step('depositor_signature',
        !!signature && signature.length === 64 && (await verifyEd25519(depositorKey, signedBytes, signature)),
        'Ed25519 signature of ' + depositor.id)) {
      return result;
    }

    // leaf: the exact bytes bind statement hash, digest, depositor key, block height and time.
    const leaf = fromBase64(receipt.leaf);
    const block = receipt.block || {};
    const blockMillis = millisOf(block.time);
    const leafOk = !!leaf && leaf.length === 113 && leaf[0] === 1 &&
      equal(leaf.slice(1, 33), statementHash) && toHex(leaf.slice(33, 65)) === statement.digest &&
      equal(leaf.slice(65, 97), depositorKey) && u64(leaf, 97) === block.height &&
      u64(leaf, 105) === blockMillis;
    if (!step('leaf', leafOk, leafOk ? '113-byte leaf matches statement, digest, key, block'
        : 'leaf bytes do not match the statement, depositor key or block')) {
      return result;
    }

    // inclusion_proof: RFC 9162 from the leaf to a root.
    const proof = (receipt.inclusion_proof || []).map(fromHex);
    const impliedRoot = proof.some((p) => !p || p.length !== 32) ? null
      : await rootFromInclusionProof(await leafHash(leaf), receipt.leaf_index, receipt.tree_size, proof);
    if (!step('inclusion_proof', !!impliedRoot,
        impliedRoot ? 'leaf ' + receipt.leaf_index + ' of ' + receipt.tree_size : 'malformed inclusion proof')) {
      return result;
    }

    // checkpoint_root: the cosigned checkpoint names that root, size and block.
    const note = parseNote(receipt.checkpoint);
    const cp = note && parseCheckpoint(note.body);
    const cpOk = !!cp && cp.origin === 'evchain/' + genesis.chain_id && cp.size === receipt.tree_size &&
      equal(cp.root, impliedRoot) && cp.height === block.height && cp.block === block.hash &&
      millisOf(cp.time) === blockMillis;
    if (!step('checkpoint_root', cpOk,
        !cp ? 'checkpoint is not an evchain checkpoint note'
          : !equal(cp.root, impliedRoot) ? 'the proof leads to a root the checkpoint does not name'
          : cpOk ? 'root of tree size ' + cp.size + ' at block ' + cp.height
          : 'checkpoint does not match the receipt\'s chain, size or block')) {
      return result;
    }

    // quorum: >= 2f+1 distinct genesis validators cosigned (C2SP tlog-cosignature, type 0x04).
    const validators = genesis.validators || [];
    const f = Math.floor((validators.length - 1) / 3);
    const seen = new Set();
    let bad = null;
    for (const s of note.signatures) {
      const v = validators.find((x) => x.id === s.name);
      if (!v) continue;
      const key = fromHex(v.public_key);
      if (!equal(s.keyId, await keyId(v.id, 4, key))) continue;
      if (s.sig.length !== 72) {
        bad = v.id;
        continue;
      }
      const t = u64(s.sig, 0);
      const message = concat(enc.encode('cosignature/v1\ntime ' + t + '\n'), enc.encode(note.body));
      if (await verifyEd25519(key, message, s.sig.slice(8))) {
        if (!seen.has(v.id)) result.signers.push({ id: v.id, role: v.role, time: t });
        seen.add(v.id);
      } else {
        bad = v.id;
      }
    }
    const quorum = 2 * f + 1;
    step('quorum', !bad && seen.size >= quorum,
      bad ? 'invalid cosignature from ' + bad
        : seen.size + ' of ' + validators.length + ' validators cosigned (' + quorum + ' needed)');
    result.blockTime = block.time;
    result.ok = !result.failed;
    return result;
  }

  const api = {
    verifyReceipt, genesisHash, canonicalJson, sha256, toHex, fromHex, fromBase64,
    parseStatement, parseNote, parseCheckpoint, rootFromInclusionProof, hasWebCrypto: () => !!subtle(),
  };
  root.EvchainVerify = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(typeof window !== 'undefined' ? window : globalThis);
