// The court's own page (`evchain page`) in headless Chromium, opened from file: with the network
// off, in Chinese and in English; its printed A4 report; and a large file hashed in slices with
// bounded memory. Prints one JSON line per check; exits non-zero on the first failure.
// Usage: node court_page.mjs '<json options>'   (tests/process/judge_page_test.py)
//   {"mode": "offline", "page": "/abs/verify.html", "evidence": F, "receipt": R,
//    "names": {"zh": [...], "en": [...]}, "height": H, "shots": DIR}
//   {"mode": "hash", "page": "/abs/verify.html", "file": BIG, "digest": HEX, "max_growth_mib": 200}
import { chromium } from 'playwright-core';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const o = JSON.parse(process.argv[2]);

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

// Resident memory (bytes) of every process descended from this one (the browser, its
// renderers, GPU and utility processes: `total`) and of the renderers alone (`renderers`: the
// tab). Shared pages count once per process, so only differences mean much.
function treeRss() {
  const children = new Map();
  const rss = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = fields[1];
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(pid);
      rss.set(pid, Number(fields[21]) * 4096);
    } catch (e) {
      // The process ended meanwhile.
    }
  }
  let total = 0;
  let renderers = 0;
  const stack = [...(children.get(String(process.pid)) || [])];
  while (stack.length) {
    const pid = stack.pop();
    total += rss.get(pid) || 0;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) renderers += rss.get(pid) || 0;
    } catch (e) {
      // Ended meanwhile.
    }
    stack.push(...(children.get(pid) || []));
  }
  return { total, renderers };
}

