// evchain verify's judge-facing output (tools/cli/verify_report.h): the language follows the
// locale, and the report names institutions and carries a QR code. (The time service's
// cosignature time is ledger::VerifyReceipt's time_attestation step: tests/ledger.)
#include "tools/cli/verify_report.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>

namespace evchain::cli {
namespace {

genesis::Genesis TwoValidators() {
  genesis::Genesis g;
  g.chain_id = "c";
  g.params.max_clock_skew_ms = 1000;
  genesis::Validator court;
  court.id = "court-1";
  court.role = genesis::Role::kCourt;
  court.names = {"北京互联网法院", "Beijing Internet Court"};
  genesis::Validator time;
  time.id = "time-1";
  time.role = genesis::Role::kTime;
  g.validators = {court, time};
  return g;
}

TEST_CASE("PrintableText escapes what could drive a terminal and keeps the rest") {
  CHECK(PrintableText("court-1 法院 — ok") == "court-1 法院 — ok");
  CHECK(PrintableText("a\x1b[2Jb\x7f\tc") == "a\\x1b[2Jb\\x7f\\x09c");
  CHECK(PrintableText("line\nnext") == "line\\x0anext");
  CHECK(PrintableText("line\nnext", /*keep_newlines=*/true) == "line\nnext");
  // C1 controls (U+009B is a one-byte CSI to some terminals) and bidi overrides.
  CHECK(PrintableText("\xc2\x9b"
                      "2J \xe2\x80\xae") == "\\u{009b}2J \\u{202e}");
  // Not UTF-8: a stray byte, an overlong form, a surrogate, a truncated sequence.
  CHECK(PrintableText("\xff\xc0\xaf\xed\xa0\x80\xe6\xb3") ==
        "\\xff\\xc0\\xaf\\xed\\xa0\\x80\\xe6\\xb3");
}

TEST_CASE("the language follows LC_ALL, LC_MESSAGES, LANG") {
  unsetenv("LC_ALL");
  unsetenv("LC_MESSAGES");
  setenv("LANG", "zh_CN.UTF-8", 1);
  CHECK(LanguageFromLocale() == "zh");
  setenv("LC_MESSAGES", "en_US.UTF-8", 1);
  CHECK(LanguageFromLocale() == "en");
  setenv("LC_ALL", "zh_TW.UTF-8", 1);
  CHECK(LanguageFromLocale() == "zh");
  unsetenv("LC_ALL");
  unsetenv("LC_MESSAGES");
  setenv("LANG", "C.UTF-8", 1);
  CHECK(LanguageFromLocale() == "en");
}

TEST_CASE("the report names institutions in the chosen language, with a QR code") {
  const genesis::Genesis g = TwoValidators();
  ReportInput in;
  in.lang = "zh";
  in.file_name = "合同截图.png";
  in.file_size = 2048;
  ReportEntry e;
  e.receipt.evidence_id = std::string(64, 'a');
  e.receipt.block_height = 7;
  e.receipt.block_time = 1795865427123;
  e.verification.ok = true;
  e.verification.steps = {{"quorum", true, "2 of 2 <validators>"}};
  e.verification.signers = {{"court-1", genesis::Role::kCourt, 1795865427}};
  in.entries.push_back(e);
  std::string html = RenderReportHtml(in, g);
  for (const char* want :
       {"电子证据存证核验报告", "验证通过", "北京互联网法院（court-1）", "法院", "区块高度",
        "合同截图.png", "2026年11月28日 19:30:27（北京时间）", "<svg", "&lt;validators&gt;"}) {
    CHECK_MESSAGE(html.find(want) != std::string::npos, want);
  }
  in.lang = "en";
  html = RenderReportHtml(in, g);
  CHECK(html.find("Beijing Internet Court (court-1)") != std::string::npos);
  CHECK(html.find("28 Nov 2026 11:30:27 UTC") != std::string::npos);
  std::ostringstream out;
  CHECK(PrintVerification(out, "zh", e, g));
  CHECK(out.str().find("验证通过：存证编号 " + std::string(64, 'a')) != std::string::npos);
}

}  // namespace
}  // namespace evchain::cli
