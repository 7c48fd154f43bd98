// Node.js 20 test of api/web/verify.js (the judge's page's verification) on receipts the C++
// code produced: good receipts pass, each kind of tampering fails at the right step.
// Usage: node verify_test.js FIXTURE_DIR   (written by web_verify_test.cc)
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const V = require('../../api/web/verify.js');

const dir = process.argv[2];
const read = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
const genesis = read('genesis.json');
const fixture = read('fixture.json');
const clone = (x) => JSON.parse(JSON.stringify(x));

async function expectFail(receipt, step, digest, g) {
  const r = await V.verifyReceipt(receipt, g || genesis, digest);
  assert.strictEqual(r.ok, false, 'tampered receipt passed; expected failure at ' + step);
  assert.strictEqual(r.failed, step, JSON.stringify(r.steps));
}

(async () => {
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
  const lines = t.checkpoint.split('\n');
  const blank = lines.indexOf('');
  t.checkpoint = lines.slice(0, blank + 3).join('\n') + '\n';
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
  await expectFail(good, 'chain', undefined, swapped);  // genesis hash differs first
  // Batch: an item moved to another index is not in the signed batch.
  t = clone(fixture.batch); t.batch.item_index += 1; await expectFail(t, 'batch');
  console.log('verify.js: all checks passed');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
