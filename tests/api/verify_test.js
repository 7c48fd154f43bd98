// Node.js (18 or later) test of api/web/verify.js (the judge's page's verification) on receipts
// the C++ code produced: good receipts pass, each kind of tampering fails at the right step, and
// the page's rules are the C++ ones (quorum, canonical genesis, strict statements and receipt
// fields, the time service's cosignature time). Also tests api/web/sha256.js (the page's
// streaming SHA-256) against the NIST vectors and WebCrypto.
// Usage: node verify_test.js FIXTURE_DIR   (written by web_verify_test.cc)
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const V = require('../../api/web/verify.js');
let S = null;
try {
  S = require('../../api/web/sha256.js');
} catch (e) {
  // Reported as a failing test below.
}

const dir = process.argv[2];
const read = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
const genesis = read('genesis.json');
const fixture = read('fixture.json');
const clone = (x) => JSON.parse(JSON.stringify(x));
// Node.js 18 (Debian 12's) has WebCrypto only as require('crypto').webcrypto.
const subtle = (globalThis.crypto || require('crypto').webcrypto).subtle;
const hex = (b) => Buffer.from(b).toString('hex');

async function expectFail(receipt, step, digest, g) {
  const r = await V.verifyReceipt(receipt, g || genesis, digest);
  assert.strictEqual(r.ok, false, 'tampered receipt passed; expected failure at ' + step);
  assert.strictEqual(r.failed, step, JSON.stringify(r.steps));
  return r;
}
async function expectOk(receipt, g, digest) {
  const r = await V.verifyReceipt(receipt, g || genesis, digest);
  assert.ok(r.ok, JSON.stringify(r.steps));
  return r;
}

// The test validators' keys come from fixed seeds (tests/api/test_chain.cc): seed byte i+1.
async function seededSigner(seedByte) {
  const der = Buffer.from('302e020100300506032b657004220420' + seedByte.repeat(32), 'hex');
  const key = await subtle.importKey('pkcs8', der, { name: 'Ed25519' }, false, ['sign']);
  return async (message) => new Uint8Array(await subtle.sign({ name: 'Ed25519' }, key, message));
}

// Replaces `id`'s cosignature line with one made at `timestamp` (Unix seconds).
async function recosign(receipt, id, seedByte, timestamp) {
  const sign = await seededSigner(seedByte);
  const split = receipt.checkpoint.indexOf('\n\n');
  const body = receipt.checkpoint.slice(0, split + 1);
  const t = Buffer.alloc(8);
  t.writeBigUInt64BE(BigInt(timestamp));
  const message = Buffer.concat([Buffer.from('cosignature/v1\ntime ' + timestamp + '\n'),
    Buffer.from(body)]);
  const sig = await sign(message);
  return receipt.checkpoint.replace(new RegExp('(\u2014 ' + id + ' )(\\S+)'), (m, p, b64) => {
    const raw = Buffer.from(b64, 'base64');
    return p + Buffer.concat([raw.subarray(0, 4), t, Buffer.from(sig)]).toString('base64');
  });
}

// Keeps the cosignature lines of `ids` only.
function keepSigners(receipt, ids) {
  const lines = receipt.checkpoint.split('\n');
  const blank = lines.indexOf('');
  const sigs = lines.slice(blank + 1).filter((l) => ids.some((id) => l.startsWith('\u2014 ' + id + ' ')));
  return lines.slice(0, blank + 1).concat(sigs).join('\n') + '\n';
}

async function withGenesis(receipt, g) {
  const t = clone(receipt);
  t.genesis_hash = await V.genesisHash(g);
  return t;
}

function extraValidator(i) {
  return { id: 'court-x' + i, role: 'court', public_key: (i + 0xa0).toString(16).repeat(32),
    p2p: '127.0.0.1:' + (7100 + i), http: '127.0.0.1:' + (8100 + i) };
}

