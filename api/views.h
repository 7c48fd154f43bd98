// JSON views of committed entries and blocks, shared by the handlers (receipts come from
// storage::BuildReceipt). Field names and examples: docs/api.md.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "common/status.h"
#include "genesis/genesis.h"
#include "ledger/receipt.h"
#include "storage/evidence_log.h"

namespace evchain::api {

// One deposit of a digest: {"evidence_id", "depositor", "depositor_name", "attested_time",
// "block_height", "leaf_index", "provenance": {...}, "receipt": {...}}. Also returns the receipt
// so callers can verify it.
struct DepositView {
  nlohmann::json json;
  ledger::Receipt receipt;
};
Result<DepositView> ViewDeposit(const storage::EvidenceLog& log, const genesis::Genesis& genesis,
                                uint64_t index);

// {"height", "hash", "header": {...}, "certificate", "entries": [...]}.
Result<nlohmann::json> ViewBlock(const storage::EvidenceLog& log, uint64_t height);

}  // namespace evchain::api
