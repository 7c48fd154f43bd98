// The judge's page: hash a file locally in slices (sha256.js), look its hash up (on a
// validator) or take its receipt, and verify every receipt in the browser with verify.js
// against the genesis: the validator's, one the judge loads, or the one built into the court's
// own offline page (`evchain page`, a <script id="evchain-genesis"> element). Strings: i18n.js.
'use strict';

(function () {
  const V = window.EvchainVerify;
  const I = window.EvchainI18n;
  const H = window.EvchainSha256;
  const $ = (id) => document.getElementById(id);
  const embedded = $('evchain-genesis');  // present only in the court's offline page
  const offline = !!embedded;
  const state = {
    lang: 'zh', genesis: null, genesisHash: null, genesisSource: null,
    file: null,        // {name, size, digest} of the last file hashed
    shown: null,       // {receipts, checks, digest} on screen, re-rendered on a language switch
    hashing: null,     // {cancelled} while a file is being hashed
    verdict: null,     // {key, cls, summaryKey, values} for re-rendering
  };
  // Read by the browser tests: the last hash, its size and duration.
  window.evchainPage = { lastHash: null, offline };

  const t = (key, values) => I.t(state.lang, key, values);
  const time = (millis) => I.formatTime(state.lang, millis);

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
  }

  function mib(bytes) {
    if (bytes < 1024 * 1024) return bytes + ' B';
    if (bytes < 1024 * 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + ' MiB';
    return (bytes / 1024 / 1024 / 1024).toFixed(2) + ' GiB';
  }

  function rolesPhrase(parties) {
    const counts = {};
    for (const p of parties) counts[p.role] = (counts[p.role] || 0) + 1;
    return ['court', 'notary', 'time'].filter((r) => counts[r])
      .map((r) => t('roles.count', { count: counts[r], role: t('role.' + r) })).join(t('list.sep'));
  }

  function name(party) {
    return V.displayName(party, state.lang);
  }

  function stepLabel(s) {
    return t('step.' + s);
  }

  // ---- the static text ----
  function applyLanguage() {
    document.documentElement.lang = t('html.lang');
    document.title = t('title') + ' · evchain';
    for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
    for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = t(e.dataset.i18nPlaceholder);
    for (const e of document.querySelectorAll('[data-i18n-title]')) e.title = t(e.dataset.i18nTitle);
    $('lead').textContent = t(offline ? 'lead.offline' : 'lead');
    $('drop-small').textContent = t(offline ? 'drop.small' : 'drop.small.served');
    if (state.genesisSource) $('genesis-source').textContent = t(state.genesisSource.key, state.genesisSource.values);
    showChain();
    showFile();
    compareCourtFingerprint();
    if (state.verdict) setVerdict(state.verdict);
    if (state.shown) renderResults();
    if (!V.hasWebCrypto()) showInsecure();
  }

  function setLanguage(lang) {
    state.lang = lang;
    try {
      localStorage.setItem('evchain-lang', lang);
    } catch (e) {
      // Storage may be off (private windows, some file: settings): the switch still works.
    }
    applyLanguage();
  }

  // verdict: {key: 'verdict.ok'|'verdict.receiptonly'|'verdict.bad'|'verdict.none'|'', cls,
  // summary: [key, values]}.
  function setVerdict(v) {
    state.verdict = v;
    const e = $('verdict');
    e.textContent = v.key ? t(v.key) : '';
    e.className = 'verdict ' + v.cls;
    const lines = (v.summary || []).map(([key, values]) => t(key, values));
    $('summary').textContent = lines.join(' ');
  }
  // A receipt or genesis file's text, or null when it is not UTF-8. JSON documents are UTF-8
  // (RFC 8259 §8.1) and `evchain verify` refuses other bytes; File.text() would replace them
  // with U+FFFD, and the page would check a document the file does not hold.
  async function readUtf8(file) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer());
    } catch (e) {
      return null;
    }
  }

  const message = (key, values) => setVerdict({ key: '', cls: 'none', summary: [[key, values]] });

  function showInsecure() {
    const w = $('secure-warning');
    w.hidden = false;
    w.textContent = t('secure.warning');
    $('genesis-hash').textContent = t('genesis.unavailable');
  }

  // ---- the chain panel ----
  function showChain() {
    const g = state.genesis;
    if (!g) {
      if (!$('genesis-hash').textContent) $('genesis-hash').textContent = t('genesis.loading');
      return;
    }
    $('genesis-hash').textContent = state.genesisHash;
    const vs = g.validators;
    const list = vs.map((v) => {
      const n = V.displayName({ id: v.id, names: { zh: v.name_zh, en: v.name_en } }, state.lang);
      return n === v.id ? v.id + '（' + t('role.' + v.role) + '）' : n + '（' + v.id + '，' + t('role.' + v.role) + '）';
    });
    $('validators').textContent = t('chain.summary', { chain: g.chain_id, n: vs.length,
      roles: rolesPhrase(vs), quorum: V.quorumSize(vs.length) }) + list.join(t('list.sep'));
  }

  async function useGenesis(g, source) {
    let hash;
    try {
      hash = await V.genesisHash(g);
    } catch (e) {
      $('genesis-source').textContent = t('genesis.invalid', { message: e.message });
      return;
    }
    state.genesis = g;
    state.genesisHash = hash;
    state.genesisSource = source;
    $('genesis-source').textContent = t(source.key, source.values);
    showChain();
    compareCourtFingerprint();
    // A verdict on screen was reached against the genesis before: verified again against this
    // one, so the page never shows a verdict beside a genesis it was not checked against.
    if (state.shown) await showReceipts(state.shown.receipts, state.shown.digest);
  }

  function compareCourtFingerprint() {
    const input = $('court-fingerprint');
    const out = $('court-result');
    const value = input.value.trim().toLowerCase();
    out.className = 'small';
    if (!value) {
      out.textContent = '';
      return;
    }
    if (!/^[0-9a-f]{64}$/.test(value)) {
      out.textContent = t('court.badformat');
      return;
    }
    if (!state.genesisHash) return;
    const match = value === state.genesisHash;
    out.textContent = t(match ? 'court.match' : 'court.mismatch');
    out.className = 'small ' + (match ? 'match' : 'mismatch');
  }

  // ---- results ----
  function download(receipt) {
    const blob = new Blob([JSON.stringify(receipt, null, 2) + '\n'], { type: 'application/json' });
    return el('a', { href: URL.createObjectURL(blob), download: receipt.evidence_id + '.receipt.json' },
      t('download'));
  }

  function stepItem(s) {
    const cls = !s.ok ? 'fail' : s.warning ? 'warn' : '';
    const prefix = s.warning ? t('warning.prefix') + '：' : '';
    return el('li', cls ? { class: cls, 'data-step': s.name } : { 'data-step': s.name },
      prefix + stepLabel(s.name) + ' — ' + s.detail);
  }

  function renderDeposit(receipt, check, index, digest) {
    const n = state.genesis.validators.length;
    const who = check.depositor ? name(check.depositor) : t('depositor.unknown');
    const blockMillis = receipt && receipt.block ? V.parseRfc3339(receipt.block.time) : null;
    // Without a file (a receipt checked alone) the sentence speaks of the hash, not "this file":
    // no file was compared with it.
    const noFile = digest === undefined || digest === null;
    const sentence = check.ok
      ? t(noFile ? 'sentence.ok.nofile' : 'sentence.ok', { time: time(blockMillis), depositor: who,
        signers: check.signers.length, n, roles: rolesPhrase(check.signers),
        digest: (check.provenance && check.provenance.digest) || '' })
      : t('sentence.bad', { step: stepLabel(check.failed) });
    const p = check.provenance || {};
    const rows = [
      ['row.time', blockMillis !== null ? time(blockMillis) + ' · ' + receipt.block.time : ''],
      ['row.depositor', check.depositor ? who + '（' + check.depositor.id + '）' : ''],
      ['row.digest', p.digest || ''],
      ['row.kind', p.kind || '—'], ['row.source', p.source || '—'], ['row.captured', p.captured_at || '—'],
      ['row.case', p.case_ref || '—'], ['row.related', (p.related || []).join(', ') || '—'],
      ['row.height', receipt && receipt.block ? String(receipt.block.height) : ''],
      ['row.evidence', receipt ? String(receipt.evidence_id) : ''],
    ];
    const dl = el('dl');
    for (const [k, v] of rows) dl.append(el('dt', {}, t(k)), el('dd', { 'data-row': k }, v));
    const signers = el('ul', { class: 'signers' });
    for (const s of check.signers) {
      signers.append(el('li', {}, name(s) + '（' + t('role.' + s.role) + '，' + s.id + '）· ' +
        t('signer.time') + ' ' + time(s.time * 1000)));
    }
    const steps = el('ul', { class: 'steps' });
    for (const s of check.steps) steps.append(stepItem(s));
    const warnings = el('ul', { class: 'steps warnings' });
    for (const w of check.warnings || []) warnings.append(stepItem(w));
    const actions = el('div', { class: 'row no-print' });
    if (receipt && typeof receipt === 'object') actions.append(download(receipt));
    const print = el('button', { type: 'button', class: 'secondary print-report' }, t('print'));
    print.addEventListener('click', () => printReport(receipt, check, digest));
    actions.append(print);
    return el('article', { class: 'deposit', 'data-ok': String(check.ok) },
      el('h2', {}, t('deposit.heading', { index: index + 1 })), el('p', { class: 'sentence' }, sentence),
      warnings, dl,
      check.signers.length ? el('details', { open: '' }, el('summary', {}, t('signers.heading')), signers) : '',
      el('details', {}, el('summary', {}, t('steps.summary')), steps), actions);
  }

  function renderResults() {
    const { receipts, checks, digest } = state.shown;
    const results = $('results');
    results.replaceChildren();
    checks.forEach((c, i) => results.append(renderDeposit(receipts[i], c, i, digest)));
  }

  // Verifies every receipt and shows the overall verdict.
  async function showReceipts(receipts, digest) {
    $('results').replaceChildren();
    state.shown = null;
    if (receipts.length === 0) {
      setVerdict({ key: 'verdict.none', cls: 'none', summary: [['summary.notfound']] });
      return;
    }
    const checks = [];
    for (const r of receipts) checks.push(await V.verifyReceipt(r, state.genesis, digest));
    state.shown = { receipts, checks, digest };
    renderResults();
    const failed = checks.find((c) => !c.ok);
    const warnings = checks.reduce((n, c) => n + (c.warnings || []).length, 0);
    const warn = warnings ? [['summary.warnings', { count: warnings }]] : [];
    if (failed) {
      setVerdict({ key: 'verdict.bad', cls: 'bad', summary: [['summary.failed', { step: stepLabel(failed.failed) }]] });
    } else if (digest === undefined || digest === null) {
      // A receipt checked without its file proves a deposit of some hash, not that a file in
      // hand is the deposited one: the verdict says so rather than a bare "Verified".
      setVerdict({ key: 'verdict.receiptonly', cls: 'ok warned',
        summary: [['summary.one'], ['summary.nofile'], ...warn] });
    } else {
      setVerdict({ key: 'verdict.ok', cls: warnings ? 'ok warned' : 'ok',
        summary: [receipts.length === 1 ? ['summary.one'] : ['summary.many', { count: receipts.length }], ...warn] });
    }
  }

  async function lookup(digest) {
    if (!state.genesis) return message('summary.nogenesis');
    message('summary.lookup', { digest });
    // Whatever answers (the validator, or a proxy in front of it that is up while the
    // validator is not) is checked to be the API's answer before it is read, so a failure is
    // said, with the HTTP status, instead of the page staying on "looking up".
    let body;
    try {
      const r = await fetch('/v1/evidence/' + digest);
      const text = await r.text();
      if (!r.ok) {
        let why = 'HTTP ' + r.status;
        try {
          const error = V.parseJson(text).error;
          if (error && typeof error.message === 'string') why += ': ' + error.message;
        } catch (e) {
          // Not the API's JSON error (a proxy's HTML page, say): the status alone.
        }
        throw new Error(why);
      }
      body = V.parseJson(text);
      if (!body || !Array.isArray(body.deposits) ||
          !body.deposits.every((d) => d !== null && typeof d === 'object')) {
        throw new Error(t('lookup.malformed'));
      }
    } catch (e) {
      return message('summary.lookupfailed', { message: e.message });
    }
    await showReceipts(body.deposits.filter((d) => d.receipt).map((d) => d.receipt), digest);
  }

  // ---- hashing a file of any size ----
  function showFile() {
    const f = state.file;
    const out = $('file-result');
    if (!f) {
      out.hidden = true;
      return;
    }
    out.hidden = false;
    out.replaceChildren(t('file.digest', { name: f.name }) + ' ', el('code', { id: 'file-digest' }, f.digest),
      offline ? ' ' + t('file.next.offline') : '');
  }

  async function hashFile(file) {
    if (!V.hasWebCrypto()) return;
    if (state.hashing) state.hashing.cancelled = true;
    const job = { cancelled: false };
    state.hashing = job;
    state.file = null;
    showFile();
    const bar = $('hash-progress');
    const status = $('hash-status');
    $('hashing').hidden = false;
    bar.max = Math.max(file.size, 1);
    bar.value = 0;
    const start = performance.now();
    const progress = (done, total) => {
      if (job.cancelled) return;
      bar.value = done;
      const seconds = (performance.now() - start) / 1000;
      status.textContent = t('hash.progress', { name: file.name, done: mib(done), total: mib(total),
        rate: mib(seconds > 0 ? Math.round(done / seconds) : 0) });
    };
    progress(0, file.size);
    let digest;
    try {
      digest = V.toHex(await H.hashBlob(file, { onProgress: progress, cancel: job }));
    } catch (e) {
      if (state.hashing === job) {
        $('hashing').hidden = true;
        state.hashing = null;
        message(e.name === 'AbortError' ? 'hash.cancelled' : 'hash.failed', { message: e.message });
      }
      return;
    }
    const seconds = (performance.now() - start) / 1000;
    state.hashing = null;
    $('hashing').hidden = true;
    state.file = { name: file.name, size: file.size, digest };
    window.evchainPage.lastHash = { name: file.name, bytes: file.size, digest, seconds };
    showFile();
    $('digest-input').value = digest;
    message('hash.done', { name: file.name, size: mib(file.size), seconds: seconds.toFixed(1) });
    if (!offline) await lookup(digest);
  }

  // ---- the printable report (one A4 page) ----
  function printReport(receipt, check, digest) {
    const report = $('report');
    const blockMillis = receipt && receipt.block ? V.parseRfc3339(receipt.block.time) : null;
    const fileRow = state.file && digest === state.file.digest
      ? state.file.name + '（' + mib(state.file.size) + '）' : t('report.nofile');
    const info = [
      ['row.file', fileRow],
      ['row.digest', (check.provenance && check.provenance.digest) || digest || ''],
      ['row.evidence', receipt.evidence_id],
      ['row.depositor', check.depositor ? name(check.depositor) + '（' + check.depositor.id + '）' : ''],
      ['row.height', String(receipt.block.height)],
      ['row.time', time(blockMillis) + ' · ' + receipt.block.time],
      ['row.genesis', state.genesisHash + '（' + state.genesis.chain_id + '）'],
    ];
    const table = el('table', { class: 'info' });
    for (const [k, v] of info) table.append(el('tr', {}, el('th', {}, t(k)), el('td', { 'data-row': k }, v)));
    const checks = el('table', { class: 'checks' },
      el('tr', {}, el('th', {}, t('report.check')), el('th', {}, t('report.result')), el('th', {}, t('report.detail'))));
    for (const s of check.steps) {
      const result = !s.ok ? 'result.fail' : s.warning ? 'result.warn' : 'result.pass';
      checks.append(el('tr', { class: result.slice(7) }, el('td', {}, stepLabel(s.name)), el('td', {}, t(result)),
        el('td', {}, s.detail)));
    }
    const signers = el('table', { class: 'checks' },
      el('tr', {}, el('th', {}, t('signer.name')), el('th', {}, t('signer.role')), el('th', {}, t('signer.time'))));
    for (const s of check.signers) {
      signers.append(el('tr', {}, el('td', {}, name(s) + '（' + s.id + '）'), el('td', {}, t('role.' + s.role)),
        el('td', {}, time(s.time * 1000))));
    }
    const qr = el('div', { class: 'qr', title: receipt.evidence_id });
    if (typeof window.qrcode === 'function') {
      const code = window.qrcode(0, 'M');
      code.addData(String(receipt.evidence_id));
      code.make();
      qr.innerHTML = code.createSvgTag({ cellSize: 3, margin: 2 });
    }
    const verdict = !check.ok ? 'verdict.bad'
      : digest === undefined || digest === null ? 'verdict.receiptonly' : 'verdict.ok';
    report.replaceChildren(
      el('header', {}, el('div', {}, el('h1', {}, t('report.title')),
        el('p', { class: 'report-verdict ' + (check.ok ? 'ok' : 'bad') }, t(verdict))),
      el('figure', {}, qr, el('figcaption', {}, t('report.qr')))),
      table, el('h2', {}, t('report.checks')), checks, el('h2', {}, t('signers.heading')), signers,
      el('p', { class: 'generated' }, t('report.generated', { time: time(Date.now()) })));
    report.hidden = false;
    document.body.classList.add('printing-report');
    const done = () => {
      document.body.classList.remove('printing-report');
      window.removeEventListener('afterprint', done);
    };
    window.addEventListener('afterprint', done);
    window.print();
  }

  // ---- wiring ----
  function init() {
    let saved = null;
    try {
      saved = localStorage.getItem('evchain-lang');
    } catch (e) {
      saved = null;
    }
    state.lang = I.detect(saved, navigator.languages || [navigator.language]);
    if (offline) {
      document.body.classList.add('offline');
      $('digest-form').hidden = true;
      $('genesis-input').hidden = true;
      $('court-compare').hidden = true;
    }
    applyLanguage();
    $('lang-switch').addEventListener('click', () => setLanguage(state.lang === 'zh' ? 'en' : 'zh'));
    if (!V.hasWebCrypto()) {
      setVerdict({ key: '', cls: 'none', summary: [['secure.summary']] });
      return;
    }
    if (offline) {
      let g = null;
      try {
        g = V.parseJson(embedded.textContent);
      } catch (e) {
        $('genesis-source').textContent = t('genesis.invalid', { message: e.message });
      }
      if (g) useGenesis(g, { key: 'genesis.source.embedded' });
    } else {
      fetch('/v1/genesis').then((r) => r.text()).then(V.parseJson)
        .then((g) => useGenesis(g, { key: 'genesis.source.served' }))
        .catch((e) => { $('genesis-hash').textContent = t('genesis.loadfailed', { message: e.message }); });
    }

    $('digest-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const digest = $('digest-input').value.trim().toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(digest)) return message('digest.invalid');
      lookup(digest);
    });
    $('file-input').addEventListener('change', (ev) => {
      const file = ev.target.files[0];
      // Cleared so that choosing the same file again (after a cancel) starts again.
      ev.target.value = '';
      if (file) hashFile(file);
    });
    $('hash-cancel').addEventListener('click', () => {
      if (state.hashing) state.hashing.cancelled = true;
    });
    const zone = $('drop-zone');
    zone.addEventListener('dragover', (ev) => { ev.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (ev) => {
      ev.preventDefault();
      zone.classList.remove('over');
      if (ev.dataTransfer.files[0]) hashFile(ev.dataTransfer.files[0]);
    });
    $('receipt-file').addEventListener('change', async (ev) => {
      const file = ev.target.files[0];
      if (!file) return;
      const text = await readUtf8(file);
      if (text === null) {
        // Not pasted into the box: replacement characters there would look like a receipt.
        $('receipt-input').value = '';
        $('results').replaceChildren();
        state.shown = null;
        return setVerdict({ key: 'verdict.bad', cls: 'bad',
          summary: [['receipt.notutf8', { name: file.name }]] });
      }
      $('receipt-input').value = text;
    });
    $('receipt-button').addEventListener('click', async () => {
      if (!state.genesis) return message('summary.nogenesis');
      let receipt;
      try {
        receipt = V.parseJson($('receipt-input').value);
      } catch (e) {
        $('results').replaceChildren();
        state.shown = null;
        const why = e.duplicateKey !== undefined ? ['receipt.duplicatekey', { key: e.duplicateKey }]
          : ['receipt.notjson'];
        return setVerdict({ key: 'verdict.bad', cls: 'bad', summary: [why] });
      }
      await showReceipts([receipt], state.file ? state.file.digest : undefined);
    });
    $('genesis-input').addEventListener('change', async (ev) => {
      const file = ev.target.files[0];
      if (!file) return;
      const text = await readUtf8(file);
      if (text === null) {
        $('genesis-source').textContent = t('genesis.invalid', { message: t('file.notutf8') });
        return;
      }
      let g;
      try {
        g = V.parseJson(text);
      } catch (e) {
        $('genesis-source').textContent = t('genesis.invalid', { message: e.message });
        return;
      }
      await useGenesis(g, { key: 'genesis.source.file', values: { name: file.name } });
    });
    $('court-fingerprint').addEventListener('input', compareCourtFingerprint);
  }

  init();
})();