async function testSha256() {
  // FIPS 180-4 / NIST CAVP examples.
  const vectors = [
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
    ['abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1'],
  ];
  for (const [text, want] of vectors) {
    assert.strictEqual(hex(S.sha256(Buffer.from(text))), want, 'NIST vector "' + text + '"');
  }
  const h = new S.Sha256();
  const chunk = Buffer.alloc(1000, 'a');
  for (let i = 0; i < 1000; i++) h.update(chunk);
  assert.strictEqual(hex(h.digest()), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    'NIST one million "a"');
  // Against WebCrypto: every length around the block and padding boundaries, fed in uneven
  // pieces so that every split of the 64-byte block is exercised.
  const data = new Uint8Array(4099);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
  for (let len = 0; len <= 300; len++) {
    const want = hex(await subtle.digest('SHA-256', data.subarray(0, len)));
    const s = new S.Sha256();
    let off = 0;
    let step = 1;
    while (off < len) {
      const n = Math.min(step, len - off);
      s.update(data.subarray(off, off + n));
      off += n;
      step = (step * 7 + 3) % 97 + 1;
    }
    assert.strictEqual(hex(s.digest()), want, 'length ' + len);
  }
  assert.strictEqual(hex(S.sha256(data)), hex(await subtle.digest('SHA-256', data)));
  // A blob hashed in slices that do not divide its size, with progress and a cancel.
  const blob = new Blob([data]);
  const seen = [];
  const digest = await S.hashBlob(blob, { slices: true, sliceBytes: 1000, progressBytes: 2000,
    onProgress: (done, total) => seen.push([done, total]) });
  assert.strictEqual(hex(digest), hex(await subtle.digest('SHA-256', data)));
  assert.deepStrictEqual(seen[seen.length - 1], [4099, 4099]);
  assert.ok(seen.length >= 2);
  // The default: a BYOB reader reading into one reused buffer where the runtime has one (the
  // page's way in Chromium: the tab's memory stays flat), else slices.
  const byob = [];
  assert.strictEqual(hex(await S.hashBlob(blob, { sliceBytes: 1000, progressBytes: 1,
    onProgress: (done, total) => byob.push([done, total]) })), hex(digest));
  assert.deepStrictEqual(byob[byob.length - 1], [4099, 4099]);
  const cancel = { cancelled: false };
  await assert.rejects(S.hashBlob(blob, { sliceBytes: 1000, progressBytes: 1, cancel,
    onProgress: () => { cancel.cancelled = true; } }), (e) => e.name === 'AbortError');
  // The same through blob.stream() (the browser's way), in chunks of the stream's choosing.
  const big = new Uint8Array(3 * 1024 * 1024 + 5);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  const streamed = [];
  const d2 = await S.hashBlob(new Blob([big]), { stream: true, progressBytes: 1 << 20,
    onProgress: (done, total) => streamed.push([done, total]) });
  assert.strictEqual(hex(d2), hex(await subtle.digest('SHA-256', big)));
  assert.deepStrictEqual(streamed[streamed.length - 1], [big.length, big.length]);
  // (Node.js streams an in-memory blob as one chunk; Chromium a file in chunks of 64 KiB.)
  assert.ok(streamed.length >= 1, JSON.stringify(streamed));
  assert.strictEqual(hex(await S.hashBlob(new Blob([]))), hex(await subtle.digest('SHA-256', new Uint8Array(0))));
  const stop = { cancelled: false };
  await assert.rejects(S.hashBlob(new Blob([big]), { stream: true, cancel: stop, progressBytes: 1,
    onProgress: () => { stop.cancelled = true; } }), (e) => e.name === 'AbortError');
  const finished = new S.Sha256();
  finished.digest();
  assert.throws(() => finished.update(new Uint8Array(1)));
}

async function testQuorum() {
  // ceil((n + f + 1) / 2), f = floor((n - 1) / 3): 2f+1 when n = 3f+1, more for n = 5, 6.
  const want = { 4: 3, 5: 4, 6: 4, 7: 5, 8: 6, 9: 6, 10: 7, 13: 9, 16: 11 };
  for (const [n, q] of Object.entries(want)) assert.strictEqual(V.quorumSize(Number(n)), q, 'n=' + n);
  // n = 5: the four signers pass, three (2f+1 with f = 1) do not.
  const g5 = clone(genesis);
  g5.validators.push(extraValidator(1));
  const r5 = await withGenesis(fixture.single, g5);
  await expectOk(r5, g5);
  const three = clone(r5);
  three.checkpoint = keepSigners(r5, ['court-1', 'notary-1', 'time-1']);
  const r = await expectFail(three, 'quorum', undefined, g5);
  assert.match(r.steps[r.steps.length - 1].detail, /3 of 5/);
  // n = 6: quorum 4 as well.
  const g6 = clone(g5);
  g6.validators.push(extraValidator(2));
  await expectOk(await withGenesis(fixture.single, g6), g6);
  const t6 = await withGenesis(three, g6);
  await expectFail(t6, 'quorum', undefined, g6);
  // n = 4: three of four still suffice.
  const t4 = clone(fixture.single);
  t4.checkpoint = keepSigners(fixture.single, ['court-1', 'notary-1', 'time-1']);
  await expectOk(t4);
}

