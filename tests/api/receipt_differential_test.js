// Differential test of the receipt verifiers (driven by receipt_differential_test.cc): real
// receipts (a single deposit and a batch item) and the genesis are mutated many ways from a fixed
// seed, and `evchain verify` (the CLI) and verifyReceipt of api/web/verify.js (the judge's page)
// must give the same verdict on every mutant and, on a failure, name the same step (STEP_PAIRS).
//
//   node receipt_differential_test.js generate DIR   writes DIR/mutants/*, DIR/cases.json and
//                                                    DIR/page.json (the page's verdicts)
//   node receipt_differential_test.js compare DIR    reads DIR/cli.json (the CLI's verdicts,
//                                                    written by the .cc) and compares
//
// EVCHAIN_DIFF_SEED (default 20261128) picks the random parts (which digit is flipped, which
// bytes an unknown key's line holds); every mutant is named by its class and what it changed, so
// a failure is reproduced by rerunning with the seed it prints.
'use strict';
const assert = require('assert');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const V = require('../../api/web/verify.js');

const [mode, dir] = process.argv.slice(2);
const SEED = Number(process.env.EVCHAIN_DIFF_SEED || 20261128) >>> 0;

// The page reads a receipt or genesis file with Blob.text() (UTF-8, a leading BOM dropped,
// malformed bytes replaced) and then V.parseJson (api/web/app.js); TextDecoder does the same.
const readAsPage = (file) => new TextDecoder().decode(fs.readFileSync(file));

// ---- the step mapping ----
// The CLI's verdict (receipt_differential_test.cc, as tools/cli/verify.cc reaches it): "genesis"
// (the genesis file is refused: exit 2 before any step), "receipt" (ledger::Receipt::FromJson
// refuses the JSON), the first failing step of ledger::VerifyReceipt, or "ok". The page's: the
// same "genesis" when app.js would refuse the genesis (V.parseJson throws or V.genesisHash
// rejects it), "receipt" when V.parseJson throws on the receipt, else verifyReceipt's `failed`,
// or "ok". The two name their steps alike (docs/receipts.md "The chain of checks") but group and
// order a few checks differently, by design; each CLI step may pair only with the page steps
// listed here:
const STEP_PAIRS = {
  genesis: ['genesis'],
  receipt: ['receipt'],
  // The CLI checks the file's digest against the statement's "digest:" line first, before it
  // parses the statement; the page parses the statement (and checks its hash against
  // evidence_id) first. So an edit of that line, or a statement without one, fails the CLI's
  // "file" and the page's "statement".
  file: ['file', 'statement'],
  // The CLI's "digest" (the leaf decodes: 113 bytes, version 1, and holds the statement's
  // digest) is part of the page's "leaf".
  digest: ['leaf'],
  // The page checks the receipt's chain_id and genesis_hash under "chain", and the receipt's
  // depositor_key against the genesis under "depositor_signature"; the CLI all under "statement".
  statement: ['statement', 'chain', 'depositor_signature'],
  // For a batch item the page checks the batch statement and item_proof under "batch", the CLI
  // under "depositor_signature".
  depositor_signature: ['depositor_signature', 'batch'],
  leaf: ['leaf'],
  // docs/receipts.md: a malformed checkpoint note or body, a tree_size other than the
  // checkpoint's, and a proof not reaching the checkpoint's root are the CLI's
  // "inclusion_proof" and the page's "checkpoint_root" (the page's "inclusion_proof" fails only
  // on a proof malformed for its index and size, which the CLI also calls "inclusion_proof").
  inclusion_proof: ['inclusion_proof', 'checkpoint_root'],
  checkpoint_root: ['checkpoint_root'],
  quorum: ['quorum'],
  time_attestation: ['time_attestation'],
  ok: ['ok'],
};

// Disagreements found, reported and not yet fixed because the fix lies outside the verifiers'
// code: tolerated only with exactly these verdicts, each printed on every run. None today.
const KNOWN = [];

// ---- a deterministic PRNG (mulberry32) ----
let prngState = SEED;
function random() {
  prngState = (prngState + 0x6d2b79f5) >>> 0;
  let t = prngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randomInt = (n) => Math.floor(random() * n);
const randomBytes = (n) => Buffer.from(Array.from({ length: n }, () => randomInt(256)));

// ---- JSON written with raw pieces ----
// Raw(text) is written verbatim (a number spelled "1e0", a string with escapes); Dup([[keyText,
// value], ...]) in place of a member writes each as a member of the object (a repeated key).
class Raw {
  constructor(text) { this.text = text; }
}
class Dup {
  constructor(members) { this.members = members; }
}
function write(v, indent = '') {
  if (v instanceof Raw) return v.text;
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[\n' + v.map((x) => inner + write(x, inner)).join(',\n') + '\n' + indent + ']';
  }
  if (v && typeof v === 'object') {
    const members = [];
    for (const [k, x] of Object.entries(v)) {
      if (x instanceof Dup) {
        for (const [keyText, value] of x.members) members.push(inner + keyText + ': ' + write(value, inner));
      } else {
        members.push(inner + JSON.stringify(k) + ': ' + write(x, inner));
      }
    }
    if (members.length === 0) return '{}';
    return '{\n' + members.join(',\n') + '\n' + indent + '}';
  }
  return JSON.stringify(v);
}

