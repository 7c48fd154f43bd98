// Receipts of committed entries, read from the evidence log: the one place a ledger::Receipt is
// assembled from stored data (the API, the CLI's test doubles and tools call it). Fields:
// docs/receipts.md.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "genesis/genesis.h"
#include "ledger/receipt.h"
#include "storage/evidence_log.h"

namespace evchain::storage {

// The receipt of committed log entry `index`, proven against the checkpoint of the block that
// committed it (so the same entry always yields the same receipt). Errors: the log's read
// errors, the statement's parse error, "internal" when the entry names a depositor the genesis
// does not have.
Result<ledger::Receipt> BuildReceipt(const EvidenceLog& log, const genesis::Genesis& genesis,
                                     uint64_t index);

}  // namespace evchain::storage