async function testCanonicalGenesis() {
  // The node fills in default params and rewrites genesis_time: the page must hash the same.
  const defaults = { max_batch: 1000, block_interval_ms: 200, max_clock_skew_ms: 1000,
    view_change_timeout_ms: 2000, request_timeout_ms: 4000, checkpoint_interval: 16,
    watermark_window: 64 };
  const g = clone(genesis);
  for (const k of Object.keys(g.params)) if (g.params[k] === defaults[k]) delete g.params[k];
  if (Object.keys(g.params).length === 0) delete g.params;
  const t = Date.parse(genesis.genesis_time);
  // The same instant written at +08:00 without milliseconds.
  const local = new Date(t + 8 * 3600 * 1000).toISOString().slice(0, 19) + '+08:00';
  g.genesis_time = local;
  assert.strictEqual(await V.genesisHash(g), fixture.genesis_hash, 'canonical genesis hash');
  await expectOk(fixture.single, g, fixture.single_digest);
  // Key order and whitespace of the file do not matter either.
  const reverseKeys = (v) => (Array.isArray(v) ? v.map(reverseKeys) : v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v);
  const reordered = reverseKeys(g);
  assert.notDeepStrictEqual(Object.keys(reordered), Object.keys(g));
  assert.strictEqual(await V.genesisHash(reordered), fixture.genesis_hash);
  // What the node rejects, the page rejects.
  const bad = [
    (x) => { x.unknown = 1; },
    (x) => { x.validators[0].extra = 'x'; },
    (x) => { x.params = { max_batch: 0 }; },
    (x) => { x.params = { max_batch: 1.5 }; },
    (x) => { x.params = { no_such_param: 1 }; },
    (x) => { x.genesis_time = '2026-11-28'; },
    (x) => { x.genesis_time = 'Sat, 28 Nov 2026 00:00:00 GMT'; },
    (x) => { x.validators[0].public_key = x.validators[0].public_key.toUpperCase(); },
    (x) => { x.validators[0].role = 'judge'; },
    (x) => { x.validators[1].id = x.validators[0].id; },
    (x) => { x.validators.pop(); },
    // 101 validators: a certificate note cannot hold their signatures (genesis.cc refuses it).
    (x) => {
      for (let i = x.validators.length; i < 101; i++) {
        x.validators.push({ id: 'court-x' + i, role: 'court',
          public_key: (i + 1000).toString(16).padStart(64, '0'),
          p2p: '127.0.0.1:' + (20000 + i), http: '127.0.0.1:' + (30000 + i) });
      }
    },
    (x) => { x.depositors[0].name = ''; },
    (x) => { x.depositors[0].name_zh = 'a\u0001b'; },
    (x) => { x.validators[0].name_en = 42; },
    (x) => { x.chain_id = 'Upper'; },
  ];
  for (const [i, mutate] of bad.entries()) {
    const x = clone(genesis);
    mutate(x);
    await assert.rejects(V.genesisHash(x), /genesis/, 'invalid genesis ' + i + ' accepted');
    await expectFail(fixture.single, 'chain', undefined, x);
  }
}

function testStatements() {
  const base = 'evchain-deposit/1\nchain_id: test-chain\ndepositor: demo-platform\ndigest: ' +
    'ab'.repeat(32) + '\n';
  const good = [
    base + 'nonce: n-1\n',
    base + 'kind: webpage\nsource: https://x.example/a b\ncaptured_at: 2026-11-28T11:10:27.123+08:00\n' +
      'case_ref: （2026）浙0192民初81号\nrelated: ' + 'cd'.repeat(32) + '\nrelated: ' + 'ef'.repeat(32) +
      '\nnonce: A.b_c:d-1\n',
  ];
  for (const s of good) {
    const p = V.parseStatement(s, 'evchain-deposit/1');
    assert.ok(p, 'good statement rejected: ' + JSON.stringify(s));
  }
  assert.strictEqual(V.parseStatement(good[1], 'evchain-deposit/1').related.length, 2);
  const bad = [
    base,                                                        // no nonce
    base + 'nonce: n-1',                                         // no final newline
    base.replace('digest: ' + 'ab'.repeat(32), 'digest: ' + 'AB'.repeat(32)) + 'nonce: n\n',
    base.replace('digest: ' + 'ab'.repeat(32), 'digest: abc') + 'nonce: n\n',
    base + 'nonce: n\nkind: log\n',                              // out of order
    base + 'kind: log\nkind: log\nnonce: n\n',                   // repeated
    base + 'color: red\nnonce: n\n',                             // unknown key
    base + 'kind: rumour\nnonce: n\n',                           // bad kind
    base + 'kind: \nnonce: n\n',                                 // empty optional value
    base + 'source:  x\nnonce: n\n',                             // leading space
    base + 'source: x \nnonce: n\n',                             // trailing space
    base + 'source: a\tb\nnonce: n\n',                           // control character
    base + 'source: ' + 'x'.repeat(2049) + '\nnonce: n\n',       // too long
    base + 'case_ref: ' + '案'.repeat(43) + '\nnonce: n\n',      // 129 bytes
    base + 'captured_at: yesterday\nnonce: n\n',
    base + 'captured_at: 2026-02-30T00:00:00Z\nnonce: n\n',
    base + 'related: ' + 'cd'.repeat(31) + '\nnonce: n\n',
    base + 'related: ' + 'cd'.repeat(32) + '\nrelated: ' + 'cd'.repeat(32) + '\nnonce: n\n',
    base + ('related: ' + 'cd'.repeat(32) + '\n').repeat(17) + 'nonce: n\n',
    base + 'nonce: n n\n',
    base + 'nonce: ' + 'n'.repeat(65) + '\n',
    base.replace('chain_id: test-chain', 'chain_id: Test') + 'nonce: n\n',
    base.replace('\n', '\r\n') + 'nonce: n\n',
    base + '\nnonce: n\n',                                       // empty line
    'evchain-deposit/2\n' + base.slice(18) + 'nonce: n\n',
  ];
  for (const [i, s] of bad.entries()) {
    assert.strictEqual(V.parseStatement(s, 'evchain-deposit/1'), null, 'bad statement ' + i + ' accepted');
  }
  const batch = 'evchain-batch/1\nchain_id: c\ndepositor: d\nitems: 3\nroot: ' + '00'.repeat(32) + '\nnonce: b\n';
  assert.ok(V.parseStatement(batch, 'evchain-batch/1'));
  for (const s of [batch.replace('items: 3', 'items: 03'), batch.replace('items: 3', 'items: 0'),
    batch.replace('items: 3', 'items: 10001'), batch.replace('items: 3', 'items: 3.0'),
    batch.replace('nonce: b\n', 'kind: log\nnonce: b\n')]) {
    assert.strictEqual(V.parseStatement(s, 'evchain-batch/1'), null, JSON.stringify(s));
  }
}

