// evchain receipt verification for the judge's page, run entirely in the browser (or Node.js 18
// and later) with WebCrypto: nothing here trusts the server. It checks, against the genesis file
// alone, the chain docs/receipts.md describes: file -> digest -> statement -> depositor
// signature -> leaf -> RFC 9162 inclusion proof -> checkpoint root -> quorum of C2SP
// cosignatures (type 0x04), with the same rules as the C++ verifier (ledger::VerifyReceipt).
// Formats: docs/formats.md (statements, leaf, checkpoint), docs/receipts.md (receipt).
'use strict';

(function (root) {
  const enc = new TextEncoder();

  function subtle() {
    let c = root.crypto || (typeof globalThis !== 'undefined' ? globalThis.crypto : undefined);
    // Node.js 18 (Debian 12's) has WebCrypto only as require('crypto').webcrypto; 19 and later
    // also as globalThis.crypto. A browser has no `require`.
    if (!c && typeof require === 'function') c = require('crypto').webcrypto;
    return c && c.subtle ? c.subtle : null;
  }

  // ---- strict JSON ----
  // Parses JSON as the C++ code does (common/json_unique_keys.h): an object that repeats a key is
  // refused, where JSON.parse would keep the last value and the CLI (ledger::Receipt::FromJson,
  // genesis::ParseGenesis) refuses the file, so that the page and the CLI never disagree on a
  // receipt. Throws JSON.parse's SyntaxError for malformed text, and for a repeated key an Error
  // whose `duplicateKey` names the first one in document order.
  //
  // It also marks, on each parsed object, the members whose number is not written as plain digits
  // (a sign, fraction or exponent: -0, 1.0, 1e0). JSON.parse reads those as integers, but the C++
  // reader (nlohmann) does not, so ledger::Receipt::FromJson refuses them where it wants an
  // unsigned integer; receiptProblem does the same through the mark (see plainInteger). The mark
  // is a symbol-keyed, non-enumerable property: JSON.stringify and a clone drop it.
  function parseJson(text) {
    const value = JSON.parse(text);
    // A "\ud800" escape without its pair is valid JSON grammar but no Unicode text (RFC 8259
    // section 8.2; I-JSON, RFC 7493 section 2.1, forbids it): the C++ reader refuses the
    // document, so the page does too instead of comparing the broken string later.
    const lone = loneSurrogateIn(value);
    if (lone !== null) throw new SyntaxError('invalid string: unpaired surrogate in ' + JSON.stringify(lone));
    const scan = scanJson(text);
    if (scan.repeatedKey !== null) {
      const e = new Error('duplicate key "' + scan.repeatedKey + '"');
      e.duplicateKey = scan.repeatedKey;
      throw e;
    }
    for (const { path, key } of scan.notPlain) {
      let object = value;
      for (const step of path) object = object[step];
      if (!Object.prototype.hasOwnProperty.call(object, NOT_PLAIN)) {
        Object.defineProperty(object, NOT_PLAIN, { value: new Set() });
      }
      object[NOT_PLAIN].add(key);
    }
    return value;
  }
  const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;
  // The first string (key or value) of `v` holding an unpaired surrogate, or null.
  function loneSurrogateIn(v) {
    if (typeof v === 'string') return LONE_SURROGATE_RE.test(v) ? v : null;
    if (!v || typeof v !== 'object') return null;
    for (const [k, x] of Object.entries(v)) {
      if (LONE_SURROGATE_RE.test(k)) return k;
      const found = loneSurrogateIn(x);
      if (found !== null) return found;
    }
    return null;
  }
  const NOT_PLAIN = Symbol('evchain: members whose number is not plain digits');
  // Whether o[k] is a non-negative safe integer written as plain digits, as
  // ledger::Receipt::FromJson's Fields::Unsigned takes it (nlohmann's number_unsigned).
  function plainInteger(o, k) {
    return Number.isSafeInteger(o[k]) && o[k] >= 0 && !Object.is(o[k], -0) &&
      !(o[NOT_PLAIN] && o[NOT_PLAIN].has(k));
  }
  // Scans `text`, valid JSON (parseJson has parsed it), for {repeatedKey: the first key an
  // object repeats, or null; notPlain: [{path, key}], each object member whose value is a number
  // not written as plain digits, `path` the keys and indexes leading to that object}. A string
  // ends at the first quote not escaped, and a string directly after '{' or after ',' inside an
  // object is a key.
  function scanJson(text) {
    // Per open container, innermost last: {keys: Set, key: the current member's} for an object,
    // {keys: null, index: the current element's} for an array.
    const open = [];
    const notPlain = [];
    let keyNext = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      const top = open[open.length - 1];
      if (c === '{') {
        open.push({ keys: new Set(), key: null });
        keyNext = true;
      } else if (c === '[') {
        open.push({ keys: null, index: 0 });
        keyNext = false;
      } else if (c === '}' || c === ']') {
        open.pop();
        keyNext = false;
      } else if (c === ',') {
        if (top && top.keys === null) top.index++;
        keyNext = top !== undefined && top.keys !== null;
      } else if (c === '"') {
        let end = i + 1;
        while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
        if (keyNext) {
          const key = JSON.parse(text.slice(i, end + 1));  // escapes decoded: "\u0061" is "a"
          if (top.keys.has(key)) return { repeatedKey: key, notPlain };
          top.keys.add(key);
          top.key = key;
          keyNext = false;
        }
        i = end;
      } else if (c === '-' || (c >= '0' && c <= '9')) {
        let end = i;
        while (end < text.length && /[-+0-9.eE]/.test(text[end])) end++;
        if (top && top.keys !== null && !/^[0-9]+$/.test(text.slice(i, end))) {
          const path = open.slice(0, -1).map((o) => (o.keys !== null ? o.key : o.index));
          notPlain.push({ path, key: top.key });
        }
        i = end - 1;
      }
    }
    return { repeatedKey: null, notPlain };
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
  // Base64 as Go's base64.StdEncoding.DecodeString reads it (the signature lines of a note, as in
  // Go's note.Open and crypto::ParseNote): standard alphabet, groups of four, "=" or "==" padding
  // required on the last group, non-zero padding bits ignored. (Go also skips "\r" and "\n",
  // which a note's signature line cannot hold.) Returns the bytes or null.
  function fromBase64Go(b64) {
    if (typeof b64 !== 'string' || b64.length % 4 !== 0 ||
        !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) {
      return null;
    }
    const bin = atob(b64);  // the forgiving-base64 decode drops padding bits, as Go does
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function toBase64(bytes) {
    return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
  }
  // Strict base64, as common FromBase64 (C++) reads the leaf and the checkpoint root: padding
  // required and padding bits zero, so each value has one spelling.
  function fromBase64(b64) {
    const out = fromBase64Go(b64);
    return out && toBase64(out) === b64 ? out : null;
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
  // RFC 3339 date-time as common/time.cc ParseRfc3339 reads it: Unix milliseconds, or null.
  // (Date.parse is lenient: it takes "2026-11-28" or "Sat, 28 Nov 2026 …".)
  function parseRfc3339(s) {
    const m = typeof s === 'string' &&
      /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(s);
    if (!m) return null;
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
    const days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    if (month < 1 || month > 12 || day < 1 || day > days[month - 1] || hour > 23 || minute > 59 ||
        second > 60 || (month === 2 && day === 29 && !leap)) {
      return null;
    }
    let offset = 0;
    if (m[9]) {
      const oh = Number(m[10]);
      const om = Number(m[11]);
      if (oh > 23 || om > 59) return null;
      offset = (oh * 60 + om) * (m[9] === '+' ? 1 : -1);
    }
    // Milliseconds: the first three fraction digits; further digits are ignored (as in C++).
    const millis = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0;
    // Date.UTC maps years 0..99 to 1900..1999; C++ does not. Those years are computed 400 years
    // later, where every date falls on the same day of the 146,097-day Gregorian cycle (1900 is
    // not a leap year where 0 is: 0000-02-29 became 0000-03-01 before 2026-12-07).
    const shift = year < 100 ? 400 : 0;
    const cycleMillis = 146097 * 86400000;
    return Date.UTC(year + shift, month - 1, day, hour, minute, second) -
      (shift ? cycleMillis : 0) - offset * 60000 + millis;
  }
  // "2026-11-28T11:30:27.123Z" (common/time.cc FormatRfc3339Millis).
  function formatRfc3339Millis(millis) {
    return new Date(millis).toISOString();
  }
  // A cosignature time (Unix seconds, up to 2^63 - 1) as ledger::FormatCosignatureTime writes
  // it: RFC 3339 up to the year 9999, past which RFC 3339 has no form (and Date none past
  // 275760), the seconds themselves.
  function formatCosignatureTime(seconds) {
    return seconds <= MAX_RFC3339_SECONDS ? formatRfc3339Millis(seconds * 1000)
      : seconds + ' s after 1970-01-01T00:00:00Z';
  }
  const MAX_RFC3339_SECONDS = 253402300799;  // 9999-12-31T23:59:59Z

  const ID_RE = /^[a-z0-9._-]{1,64}$/;
  const HEX64_RE = /^[0-9a-f]{64}$/;
  const NONCE_RE = /^[A-Za-z0-9._:-]{1,64}$/;
  const KINDS = ['webpage', 'screenshot', 'source', 'log', 'document', 'audio', 'video', 'other'];
  const utf8Length = (s) => enc.encode(s).length;
  // Well-formed text without control characters (< 0x20, 0x7f): what ledger IsCleanText accepts.
  // A JS string from JSON can hold a lone surrogate, which is not UTF-8 at all.
  function isCleanText(s) {
    return !/[\u0000-\u001f\u007f]/.test(s) && !/[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/.test(s);
  }
  function isCleanField(s, maxBytes) {
    return s.length > 0 && utf8Length(s) <= maxBytes && isCleanText(s) && s[0] !== ' ' &&
      s[s.length - 1] !== ' ';
  }

  const STATEMENT_ORDER = {
    'evchain-deposit/1': ['chain_id', 'depositor', 'digest', 'kind', 'source', 'captured_at',
      'case_ref', 'related', 'nonce'],
    'evchain-batch/1': ['chain_id', 'depositor', 'items', 'root', 'nonce'],
  };
  // Re-serialises parsed fields (ledger DepositStatement/BatchStatement::Canonical).
  function canonicalStatement(magic, fields) {
    let out = magic + '\n';
    for (const key of STATEMENT_ORDER[magic]) {
      if (key === 'related') {
        for (const r of fields.related) out += 'related: ' + r + '\n';
      } else if (fields[key] !== undefined) {
        out += key + ': ' + fields[key] + '\n';
      }
    }
    return out;
  }

  // "evchain-deposit/1" / "evchain-batch/1" statements (docs/formats.md), parsed as strictly as
  // ledger::ParseDepositStatement / ParseBatchStatement: fixed field order, every field valid,
  // and the text must be exactly the canonical form of what was parsed. Returns the fields
  // (related: an array) or null.
  function parseStatement(text, magic) {
    const order = STATEMENT_ORDER[magic];
    if (!order || typeof text !== 'string' || !text.endsWith('\n') || utf8Length(text) > 4096) {
      return null;
    }
    const lines = text.slice(0, -1).split('\n');
    if (lines[0] !== magic) return null;
    const fields = { related: [] };
    let cursor = 0;
    for (const line of lines.slice(1)) {
      const at = line.indexOf(': ');
      if (at <= 0) return null;
      const key = line.slice(0, at);
      const value = line.slice(at + 2);
      const index = order.indexOf(key);
      if (index < 0 || index < cursor) return null;
      if (key === 'related') {
        fields.related.push(value);
      } else {
        if (key in fields) return null;
        fields[key] = value;
      }
      cursor = index;
    }
    if (!ID_RE.test(fields.chain_id || '') || !ID_RE.test(fields.depositor || '') ||
        !NONCE_RE.test(fields.nonce || '')) {
      return null;
    }
    if (magic === 'evchain-deposit/1') {
      if (!HEX64_RE.test(fields.digest || '')) return null;
      if (fields.kind !== undefined && !KINDS.includes(fields.kind)) return null;
      if (fields.source !== undefined && !isCleanField(fields.source, 2048)) return null;
      if (fields.case_ref !== undefined && !isCleanField(fields.case_ref, 128)) return null;
      if (fields.captured_at !== undefined &&
          (utf8Length(fields.captured_at) > 64 || parseRfc3339(fields.captured_at) === null)) {
        return null;
      }
      if (fields.related.length > 16 || new Set(fields.related).size !== fields.related.length ||
          fields.related.some((r) => !HEX64_RE.test(r))) {
        return null;
      }
    } else {
      if (fields.related.length > 0 || !/^[1-9][0-9]{0,4}$/.test(fields.items || '') ||
          Number(fields.items) > 10000 || !HEX64_RE.test(fields.root || '')) {
        return null;
      }
    }
    // Only an optional field with an empty value is left for this to catch.
    return canonicalStatement(magic, fields) === text ? fields : null;
  }

  // Go's unicode.IsSpace (Unicode White_Space), which key names must not contain.
  const GO_SPACE_RE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
  // Well-formed UTF-16 (no lone surrogate: not UTF-8 once encoded) without control characters
  // other than "\n". (Go, like crypto::ParseNote, lets DEL, 0x7f, through.)
  function isNoteText(s) {
    return !/[\u0000-\u0009\u000b-\u001f]/.test(s) &&
      !/[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/.test(s);
  }
  // C2SP signed note, read as Go's note.Open and crypto::ParseNote read it: text, the LAST blank
  // line, then 1..100 lines "— <name> <base64(key id || signature)>" (em dash U+2014); names
  // non-empty without Unicode spaces or "+"; signatures of at least 5 bytes in Go's base64.
  // Returns {body, signatures: [{name, keyId, sig}]} or null (malformed_note).
  function parseNote(text) {
    if (typeof text !== 'string' || !isNoteText(text)) return null;
    const split = text.lastIndexOf('\n\n');
    if (split < 0) return null;
    const body = text.slice(0, split + 1);
    const sigs = text.slice(split + 2);
    if (sigs.length === 0 || !sigs.endsWith('\n')) return null;
    const lines = sigs.slice(0, -1).split('\n');
    if (lines.length > 100) return null;
    const signatures = [];
    for (const line of lines) {
      if (!line.startsWith('\u2014 ')) return null;
      const rest = line.slice(2);
      const space = rest.indexOf(' ');
      if (space < 0) return null;
      const name = rest.slice(0, space);
      const raw = fromBase64Go(rest.slice(space + 1));
      if (name === '' || name.includes('+') || GO_SPACE_RE.test(name) || !raw || raw.length < 5) {
        return null;
      }
      signatures.push({ name, keyId: raw.slice(0, 4), sig: raw.slice(4) });
    }
    return { body, signatures };
  }

  // An unsigned decimal as common ParseCanonicalDecimal reads it (no sign, no leading zero, at
  // most 2^64 - 1), as a BigInt, or null.
  function canonicalDecimal(s) {
    if (!/^(0|[1-9][0-9]*)$/.test(s)) return null;
    const v = BigInt(s);
    return v <= 0xffffffffffffffffn ? v : null;
  }
  // evchain checkpoint body (docs/formats.md "Checkpoint"), exactly as ledger::ParseCheckpointText
  // reads it, so that one block has one body: 6 lines, origin "evchain/<chain id>", canonical
  // decimals, strict base64 of 32 bytes, "time" in the canonical rendering. size and height are
  // BigInts (compared exactly with the receipt's numbers); null when malformed.
  function parseCheckpoint(body) {
    if (typeof body !== 'string' || !body.endsWith('\n')) return null;
    const lines = body.slice(0, -1).split('\n');
    if (lines.length !== 6 || !lines[0].startsWith('evchain/') ||
        !ID_RE.test(lines[0].slice(8))) {
      return null;
    }
    const size = canonicalDecimal(lines[1]);
    const root = fromBase64(lines[2]);
    const height = lines[3].startsWith('height ') ? canonicalDecimal(lines[3].slice(7)) : null;
    const block = /^block ([0-9a-f]{64})$/.exec(lines[4]);
    const time = lines[5].startsWith('time ') ? lines[5].slice(5) : '';
    const millis = parseRfc3339(time);
    if (size === null || !root || root.length !== 32 || height === null || !block ||
        millis === null || formatRfc3339Millis(millis) !== time) {
      return null;
    }
    return { origin: lines[0], size, root, height, block: block[1], time };
  }

  // ---- the genesis (docs/formats.md "Genesis"; genesis/genesis.cc) ----
  const PARAMS = [  // name, default, min, max
    ['max_batch', 1000, 1, 100000], ['block_interval_ms', 200, 1, 60000],
    ['max_clock_skew_ms', 1000, 1, 60000], ['view_change_timeout_ms', 2000, 10, 600000],
    ['request_timeout_ms', 4000, 10, 600000], ['checkpoint_interval', 16, 1, 100000],
    ['watermark_window', 64, 1, 1000000],
  ];
  const ROLES = ['court', 'notary', 'time'];
  const isObject = (v) => !!v && typeof v === 'object' && !Array.isArray(v);

  // "host:port" as genesis IsHostPort: a DNS name or IPv4 host, or "[v6]"; port 1..65535.
  function isHostPort(s) {
    const m = /^(.*):([1-9][0-9]{0,4})$/.exec(s);
    if (!m || Number(m[2]) > 65535) return false;
    const v6 = /^\[([0-9A-Fa-f:.]+)\]$/.exec(m[1]);
    return !!v6 || (m[1].length <= 253 && /^[A-Za-z0-9.-]+$/.test(m[1]));
  }
  // Display names and the depositor's name: 1..128 bytes without control characters.
  const isCleanName = (s) => typeof s === 'string' && s.length > 0 && utf8Length(s) <= 128 &&
    isCleanText(s);

  // Checks the genesis as genesis::ParseGenesis does and returns its canonical JSON value: params
  // filled in with their defaults, genesis_time rewritten as RFC 3339 UTC with milliseconds, only
  // the documented fields (optional display names only when present). Throws an Error listing
  // every problem. `g` is what parseJson read (which refuses repeated keys and marks numbers not
  // written as plain digits, 1000.0 or 1e3, refused here as the node refuses them).
  function canonicalGenesis(g) {
    const problems = [];
    const bad = (path, what) => problems.push(path + ': ' + what);
    if (!isObject(g)) throw new Error('invalid genesis: not a JSON object');
    const only = (o, path, keys) => {
      for (const k of Object.keys(o)) if (!keys.includes(k)) bad(path ? path + '.' + k : k, 'unknown field');
    };
    const str = (o, path, key) => {
      if (!(key in o)) return bad(path + key, 'missing'), undefined;
      if (typeof o[key] !== 'string') return bad(path + key, 'must be a string'), undefined;
      return o[key];
    };
    const names = (o, path, out) => {
      for (const k of ['name_zh', 'name_en']) {
        if (!(k in o)) continue;
        if (!isCleanName(o[k])) bad(path + k, 'must be 1..128 bytes without control characters');
        else out[k] = o[k];
      }
    };
    only(g, '', ['chain_id', 'genesis_time', 'params', 'validators', 'depositors']);
    const out = {};
    const chainId = str(g, '', 'chain_id');
    if (chainId !== undefined && !ID_RE.test(chainId)) bad('chain_id', 'must be 1..64 characters of [a-z0-9._-]');
    out.chain_id = chainId;
    const time = str(g, '', 'genesis_time');
    const millis = time === undefined ? null : parseRfc3339(time);
    if (time !== undefined && millis === null) bad('genesis_time', 'not an RFC 3339 date-time');
    out.genesis_time = millis === null ? '' : formatRfc3339Millis(millis);
    out.params = {};
    for (const [name, def] of PARAMS) out.params[name] = def;
    if ('params' in g) {
      if (!isObject(g.params)) {
        bad('params', 'must be an object');
      } else {
        for (const [k, v] of Object.entries(g.params)) {
          const spec = PARAMS.find((x) => x[0] === k);
          if (!spec) bad('params.' + k, 'unknown field');
          // Plain digits only, as genesis::ParseGenesis (nlohmann's integers): 1000.0 and 1e3
          // are refused there, though JSON.parse reads them as 1000.
          else if (!plainInteger(g.params, k) || v < spec[2] || v > spec[3]) bad('params.' + k, 'must be an integer from ' + spec[2] + ' to ' + spec[3]);
          else out.params[k] = v;
        }
      }
    }
    if (out.params.watermark_window < out.params.checkpoint_interval) {
      bad('params.watermark_window', 'must be at least checkpoint_interval');
    }
    const seen = { id: new Map(), key: new Map(), address: new Map() };
    const unique = (kind, value, path) => {
      if (seen[kind].has(value)) bad(path, 'duplicate ' + kind + ' (also ' + seen[kind].get(value) + ')');
      else seen[kind].set(value, path);
    };
    const party = (o, path, kind) => {
      const r = {};
      const id = str(o, path, 'id');
      if (id !== undefined && !ID_RE.test(id)) bad(path + 'id', 'must be 1..64 characters of [a-z0-9._-]');
      if (id !== undefined) unique('id', id, path + 'id');
      r.id = id;
      const key = str(o, path, 'public_key');
      if (key !== undefined && !HEX64_RE.test(key)) bad(path + 'public_key', 'not 64 lowercase hex characters');
      else if (key !== undefined) unique('key', key, path + 'public_key');
      r.public_key = key;
      return r;
    };
    out.validators = [];
    if (!Array.isArray(g.validators)) {
      bad('validators', 'validators' in g ? 'must be an array' : 'missing');
    } else {
      g.validators.forEach((v, i) => {
        const path = 'validators[' + i + '].';
        if (!isObject(v)) return bad(path.slice(0, -1), 'must be an object');
        only(v, path.slice(0, -1), ['id', 'role', 'public_key', 'p2p', 'http', 'name_zh', 'name_en']);
        const r = party(v, path, 'validator');
        const role = str(v, path, 'role');
        if (role !== undefined && !ROLES.includes(role)) bad(path + 'role', 'unknown role "' + role + '"');
        r.role = role;
        for (const a of ['p2p', 'http']) {
          const address = str(v, path, a);
          if (address !== undefined && !isHostPort(address)) bad(path + a, 'not host:port');
          else if (address !== undefined) unique('address', address, path + a);
          r[a] = address;
        }
        names(v, path, r);
        out.validators.push(r);
      });
      if (g.validators.length < 4) bad('validators', g.validators.length + ' validators; at least 4 are needed');
      if (g.validators.length > 100) bad('validators', g.validators.length + ' validators; at most 100');
      if (!g.validators.some((v) => isObject(v) && v.role === 'time')) bad('validators', 'no validator has role "time"');
    }
    out.depositors = [];
    if (!Array.isArray(g.depositors)) {
      bad('depositors', 'depositors' in g ? 'must be an array' : 'missing');
    } else {
      g.depositors.forEach((d, i) => {
        const path = 'depositors[' + i + '].';
        if (!isObject(d)) return bad(path.slice(0, -1), 'must be an object');
        only(d, path.slice(0, -1), ['id', 'name', 'public_key', 'name_zh', 'name_en']);
        const r = party(d, path, 'depositor');
        const name = str(d, path, 'name');
        if (name !== undefined && !isCleanName(name)) bad(path + 'name', 'must be 1..128 bytes without control characters');
        r.name = name;
        names(d, path, r);
        out.depositors.push(r);
      });
    }
    if (problems.length > 0) throw new Error('invalid genesis:\n' + problems.join('\n'));
    return out;
  }

  // RFC 8785 (JCS): every value is a string or an integer and every key ASCII, so it is sorted
  // keys and compact output, as genesis::CanonicalGenesisJson writes it.
  function canonicalJson(v) {
    if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
    if (v && typeof v === 'object') {
      return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonicalJson(v[k]))
        .join(',') + '}';
    }
    return JSON.stringify(v);
  }
  // The genesis hash (hex): SHA-256 of the canonical encoding. Rejects an invalid genesis.
  async function genesisHash(genesis) {
    return toHex(await sha256(enc.encode(canonicalJson(canonicalGenesis(genesis)))));
  }

  // ceil((n + f + 1) / 2) with f = floor((n - 1) / 3): any two quorums share f + 1 validators,
  // so at least one honest one (2f+1 when n = 3f+1; 4 of 5 and 4 of 6). genesis::Genesis::quorum.
  function quorumSize(n) {
    const f = Math.floor((n - 1) / 3);
    return Math.ceil((n + f + 1) / 2);
  }

  // A validator's or depositor's name for `lang` ('zh' or 'en'): the genesis display name in
  // that language, else the other one, else the depositor's name, else the id.
  function displayName(party, lang) {
    if (!party) return '';
    const n = party.names || {};
    const first = lang === 'en' ? [n.en, n.zh] : [n.zh, n.en];
    return first.find((x) => x) || party.name || party.id;
  }
  function namesOf(party) {
    const n = {};
    if (party.name_zh) n.zh = party.name_zh;
    if (party.name_en || party.name) n.en = party.name_en || party.name;
    return n;
  }

  // C2SP key id: SHA-256(name || 0x0A || type || public key)[:4].
  async function keyId(name, type, publicKey) {
    const h = await sha256(concat(enc.encode(name + '\n'), new Uint8Array([type]), publicKey));
    return h.slice(0, 4);
  }

  // Receipt JSON fields as ledger::Receipt::FromJson takes them; returns a problem or null.
  function receiptProblem(r) {
    if (!isObject(r)) return 'not a JSON object';
    const allowed = ['format', 'chain_id', 'genesis_hash', 'evidence_id', 'statement', 'signature',
      'depositor_key', 'leaf', 'leaf_index', 'tree_size', 'inclusion_proof', 'checkpoint', 'block', 'batch'];
    for (const k of Object.keys(r)) if (!allowed.includes(k)) return k + ': unknown field';
    if (r.format !== 'evchain-receipt/1') return 'not an evchain-receipt/1 document';
    const isStr = (o, k) => typeof o[k] === 'string';
    const isU64 = plainInteger;
    const isHex = (o, k, bytes) => isStr(o, k) && new RegExp('^[0-9a-f]{' + 2 * bytes + '}$').test(o[k]);
    const isHashList = (o, k) => Array.isArray(o[k]) && o[k].every((h) => typeof h === 'string' && HEX64_RE.test(h));
    for (const k of ['chain_id', 'statement', 'checkpoint']) if (!isStr(r, k)) return k + ': missing or not a string';
    for (const k of ['genesis_hash', 'evidence_id', 'depositor_key']) if (!isHex(r, k, 32)) return k + ': not 64 lowercase hex characters';
    if (!isHex(r, 'signature', 64)) return 'signature: not 128 lowercase hex characters';
    if (!isStr(r, 'leaf') || !fromBase64(r.leaf)) return 'leaf: not strict base64';
    // leaf_index and tree_size must be JSON integers written as plain digits: "0" or 0.5 would
    // pass the arithmetic of the inclusion proof in JavaScript, and -0, 1.0 or 1e0 read as
    // integers here (C++ rejects them all as bad_receipt).
    for (const k of ['leaf_index', 'tree_size']) if (!isU64(r, k)) return k + ': missing or not a non-negative integer';
    if (!isHashList(r, 'inclusion_proof')) return 'inclusion_proof: not an array of 64 lowercase hex characters';
    const b = r.block;
    if (!isObject(b)) return 'block: missing';
    for (const k of Object.keys(b)) if (!['height', 'hash', 'time'].includes(k)) return 'block.' + k + ': unknown field';
    if (!isU64(b, 'height')) return 'block.height: missing or not a non-negative integer';
    if (!isHex(b, 'hash', 32)) return 'block.hash: not 64 lowercase hex characters';
    if (!isStr(b, 'time') || parseRfc3339(b.time) === null) return 'block.time: not an RFC 3339 date-time';
    if ('batch' in r) {
      const x = r.batch;
      if (!isObject(x)) return 'batch: must be an object';
      for (const k of Object.keys(x)) if (!['statement', 'signature', 'item_index', 'item_proof'].includes(k)) return 'batch.' + k + ': unknown field';
      if (!isStr(x, 'statement')) return 'batch.statement: missing or not a string';
      if (!isHex(x, 'signature', 64)) return 'batch.signature: not 128 lowercase hex characters';
      if (!isU64(x, 'item_index')) return 'batch.item_index: missing or not a non-negative integer';
      if (!isHashList(x, 'item_proof')) return 'batch.item_proof: not an array of 64 lowercase hex characters';
    }
    return null;
  }

  // ---- the verification chain ----
  // Returns {ok, steps: [{name, ok, detail, warning?}], failed (first failing step name),
  // warnings (steps that passed with a warning), signers [{id, role, time, names}], depositor
  // {id, name, names}, blockTime, genesisHash}. `expectedDigest` (lowercase hex) is the file's
  // digest when known. Step names: docs/receipts.md.
  async function verifyReceipt(receipt, genesis, expectedDigest) {
    const steps = [];
    const warnings = [];
    const result = { ok: false, steps, failed: null, warnings, signers: [], depositor: null,
      blockTime: null, genesisHash: null };
    const step = (name, ok, detail) => {
      steps.push({ name, ok, detail });
      if (!ok && !result.failed) result.failed = name;
      return ok;
    };
    if (!subtle()) {
      step('crypto', false, 'WebCrypto is not available here (the page is not a secure context)');
      return result;
    }
    const problem = receiptProblem(receipt);
    if (!step('receipt', !problem, problem || 'evchain-receipt/1')) return result;

    // chain: the receipt belongs to this genesis.
    let gHash;
    try {
      gHash = await genesisHash(genesis);
    } catch (e) {
      step('chain', false, e.message);
      return result;
    }
    result.genesisHash = gHash;
    if (!step('chain', receipt.chain_id === genesis.chain_id && receipt.genesis_hash === gHash,
        receipt.chain_id === genesis.chain_id
          ? (receipt.genesis_hash === gHash ? 'chain ' + genesis.chain_id + ', genesis ' + gHash
            : 'receipt names genesis ' + receipt.genesis_hash + ', the genesis file hashes to ' + gHash)
          : 'receipt is for chain "' + receipt.chain_id + '", the genesis is "' + genesis.chain_id + '"')) {
      return result;
    }

    // statement: canonical, its hash is the evidence id, it names a genesis depositor.
    const statementBytes = enc.encode(receipt.statement);
    const statement = parseStatement(receipt.statement, 'evchain-deposit/1');
    const statementHash = await sha256(statementBytes);
    const depositor = statement && genesis.depositors.find((d) => d.id === statement.depositor);
    if (!step('statement',
        !!statement && toHex(statementHash) === receipt.evidence_id && statement.chain_id === genesis.chain_id && !!depositor,
        !statement ? 'not a canonical evchain-deposit/1 statement'
          : toHex(statementHash) !== receipt.evidence_id ? 'SHA-256 of the statement is not the evidence id'
          : statement.chain_id !== genesis.chain_id ? 'statement names another chain'
          : !depositor ? 'depositor "' + statement.depositor + '" is not in the genesis'
          : 'evidence id ' + receipt.evidence_id)) {
      return result;
    }
    result.depositor = { id: depositor.id, name: depositor.name, names: namesOf(depositor) };
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
      const proof = b.item_proof.map(fromHex);
      const batchRoot = batch && fromHex(batch.root);
      const implied = batch
        ? await rootFromInclusionProof(await leafHash(statementBytes), b.item_index, Number(batch.items), proof)
        : null;
      if (!step('batch',
          !!batch && batch.chain_id === genesis.chain_id && batch.depositor === depositor.id &&
            b.signature === receipt.signature && equal(implied, batchRoot),
          !batch ? 'not a canonical batch statement'
            : batch.depositor !== depositor.id || batch.chain_id !== genesis.chain_id ? 'batch names another depositor or chain'
            : !equal(implied, batchRoot) ? 'item ' + b.item_index + ' is not in the signed batch'
            : 'item ' + b.item_index + ' of ' + batch.items + ' in the signed batch')) {
        return result;
      }
      signedBytes = enc.encode(b.statement);
    }
    if (!step('depositor_signature', await verifyEd25519(depositorKey, signedBytes, signature),
        'Ed25519 signature of ' + depositor.id)) {
      return result;
    }

    // leaf: the exact bytes bind statement hash, digest, depositor key, block height and time.
    const leaf = fromBase64(receipt.leaf);
    const block = receipt.block;
    const blockMillis = parseRfc3339(block.time);
    const leafOk = leaf.length === 113 && leaf[0] === 1 &&
      equal(leaf.slice(1, 33), statementHash) && toHex(leaf.slice(33, 65)) === statement.digest &&
      equal(leaf.slice(65, 97), depositorKey) && u64(leaf, 97) === block.height &&
      u64(leaf, 105) === blockMillis;
    if (!step('leaf', leafOk, leafOk ? '113-byte leaf matches statement, digest, key, block'
        : 'leaf bytes do not match the statement, depositor key or block')) {
      return result;
    }

    // inclusion_proof: RFC 9162 from the leaf to a root.
    const proof = receipt.inclusion_proof.map(fromHex);
    const impliedRoot = await rootFromInclusionProof(await leafHash(leaf), receipt.leaf_index, receipt.tree_size, proof);
    if (!step('inclusion_proof', !!impliedRoot,
        impliedRoot ? 'leaf ' + receipt.leaf_index + ' of ' + receipt.tree_size : 'malformed inclusion proof')) {
      return result;
    }

    // checkpoint_root: the cosigned checkpoint names that root, size and block.
    const note = parseNote(receipt.checkpoint);
    const cp = note && parseCheckpoint(note.body);
    // The lines must be exactly the receipt's block (docs/receipts.md step 7), so block.time must
    // be the canonical rendering, not another spelling of the instant (ledger::VerifyReceipt).
    const canonicalTime = formatRfc3339Millis(blockMillis);
    const cpOk = !!cp && cp.origin === 'evchain/' + genesis.chain_id &&
      cp.size === BigInt(receipt.tree_size) && equal(cp.root, impliedRoot) &&
      cp.height === BigInt(block.height) && cp.block === block.hash && block.time === canonicalTime &&
      cp.time === block.time;
    if (!step('checkpoint_root', cpOk,
        !cp ? 'checkpoint is not an evchain checkpoint note'
          : !equal(cp.root, impliedRoot) ? 'the proof leads to a root the checkpoint does not name'
          : cpOk ? 'root of tree size ' + cp.size + ' at block ' + cp.height
          : block.time !== canonicalTime ? 'block.time "' + block.time + '" is not in canonical ' +
            'form (RFC 3339 UTC with exactly 3 fraction digits and Z, as the checkpoint writes ' +
            'it: ' + canonicalTime + ')'
          : 'checkpoint does not match the receipt\'s chain, size or block')) {
      return result;
    }

    // quorum: ceil((n+f+1)/2) distinct genesis validators cosigned (C2SP tlog-cosignature, 0x04).
    // As Go's note.Open and crypto::VerifyNote: only the first line of each genesis key is
    // verified and counted (its time is the signer's); later lines of that key are ignored, valid
    // or not. An invalid first line rejects the note; lines of unknown keys are ignored.
    const validators = genesis.validators;
    const seen = new Set();
    let bad = null;
    for (const s of note.signatures) {
      const v = validators.find((x) => x.id === s.name);
      if (!v || seen.has(v.id)) continue;
      const key = fromHex(v.public_key);
      if (!equal(s.keyId, await keyId(v.id, 4, key))) continue;
      seen.add(v.id);
      // The timestamp as a BigInt, so that the signed decimal is exact beyond 2^53; above
      // 2^63 - 1 it is invalid (crypto::VerifyNote).
      let t = null;
      if (s.sig.length === 72) {
        t = 0n;
        for (let i = 0; i < 8; i++) t = t * 256n + BigInt(s.sig[i]);
        if (t > 0x7fffffffffffffffn) t = null;
      }
      const message = t === null ? null
        : concat(enc.encode('cosignature/v1\ntime ' + t + '\n'), enc.encode(note.body));
      if (message && await verifyEd25519(key, message, s.sig.slice(8))) {
        result.signers.push({ id: v.id, role: v.role, time: Number(t), names: namesOf(v) });
      } else {
        bad = v.id;
        break;
      }
    }
    const quorum = quorumSize(validators.length);
    result.blockTime = block.time;
    if (!step('quorum', !bad && seen.size >= quorum,
        bad ? 'invalid cosignature from ' + bad
          : seen.size + ' of ' + validators.length + ' validators cosigned (' + quorum + ' needed)')) {
      return result;
    }

    // time_attestation (docs/receipts.md step 9, ledger::VerifyReceipt's CheckTimeAttestation):
    // a time service's cosignature carries its own clock in seconds. Dated more than the genesis
    // clock skew before the block time, the block claims a time the time service had not reached:
    // the receipt fails. Dated more than the skew after it: a warning (a slow commit or a
    // backdated block; the time service attests the evidence existed by its own time).
    const skew = canonicalGenesis(genesis).params.max_clock_skew_ms;
    const timeSigners = result.signers.filter((s) => s.role === 'time');
    const when = (s) => s.id + ' cosigned at ' + formatCosignatureTime(s.time);
    const early = timeSigners.find((s) => s.time * 1000 + 999 < blockMillis - skew);
    if (early) {
      step('time_attestation', false, when(early) + ', ' +
        Math.floor((blockMillis - early.time * 1000) / 1000) + ' s before the block time ' +
        formatRfc3339Millis(blockMillis) + ': the block is dated beyond the clock skew (' + skew + ' ms)');
      return result;
    }
    const late = timeSigners.filter((s) => s.time * 1000 > blockMillis + skew);
    const timeStep = {
      name: 'time_attestation', ok: true,
      detail: late.length > 0
        ? late.map((s) => when(s) + ', ' + Math.floor((s.time * 1000 - blockMillis) / 1000) +
          ' s after the block time').join('; ') + ' (more than the clock skew of ' + skew +
          ' ms: a slow commit or a backdated block; the time service attests that the evidence ' +
          'existed by its own time)'
        : timeSigners.length > 0
          ? timeSigners.map(when).join('; ') + ', within ' + skew + ' ms of the block time'
          : 'no time-service cosignature: the block time rests on the clock checks of the ' +
            'validators that accepted it',
    };
    if (late.length > 0) {
      timeStep.warning = true;
      warnings.push(timeStep);
    }
    steps.push(timeStep);
    result.ok = !result.failed;
    return result;
  }

  const api = {
    verifyReceipt, genesisHash, canonicalGenesis, canonicalJson, quorumSize, displayName, sha256,
    parseJson,
    toHex, fromHex, fromBase64, parseStatement, parseNote, parseCheckpoint, parseRfc3339,
    rootFromInclusionProof, hasWebCrypto: () => !!subtle(),
  };
  root.EvchainVerify = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(typeof window !== 'undefined' ? window : globalThis);
