// The structural statement scan AppendBlock uses for its indexes: it finds the depositor, nonce
// and digest of canonical statements and rejects texts without the required line structure.
#include "storage/statement_fields.h"

#include <doctest/doctest.h>

#include <cctype>

#include "common/encoding.h"
#include "crypto/sha256.h"
#include "ledger/statement.h"

namespace evchain::storage {
namespace {

ledger::DepositStatement Sample() {
  ledger::DepositStatement s;
  s.chain_id = "chain-1";
  s.depositor = "demo-platform";
  s.digest = crypto::Sha256("evidence");
  s.kind = "webpage";
  s.source = "https://example.com/a";
  s.captured_at = "2026-01-01T00:00:00Z";
  s.case_ref = "case 7";
  s.related = {std::string(64, 'a')};
  s.nonce = "n-0.A_b:9";
  return s;
}

TEST_CASE("canonical statements yield their depositor, nonce and digest") {
  ledger::DepositStatement minimal = Sample();
  minimal.kind = minimal.source = minimal.captured_at = minimal.case_ref = "";
  minimal.related.clear();
  for (const ledger::DepositStatement& s : {Sample(), minimal}) {
    const std::string text = s.Canonical();
    REQUIRE(ledger::ParseDepositStatement(text).ok());
    Result<StatementFields> f = ScanDepositStatement(text);
    REQUIRE_MESSAGE(f.ok(), f.status().ToString());
    CHECK(f->depositor == s.depositor);
    CHECK(f->nonce == s.nonce);
    CHECK(f->digest == s.digest);
  }
}

TEST_CASE("texts without the required line structure are bad_statement") {
  const std::string good = Sample().Canonical();
  const std::string digest_hex = ToHex(Sample().digest);
  auto replace = [&good](std::string_view from, std::string_view to) {
    std::string s = good;
    const size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    s.replace(at, from.size(), to);
    return s;
  };
  std::string upper_hex = digest_hex;
  for (char& c : upper_hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::vector<std::string> bad = {
      "",
      "\n",
      good.substr(0, good.size() - 1),                     // no final newline
      good + "trailing: junk\n",                           // last line is not the nonce
      replace("evchain-deposit/1", "evchain-deposit/2"),   // first line
      replace("chain_id: chain-1", "chain_id: "),          // empty chain id
      replace("depositor: demo-platform", "depositr: x"),  // misspelt key
      replace("demo-platform\n", "\n"),                    // empty depositor
      replace(digest_hex, digest_hex.substr(1)),           // 63 hex digits
      replace(digest_hex, upper_hex),                      // uppercase hex
      replace("nonce: n-0.A_b:9", "nonce: "),              // empty nonce
      replace("nonce: n-0.A_b:9", "nonce: n 0"),           // space in nonce
      replace("nonce: n-0.A_b:9", "nonce: " + std::string(65, 'x')),
      good + std::string(4096, 'x') + "\nnonce: n\n",  // over 4096 bytes
      "evchain-deposit/1\nchain_id: c\ndepositor: d\ndigest: " + digest_hex + "\n",  // no nonce
  };
  for (const std::string& text : bad) {
    CAPTURE(text);
    CHECK(ScanDepositStatement(text).status().code() == "bad_statement");
  }
}

}  // namespace
}  // namespace evchain::storage