async function testReceiptFields() {
  const good = fixture.single;
  const mutations = {
    'leaf_index as a string': (t) => { t.leaf_index = String(t.leaf_index); },
    'leaf_index fractional': (t) => { t.leaf_index += 0.5; },
    'leaf_index negative': (t) => { t.leaf_index = -1; },
    'tree_size as a string': (t) => { t.tree_size = String(t.tree_size); },
    'block height as a string': (t) => { t.block.height = String(t.block.height); },
    'unknown field': (t) => { t.note = 'x'; },
    'uppercase hex': (t) => { t.evidence_id = t.evidence_id.toUpperCase(); },
    'lax time': (t) => { t.block.time = t.block.time.slice(0, 10); },
    'proof not an array': (t) => { t.inclusion_proof = 'x'; },
  };
  for (const [what, mutate] of Object.entries(mutations)) {
    const t = clone(good);
    mutate(t);
    const r = await V.verifyReceipt(t, genesis, undefined);
    assert.strictEqual(r.failed, 'receipt', what + ': ' + JSON.stringify(r.steps));
  }
  const b = clone(fixture.batch);
  b.batch.item_index = String(b.batch.item_index);
  assert.strictEqual((await V.verifyReceipt(b, genesis)).failed, 'receipt', 'batch item_index');
}

async function testTimeSkew() {
  // The test chain's cosignatures are made at floor(block time / 1 s): within the skew.
  const ok = await expectOk(fixture.single);
  assert.deepStrictEqual(ok.warnings, []);
  const timeStep = ok.steps.find((s) => s.name === 'time_attestation');
  assert.ok(timeStep && timeStep.ok && !timeStep.warning, JSON.stringify(ok.steps));
  const blockMs = Date.parse(fixture.single.block.time);
  const skew = genesis.params.max_clock_skew_ms;
  // time-1 (seed 4) cosigns max_clock_skew_ms + 1 s after the block: flagged, not failed.
  const late = clone(fixture.single);
  const lateSeconds = Math.floor((blockMs + skew) / 1000) + 1;
  late.checkpoint = await recosign(late, 'time-1', '04', lateSeconds);
  const r = await expectOk(late);
  assert.strictEqual(r.warnings.length, 1, JSON.stringify(r.steps));
  assert.strictEqual(r.warnings[0].name, 'time_attestation');
  assert.match(r.warnings[0].detail, /time-1/);
  // Exactly at the bound is fine: |t*1000 - block| <= max_clock_skew_ms.
  if ((blockMs + skew) % 1000 === 0) {
    const edge = clone(fixture.single);
    edge.checkpoint = await recosign(edge, 'time-1', '04', (blockMs + skew) / 1000);
    assert.deepStrictEqual((await expectOk(edge)).warnings, []);
  }
  // A court's cosignature time is not the time service's: not flagged.
  const court = clone(fixture.single);
  court.checkpoint = await recosign(court, 'court-1', '01', lateSeconds + 100);
  assert.deepStrictEqual((await expectOk(court)).warnings, []);
  // Cosigned more than the skew before the block time: the block is dated ahead of the time
  // service's clock, and the receipt fails, as in ledger::VerifyReceipt.
  const early = clone(fixture.single);
  early.checkpoint = await recosign(early, 'time-1', '04', Math.floor((blockMs - skew) / 1000) - 1);
  const e = await V.verifyReceipt(early, genesis);
  assert.strictEqual(e.ok, false);
  assert.strictEqual(e.failed, 'time_attestation', JSON.stringify(e.steps));
  assert.match(e.steps[e.steps.length - 1].detail, /before the block time/);
}

async function testDisplayNames() {
  const g = clone(genesis);
  g.validators[0].name_zh = '北京互联网法院';
  g.validators[0].name_en = 'Beijing Internet Court';
  g.depositors[0].name_zh = '演示存证平台';
  // Names are covered by the genesis hash.
  assert.notStrictEqual(await V.genesisHash(g), fixture.genesis_hash);
  const r = await expectOk(await withGenesis(fixture.single, g), g);
  const court1 = r.signers.find((s) => s.id === 'court-1');
  assert.deepStrictEqual(court1.names, { zh: '北京互联网法院', en: 'Beijing Internet Court' });
  assert.deepStrictEqual(r.depositor.names, { zh: '演示存证平台', en: 'Demo Evidence Platform' });
  assert.strictEqual(V.displayName(court1, 'en'), 'Beijing Internet Court');
  assert.strictEqual(V.displayName(r.depositor, 'zh'), '演示存证平台');
  assert.strictEqual(V.displayName(r.signers.find((s) => s.id === 'time-1'), 'zh'), 'time-1');
}

