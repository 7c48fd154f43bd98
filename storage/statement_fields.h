// The three fields of a canonical deposit statement (docs/formats.md "Deposit statement") that
// the log's indexes need, found by checking the statement's fixed line structure only. Full
// validation (ledger::ParseDepositStatement: kinds, times, UTF-8, canonical re-encoding) is
// consensus's job before a block commits; re-running it on every append cost about 11,000
// instructions per entry, 16 % of AppendBlock (docs/benchmarks.md "Storage").
#pragma once

#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace evchain::storage {

struct StatementFields {
  std::string_view depositor;  // views into the scanned text
  std::string_view nonce;
  Hash32 digest{};
};

// Ok iff `text` is at most 4096 bytes, ends in "\n", starts with the lines
// "evchain-deposit/1", "chain_id: <non-empty>", "depositor: <non-empty>",
// "digest: <64 lowercase hex>", and its last line is "nonce: <1..64 of [A-Za-z0-9._:-]>".
// Error code "bad_statement".
Result<StatementFields> ScanDepositStatement(std::string_view text);

}  // namespace evchain::storage