const clone = (x) => JSON.parse(JSON.stringify(x));
function getPath(o, p) {
  for (const k of p) o = o[k];
  return o;
}
function setPath(o, p, value) {
  getPath(o, p.slice(0, -1))[p[p.length - 1]] = value;
}
function deletePath(o, p) {
  const parent = getPath(o, p.slice(0, -1));
  if (Array.isArray(parent)) parent.splice(p[p.length - 1], 1);
  else delete parent[p[p.length - 1]];
}
const pathName = (p) => p.map((k) => (typeof k === 'number' ? '[' + k + ']' : k)).join('.');

// ---- signed notes ----
const EM = '\u2014 ';
function splitNote(text) {
  const at = text.lastIndexOf('\n\n');
  return { body: text.slice(0, at + 1), lines: text.slice(at + 2, -1).split('\n') };
}
const joinNote = (body, lines) => body + '\n' + lines.map((l) => l + '\n').join('');
function keyId(name, publicKeyHex) {
  return crypto.createHash('sha256').update(Buffer.concat([Buffer.from(name + '\n'),
    Buffer.from([4]), Buffer.from(publicKeyHex, 'hex')])).digest().subarray(0, 4);
}
// The test validators' keys come from fixed seeds (tests/api/test_chain.cc): seed byte i+1.
function seededKey(seedByte) {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'),
    Buffer.alloc(32, seedByte)]);
  return crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}
const SEEDS = { 'court-1': 1, 'court-2': 2, 'notary-1': 3, 'time-1': 4 };
// A tlog-cosignature/v1 line of `name` over `body` at `time` (Unix seconds, a BigInt).
function cosign(body, name, publicKeyHex, time, seedByte) {
  const t = Buffer.alloc(8);
  t.writeBigUInt64BE(time);
  const sig = crypto.sign(null, Buffer.from('cosignature/v1\ntime ' + time + '\n' + body),
    seededKey(seedByte));
  return EM + name + ' ' + Buffer.concat([keyId(name, publicKeyHex), t, sig]).toString('base64');
}

// ---- the mutants ----
const cases = [];
const counts = {};
let serial = 0;
// Records one mutant: `receipt` is the receipt's JSON text, `genesis` a genesis file name (or
// its text, written here), `base` the receipt it came from.
function add(base, cls, what, receipt, genesis = 'genesis.json', other = null) {
  const id = String(serial++).padStart(5, '0');
  const file = 'mutants/' + id + '.json';
  fs.writeFileSync(path.join(dir, file), receipt);
  let genesisFile = genesis;
  if (genesis !== 'genesis.json') {
    genesisFile = 'mutants/' + id + '.genesis.json';
    fs.writeFileSync(path.join(dir, genesisFile), genesis);
  }
  counts[cls] = (counts[cls] || 0) + 1;
  // `other`: another base receipt whose file (and digest) is given instead of this one's.
  const evidence = other || base;
  cases.push({ id, name: base.name + ' ' + cls + ': ' + what, cls, receipt: file,
    genesis: genesisFile, file: evidence.file, digest: evidence.digest,
    // The real binary verifies the first two mutants of every class (receipt_differential_test.cc).
    sample: counts[cls] <= 2 });
}

function fieldPaths(r) {
  const paths = [];
  const visit = (o, p) => {
    for (const [k, v] of Object.entries(o)) {
      const q = p.concat([k]);
      paths.push(q);
      if (Array.isArray(v)) v.forEach((_, i) => paths.push(q.concat([i])));
      else if (v && typeof v === 'object') visit(v, q);
    }
  };
  visit(r, []);
  return paths;
}

function flipHexDigit(s) {
  const at = randomInt(s.length);
  const digits = '0123456789abcdef'.replace(s[at], '');
  return { at, text: s.slice(0, at) + digits[randomInt(digits.length)] + s.slice(at + 1) };
}
function changeCase(s) {
  const letters = [...s].map((c, i) => (/[a-z]/.test(c) ? i : -1)).filter((i) => i >= 0);
  if (letters.length === 0) return null;
  const at = letters[randomInt(letters.length)];
  return s.slice(0, at) + s[at].toUpperCase() + s.slice(at + 1);
}