async function testReceipts() {
  assert.strictEqual(await V.genesisHash(genesis), fixture.genesis_hash, 'genesis hash (JCS)');
  for (const [name, receipt] of [['single', fixture.single], ['batch', fixture.batch]]) {
    const r = await V.verifyReceipt(receipt, genesis, fixture[name + '_digest']);
    assert.ok(r.ok, name + ': ' + JSON.stringify(r.steps));
    assert.strictEqual(r.signers.length, 4);
    assert.deepStrictEqual(r.signers.map((s) => s.role).sort(), ['court', 'court', 'notary', 'time']);
    assert.strictEqual(r.depositor.name, 'Demo Evidence Platform');
  }
  const good = fixture.single;
  let t;
  await expectFail(good, 'file', '00'.repeat(32));
  t = clone(good); t.statement = t.statement.replace('nonce: ', 'nonce: x'); await expectFail(t, 'statement');
  t = clone(good); t.signature = t.signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  await expectFail(t, 'depositor_signature');
  t = clone(good); t.block.time = '2030-01-01T00:00:00.000Z'; await expectFail(t, 'leaf');
  // (The single receipt is leaf 0 of a 1-leaf tree: an empty proof. The batch item's is not.)
  assert.ok(fixture.batch.inclusion_proof.length > 0);
  t = clone(fixture.batch); t.inclusion_proof[0] = '00'.repeat(32);
  await expectFail(t, 'checkpoint_root');
  t = clone(good); t.inclusion_proof.push('00'.repeat(32)); await expectFail(t, 'inclusion_proof');
  // Keep only two cosignatures: below the quorum of 3.
  t = clone(good);
  t.checkpoint = keepSigners(good, ['court-1', 'court-2']);
  await expectFail(t, 'quorum');
  // A forged cosignature from a genesis validator.
  t = clone(good);
  t.checkpoint = t.checkpoint.replace(/(\u2014 court-1 )(\S+)/, (m, p, b64) => {
    const raw = Buffer.from(b64, 'base64');
    raw[raw.length - 1] ^= 1;
    return p + raw.toString('base64');
  });
  await expectFail(t, 'quorum');
  // Another genesis (different validator keys) rejects the receipt.
  const other = clone(genesis); other.chain_id = 'another-chain';
  await expectFail(good, 'chain', undefined, other);
  const swapped = clone(genesis);
  swapped.depositors[0].public_key = swapped.validators[0].public_key;
  await expectFail(good, 'chain', undefined, swapped);  // duplicate key: an invalid genesis
  // Batch: an item moved to another index is not in the signed batch.
  t = clone(fixture.batch); t.batch.item_index += 1; await expectFail(t, 'batch');
}

// The page reads receipts and genesis files with parseJson, which refuses a repeated key as the
// C++ reader does (common/json_unique_keys.h), so that the page and the CLI agree on every file.
async function testStrictJson() {
  assert.deepStrictEqual(V.parseJson('{"a": [{"a": 1}, {"a": 2}], "b": {"a": {"a": 3}}, "c": []}'),
    { a: [{ a: 1 }, { a: 2 }], b: { a: { a: 3 } }, c: [] });
  assert.deepStrictEqual(V.parseJson('[{}, {"x": "\\"}", "y": "a,\\"b"}]'),
    [{}, { x: '"}', y: 'a,"b' }]);
  const repeated = (text, key) => assert.throws(() => V.parseJson(text),
    (e) => e.duplicateKey === key && e.message === 'duplicate key "' + key + '"', text);
  repeated('{"a": 1, "a": 2}', 'a');
  repeated('{"x": [{"k": {"k": 1}, "y": [1, {"k": 2}], "k": 3}]}', 'k');
  repeated('{"b": 1, "a": 1, "a": 2, "b": 2}', 'a');
  repeated('{"a": 1, "\\u0061": 2}', 'a');  // one key, two spellings
  repeated('{"s": "{\\"t\\": 1, \\"t\\": 2}", "s": 0}', 's');  // a key's text inside a value is no key
  assert.throws(() => V.parseJson('{"a": '), SyntaxError);
  // A receipt with a field given twice: the CLI refuses it (receipt_test.cc), and so does the page.
  const text = JSON.stringify(fixture.single, null, 2);
  assert.ok(V.parseJson(text));
  repeated(text.replace('"leaf_index":', '"leaf_index": 0, "leaf_index":'), 'leaf_index');
}

