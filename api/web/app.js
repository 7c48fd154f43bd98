// The judge's page: hash a file locally, look its digest up, and verify every receipt in the
// browser with verify.js against the genesis (the validator's, or one the judge loads).
'use strict';

(function () {
  const V = window.EvchainVerify;
  const $ = (id) => document.getElementById(id);
  const ROLE_WORDS = { court: ['court', 'courts'], notary: ['notary', 'notaries'],
    time: ['time service', 'time services'] };
  const STEP_WORDS = {
    crypto: 'This browser can verify', receipt: 'Receipt format', chain: 'Receipt belongs to this chain',
    statement: 'Deposit statement matches its evidence id', file: 'Fingerprint matches the file',
    batch: 'Item is part of the batch the platform signed',
    depositor_signature: 'Platform\'s signature is valid', leaf: 'Log entry matches the deposit',
    inclusion_proof: 'Entry is in the evidence log', checkpoint_root: 'Log state is the one validators signed',
    quorum: 'Validators confirmed it',
  };
  let genesis = null;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
  }

  // "28 Nov 2026 11:30:27 UTC"
  function plainTime(rfc3339) {
    const d = new Date(rfc3339);
    if (Number.isNaN(d.getTime())) return rfc3339;
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const p = (n) => String(n).padStart(2, '0');
    return d.getUTCDate() + ' ' + months[d.getUTCMonth()] + ' ' + d.getUTCFullYear() + ' ' +
      p(d.getUTCHours()) + ':' + p(d.getUTCMinutes()) + ':' + p(d.getUTCSeconds()) + ' UTC';
  }

  function rolesPhrase(signers) {
    const counts = {};
    for (const s of signers) counts[s.role] = (counts[s.role] || 0) + 1;
    return Object.keys(ROLE_WORDS).filter((r) => counts[r])
      .map((r) => counts[r] + ' ' + ROLE_WORDS[r][counts[r] === 1 ? 0 : 1]).join(', ');
  }

  function setVerdict(text, cls, summary) {
    const v = $('verdict');
    v.textContent = text;
    v.className = 'verdict ' + cls;
    $('summary').textContent = summary || '';
  }

  function download(receipt) {
    const blob = new Blob([JSON.stringify(receipt, null, 2) + '\n'], { type: 'application/json' });
    const a = el('a', { href: URL.createObjectURL(blob), download: receipt.evidence_id + '.receipt.json' },
      'Download receipt');
    return a;
  }

  function renderDeposit(receipt, check, index) {
    const n = (genesis.validators || []).length;
    const who = check.depositor ? check.depositor.name : 'an unknown depositor';
    const sentence = check.ok
      ? 'This file was preserved on ' + plainTime(check.blockTime) + ' by ' + who + ', confirmed by ' +
        check.signers.length + ' of ' + n + ' validators (' + rolesPhrase(check.signers) + ').'
      : 'This record FAILED verification at the step "' + (STEP_WORDS[check.failed] || check.failed) +
        '". Do not rely on it.';
    const p = check.provenance || {};
    const rows = [
      ['Attested time', receipt.block ? plainTime(receipt.block.time) : ''],
      ['Deposited by', check.depositor ? check.depositor.name + ' (' + check.depositor.id + ')' : ''],
      ['Fingerprint (SHA-256)', p.digest || ''],
      ['Kind', p.kind || '—'], ['Captured from', p.source || '—'], ['Captured at', p.captured_at || '—'],
      ['Case reference', p.case_ref || '—'], ['Corroborates', (p.related || []).join(', ') || '—'],
      ['Block', receipt.block ? String(receipt.block.height) : ''], ['Evidence id', receipt.evidence_id],
    ];
    const dl = el('dl');
    for (const [k, v] of rows) dl.append(el('dt', {}, k), el('dd', {}, v));
    const steps = el('ul', { class: 'steps' });
    for (const s of check.steps) {
      steps.append(el('li', s.ok ? {} : { class: 'fail' }, (STEP_WORDS[s.name] || s.name) + ' — ' + s.detail));
    }
    const actions = el('div', { class: 'row no-print' }, download(receipt));
    const print = el('button', { type: 'button', class: 'secondary' }, 'Print for the case file');
    print.addEventListener('click', () => window.print());
    actions.append(print);
    return el('article', { class: 'deposit', 'data-ok': String(check.ok) },
      el('h2', {}, 'Deposit ' + (index + 1)), el('p', { class: 'sentence' }, sentence), dl,
      el('details', {}, el('summary', {}, 'Checks performed in this browser'), steps), actions);
  }

  // Verifies every receipt and shows the overall verdict.
  async function showReceipts(receipts, digest) {
    const results = $('results');
    results.replaceChildren();
    if (receipts.length === 0) {
      setVerdict('Not found', 'none', 'No deposit of this fingerprint is recorded on this chain.');
      return;
    }
    let failed = null;
    for (let i = 0; i < receipts.length; i++) {
      const check = await V.verifyReceipt(receipts[i], genesis, digest);
      if (!check.ok && !failed) failed = STEP_WORDS[check.failed] || check.failed;
      results.append(renderDeposit(receipts[i], check, i));
    }
    if (failed) {
      setVerdict('INVALID', 'bad', 'Verification failed at: ' + failed + '.');
    } else {
      setVerdict('Preserved', 'ok', receipts.length === 1 ? 'One deposit, verified in this browser.'
        : receipts.length + ' deposits, each verified in this browser.');
    }
  }

  async function lookup(digest) {
    if (!genesis) return setVerdict('', 'none', 'The genesis file is not loaded yet.');
    setVerdict('', 'none', 'Looking up ' + digest + ' …');
    let body;
    try {
      const r = await fetch('/v1/evidence/' + digest);
      body = await r.json();
      if (!r.ok) throw new Error(body.error ? body.error.message : 'HTTP ' + r.status);
    } catch (e) {
      return setVerdict('', 'none', 'The lookup failed: ' + e.message);
    }
    await showReceipts(body.deposits.map((d) => d.receipt), digest);
  }

  async function hashFile(file) {
    if (!V.hasWebCrypto()) return;
    setVerdict('', 'none', 'Computing the fingerprint of ' + file.name + ' in this browser …');
    const digest = V.toHex(await V.sha256(new Uint8Array(await file.arrayBuffer())));
    $('digest-input').value = digest;
    await lookup(digest);
  }

  async function useGenesis(g, source) {
    genesis = g;
    $('genesis-hash').textContent = await V.genesisHash(g);
    $('genesis-source').textContent = source;
    const vs = g.validators || [];
    $('validators').textContent = 'Chain "' + g.chain_id + '": ' + vs.length + ' validators (' +
      rolesPhrase(vs) + '): ' + vs.map((v) => v.id).join(', ') + '.';
  }

  function init() {
    if (!V.hasWebCrypto()) {
      const w = $('secure-warning');
      w.hidden = false;
      w.textContent = 'This page cannot verify anything here: the browser only offers its ' +
        'cryptography to pages opened securely. Open it over https://, or on the validator ' +
        'machine itself via http://localhost.';
      setVerdict('', 'none', 'Verification is unavailable (not a secure context).');
      $('genesis-hash').textContent = 'unavailable';
      return;
    }
    fetch('/v1/genesis').then((r) => r.json())
      .then((g) => useGenesis(g, 'Using the genesis published by this validator. Compare the ' +
        'fingerprint with the one the court holds, or load your own genesis file:'))
      .catch((e) => { $('genesis-hash').textContent = 'could not load: ' + e.message; });

    $('digest-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const digest = $('digest-input').value.trim().toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(digest)) {
        return setVerdict('', 'none', 'A SHA-256 fingerprint is 64 characters 0-9 and a-f.');
      }
      lookup(digest);
    });
    $('file-input').addEventListener('change', (ev) => {
      if (ev.target.files[0]) hashFile(ev.target.files[0]);
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
      if (ev.target.files[0]) $('receipt-input').value = await ev.target.files[0].text();
    });
    $('receipt-button').addEventListener('click', async () => {
      let receipt;
      try {
        receipt = JSON.parse($('receipt-input').value);
      } catch (e) {
        return setVerdict('INVALID', 'bad', 'The receipt is not valid JSON.');
      }
      await showReceipts([receipt], undefined);
    });
    $('genesis-input').addEventListener('change', async (ev) => {
      const file = ev.target.files[0];
      if (!file) return;
      try {
        await useGenesis(JSON.parse(await file.text()), 'Using the genesis file you loaded: ' + file.name);
      } catch (e) {
        $('genesis-source').textContent = 'That genesis file is not valid JSON.';
      }
    });
  }

  init();
})();
