// Every string the judge's page shows, one table per language: Simplified Chinese first (the
// users are Chinese courts), English one click away. Court terms as Chinese courts use them:
// 存证, 哈希值, 区块高度, 时间戳, 验证通过 / 验证未通过. `{name}` marks a value filled in by t().
// The CLI's report (tools/cli/report_strings.cc) uses the same words.
'use strict';

(function (root) {
  const STRINGS = {
    zh: {
      'html.lang': 'zh-CN',
      'lang.switch': 'English',
      'lang.switch.title': 'Switch to English',
      title: '电子证据存证核验',
      lead: '将证据文件拖到此处，或输入其 SHA-256 哈希值，即可查看该文件是否、何时、由谁在本链上存证。' +
        '所有核验都在本浏览器中依据本链的创世文件完成，不依赖服务器的任何说法。',
      'lead.offline': '本页面是法院自行保存的离线核验页，已内置本链的创世文件，无需联网。选择证据文件和存证凭证，' +
        '即可在本机核验。',
      'secure.warning': '此处无法核验：浏览器只向安全打开的页面提供密码功能。请通过 https:// 打开，' +
        '或在验证节点本机通过 http://localhost 打开，或使用法院保存的离线核验页。',
      'secure.summary': '无法核验（页面不是安全上下文）。',
      'drop.strong': '将文件拖到此处',
      'drop.rest': '或点击选择文件。',
      'drop.small': '文件不会离开本机：只在本机计算其哈希值。',
      'drop.small.served': '文件不会离开本机：只在本机计算其哈希值，并只查询该哈希值。',
      'hash.progress': '正在计算 {name} 的哈希值：{done} / {total}（{rate}/秒）',
      'hash.done': '{name} 的 SHA-256 哈希值已算出（{size}，用时 {seconds} 秒）。',
      'hash.cancel': '取消',
      'hash.cancelled': '已取消计算哈希值。',
      'hash.failed': '无法读取该文件：{message}',
      'file.digest': '文件 {name} 的 SHA-256 哈希值：',
      'file.next.offline': '请再载入该文件的存证凭证进行核验。',
      'digest.label': '或输入 SHA-256 哈希值（64 位十六进制字符）',
      'digest.placeholder': '例如 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'digest.button': '查询',
      'digest.invalid': 'SHA-256 哈希值由 64 个字符 0-9、a-f 组成。',
      'receipt.heading': '核验存证凭证',
      'receipt.small': '粘贴或载入存证凭证（evchain-receipt/1 JSON），依据下方的创世文件在本机核验，不向服务器询问任何内容。' +
        '若已选择证据文件，同时核对文件的哈希值。',
      'receipt.button': '核验凭证',
      'receipt.notjson': '存证凭证不是有效的 JSON。',
      'receipt.duplicatekey': '存证凭证的 JSON 中键“{key}”出现了不止一次，无法确定以哪个值为准，不予核验。',
      'receipt.notutf8': '文件 {name} 不是 UTF-8 文本。存证凭证是 UTF-8 编码的 JSON，该文件不予核验。',
      'file.notutf8': '不是 UTF-8 文本',
      'chain.heading': '本链',
      'genesis.hash': '创世文件哈希值（SHA-256）：',
      'genesis.loading': '载入中…',
      'genesis.unavailable': '不可用',
      'genesis.loadfailed': '无法载入：{message}',
      'genesis.source.served': '正在使用本验证节点公布的创世文件。请与法院保存的哈希值比对，或载入法院自己的创世文件：',
      'genesis.source.embedded': '正在使用本页面内置的创世文件（法院保存）。',
      'genesis.source.file': '正在使用您载入的创世文件：{name}',
      'genesis.invalid': '该创世文件无效：{message}',
      'court.label': '法院保存的创世文件哈希值：',
      'court.placeholder': '粘贴法院保存的哈希值进行比对',
      'court.match': '一致：本节点的创世文件就是法院保存的那一份。',
      'court.mismatch': '不一致！本节点的创世文件不是法院保存的那一份，请勿依赖本页的结论。',
      'court.badformat': '哈希值应为 64 位十六进制字符。',
      'chain.summary': '链 “{chain}”：{n} 个验证节点（{roles}），法定确认数 {quorum}：',
      'role.court': '法院', 'role.notary': '公证机构', 'role.time': '授时机构',
      'roles.count': '{count} 个{role}',
      'list.sep': '、',
      'verdict.ok': '验证通过',
      'verdict.receiptonly': '凭证验证通过（未核对文件）',
      'verdict.bad': '验证未通过',
      'verdict.none': '未找到',
      'summary.notfound': '本链上没有该哈希值的存证记录。',
      'summary.lookup': '正在查询 {digest} …',
      'summary.lookupfailed': '查询失败：{message}',
      'lookup.malformed': '验证节点的答复不是存证记录列表',
      'summary.nogenesis': '创世文件尚未载入。',
      'summary.one': '1 条存证记录，已在本浏览器中核验。',
      'summary.many': '{count} 条存证记录，均已在本浏览器中核验。',
      'summary.nofile': '未选择证据文件：只核验了存证凭证本身，没有核对任何文件。请选择证据文件，以核对它就是存证的那一份。',
      'summary.failed': '核验在此步骤未通过：{step}。',
      'summary.warnings': '注意：{count} 项警告，见下文。',
      'deposit.heading': '存证记录 {index}',
      'sentence.ok': '该文件于 {time} 由 {depositor} 存证，经 {n} 个验证节点中的 {signers} 个确认（{roles}）。',
      'sentence.ok.nofile': '哈希值为 {digest} 的文件于 {time} 由 {depositor} 存证，经 {n} 个验证节点中的 {signers} 个确认（{roles}）。',
      'sentence.bad': '该记录在 “{step}” 步骤核验未通过，不能作为依据。',
      'depositor.unknown': '未知的存证平台',
      'row.time': '存证时间（区块时间）',
      'row.depositor': '存证平台',
      'row.digest': '文件哈希值（SHA-256）',
      'row.kind': '类型', 'row.source': '取证来源', 'row.captured': '取证时间',
      'row.case': '案号', 'row.related': '关联存证', 'row.height': '区块高度',
      'row.evidence': '存证编号', 'row.genesis': '创世文件哈希值',
      'row.file': '文件',
      'steps.summary': '在本浏览器中完成的各项核验',
      'signers.heading': '确认的验证节点',
      'signer.role': '角色', 'signer.name': '机构', 'signer.time': '签名时间戳',
      'download': '下载存证凭证',
      'print': '打印核验报告',
      'warning.prefix': '警告',
      'step.crypto': '浏览器可进行密码核验',
      'step.receipt': '存证凭证格式',
      'step.chain': '凭证属于本链（创世文件）',
      'step.statement': '存证声明与存证编号一致',
      'step.file': '文件哈希值与存证一致',
      'step.batch': '属于存证平台签名的批次',
      'step.depositor_signature': '存证平台的签名有效',
      'step.leaf': '日志条目与存证一致',
      'step.inclusion_proof': '条目在存证日志中',
      'step.checkpoint_root': '日志状态经验证节点签署',
      'step.quorum': '达到法定数量的验证节点确认',
      'step.time_attestation': '授时机构签名时间与区块时间相符',
      'result.pass': '通过', 'result.fail': '未通过', 'result.warn': '警告',
      'report.title': '电子证据存证核验报告',
      'report.checks': '核验项目',
      'report.check': '项目', 'report.result': '结果', 'report.detail': '说明',
      'report.qr': '存证编号二维码',
      'report.generated': '本报告由 evchain 核验页于 {time} 在本机生成；任何人可用创世文件和存证凭证独立复核。',
      'report.nofile': '（未提供文件，仅核验凭证）',
      'footer': 'evchain · 也可使用命令行离线核验：',
      'time.format': 'zh',
    },
    en: {
      'html.lang': 'en',
      'lang.switch': '中文',
      'lang.switch.title': '切换到中文',
      title: 'Check preserved evidence',
      lead: 'Drop the evidence file here, or enter its SHA-256 hash, to see whether, when and by ' +
        'whom it was preserved on this chain. Every check runs in this browser against the chain\'s ' +
        'genesis file; nothing is taken on the server\'s word.',
      'lead.offline': 'This is the court\'s own offline verification page, with the chain\'s genesis ' +
        'file built in: no network is needed. Choose the evidence file and its receipt to verify them ' +
        'on this computer.',
      'secure.warning': 'This page cannot verify anything here: the browser only offers its ' +
        'cryptography to pages opened securely. Open it over https://, on the validator machine ' +
        'itself via http://localhost, or use the court\'s offline verification page.',
      'secure.summary': 'Verification is unavailable (not a secure context).',
      'drop.strong': 'Drop a file here',
      'drop.rest': 'or click to choose one.',
      'drop.small': 'The file never leaves this computer: only its hash is computed here.',
      'drop.small.served': 'The file never leaves this computer: only its hash is computed here and looked up.',
      'hash.progress': 'Hashing {name}: {done} of {total} ({rate}/s)',
      'hash.done': 'SHA-256 of {name} computed ({size} in {seconds} s).',
      'hash.cancel': 'Cancel',
      'hash.cancelled': 'Hashing cancelled.',
      'hash.failed': 'The file could not be read: {message}',
      'file.digest': 'SHA-256 hash of {name}:',
      'file.next.offline': 'Now load this file\'s receipt to verify it.',
      'digest.label': 'or its SHA-256 hash (64 hexadecimal characters)',
      'digest.placeholder': 'e.g. 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'digest.button': 'Check',
      'digest.invalid': 'A SHA-256 hash is 64 characters 0-9 and a-f.',
      'receipt.heading': 'Verify a receipt',
      'receipt.small': 'Paste or load a receipt (evchain-receipt/1 JSON) to check it against the ' +
        'genesis file below, without asking the server anything. If you chose the evidence file, its ' +
        'hash is checked too.',
      'receipt.button': 'Verify receipt',
      'receipt.notjson': 'The receipt is not valid JSON.',
      'receipt.duplicatekey': 'The receipt repeats the key "{key}": which value counts is undefined, so it is not verified.',
      'receipt.notutf8': 'The file {name} is not UTF-8 text. A receipt is JSON in UTF-8, so this file is not verified.',
      'file.notutf8': 'it is not UTF-8 text',
      'chain.heading': 'Chain',
      'genesis.hash': 'Genesis fingerprint (SHA-256): ',
      'genesis.loading': 'loading…',
      'genesis.unavailable': 'unavailable',
      'genesis.loadfailed': 'could not load: {message}',
      'genesis.source.served': 'Using the genesis published by this validator. Compare the ' +
        'fingerprint with the one the court holds, or load the court\'s own genesis file:',
      'genesis.source.embedded': 'Using the genesis file built into this page (kept by the court).',
      'genesis.source.file': 'Using the genesis file you loaded: {name}',
      'genesis.invalid': 'That genesis file is not valid: {message}',
      'court.label': 'Fingerprint the court holds: ',
      'court.placeholder': 'paste the court\'s fingerprint to compare',
      'court.match': 'Match: this validator\'s genesis is the one the court holds.',
      'court.mismatch': 'MISMATCH: this validator\'s genesis is not the one the court holds. Do not rely on this page.',
      'court.badformat': 'A fingerprint is 64 hexadecimal characters.',
      'chain.summary': 'Chain "{chain}": {n} validators ({roles}), quorum {quorum}: ',
      'role.court': 'court', 'role.notary': 'notary', 'role.time': 'time service',
      'roles.count': '{count} {role}',
      'list.sep': ', ',
      'verdict.ok': 'Verified',
      'verdict.receiptonly': 'Receipt verified (no file checked)',
      'verdict.bad': 'NOT verified',
      'verdict.none': 'Not found',
      'summary.notfound': 'No deposit of this hash is recorded on this chain.',
      'summary.lookup': 'Looking up {digest} …',
      'summary.lookupfailed': 'The lookup failed: {message}',
      'lookup.malformed': 'the validator\'s answer is not a list of deposits',
      'summary.nogenesis': 'The genesis file is not loaded yet.',
      'summary.one': 'One deposit, verified in this browser.',
      'summary.many': '{count} deposits, each verified in this browser.',
      'summary.nofile': 'No evidence file was chosen: the receipt itself was verified, no file was compared with it. Choose the evidence file to check that it is the one deposited.',
      'summary.failed': 'Verification failed at: {step}.',
      'summary.warnings': 'Note: {count} warning(s), see below.',
      'deposit.heading': 'Deposit {index}',
      'sentence.ok': 'This file was preserved on {time} by {depositor}, confirmed by {signers} of {n} validators ({roles}).',
      'sentence.ok.nofile': 'A file of SHA-256 hash {digest} was preserved on {time} by {depositor}, confirmed by {signers} of {n} validators ({roles}).',
      'sentence.bad': 'This record FAILED verification at the step "{step}". Do not rely on it.',
      'depositor.unknown': 'an unknown depositor',
      'row.time': 'Attested time (block time)',
      'row.depositor': 'Deposited by',
      'row.digest': 'File hash (SHA-256)',
      'row.kind': 'Kind', 'row.source': 'Captured from', 'row.captured': 'Captured at',
      'row.case': 'Case reference', 'row.related': 'Corroborates', 'row.height': 'Block height',
      'row.evidence': 'Evidence id', 'row.genesis': 'Genesis fingerprint',
      'row.file': 'File',
      'steps.summary': 'Checks performed in this browser',
      'signers.heading': 'Confirming validators',
      'signer.role': 'Role', 'signer.name': 'Institution', 'signer.time': 'Signature timestamp',
      'download': 'Download receipt',
      'print': 'Print verification report',
      'warning.prefix': 'Warning',
      'step.crypto': 'This browser can verify',
      'step.receipt': 'Receipt format',
      'step.chain': 'Receipt belongs to this chain (genesis)',
      'step.statement': 'Deposit statement matches its evidence id',
      'step.file': 'Hash matches the file',
      'step.batch': 'Item is part of the batch the platform signed',
      'step.depositor_signature': 'Platform\'s signature is valid',
      'step.leaf': 'Log entry matches the deposit',
      'step.inclusion_proof': 'Entry is in the evidence log',
      'step.checkpoint_root': 'Log state is the one validators signed',
      'step.quorum': 'A quorum of validators confirmed it',
      'step.time_attestation': 'Time service signed at the block time',
      'result.pass': 'pass', 'result.fail': 'FAIL', 'result.warn': 'warning',
      'report.title': 'Evidence preservation verification report',
      'report.checks': 'Checks',
      'report.check': 'Check', 'report.result': 'Result', 'report.detail': 'Detail',
      'report.qr': 'Evidence id as a QR code',
      'report.generated': 'Generated by the evchain verification page at {time} on this computer; anyone can repeat the checks with the genesis file and the receipt.',
      'report.nofile': '(no file given: the receipt alone was verified)',
      'footer': 'evchain · receipts can also be checked offline with ',
      'time.format': 'en',
    },
  };

  // 'zh' or 'en': a saved choice, else the browser's first language that is either (Chinese when
  // neither: the page is for Chinese courts).
  function detect(saved, languages) {
    if (saved === 'zh' || saved === 'en') return saved;
    for (const l of languages || []) {
      const s = String(l).toLowerCase();
      if (s.startsWith('zh')) return 'zh';
      if (s.startsWith('en')) return 'en';
    }
    return 'zh';
  }

  function t(lang, key, values) {
    const table = STRINGS[lang] || STRINGS.zh;
    let s = key in table ? table[key] : key;
    for (const [k, v] of Object.entries(values || {})) s = s.split('{' + k + '}').join(String(v));
    return s;
  }

  // "2026年11月28日 19:30:27（北京时间）" / "28 Nov 2026 11:30:27 UTC": courts read Beijing time
  // (UTC+8, no daylight saving); the English form keeps UTC.
  function formatTime(lang, millis) {
    if (millis === null || millis === undefined || Number.isNaN(millis)) return '';
    const beijing = millis + 8 * 3600 * 1000;
    if (Number.isNaN(new Date(millis).getTime()) || Number.isNaN(new Date(beijing).getTime())) {
      // Past what a Date holds (year 275760): a receipt's cosignature time can be up to 2^64 - 1
      // seconds. The verdict does not depend on it; the display shows the number as it is.
      const seconds = String(Math.floor(millis / 1000));
      return lang === 'zh' ? '1970年1月1日（UTC）起第' + seconds + '秒'
        : seconds + ' s after 1970-01-01 UTC';
    }
    const p = (n) => String(n).padStart(2, '0');
    if (lang === 'zh') {
      const d = new Date(beijing);
      return d.getUTCFullYear() + '年' + (d.getUTCMonth() + 1) + '月' + d.getUTCDate() + '日 ' +
        p(d.getUTCHours()) + ':' + p(d.getUTCMinutes()) + ':' + p(d.getUTCSeconds()) + '（北京时间）';
    }
    const d = new Date(millis);
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    return d.getUTCDate() + ' ' + months[d.getUTCMonth()] + ' ' + d.getUTCFullYear() + ' ' +
      p(d.getUTCHours()) + ':' + p(d.getUTCMinutes()) + ':' + p(d.getUTCSeconds()) + ' UTC';
  }

  const api = { STRINGS, detect, t, formatTime };
  root.EvchainI18n = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(typeof window !== 'undefined' ? window : globalThis);
