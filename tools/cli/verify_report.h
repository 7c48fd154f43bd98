// What `evchain verify` tells a judge, in Chinese or English: the checklist on the terminal,
// the time service's cosignature-time warning, and the printable A4 report (--report FILE.html
// or FILE.pdf). The words are the judge's page's (api/web/i18n.js); docs/cli.md "verify".
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "genesis/genesis.h"
#include "ledger/receipt.h"

namespace evchain::cli {

// "zh" or "en" from the locale: LC_ALL, else LC_MESSAGES, else LANG (the first set and
// non-empty); "zh" when it names Chinese (zh_CN.UTF-8, zh_TW…), "en" otherwise.
std::string LanguageFromLocale();

// Text that came from a receipt, a node or a data directory (a field name, an id, a note), made
// safe to print on a terminal and to put in JSON: every byte that is not UTF-8, every control
// character (C0 but newline when `keep_newlines`, DEL, C1) and every bidirectional override or
// isolate (U+202A-U+202E, U+2066-U+2069, which reorder what a reader sees) is written as
// "\xNN" (a byte) or "\u{NNNN}" (a code point); the rest is copied. So such text can neither
// drive the terminal (an escape sequence could erase a failure and paint "VERIFIED") nor forge
// a line of the checklist, and nlohmann::json can dump it (it throws on bytes that are not
// UTF-8).
std::string PrintableText(std::string_view text, bool keep_newlines = false);

// A verified (or failed) receipt with what the report shows about it.
struct ReportEntry {
  ledger::Receipt receipt;
  ledger::ReceiptVerification verification;
};

struct ReportInput {
  std::string lang;       // "zh" or "en"
  std::string file_name;  // the evidence file as given on the command line, PrintableText
  uint64_t file_size = 0;
  Hash32 file_digest{};
  std::vector<ReportEntry> entries;  // one A4 page each
  UnixMillis generated_at = 0;
};

// Writes the checklist (one line per step, "[ok]" / "[FAIL]" / "[warn]"), the cosigners with
// names, roles and times, and a verdict line, in `lang`. Returns verification.ok.
bool PrintVerification(std::ostream& out, const std::string& lang, const ReportEntry& entry,
                       const genesis::Genesis& genesis);

// A self-contained HTML document (inline CSS, the QR code of each evidence id as inline SVG),
// one A4 page per entry: file name and SHA-256, each check with its result, the signing
// institutions with roles and times, block height and time, the genesis fingerprint. An entry
// whose receipt could not be read (its step "receipt" failed) shows the file, the genesis and
// that failure, and nothing of the receipt.
std::string RenderReportHtml(const ReportInput& input, const genesis::Genesis& genesis);

// Writes the report to `path`: HTML, or PDF when `path` ends in ".pdf" (printed by headless
// Chromium: $EVCHAIN_CHROMIUM, else /usr/bin/chromium). Errors: "io", "no_chromium".
Status WriteReport(const std::string& path, const std::string& html);
// What WriteReport needs before it runs, checked up front so that a long hash is not wasted:
// for a PDF, the Chromium that prints it ("no_chromium" when it is not there).
Status CheckReportWriter(const std::string& path);

}  // namespace evchain::cli