// JSON.parse reads -0, 1.0 and 1e0 as the integers 0 and 1; nlohmann does not (a signed integer,
// floats), so ledger::Receipt::FromJson refuses them in leaf_index, tree_size, block.height and
// batch.item_index. A receipt read with parseJson is held to the same rule, whether it is given
// alone or inside the node's /v1/evidence answer, and fails step 'receipt' as the CLI does.
async function testPlainIntegers() {
  const single = JSON.stringify(fixture.single, null, 2);
  const batch = JSON.stringify(fixture.batch, null, 2);
  await expectOk(V.parseJson(single));
  const respell = (text, key, spelling) => {
    const re = new RegExp('"' + key + '": (\\d+)');
    assert.match(text, re, key);
    return text.replace(re, (_, digits) => '"' + key + '": ' + spelling(digits));
  };
  const spellings = {
    'a minus sign on zero': (d) => (d === '0' ? '-0' : null),
    'a fraction': (d) => d + '.0',
    'an exponent': (d) => d + 'e0',
    'an upper-case exponent': (d) => d + 'E+0',
  };
  const cases = [[single, 'leaf_index'], [single, 'tree_size'], [single, 'height'],
    [batch, 'item_index']];
  for (const [text, key] of cases) {
    for (const [what, spelling] of Object.entries(spellings)) {
      if (spelling(text.match(new RegExp('"' + key + '": (\\d+)'))[1]) === null) continue;
      const changed = respell(text, key, spelling);
      const value = JSON.parse(changed);
      const wrapped = V.parseJson('{"digest": "x", "deposits": [{"receipt": ' + changed + '}]}');
      for (const receipt of [V.parseJson(changed), wrapped.deposits[0].receipt]) {
        const r = await expectFail(receipt, 'receipt');
        assert.match(r.steps[0].detail, /missing or not a non-negative integer/, key + ' ' + what);
      }
      // The value is unchanged: only its spelling is refused (a clone loses the mark).
      assert.deepStrictEqual(clone(V.parseJson(changed)), clone(value));
    }
  }
  // -0 fails step 'receipt' by its spelling, before any arithmetic on its value.
  const zero = V.parseJson(single.replace(/"leaf_index": \d+/, '"leaf_index": -0'));
  await expectFail(zero, 'receipt');
  // Numbers elsewhere, and digits inside strings, are not the receipt's integers.
  const other = V.parseJson('{"a": 1.5, "b": ["-0", "1e0"], "leaf_index": 3}');
  assert.deepStrictEqual(clone(other), { a: 1.5, b: ['-0', '1e0'], leaf_index: 3 });
}

// A cosignature line by `id` (test seed `seedByte`) at `timestamp`, its key id taken from the
// receipt's own line of that validator; `corrupt` flips a signature bit.
async function cosignatureLine(receipt, id, seedByte, timestamp, corrupt) {
  const sign = await seededSigner(seedByte);
  const split = receipt.checkpoint.lastIndexOf('\n\n');
  const body = receipt.checkpoint.slice(0, split + 1);
  const own = new RegExp('\u2014 ' + id + ' (\\S+)').exec(receipt.checkpoint);
  const t = Buffer.alloc(8);
  t.writeBigUInt64BE(BigInt(timestamp));
  const sig = Buffer.from(await sign(Buffer.concat([
    Buffer.from('cosignature/v1\ntime ' + timestamp + '\n'), Buffer.from(body)])));
  if (corrupt) sig[sig.length - 1] ^= 1;
  const keyId = Buffer.from(own[1], 'base64').subarray(0, 4);
  return '\u2014 ' + id + ' ' + Buffer.concat([keyId, t, sig]).toString('base64') + '\n';
}
// The receipt's checkpoint with `lines` inserted before its signature lines (first) or after.
function withLines(receipt, lines, first) {
  const t = clone(receipt);
  const split = t.checkpoint.lastIndexOf('\n\n') + 2;
  t.checkpoint = first ? t.checkpoint.slice(0, split) + lines.join('') + t.checkpoint.slice(split)
    : t.checkpoint + lines.join('');
  return t;
}

// docs/crypto.md "Signed notes": as Go's note.Open (and the C++ crypto::VerifyNote), only the
// first line of each known key is verified and counted; later lines of that key are ignored, and
// step 9 reads the first time-service line.
async function testRepeatedLines() {
  const good = fixture.single;
  const blockSeconds = Math.floor(Date.parse(good.block.time) / 1000);
  const forged = await cosignatureLine(good, 'court-1', '01', blockSeconds, true);
  // Valid court-1 line first (the receipt's), then an invalid one: verifies, court-1 once.
  const after = await expectOk(withLines(good, [forged], false));
  assert.strictEqual(after.signers.filter((s) => s.id === 'court-1').length, 1);
  assert.strictEqual(after.signers.length, 4);
  // The invalid line first: rejected.
  const before = await expectFail(withLines(good, [forged], true), 'quorum');
  assert.match(before.steps[before.steps.length - 1].detail, /court-1/);
  // A malformed payload (not 8 + 64 bytes) after the valid line is ignored as well.
  const shortLine = '\u2014 court-1 ' + Buffer.from(/\u2014 court-1 (\S+)/.exec(good.checkpoint)[1],
    'base64').subarray(0, 14).toString('base64') + '\n';
  await expectOk(withLines(good, [shortLine], false));
  await expectFail(withLines(good, [shortLine], true), 'quorum');
  // Two valid time-1 lines: the first one's time is the time service's.
  const skew = genesis.params.max_clock_skew_ms;
  const early = await cosignatureLine(good, 'time-1', '04',
    Math.floor((Date.parse(good.block.time) - skew) / 1000) - 5);
  const ontime = await cosignatureLine(good, 'time-1', '04', blockSeconds);
  const base = clone(good);
  base.checkpoint = keepSigners(good, ['court-1', 'court-2', 'notary-1']);
  const okFirst = await expectOk(withLines(base, [ontime, early], false));
  assert.strictEqual(okFirst.signers.find((s) => s.id === 'time-1').time, blockSeconds);
  assert.deepStrictEqual(okFirst.warnings, []);
  await expectFail(withLines(base, [early, ontime], false), 'time_attestation');
}

