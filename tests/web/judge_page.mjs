// Drives the judge's page in headless Chromium like a clerk would: drop (choose) a file, read
// the verdict; then paste a tampered receipt; then load another genesis file. Prints one JSON line per check; exits non-zero on
// the first failure. Usage:
//   node judge_page.mjs URL DEPOSITED_FILE RECEIPT UNKNOWN_FILE DEPOSITOR_NAME BLOCK_TIME SHOT.png
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [url, depositedFile, receiptPath, unknownFile, depositorName, blockTime, shot] =
  process.argv.slice(2);
// A genesis of another chain (the repository's sample network), loaded as a judge would load
// the court's own file.
const otherGenesis = fileURLToPath(new URL('../../genesis/local/genesis.json', import.meta.url));

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

async function verdictAfter(page, action) {
  await page.evaluate(() => { document.getElementById('verdict').textContent = ''; });
  await action();
  await page.waitForFunction(() => document.getElementById('verdict').textContent.trim() !== '',
    null, { timeout: 20000 });
  return (await page.textContent('#verdict')).trim();
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ locale: 'en-US' });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(
    () => /^[0-9a-f]{64}$/.test(document.getElementById('genesis-hash').textContent.trim()),
    null, { timeout: 20000 });

  // 1. The deposited file, chosen as a judge would (the file input behind the drop zone).
  let verdict = await verdictAfter(page, () => page.setInputFiles('#file-input', depositedFile));
  const results = await page.textContent('#results');
  const summary = await page.textContent('#summary');
  const text = summary + ' ' + results;
  if (verdict !== 'Verified') fail(`deposited file: verdict "${verdict}"`);
  if (!text.includes(depositorName)) fail(`deposited file: depositor "${depositorName}" not shown`);
  // The attested time as the page prints it (UTC, to the second).
  const when = new Date(blockTime);
  const hhmmss = when.toISOString().slice(11, 19);
  if (!text.includes(hhmmss)) fail(`deposited file: block time ${hhmmss} not shown in: ${text}`);
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify({ check: 'deposited file', verdict }));

  // 2. A file never deposited.
  verdict = await verdictAfter(page, () => page.setInputFiles('#file-input', unknownFile));
  if (verdict !== 'Not found') fail(`unknown file: verdict "${verdict}"`);
  console.log(JSON.stringify({ check: 'unknown file', verdict }));

  // 2b. A validator (or the proxy in front of it) that answers the lookup with something else
  // than the API's answer: the page says the lookup failed and why, never stays "Looking up".
  for (const [status, contentType, body, want] of [
    [200, 'application/json', '{}', 'not a list of deposits'],
    [200, 'application/json', '{"deposits":[null]}', 'not a list of deposits'],
    [502, 'text/html', '<html><body>Bad Gateway</body></html>', 'HTTP 502'],
  ]) {
    await page.route('**/v1/evidence/**', (route) => route.fulfill({ status, contentType, body }));
    await page.fill('#digest-input', 'ab'.repeat(32));
    await page.click('#digest-button');
    try {
      await page.waitForFunction((w) => document.getElementById('summary').textContent.includes(w),
        want, { timeout: 10000 });
    } catch (e) {
      fail(`lookup answered ${status} ${body}: summary "${await page.textContent('#summary')}"`);
    }
    await page.unroute('**/v1/evidence/**');
  }
  console.log(JSON.stringify({ check: 'lookup answered with garbage' }));

  // 3. The fingerprint the court holds, compared with the validator's genesis.
  const receipt = JSON.parse(readFileSync(receiptPath, 'utf8'));
  await page.fill('#court-fingerprint', receipt.genesis_hash);
  if (!/^Match/.test(await page.textContent('#court-result'))) fail('court fingerprint: no match');
  await page.fill('#court-fingerprint', '00'.repeat(32));
  if (!/^MISMATCH/.test(await page.textContent('#court-result'))) fail('court fingerprint: no mismatch');
  console.log(JSON.stringify({ check: 'court fingerprint compared' }));

  // 4. The genuine receipt pasted for verification in the browser (with the deposited file
  // chosen again, so its hash is checked too), then a tampered copy.
  await verdictAfter(page, () => page.setInputFiles('#file-input', depositedFile));
  verdict = await verdictAfter(page, async () => {
    await page.fill('#receipt-input', JSON.stringify(receipt));
    await page.click('#receipt-button');
  });
  if (verdict !== 'Verified') fail(`genuine receipt: verdict "${verdict}"`);
  if (!(await page.$('li[data-step="file"]'))) fail('genuine receipt: the file was not checked');
  console.log(JSON.stringify({ check: 'genuine receipt', verdict }));

  const tampered = structuredClone(receipt);
  // Move the attested time by one second inside the signed checkpoint: cosignatures break.
  tampered.checkpoint = tampered.checkpoint.replace(/^time (.*)$/m, (line, t) =>
    `time ${new Date(Date.parse(t) + 1000).toISOString()}`);
  if (tampered.checkpoint === receipt.checkpoint) fail('could not tamper with the checkpoint');
  verdict = await verdictAfter(page, async () => {
    await page.fill('#receipt-input', JSON.stringify(tampered));
    await page.click('#receipt-button');
  });
  if (verdict !== 'NOT verified') fail(`tampered receipt: verdict "${verdict}"`);
  console.log(JSON.stringify({ check: 'tampered receipt', verdict }));

  // A receipt naming a field twice: JSON.parse would keep the last value, the CLI refuses the
  // file, and so does the page, saying which key.
  const twice = JSON.stringify(receipt).replace('"leaf_index":', '"leaf_index":0,"leaf_index":');
  if (twice === JSON.stringify(receipt)) fail('could not repeat a key');
  verdict = await verdictAfter(page, async () => {
    await page.fill('#receipt-input', twice);
    await page.click('#receipt-button');
  });
  const why = await page.textContent('#summary');
  if (verdict !== 'NOT verified' || !why.includes('repeats the key "leaf_index"')) {
    fail(`receipt with a repeated key: verdict "${verdict}", summary "${why}"`);
  }
  console.log(JSON.stringify({ check: 'receipt with a repeated key', verdict }));

  // A receipt file that is not UTF-8 (one byte 0xff inside a string): `evchain verify` refuses
  // it as malformed JSON. The page must not check the U+FFFD that File.text() would put in its
  // place, nor leave that text in the box.
  const genuine = Buffer.from(JSON.stringify(receipt), 'utf8');
  const at = genuine.indexOf('"format"') + 1;
  const notUtf8 = Buffer.concat([genuine.subarray(0, at), Buffer.from([0xff]), genuine.subarray(at)]);
  verdict = await verdictAfter(page, () => page.setInputFiles('#receipt-file',
    { name: 'receipt.json', mimeType: 'application/json', buffer: notUtf8 }));
  const notUtf8Why = await page.textContent('#summary');
  const box = await page.inputValue('#receipt-input');
  if (verdict !== 'NOT verified' || !notUtf8Why.includes('not UTF-8') || box !== '') {
    fail(`receipt file not UTF-8: verdict "${verdict}", summary "${notUtf8Why}", box "${box.slice(0, 40)}"`);
  }
  console.log(JSON.stringify({ check: 'receipt file not UTF-8', verdict }));

  // The same for a genesis file: refused, and the page keeps the genesis it had.
  const hashBefore = (await page.textContent('#genesis-hash')).trim();
  await page.setInputFiles('#genesis-input',
    { name: 'genesis.json', mimeType: 'application/json', buffer: Buffer.from('{"a":"\xff"}', 'latin1') });
  await page.waitForFunction(() => /UTF-8/.test(document.getElementById('genesis-source').textContent),
    null, { timeout: 20000 });
  if ((await page.textContent('#genesis-hash')).trim() !== hashBefore) fail('genesis not UTF-8: genesis replaced');
  console.log(JSON.stringify({ check: 'genesis file not UTF-8' }));

  // A genesis loaded after a verdict is on screen (the court's own file, here another chain's):
  // the verdict shown must be the one against the genesis shown, never the earlier one.
  verdict = await verdictAfter(page, () => page.setInputFiles('#file-input', depositedFile));
  if (verdict !== 'Verified') fail(`deposited file again: verdict "${verdict}"`);
  await page.setInputFiles('#genesis-input', otherGenesis);
  await page.waitForFunction((before) => document.getElementById('genesis-hash').textContent.trim() !== before,
    hashBefore, { timeout: 20000 });
  try {
    await page.waitForFunction(() => document.getElementById('verdict').textContent.trim() === 'NOT verified',
      null, { timeout: 10000 });
  } catch (e) {
    // Reported below with what the page shows.
  }
  verdict = (await page.textContent('#verdict')).trim();
  const failedStep = await page.$('#results li.fail[data-step="chain"]');
  if (verdict !== 'NOT verified' || !failedStep) {
    fail(`another chain's genesis loaded after a verdict: verdict "${verdict}", chain step failed: ${!!failedStep}`);
  }
  console.log(JSON.stringify({ check: 'verdict follows a genesis loaded later', verdict }));
} finally {
  await browser.close();
}
