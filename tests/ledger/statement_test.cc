// Every rejection class of the deposit and batch statements (docs/formats.md), by error code.
#include "ledger/statement.h"

#include <doctest/doctest.h>

#include "common/encoding.h"
#include "crypto/sha256.h"

namespace evchain::ledger {
namespace {

DepositStatement Valid() {
  DepositStatement s;
  s.chain_id = "evchain-example";
  s.depositor = "demo-platform";
  s.digest = crypto::Sha256("x");
  s.nonce = "n-1";
  return s;
}

std::string Code(const DepositStatement& s) { return s.Validate().code(); }
std::string ParseCode(std::string_view text) { return ParseDepositStatement(text).status().code(); }

// Replaces the first occurrence of `from` in `text`. REQUIRES: `from` occurs.
std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

TEST_CASE("Validate: every field rule has its stable code") {
  CHECK(Code(Valid()) == "");
  auto with = [](auto change) {
    DepositStatement s = Valid();
    change(s);
    return Code(s);
  };
  CHECK(with([](auto& s) { s.chain_id = ""; }) == "bad_id");
  CHECK(with([](auto& s) { s.chain_id = "Upper"; }) == "bad_id");
  CHECK(with([](auto& s) { s.depositor = std::string(65, 'a'); }) == "bad_id");
  CHECK(with([](auto& s) { s.depositor = std::string(64, 'a'); }) == "");
  CHECK(with([](auto& s) { s.kind = "photo"; }) == "bad_kind");
  for (const char* kind :
       {"webpage", "screenshot", "source", "log", "document", "audio", "video", "other"}) {
    CHECK(with([&](auto& s) { s.kind = kind; }) == "");
  }
  CHECK(with([](auto& s) { s.source = std::string(2048, 'a'); }) == "");
  CHECK(with([](auto& s) { s.source = std::string(2049, 'a'); }) == "field_too_long");
  CHECK(with([](auto& s) { s.case_ref = std::string(128, 'a'); }) == "");
  CHECK(with([](auto& s) { s.case_ref = std::string(129, 'a'); }) == "field_too_long");
  CHECK(with([](auto& s) { s.case_ref = "a\tb"; }) == "bad_chars");
  CHECK(with([](auto& s) { s.case_ref = "a\x7f"; }) == "bad_chars");
  CHECK(with([](auto& s) { s.source = "https://x/\xff"; }) == "bad_chars");      // invalid UTF-8
  CHECK(with([](auto& s) { s.source = "https://x/\xc0\xaf"; }) == "bad_chars");  // overlong
  CHECK(with([](auto& s) { s.source = "https://x/\xed\xa0\x80"; }) == "bad_chars");  // surrogate
  CHECK(with([](auto& s) { s.case_ref = "trailing "; }) == "bad_chars");
  CHECK(with([](auto& s) { s.case_ref = "案件 2026"; }) == "");
  CHECK(with([](auto& s) { s.captured_at = "2026-11-28T11:10:27+08:00"; }) == "");
  CHECK(with([](auto& s) { s.captured_at = "yesterday"; }) == "bad_time");
  CHECK(with([](auto& s) { s.captured_at = "2026-02-30T00:00:00Z"; }) == "bad_time");
  CHECK(with([](auto& s) {
          s.related.assign(16, "");
          for (size_t i = 0; i < 16; ++i) s.related[i] = ToHex(crypto::Sha256(std::to_string(i)));
        }) == "");
  CHECK(with([](auto& s) { s.related.assign(17, std::string(64, 'a')); }) == "too_many_related");
  CHECK(with([](auto& s) { s.related = {std::string(64, 'A')}; }) == "bad_related");
  CHECK(with([](auto& s) { s.related = {std::string(63, 'a')}; }) == "bad_related");
  CHECK(with([](auto& s) {
          s.related = {std::string(64, 'a'), std::string(64, 'a')};
        }) == "bad_related");
  CHECK(with([](auto& s) { s.nonce = ""; }) == "bad_nonce");
  CHECK(with([](auto& s) { s.nonce = std::string(65, 'n'); }) == "bad_nonce");
  CHECK(with([](auto& s) { s.nonce = "has space"; }) == "bad_nonce");
  CHECK(with([](auto& s) { s.nonce = "A-z_0.9:x"; }) == "");
}

TEST_CASE("ParseDepositStatement is strict about the text form") {
  DepositStatement full = Valid();
  full.kind = "log";
  full.related = {std::string(64, 'b'), std::string(64, 'a')};  // order is kept, not sorted
  const std::string text = full.Canonical();
  const auto parsed = ParseDepositStatement(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->related == full.related);

  CHECK(ParseCode(Replace(text, "evchain-deposit/1", "evchain-deposit/2")) == "bad_statement");
  CHECK(ParseCode(text.substr(0, text.size() - 1)) == "bad_statement");  // no final newline
  CHECK(ParseCode(text + "\n") == "bad_statement");                      // empty line
  CHECK(ParseCode(Replace(text, "\n", "\r\n")) == "bad_statement");
  CHECK(ParseCode(Replace(text, "kind: log", "kind:log")) == "bad_statement");
  CHECK(ParseCode(Replace(text, "kind: log", "kind: ")) == "bad_statement");  // empty optional
  CHECK(ParseCode(Replace(text, "kind: log", "color: red")) == "bad_statement");
  CHECK(ParseCode(Replace(text, "kind: log\n", "")) == "");
  // Fields out of order, repeated, or a required one missing.
  const std::string nonce_line = "nonce: n-1\n";
  CHECK(ParseCode(Replace(text, nonce_line, "") + nonce_line) == "");
  CHECK(ParseCode(Replace(text, "kind: log\n", "") + "kind: log\n") == "bad_statement");
  CHECK(ParseCode(Replace(text, "kind: log\n", "kind: log\nkind: log\n")) == "bad_statement");
  CHECK(ParseCode(Replace(text, nonce_line, "")) == "bad_statement");
  CHECK(ParseCode(Replace(text, "depositor: demo-platform\n", "")) == "bad_statement");
  CHECK(ParseCode(std::string(5000, 'a')) == "bad_statement");
  // Field-level codes come through the parser too.
  CHECK(ParseCode(Replace(text, "digest: ", "digest: X")) == "bad_digest");
  CHECK(ParseCode(Replace(text, "kind: log", "kind: LOG")) == "bad_kind");
  CHECK(ParseCode(Replace(text, "nonce: n-1", "nonce: n 1")) == "bad_nonce");
  CHECK(ParseCode(Replace(text, "chain_id: evchain-example", "chain_id: Evchain")) == "bad_id");
  CHECK(ParseCode(Replace(text, "kind: log", "kind: log\ncase_ref: a\x01")) == "bad_chars");
  CHECK(ParseCode(Replace(text, "kind: log", "kind: log\ncaptured_at: 2026")) == "bad_time");
  CHECK(ParseCode(Replace(text, "related: " + std::string(64, 'b'),
                          "related: " + std::string(64, 'a'))) == "bad_related");
}

TEST_CASE("evidence id is the SHA-256 of the exact statement bytes") {
  const std::string text = Valid().Canonical();
  CHECK(EvidenceId(text) == ToHex(crypto::Sha256(text)));
  CHECK(EvidenceId(text) != EvidenceId(text + " "));
}

BatchStatement ValidBatch(const std::vector<std::string>& items) {
  return {"evchain-example", "demo-platform", items.size(), BatchRoot(items), "b-1"};
}

std::vector<std::string> Items(size_t n) {
  std::vector<std::string> items;
  for (size_t i = 0; i < n; ++i) {
    DepositStatement s = Valid();
    s.nonce = "i-" + std::to_string(i);
    items.push_back(s.Canonical());
  }
  return items;
}

TEST_CASE("batch statement: validation, strict parse and item checks") {
  const auto items = Items(3);
  const BatchStatement batch = ValidBatch(items);
  const std::string text = batch.Canonical();
  REQUIRE(ParseBatchStatement(text).ok());
  CHECK(ValidateBatchItems(batch, items).ok());
  auto code = [](std::string_view t) { return ParseBatchStatement(t).status().code(); };
  CHECK(code(Replace(text, "items: 3", "items: 0")) == "bad_items");
  CHECK(code(Replace(text, "items: 3", "items: 10001")) == "bad_items");
  CHECK(code(Replace(text, "items: 3", "items: 03")) == "bad_items");
  CHECK(code(Replace(text, "items: 3", "items: -3")) == "bad_items");
  CHECK(code(Replace(text, "root: ", "root: f")) == "bad_digest");
  CHECK(code(Replace(text, "nonce: b-1", "nonce: ")) == "bad_nonce");
  CHECK(code(Replace(text, "depositor: demo-platform", "depositor: Demo")) == "bad_id");
  CHECK(code(Replace(text, "evchain-batch/1", "evchain-deposit/1")) == "bad_statement");
  CHECK(code(Replace(text, "items: 3\n", "")) == "bad_statement");
  CHECK(BatchStatement{"c", "d", 10000, {}, "n"}.Validate().ok());

  CHECK(ValidateBatchItems(batch, Items(2)).code() == "batch_mismatch");
  auto reordered = items;
  std::swap(reordered[0], reordered[1]);
  CHECK(ValidateBatchItems(batch, reordered).code() == "batch_mismatch");
  auto other_depositor = items;
  other_depositor[2] = Replace(items[2], "demo-platform", "other-platform");
  CHECK(ValidateBatchItems(batch, other_depositor).code() == "batch_mismatch");
  auto bad_item = items;
  bad_item[1] = Replace(items[1], "nonce: i-1", "nonce: i 1");
  const Status s = ValidateBatchItems(batch, bad_item);
  CHECK(s.code() == "bad_nonce");
  CHECK(s.message().starts_with("items[1]: "));
}

}  // namespace
}  // namespace evchain::ledger
