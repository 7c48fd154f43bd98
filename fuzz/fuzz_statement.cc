// Fuzzes the canonical deposit and batch statements (ledger/statement.h, docs/formats.md
// "Deposit statement", "Batch statement"): the strict parsers must accept exactly the canonical
// forms of valid statements. Input: text; for the batch check it is split at NUL bytes into a
// batch statement and its item statements.
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "ledger/statement.h"

namespace evchain::fuzz {
namespace {

int Run(const uint8_t* data, size_t size) {
  const std::string_view text = AsText(data, size);

  Result<ledger::DepositStatement> deposit = ledger::ParseDepositStatement(text);
  if (deposit.ok()) {
    FUZZ_CHECK(deposit->Validate().ok());
    FUZZ_CHECK(deposit->Canonical() == text);
    FUZZ_CHECK(ledger::EvidenceId(text).size() == 64);
  } else {
    FUZZ_CHECK(!deposit.status().code().empty());
  }
  Result<ledger::BatchStatement> batch = ledger::ParseBatchStatement(text);
  if (batch.ok()) {
    FUZZ_CHECK(batch->Validate().ok());
    FUZZ_CHECK(batch->Canonical() == text);
  }
  FUZZ_CHECK(!(deposit.ok() && batch.ok()));  // the two forms never overlap

  // A batch statement followed by its items.
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\0') {
      parts.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() < 2) return 0;
  Result<ledger::BatchStatement> head = ledger::ParseBatchStatement(parts[0]);
  if (!head.ok()) return 0;
  const std::vector<std::string> items(parts.begin() + 1, parts.end());
  const Status items_ok = ledger::ValidateBatchItems(*head, items);
  if (items_ok.ok()) {
    FUZZ_CHECK(items.size() == head->items);
    FUZZ_CHECK(ledger::BatchRoot(items) == head->root);
    for (const std::string& item : items) {
      Result<ledger::DepositStatement> s = ledger::ParseDepositStatement(item);
      FUZZ_CHECK(s.ok() && s->chain_id == head->chain_id && s->depositor == head->depositor);
    }
  }
  return 0;
}

}  // namespace
}  // namespace evchain::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return evchain::fuzz::Run(data, size);
}