// Signature lines are base64 as Go's base64.StdEncoding reads them in note.Open: padding
// required, non-zero padding bits ignored; what Go refuses is malformed (the whole note). The
// checkpoint root and the leaf keep one canonical spelling, as in C++ (common FromBase64).
async function testSignatureBase64() {
  const good = fixture.single;
  await expectOk(withLines(good, ['\u2014 witness.example AQIDBAV=\n'], false));
  await expectOk(withLines(good, ['\u2014 witness.example AQIDBAUG/x==\n'], true));
  // A validator's own line with a padding bit set: the same bytes.
  const respelled = clone(good);
  respelled.checkpoint = respelled.checkpoint.replace(/(\u2014 court-2 [A-Za-z0-9+/]*)([A-Za-z0-9+/])(=+)\n/, (m, a, c, pad) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    return a + alphabet[alphabet.indexOf(c) ^ 1] + pad + '\n';
  });
  assert.notStrictEqual(respelled.checkpoint, good.checkpoint);
  await expectOk(respelled);
  for (const b64 of ['AQIDBAU', 'AQIDBAUG/w', 'AQIDBAUG/=', 'AQIDBAU==', 'AQIDBA===', 'AQ=DBAU=',
    '=AQIDBAU', 'AQIDBAU=AQID', 'AQID BAU=', 'AQIDBAU=\u00a0', 'AQIDBA-_', 'AQIDBA.=', '']) {
    const t = withLines(good, ['\u2014 witness.example ' + b64 + '\n'], false);
    assert.strictEqual(V.parseNote(t.checkpoint), null, JSON.stringify(b64));
    const r = await V.verifyReceipt(t, genesis);
    assert.strictEqual(r.ok, false, JSON.stringify(b64));
  }
  // The root and the leaf: padding bits set is refused.
  const cp = V.parseNote(good.checkpoint).body.split('\n');
  const flipLast = (s) => {
    const i = s.search(/=*$/) - 1;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    return s.slice(0, i) + alphabet[alphabet.indexOf(s[i]) ^ 1] + s.slice(i + 1);
  };
  cp[2] = flipLast(cp[2]);
  assert.strictEqual(V.parseCheckpoint(cp.join('\n')), null, 'root with padding bits');
  const leaf = clone(good);
  leaf.leaf = flipLast(leaf.leaf);
  await expectFail(leaf, 'receipt');
}

// The note is read as Go's note.Open and crypto::ParseNote read it (docs/crypto.md).
function testNoteParsing() {
  const note = fixture.single.checkpoint;
  const body = note.slice(0, note.lastIndexOf('\n\n') + 1);
  assert.ok(V.parseNote(note));
  const line = '\u2014 witness.example AQIDBAU=\n';
  for (const [what, text] of [
    ['"+" in a key name', note + '\u2014 wit+ness AQIDBAU=\n'],
    ['a control character in a key name', note + '\u2014 wit\u0001ness AQIDBAU=\n'],
    ['U+0085 in a key name (Unicode space)', note + '\u2014 wit\u0085ness AQIDBAU=\n'],
    ['a control character in the text', '\u0001' + note],
    ['a lone surrogate', note + '\u2014 wit\ud800ness AQIDBAU=\n'],
    ['101 signature lines', note + line.repeat(101 - V.parseNote(note).signatures.length)],
    ['no final newline', note.slice(0, -1)],
    ['a carriage return', note.replace('\n\n', '\r\n\n')],
  ]) {
    assert.strictEqual(V.parseNote(text), null, what);
  }
  // U+FEFF is not a space to Go (unicode.IsSpace), so it may be in a name.
  assert.ok(V.parseNote(note + '\u2014 wit\ufeffness AQIDBAU=\n'), 'U+FEFF in a key name');
  // 100 lines are fine.
  assert.ok(V.parseNote(note + line.repeat(100 - V.parseNote(note).signatures.length)));
  // The last blank line separates the signatures: a body with an empty line is kept whole.
  const two = V.parseNote('a\n\nb\n\n' + line);
  assert.ok(two);
  assert.strictEqual(two.body, 'a\n\nb\n');
  assert.strictEqual(V.parseCheckpoint(body) !== null, true);
}

// The checkpoint body is read as ledger::ParseCheckpointText reads it: one spelling per block.
function testCheckpointStrict() {
  const note = V.parseNote(fixture.single.checkpoint);
  const lines = note.body.split('\n');
  assert.ok(V.parseCheckpoint(note.body));
  const edit = (i, f) => {
    const l = lines.slice();
    l[i] = f(l[i]);
    return l.join('\n');
  };
  for (const [what, text] of [
    ['size with a leading zero', edit(1, (s) => '0' + s)],
    ['size with a sign', edit(1, (s) => '+' + s)],
    ['size over 64 bits', edit(1, () => '18446744073709551616')],
    ['height with a leading zero', edit(3, (s) => s.replace('height ', 'height 0'))],
    ['time at +00:00', edit(5, (s) => s.replace('Z', '+00:00'))],
    ['time in lowercase', edit(5, (s) => s.replace('T', 't'))],
    ['time with 4 fraction digits', edit(5, (s) => s.replace('Z', '0Z'))],
    ['origin with an invalid chain id', edit(0, () => 'evchain/Upper')],
    ['root unpadded', edit(2, (s) => s.replace(/=+$/, ''))],
  ]) {
    assert.strictEqual(V.parseCheckpoint(text), null, what);
  }
}