function mutateFields(base) {
  const r = base.receipt;
  const B = (what, cls, o) => add(base, cls, what, typeof o === 'string' ? o : write(o));
  for (const p of fieldPaths(r)) {
    const name = pathName(p);
    const value = getPath(r, p);
    // Another JSON type in place of the value.
    const others = [null, true, false, 0, 1, -1, 0.5, '', 'x', '1', [], {}, [value], { v: value }];
    if (typeof value === 'number') others.push(String(value));
    if (typeof value === 'string') others.push(Number.isNaN(Number(value)) ? 7 : Number(value));
    for (const other of others) {
      if (JSON.stringify(other) === JSON.stringify(value)) continue;
      const o = clone(r);
      setPath(o, p, other);
      B(name + ' = ' + JSON.stringify(other), 'type', o);
    }
    // Deleted.
    const d = clone(r);
    deletePath(d, p);
    B(name + ' deleted', 'delete', d);
    // A repeated key, with the same value or another (not for array elements).
    if (typeof p[p.length - 1] === 'string') {
      const key = p[p.length - 1];
      for (const [label, second, keyText] of [['same value', value, JSON.stringify(key)],
        ['other value', typeof value === 'string' ? value + 'x' : 0, JSON.stringify(key)],
        ['same value, key spelled with \\u escapes', value,
          '"' + [...key].map((c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).join('') + '"']]) {
        const o = clone(r);
        setPath(o, p, new Dup([[JSON.stringify(key), value], [keyText, second]]));
        B(name + ' repeated (' + label + ')', 'duplicate_key', o);
      }
    }
    // Strings: one hex digit flipped, case changed, whitespace added, escapes.
    if (typeof value === 'string') {
      if (/^[0-9a-f]+$/.test(value)) {
        for (let i = 0; i < 2; i++) {
          const f = flipHexDigit(value);
          const o = clone(r);
          setPath(o, p, f.text);
          B(name + ' hex digit ' + f.at + ' flipped', 'hex_flip', o);
        }
      }
      const cased = changeCase(value);
      if (cased !== null) {
        for (const [label, text] of [['one letter uppercase', cased], ['uppercase', value.toUpperCase()]]) {
          const o = clone(r);
          setPath(o, p, text);
          B(name + ' ' + label, 'case', o);
        }
      }
      for (const [label, text] of [['leading space', ' ' + value], ['trailing space', value + ' '],
        ['trailing newline', value + '\n'], ['space in the middle', value.slice(0, 10) + ' ' + value.slice(10)],
        ['tab in the middle', value.slice(0, 10) + '\t' + value.slice(10)],
        ['last character dropped', value.slice(0, -1)], ['"00" appended', value + '00']]) {
        const o = clone(r);
        setPath(o, p, text);
        B(name + ' ' + label, 'string_edit', o);
      }
      // The same string spelled with escapes: the same value for both readers.
      const o = clone(r);
      setPath(o, p, new Raw('"' + [...value.slice(0, 4)].map((c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).join('') +
        JSON.stringify(value.slice(4)).slice(1)));
      B(name + ' spelled with \\u escapes', 'escape', o);
    }
    // Numbers written differently.
    if (typeof value === 'number') {
      const spellings = [value + '.0', value + '.00', value + 'e0', value + 'E0', value + '0e-1',
        '-' + value, '-0', value === 0 ? '0.0' : '0' + value, String(value + 1), String(Math.max(0, value - 1)),
        '9007199254740991', '9007199254740992', '9007199254740993', '18446744073709551615',
        '18446744073709551616', '1e400', '-1', '+' + value, ' ' + value + ' ', value + '.5'];
      for (const s of spellings) {
        const o = clone(r);
        setPath(o, p, new Raw(s));
        B(name + ' written ' + JSON.stringify(s), 'number', o);
      }
    }
  }
  // Unknown members.
  for (const p of [[], ['block'], ['batch']]) {
    if (p.length && !(p[0] in r)) continue;
    const o = clone(r);
    getPath(o, p).extra = 1;
    B('unknown field in ' + (pathName(p) || 'the receipt'), 'unknown_field', o);
  }
}

function mutateDocument(base) {
  const text = write(base.receipt);
  const compact = JSON.stringify(base.receipt);
  const B = (what, t) => add(base, 'document', what, t);
  B('compact', compact);
  B('leading and trailing whitespace', ' \t\r\n' + text + '\n\n ');
  B('UTF-8 byte order mark', '\ufeff' + text);
  B('trailing comma', text.replace(/\n}$/, ',\n}'));
  B('trailing garbage', text + 'x');
  B('two documents', text + text);
  B('a comment', '/* receipt */' + text);
  B('empty', '');
  B('null', 'null');
  B('an array of it', '[' + text + ']');
  B('a string', JSON.stringify(text));
  B('truncated', text.slice(0, text.length / 2));
  B('NUL byte after it', text + '\u0000');
  B('NUL byte and garbage after it', text + '\u0000garbage');
  B('invalid UTF-8 in a string', Buffer.concat([Buffer.from(text.slice(0, 20)), Buffer.from([0xff]),
    Buffer.from(text.slice(20))]));
  B('lone surrogate escape in the chain id', text.replace('"chain_id": "', '"chain_id": "\\ud800'));
  B('keys in reverse order', write(Object.fromEntries(Object.entries(base.receipt).reverse())));
}

// Replaces the receipt's statement by `statement`, also rewriting evidence_id (and the leaf's
// statement hash) when asked, so that later steps see it.
function withStatement(r, statement, fix) {
  const o = clone(r);
  o.statement = statement;
  if (fix) {
    const hash = crypto.createHash('sha256').update(statement).digest();
    o.evidence_id = hash.toString('hex');
    const leaf = Buffer.from(o.leaf, 'base64');
    hash.copy(leaf, 1);
    o.leaf = leaf.toString('base64');
  }
  return o;
}

function mutateStatement(base) {
  const r = base.receipt;
  const s = r.statement;
  const lines = s.slice(0, -1).split('\n');
  const variants = [];
  lines.forEach((line, i) => {
    const f = flipHexDigit(line);
    variants.push(['line ' + i + ' character ' + f.at + ' changed', lines.map((l, j) => (j === i ? f.text : l))]);
    variants.push(['line ' + i + ' removed', lines.filter((_, j) => j !== i)]);
    variants.push(['line ' + i + ' repeated', lines.slice(0, i + 1).concat(lines.slice(i))]);
    variants.push(['line ' + i + ' trailing space', lines.map((l, j) => (j === i ? l + ' ' : l))]);
    variants.push(['line ' + i + ' uppercase', lines.map((l, j) => (j === i ? l.toUpperCase() : l))]);
    if (i > 0 && i + 1 < lines.length) {
      const sw = lines.slice();
      [sw[i], sw[i + 1]] = [sw[i + 1], sw[i]];
      variants.push(['lines ' + i + ' and ' + (i + 1) + ' swapped', sw]);
    }
  });
  for (const [what, ls] of variants) {
    const t = ls.join('\n') + '\n';
    add(base, 'statement', what, write(withStatement(r, t, false)));
    add(base, 'statement', what + ', evidence id and leaf rewritten', write(withStatement(r, t, true)));
  }
  for (const [what, t] of [['no final newline', s.slice(0, -1)], ['CRLF', s.replace(/\n/g, '\r\n')],
    ['blank line appended', s + '\n'], ['related line added',
      s.replace('nonce:', 'related: ' + 'ab'.repeat(32) + '\nnonce:')],
    ['kind changed to another valid kind', s.replace('kind: webpage', 'kind: log')]]) {
    add(base, 'statement', what, write(withStatement(r, t, false)));
    add(base, 'statement', what + ', evidence id and leaf rewritten', write(withStatement(r, t, true)));
  }
}

function mutateLeaf(base) {
  const r = base.receipt;
  const leaf = Buffer.from(r.leaf, 'base64');
  for (let i = 0; i < leaf.length; i++) {
    const l = Buffer.from(leaf);
    l[i] ^= 1 << randomInt(8);
    add(base, 'leaf_byte', 'byte ' + i + ' flipped', write({ ...r, leaf: l.toString('base64') }));
  }
  const variants = [['last byte dropped', leaf.subarray(0, -1)], ['a byte appended', Buffer.concat([leaf, Buffer.from([0])])],
    ['empty', Buffer.alloc(0)], ['version 2', Buffer.concat([Buffer.from([2]), leaf.subarray(1)])]];
  for (const [what, l] of variants) add(base, 'leaf_bytes', what, write({ ...r, leaf: l.toString('base64') }));
  const b64 = r.leaf;
  // 113 bytes: one "=" of padding, the last character carries 2 padding bits.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const last = b64.length - 2;
  const withBits = b64.slice(0, last) + alphabet[alphabet.indexOf(b64[last]) | 1] + b64.slice(last + 1);
  for (const [what, t] of [['padding bits set', withBits], ['padding removed', b64.replace(/=+$/, '')],
    ['URL-safe alphabet', b64.replace(/\+/g, '-').replace(/\//g, '_')], ['line break inside', b64.slice(0, 76) + '\n' + b64.slice(76)],
    ['extra padding', b64 + '=']]) {
    add(base, 'leaf_base64', what, write({ ...r, leaf: t }));
  }
}

function mutateProofs(base) {
  const r = base.receipt;
  const lists = [['inclusion_proof']];
  if (r.batch) lists.push(['batch', 'item_proof']);
  for (const p of lists) {
    const proof = getPath(r, p);
    const variants = [];
    for (let i = 0; i + 1 < proof.length; i++) {
      const s = proof.slice();
      [s[i], s[i + 1]] = [s[i + 1], s[i]];
      variants.push(['hashes ' + i + ' and ' + (i + 1) + ' swapped', s]);
    }
    for (let i = 0; i < proof.length; i++) {
      variants.push(['hash ' + i + ' removed', proof.filter((_, j) => j !== i)]);
      variants.push(['hash ' + i + ' repeated', proof.slice(0, i + 1).concat(proof.slice(i))]);
      variants.push(['hash ' + i + ' zero', proof.map((h, j) => (j === i ? '0'.repeat(64) : h))]);
    }
    variants.push(['random hash appended', proof.concat([randomBytes(32).toString('hex')])]);
    variants.push(['random hash prepended', [randomBytes(32).toString('hex')].concat(proof)]);
    variants.push(['empty', []]);
    variants.push(['reversed', proof.slice().reverse()]);
    for (const [what, list] of variants) {
      const o = clone(r);
      setPath(o, p, list);
      add(base, 'proof', pathName(p) + ' ' + what, write(o));
    }
  }
  // Index and size: a neighbour, and both moved together.
  const o = clone(r);
  o.leaf_index = r.leaf_index - 1;
  add(base, 'proof', 'leaf_index - 1', write(o));
  const t = clone(r);
  t.tree_size = r.tree_size + 1;
  t.leaf_index = r.leaf_index + 1;
  add(base, 'proof', 'leaf_index and tree_size + 1', write(t));
  if (r.batch) {
    for (const delta of [-1, 1]) {
      const b = clone(r);
      b.batch.item_index = r.batch.item_index + delta;
      add(base, 'proof', 'batch.item_index ' + (delta > 0 ? '+' : '') + delta, write(b));
    }
  }
}

function mutateNote(base, genesis) {
  const r = base.receipt;
  const { body, lines } = splitNote(r.checkpoint);
  const key = (id) => genesis.validators.find((v) => v.id === id).public_key;
  const N = (what, cls, checkpoint) => add(base, cls, what, write({ ...r, checkpoint }));
  // Signature lines reordered, repeated, removed.
  N('signature lines reversed', 'note_lines', joinNote(body, lines.slice().reverse()));
  lines.forEach((line, i) => {
    N('signature line ' + i + ' removed', 'note_lines', joinNote(body, lines.filter((_, j) => j !== i)));
    N('signature line ' + i + ' repeated', 'note_lines', joinNote(body, lines.concat([line])));
    for (let j = i + 1; j < lines.length; j++) {
      N('signature lines ' + i + ' and ' + j + ' removed', 'note_lines',
        joinNote(body, lines.filter((_, k) => k !== i && k !== j)));
    }
    // Padding bits: 76 bytes, "==", 4 padding bits in the last character (Go ignores them).
    const b64 = line.slice(line.lastIndexOf(' ') + 1);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const at = b64.length - 3;
    const bits = 1 + randomInt(15);
    const padded = b64.slice(0, at) + alphabet[alphabet.indexOf(b64[at]) | bits] + b64.slice(at + 1);
    const prefix = line.slice(0, line.lastIndexOf(' ') + 1);
    for (const [what, t] of [['padding bits ' + bits + ' set', padded], ['padding removed', b64.replace(/=+$/, '')],
      ['one "=" removed', b64.slice(0, -1)], ['extra "="', b64 + '='], ['URL-safe alphabet', b64.replace(/\+/g, '-').replace(/\//g, '_')],
      ['truncated to 4 bytes', Buffer.from(b64, 'base64').subarray(0, 4).toString('base64')],
      ['truncated to 5 bytes', Buffer.from(b64, 'base64').subarray(0, 5).toString('base64')],
      ['signature byte flipped', (() => {
        const raw = Buffer.from(b64, 'base64');
        raw[20] ^= 0x10;
        return raw.toString('base64');
      })()]]) {
      N('signature line ' + i + ' ' + what, 'note_base64', joinNote(body, lines.map((l, j) => (j === i ? prefix + t : l))));
    }
    N('signature line ' + i + ' with a hyphen for the em dash', 'note_lines',
      joinNote(body, lines.map((l, j) => (j === i ? '-' + l.slice(1) : l))));
    N('signature line ' + i + ' with two spaces', 'note_lines',
      joinNote(body, lines.map((l, j) => (j === i ? l.replace(' ', '  ') : l))));
    N('signature line ' + i + ' with a trailing space', 'note_lines',
      joinNote(body, lines.map((l, j) => (j === i ? l + ' ' : l))));
  });
  // Lines from keys the genesis does not know, and bad lines of known keys.
  const stranger = (name) => EM + name + ' ' + randomBytes(76).toString('base64');
  const sigLine = (name, kid, rest) => EM + name + ' ' + Buffer.concat([kid, rest]).toString('base64');
  const extra = [
    ['a line of an unknown name', stranger('stranger-1')],
    ['a line of court-1 with another key id', stranger('court-1')],
    ['a line of court-1 with its key id and a bad signature', sigLine('court-1', keyId('court-1', key('court-1')), randomBytes(72))],
    ['a line of court-1 with its key id and 5 bytes', sigLine('court-1', keyId('court-1', key('court-1')), randomBytes(1))],
    ['a line of court-1 with the key id of court-2', sigLine('court-1', keyId('court-2', key('court-2')), randomBytes(72))],
    ['a line of a name with "+"', stranger('court+1')],
    ['a line of a name with a no-break space', stranger('court\u00a01')],
  ];
  for (const [what, line] of extra) {
    N(what + ' appended', 'note_extra', joinNote(body, lines.concat([line])));
    N(what + ' first', 'note_extra', joinNote(body, [line].concat(lines)));
  }
  N('100 signature lines', 'note_extra', joinNote(body, lines.concat(Array.from({ length: 96 }, (_, i) => stranger('s' + i)))));
  N('101 signature lines', 'note_extra', joinNote(body, lines.concat(Array.from({ length: 97 }, (_, i) => stranger('s' + i)))));
  // The note's text: lines reordered, repeated, removed; blank lines and line ends.
  const bodyLines = body.slice(0, -1).split('\n');
  bodyLines.forEach((line, i) => {
    const b = (ls) => ls.map((l) => l + '\n').join('');
    N('body line ' + i + ' removed', 'note_body', joinNote(b(bodyLines.filter((_, j) => j !== i)), lines));
    N('body line ' + i + ' repeated', 'note_body', joinNote(b(bodyLines.slice(0, i + 1).concat(bodyLines.slice(i))), lines));
    if (i + 1 < bodyLines.length) {
      const sw = bodyLines.slice();
      [sw[i], sw[i + 1]] = [sw[i + 1], sw[i]];
      N('body lines ' + i + ' and ' + (i + 1) + ' swapped', 'note_body', joinNote(b(sw), lines));
    }
    N('body line ' + i + ' trailing space', 'note_body', joinNote(b(bodyLines.map((l, j) => (j === i ? l + ' ' : l))), lines));
  });
  const [root] = bodyLines.slice(2, 3);
  const rootBits = root.slice(0, -2) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.indexOf(root[root.length - 2]) | 1] + '=';
  const nb = (ls) => ls.map((l) => l + '\n').join('');
  N('root with padding bits set', 'note_body', joinNote(nb(bodyLines.map((l, j) => (j === 2 ? rootBits : l))), lines));
  N('size with a leading zero', 'note_body', joinNote(nb(bodyLines.map((l, j) => (j === 1 ? '0' + l : l))), lines));
  N('time at +00:00', 'note_body', joinNote(nb(bodyLines.map((l, j) => (j === 5 ? l.replace('Z', '+00:00') : l))), lines));
  N('no blank line', 'note_body', body + lines.join('\n') + '\n');
  N('two blank lines', 'note_body', joinNote(body + '\n', lines));
  N('blank line at the end', 'note_body', joinNote(body, lines) + '\n');
  N('no final newline', 'note_body', joinNote(body, lines).slice(0, -1));
  N('CRLF', 'note_body', joinNote(body, lines).replace(/\n/g, '\r\n'));
  N('no signature lines', 'note_body', body + '\n');
  N('only the text', 'note_body', body);
  N('a comment line after the text', 'note_body', joinNote(body + 'comment\n', lines));
  // Cosignatures made again at other times (the time service's and a court's), and a valid line
  // after an invalid first one of the same key.
  const blockSeconds = BigInt(Math.floor(Date.parse(r.block.time) / 1000));
  const recosign = (id, t) => lines.map((l) => (l.startsWith(EM + id + ' ') ? cosign(body, id, key(id), t, SEEDS[id]) : l));
  for (const d of [-3600n, -3n, -2n, -1n, 0n, 1n, 2n, 3n, 86400n]) {
    N('time-1 cosigned ' + d + ' s from the block time', 'time', joinNote(body, recosign('time-1', blockSeconds + d)));
    N('court-1 cosigned ' + d + ' s from the block time', 'time', joinNote(body, recosign('court-1', blockSeconds + d)));
  }
  N('time-1 cosigned at 0', 'time', joinNote(body, recosign('time-1', 0n)));
  N('time-1 cosigned at 2^63 - 1', 'time', joinNote(body, recosign('time-1', (1n << 63n) - 1n)));
  N('time-1 cosigned at 2^63', 'time', joinNote(body, recosign('time-1', 1n << 63n)));
  N('time-1 cosigned at 2^64 - 1', 'time', joinNote(body, recosign('time-1', (1n << 64n) - 1n)));
  const time1 = lines.find((l) => l.startsWith(EM + 'time-1 '));
  const early = cosign(body, 'time-1', key('time-1'), blockSeconds - 100n, 4);
  N('a valid early time-1 line before the real one', 'time', joinNote(body, [early].concat(lines)));
  N('a valid early time-1 line after the real one', 'time', joinNote(body, lines.concat([early])));
  const bad = sigLine('time-1', keyId('time-1', key('time-1')), randomBytes(72));
  N('an invalid time-1 line before the real one', 'time', joinNote(body, [bad].concat(lines)));
  N('only time-1 lines: the real one twice', 'time', joinNote(body, [time1, time1]));
}

async function mutateGenesis(base, genesisText) {
  const g = JSON.parse(genesisText);
  const r = base.receipt;
  const G = async (what, o, raw) => {
    const text = raw || write(o);
    add(base, 'genesis', what, write(r), text);
    // The receipt made to name this genesis (its hash by the page's reckoning), so that later
    // steps see it.
    let hash = null;
    try {
      hash = await V.genesisHash(V.parseJson(text));
    } catch (e) {
      // Refused by the page: the receipt's hash stays.
    }
    if (hash && hash !== r.genesis_hash) add(base, 'genesis', what + ', receipt genesis_hash rewritten', write({ ...r, genesis_hash: hash }), text);
  };
  for (let i = 0; i < g.validators.length; i++) {
    const id = g.validators[i].id;
    const o = clone(g);
    o.validators.splice(i, 1);
    await G('validator ' + id + ' removed', o);
    const k = clone(g);
    k.validators[i].public_key = randomBytes(32).toString('hex');
    await G('validator ' + id + ' key changed', k);
    const n = clone(g);
    n.validators[i].id = id + 'x';
    await G('validator ' + id + ' renamed', n);
    const u = clone(g);
    u.validators[i].public_key = u.validators[i].public_key.toUpperCase();
    await G('validator ' + id + ' key in uppercase', u);
    for (let j = i + 1; j < g.validators.length; j++) {
      const two = clone(g);
      two.validators[i].public_key = randomBytes(32).toString('hex');
      two.validators[j].public_key = randomBytes(32).toString('hex');
      await G('validators ' + id + ' and ' + g.validators[j].id + ' keys changed', two);
    }
    const dup = clone(g);
    dup.validators.push(clone(g.validators[i]));
    await G('validator ' + id + ' listed twice', dup);
  }
  const extraValidator = (i) => ({ id: 'court-x' + i, role: 'court', public_key: randomBytes(32).toString('hex'),
    p2p: '127.0.0.1:' + (7100 + i), http: '127.0.0.1:' + (8100 + i) });
  for (let more = 1; more <= 4; more++) {
    const o = clone(g);
    for (let i = 0; i < more; i++) o.validators.push(extraValidator(i));
    await G(more + ' validators added', o);
  }
  const roles = clone(g);
  roles.validators[0].role = 'time';
  await G('court-1 made a time service', roles);
  const noTime = clone(g);
  noTime.validators[3].role = 'court';
  await G('time-1 made a court', noTime);
  const depositorKey = clone(g);
  depositorKey.depositors[0].public_key = randomBytes(32).toString('hex');
  await G('depositor key changed', depositorKey);
  const noDepositor = clone(g);
  noDepositor.depositors = [];
  await G('no depositors', noDepositor);
  const chain = clone(g);
  chain.chain_id = 'other-chain';
  await G('chain_id changed', chain);
  for (const skew of [1, 999, 1000, 1001, 60000, 60001, 0]) {
    const o = clone(g);
    o.params = { max_clock_skew_ms: skew };
    await G('max_clock_skew_ms ' + skew, o);
  }
  for (const spelling of ['1000.0', '1e3', '-0', '1000 ', '01000', '2000.5', '"1000"']) {
    const o = clone(g);
    o.params = { max_clock_skew_ms: new Raw(spelling) };
    await G('max_clock_skew_ms written ' + JSON.stringify(spelling), o);
  }
  for (const time of ['2026-11-01T08:00:00+08:00', '2026-11-01T00:00:00Z', '2026-11-01t00:00:00z',
    '2026-11-01T00:00:00.0001Z', '2026-11-01', '2026-11-01T00:00:60Z']) {
    const o = clone(g);
    o.genesis_time = time;
    await G('genesis_time ' + time, o);
  }
  const unknown = clone(g);
  unknown.extra = 1;
  await G('an unknown field', unknown);
  const names = clone(g);
  names.validators[0].name_zh = '最高人民法院';
  await G('a display name added', names);
  const dupKey = clone(g);
  dupKey.chain_id = new Dup([['"chain_id"', g.chain_id], ['"chain_id"', g.chain_id]]);
  await G('chain_id repeated', null, write(dupKey));
  await G('compact', null, JSON.stringify(g));
  await G('with a byte order mark', null, '\ufeff' + genesisText);
  await G('a NUL byte after it', null, genesisText + '\u0000');
  await G('a NUL byte and garbage after it', null, genesisText + '\u0000{"x"');
  await G('a lone surrogate escape in a display name', null,
    genesisText.replace('"id": "court-1",', '"id": "court-1", "name_zh": "\\udc00",'));
  await G('validators in reverse order', Object.assign(clone(g), { validators: clone(g.validators).reverse() }));
}

async function generate() {
  fs.mkdirSync(path.join(dir, 'mutants'), { recursive: true });
  const genesisText = fs.readFileSync(path.join(dir, 'genesis.json'), 'utf8');
  const genesis = JSON.parse(genesisText);
  const sha = (s) => crypto.createHash('sha256').update(s).digest('hex');
  const bases = [
    { name: 'single', receipt: JSON.parse(fs.readFileSync(path.join(dir, 'single.receipt.json'))), file: 'single.bin', digest: sha('single') },
    { name: 'batch', receipt: JSON.parse(fs.readFileSync(path.join(dir, 'batch.receipt.json'))), file: 'batch.bin', digest: sha('b3') },
  ];
  for (const base of bases) {
    add(base, 'original', 'unchanged', fs.readFileSync(path.join(dir, base.name + '.receipt.json')));
    add(base, 'file', 'another file', write(base.receipt), 'genesis.json', bases.find((b) => b !== base));
    mutateFields(base);
    mutateDocument(base);
    mutateStatement(base);
    mutateLeaf(base);
    mutateProofs(base);
    mutateNote(base, genesis);
    await mutateGenesis(base, genesisText);
  }
  // The page's verdict on each, as api/web/app.js reaches it.
  const page = {};
  for (const c of cases) {
    page[c.id] = await pageVerdict(c);
  }
  fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases));
  fs.writeFileSync(path.join(dir, 'page.json'), JSON.stringify(page));
  console.log('seed ' + SEED + ': ' + cases.length + ' mutants: ' +
    Object.entries(counts).map(([k, n]) => k + ' ' + n).join(', '));
}

async function pageVerdict(c) {
  let g;
  try {
    g = V.parseJson(readAsPage(path.join(dir, c.genesis)));
    await V.genesisHash(g);
  } catch (e) {
    return { failed: 'genesis', detail: e.message };
  }
  let receipt;
  try {
    receipt = V.parseJson(readAsPage(path.join(dir, c.receipt)));
  } catch (e) {
    return { failed: 'receipt', detail: e.message };
  }
  try {
    const r = await V.verifyReceipt(receipt, g, c.digest);
    const failed = r.steps.find((s) => !s.ok);
    return { failed: r.ok ? 'ok' : r.failed, detail: failed ? failed.detail : '',
      warning: r.warnings.length > 0, signers: r.signers.map((s) => s.id) };
  } catch (e) {
    return { failed: 'exception', detail: e.stack };
  }
}

function compare() {
  const cases = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json')));
  const page = JSON.parse(fs.readFileSync(path.join(dir, 'page.json')));
  const cli = JSON.parse(fs.readFileSync(path.join(dir, 'cli.json')));
  const problems = [];
  const known = [];
  const pairs = {};
  for (const c of cases) {
    const a = cli[c.id];
    const b = page[c.id];
    assert.ok(a && b, 'no verdict for ' + c.id);
    const key = a.failed + ' / ' + b.failed;
    pairs[key] = (pairs[key] || 0) + 1;
    let why = null;
    if (!(STEP_PAIRS[a.failed] || []).includes(b.failed)) {
      why = 'the CLI says ' + a.failed + ', the page ' + b.failed;
    } else if (a.failed === 'ok' && a.warning !== b.warning) {
      why = 'warning: the CLI ' + a.warning + ', the page ' + b.warning;
    } else if (a.failed === 'ok' && JSON.stringify(a.signers.slice().sort()) !== JSON.stringify(b.signers.slice().sort())) {
      why = 'signers: the CLI ' + a.signers + ', the page ' + b.signers;
    }
    if (why && KNOWN.some((k) => k.name.test(c.name) && k.cli === a.failed && k.page === b.failed)) {
      known.push(c.id + ' ' + c.name + ': ' + why);
    } else if (why) {
      problems.push(c.id + ' ' + c.name + ': ' + why + '\n    CLI:  ' + a.detail + '\n    page: ' +
        b.detail);
    }
  }
  console.log('seed ' + SEED + ': ' + cases.length + ' mutants; verdicts (CLI / page): ' +
    Object.entries(pairs).sort().map(([k, n]) => k + ' ' + n).join(', '));
  if (known.length > 0) {
    console.log(known.length + ' known disagreement(s), reported (KNOWN in this file):\n  ' +
      known.join('\n  '));
  }
  if (problems.length > 0) {
    console.log(problems.length + ' disagreement(s):\n' + problems.join('\n'));
    process.exitCode = 1;
  }
}

if (mode === 'generate') {
  generate().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
} else if (mode === 'compare') {
  compare();
} else {
  console.error('usage: node receipt_differential_test.js generate|compare DIR');
  process.exitCode = 2;
}