async function verdictAfter(page, action) {
  await page.evaluate(() => { document.getElementById('verdict').textContent = ''; });
  await action();
  await page.waitForFunction(() => document.getElementById('verdict').textContent.trim() !== '',
    null, { timeout: 60000 });
  return (await page.textContent('#verdict')).trim();
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

async function openOffline(locale) {
  const context = await browser.newContext({ locale, acceptDownloads: false });
  // The network is off; anything but the page's own file: URL would be a failure.
  await context.setOffline(true);
  const requests = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
  await page.goto(pathToFileURL(o.page).href);
  await page.waitForFunction(
    () => /^[0-9a-f]{64}$/.test(document.getElementById('genesis-hash').textContent.trim()),
    null, { timeout: 20000 });
  return { context, page, requests };
}

try {
  if (o.mode === 'offline') {
    const receipt = readFileSync(o.receipt, 'utf8');
    // 1. Chinese (the browser's language): file + receipt, verified with the network off.
    const zh = await openOffline('zh-CN');
    if ((await zh.page.getAttribute('html', 'lang')) !== 'zh-CN') fail('zh page: html lang');
    if (!(await zh.page.textContent('h1')).includes('存证')) fail('zh page: title not Chinese');
    if (!(await zh.page.evaluate(() => window.isSecureContext && !!crypto.subtle))) {
      fail('file: is not a secure context with WebCrypto');
    }
    await zh.page.setInputFiles('#file-input', o.evidence);
    await zh.page.waitForFunction(() => window.evchainPage.lastHash !== null, null, { timeout: 60000 });
    let verdict = await verdictAfter(zh.page, async () => {
      await zh.page.fill('#receipt-input', receipt);
      await zh.page.click('#receipt-button');
    });
    if (verdict !== '验证通过') fail(`zh: verdict "${verdict}"`);
    const results = await zh.page.textContent('#results');
    for (const name of o.names.zh) if (!results.includes(name)) fail(`zh: "${name}" not shown`);
    if (!results.includes('区块高度')) fail('zh: 区块高度 not shown');
    if (!(await zh.page.$('li[data-step="file"]'))) fail('zh: the file step did not run');
    console.log(JSON.stringify({ check: 'offline zh receipt + file', verdict }));
    if (o.shots) await zh.page.screenshot({ path: path.join(o.shots, 'court-page-zh.png'), fullPage: true });

    // A tampered receipt: 验证未通过.
    const tampered = JSON.parse(receipt);
    tampered.checkpoint = tampered.checkpoint.replace(/^time (.*)$/m, (line, t) =>
      `time ${new Date(Date.parse(t) + 1000).toISOString()}`);
    verdict = await verdictAfter(zh.page, async () => {
      await zh.page.fill('#receipt-input', JSON.stringify(tampered));
      await zh.page.click('#receipt-button');
    });
    if (verdict !== '验证未通过') fail(`zh tampered: verdict "${verdict}"`);
    console.log(JSON.stringify({ check: 'offline zh tampered', verdict }));

    // 2. The printed report of the genuine receipt: one A4 page with the QR code.
    await verdictAfter(zh.page, async () => {
      await zh.page.fill('#receipt-input', receipt);
      await zh.page.click('#receipt-button');
    });
    await zh.page.evaluate(() => { window.print = () => {}; });
    await zh.page.click('.print-report');
    const report = await zh.page.textContent('#report');
    for (const want of ['电子证据存证核验报告', '验证通过', path.basename(o.evidence),
      JSON.parse(receipt).evidence_id, String(o.height), ...o.names.zh]) {
      if (!report.includes(want)) fail(`report: "${want}" missing`);
    }
    if (!(await zh.page.$('#report .qr svg'))) fail('report: no QR code');
    await zh.page.emulateMedia({ media: 'print' });
    const pdf = await zh.page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    if (pages !== 1) fail(`report: ${pages} pages, not one A4 page`);
    if (o.shots) {
      writeFileSync(path.join(o.shots, 'court-report-zh.pdf'), pdf);
      await zh.page.screenshot({ path: path.join(o.shots, 'court-report-zh.png'), fullPage: true });
    }
    await zh.page.emulateMedia({ media: 'screen' });
    console.log(JSON.stringify({ check: 'printed report', pages, pdf_bytes: pdf.length }));

    // 3. English, one click away; and an English browser gets English at once.
    await zh.page.click('#lang-switch');
    if ((await zh.page.textContent('#verdict')).trim() !== 'Verified') fail('switch: verdict not English');
    if ((await zh.page.getAttribute('html', 'lang')) !== 'en') fail('switch: html lang');
    const en = await openOffline('en-US');
    if (!(await en.page.textContent('h1')).includes('Check preserved evidence')) fail('en page: title');
    verdict = await verdictAfter(en.page, async () => {
      await en.page.fill('#receipt-input', receipt);
      await en.page.click('#receipt-button');
    });
    // No file chosen in this tab: the receipt alone is verified, and the page must not say a
    // file was checked ("Verified", "This file was preserved").
    if (verdict !== 'Receipt verified (no file checked)') fail(`en, receipt alone: verdict "${verdict}"`);
    const enSummary = await en.page.textContent('#summary');
    if (!enSummary.includes('No evidence file was chosen')) fail(`en, receipt alone: summary "${enSummary}"`);
    const enResults = await en.page.textContent('#results');
    if (enResults.includes('This file was preserved') || !enResults.includes(JSON.parse(receipt).statement.match(/^digest: ([0-9a-f]{64})$/m)[1])) {
      fail(`en, receipt alone: the sentence speaks of a file or lacks the hash: ${enResults.slice(0, 300)}`);
    }
    for (const name of o.names.en) if (!enResults.includes(name)) fail(`en: "${name}" not shown`);
    if (!enResults.includes('Block height')) fail('en: block height not shown');
    if (o.shots) await en.page.screenshot({ path: path.join(o.shots, 'court-page-en.png'), fullPage: true });
    console.log(JSON.stringify({ check: 'offline en receipt alone', verdict }));

    const requests = [...zh.requests, ...en.requests];
    if (requests.length) fail(`the offline page asked the network for ${requests.join(', ')}`);
    console.log(JSON.stringify({ check: 'no network requests', requests: 0 }));
  } else if (o.mode === 'hash') {
    const { page } = await openOffline('zh-CN');
    const before = treeRss();
    const peak = { ...before };
    const sample = () => {
      const now = treeRss();
      peak.total = Math.max(peak.total, now.total);
      peak.renderers = Math.max(peak.renderers, now.renderers);
    };
    const sampler = setInterval(sample, 100);
    await page.setInputFiles('#file-input', o.file);
    // The progress bar moves and the cancel button is there while it runs.
    await page.waitForFunction(() => !document.getElementById('hashing').hidden &&
      document.getElementById('hash-progress').value > 0, null, { timeout: 60000 });
    if (!(await page.isVisible('#hash-cancel'))) fail('no cancel button while hashing');
    await page.waitForFunction(() => window.evchainPage.lastHash !== null, null,
      { timeout: o.timeout_ms || 400000, polling: 500 });
    clearInterval(sampler);
    sample();
    const h = await page.evaluate(() => window.evchainPage.lastHash);
    if (h.digest !== o.digest) fail(`digest ${h.digest}, sha256sum says ${o.digest}`);
    const shown = (await page.textContent('#file-digest')).trim();
    if (shown !== o.digest) fail(`page shows ${shown}`);
    const mib = (x) => Math.round(x / 1048576);
    const tabGrowth = mib(peak.renderers - before.renderers);
    const allGrowth = mib(peak.total - before.total);
    const mibPerS = h.bytes / 1048576 / h.seconds;
    console.log(JSON.stringify({ check: 'large file hashed', bytes: h.bytes,
      seconds: Number(h.seconds.toFixed(2)), mib_per_s: Number(mibPerS.toFixed(1)),
      tab_rss_before_mib: mib(before.renderers), tab_rss_peak_mib: mib(peak.renderers),
      tab_growth_mib: tabGrowth, browser_growth_mib: allGrowth }));
    // The tab (renderer) stays within the bound; the whole browser within twice it (the file's
    // slices also pass through the browser process).
    if (tabGrowth > o.max_growth_mib) fail(`the tab's memory grew by ${tabGrowth} MiB`);
    if (allGrowth > 2 * o.max_growth_mib) fail(`the browser's memory grew by ${allGrowth} MiB`);

    // Cancel: a second run stopped early says so and leaves no result.
    await page.evaluate(() => { window.evchainPage.lastHash = null; });
    await page.setInputFiles('#file-input', o.file);
    await page.waitForFunction(() => !document.getElementById('hashing').hidden &&
      document.getElementById('hash-progress').value > 0, null, { timeout: 60000 });
    await page.click('#hash-cancel');
    await page.waitForFunction(() => document.getElementById('hashing').hidden, null, { timeout: 60000 });
    const summary = await page.textContent('#summary');
    if (!summary.includes('已取消')) fail(`cancel: summary "${summary}"`);
    if (await page.evaluate(() => window.evchainPage.lastHash !== null)) fail('cancel: a digest was set');
    console.log(JSON.stringify({ check: 'hash cancelled', summary }));
  } else {
    fail(`unknown mode ${o.mode}`);
  }
} finally {
  await browser.close();
}