// docs/receipts.md step 7: block.time is exactly the canonical rendering the node writes (RFC
// 3339 UTC, 3 fraction digits, "Z"), as ledger::VerifyReceipt requires.
async function testBlockTimeCanonical() {
  const good = fixture.single;
  const ms = Date.parse(good.block.time);
  const local = new Date(ms + 8 * 3600 * 1000).toISOString().replace('Z', '+08:00');
  for (const time of [local, good.block.time.replace('T', 't').replace('Z', 'z'),
    good.block.time.replace('Z', 'z'), good.block.time.replace('T', 't'),
    good.block.time.replace('Z', '9Z'), good.block.time.replace('Z', '000Z'),
    good.block.time.replace('Z', '+00:00'), good.block.time.replace('Z', '-00:00')]) {
    const t = clone(good);
    t.block.time = time;
    const r = await expectFail(t, 'checkpoint_root');
    assert.match(r.steps[r.steps.length - 1].detail, /not in canonical form/, time);
  }
}

// The page's times (api/web/i18n.js): Beijing time in Chinese, UTC in English; a cosignature
// time past what a JavaScript Date holds (year 275760; a receipt may carry up to 2^64 - 1
// seconds) is shown as seconds, not as "NaN年NaN月".
function testFormatTime() {
  const I = require('../../api/web/i18n.js');
  assert.strictEqual(I.formatTime('zh', Date.UTC(2026, 10, 28, 11, 30, 27)),
    '2026年11月28日 19:30:27（北京时间）');
  assert.strictEqual(I.formatTime('en', Date.UTC(2026, 10, 28, 11, 30, 27)),
    '28 Nov 2026 11:30:27 UTC');
  const far = (2 ** 63 - 1) * 1000;
  for (const lang of ['zh', 'en']) {
    const text = I.formatTime(lang, far);
    assert.doesNotMatch(text, /NaN|undefined/, text);
    assert.match(text, /9223372036854776/, text);
  }
  assert.doesNotMatch(I.formatTime('zh', 8.64e15 - 1000), /NaN/);  // Beijing time is 8 h later
  assert.strictEqual(I.formatTime('en', 8.64e15 + 1000), '8640000000001 s after 1970-01-01 UTC');
  assert.strictEqual(I.formatTime('zh', 8.64e15 + 1000), '1970年1月1日（UTC）起第8640000000001秒');
}

// Years 0 to 99, where Date.UTC means 1900 to 1999: the page must read them as C++ does
// (common/time.cc), or a genesis_time there hashes differently in the two. Expected values from
// 0000-01-01T00:00:00Z = -62167219200 s (the proleptic Gregorian calendar, year 0 a leap year).
function testRfc3339Years() {
  const day = 86400000;
  const year0 = -62167219200000;
  assert.strictEqual(V.parseRfc3339('0000-01-01T00:00:00Z'), year0);
  assert.strictEqual(V.parseRfc3339('0000-02-29T00:00:00Z'), year0 + 59 * day);
  assert.strictEqual(V.parseRfc3339('0000-03-01T00:00:00Z'), year0 + 60 * day);
  assert.strictEqual(V.parseRfc3339('0001-01-01T00:00:00Z'), year0 + 366 * day);
  assert.strictEqual(V.parseRfc3339('0004-02-29T12:00:00+08:00'),
    year0 + (366 + 3 * 365 + 59) * day + 4 * 3600000);
  assert.strictEqual(V.parseRfc3339('0099-12-31T23:59:59.999Z'), -59011459200000 - 1);
  assert.strictEqual(V.parseRfc3339('0100-01-01T00:00:00Z'), -59011459200000);
  assert.strictEqual(V.parseRfc3339('0100-02-29T00:00:00Z'), null);  // 100: not a leap year
  assert.strictEqual(V.parseRfc3339('2026-12-07T12:00:00Z'), Date.UTC(2026, 11, 7, 12));
}

(async () => {
  const tests = { testFormatTime, testRfc3339Years, testReceipts, testSha256, testQuorum, testCanonicalGenesis, testStatements,
    testReceiptFields, testTimeSkew, testDisplayNames, testStrictJson, testRepeatedLines,
    testSignatureBase64, testNoteParsing, testCheckpointStrict, testBlockTimeCanonical,
    testPlainIntegers };
  let passed = 0;
  let failed = 0;
  for (const [name, run] of Object.entries(tests)) {
    try {
      if (name === 'testSha256' && !S) throw new Error('api/web/sha256.js is missing');
      await run();
      passed++;
    } catch (e) {
      failed++;
      console.error('FAIL ' + name + ': ' + (e && e.stack ? e.stack : e));
    }
  }
  console.log('verify.js: ' + passed + ' passed, ' + failed + ' failed');
  process.exit(failed === 0 ? 0 : 1);
})();
