// The audit's checks of one entry and of one certificate that need nothing but the genesis, the
// block header and the item itself: pure and thread-safe, so the audit runs them on worker
// threads (tools/cli/audit_core.cc keeps what needs log order).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "common/bytes.h"
#include "crypto/ed25519.h"
#include "genesis/genesis.h"
#include "ledger/block.h"
#include "tools/cli/audit_core.h"

namespace evchain::cli {

// What checking an entry's content yields for the ordered part of the audit.
struct CheckedEntry {
  Hash32 leaf_hash{};
  EntryFacts facts;
};

// Batch (statement, signature) pairs already verified by the calling thread: the items of one
// batch share one signature, verified once.
using VerifiedBatches = std::set<std::pair<std::string, crypto::Signature>>;

// Checks entry `e`, filed at log `index` in the block `header` at `height`: the leaf decodes and
// matches its statement (hash, digest, depositor key from the genesis, height, block time); the
// statement parses, names the chain and a genesis depositor; a batch item's proof leads to its
// batch statement's root; the depositor's signature (or the batch's) verifies. Fills `*out` and
// adds the signatures verified to `*signatures`. Returns the reason when the entry is bad.
std::string CheckEntryContent(const genesis::Genesis& genesis, uint64_t height,
                              const ledger::BlockHeader& header, uint64_t index,
                              const AuditEntry& e, VerifiedBatches& batches, CheckedEntry* out,
                              uint64_t* signatures);

// Checks that `note` is a valid certificate (2f+1 genesis validators' cosignatures) committing
// exactly `header` (whose hash is `hash`). Adds the cosignatures verified to `*signatures`.
// Returns the reason when it is not.
std::string CheckCertificate(const genesis::Genesis& genesis, const std::string& note,
                             const ledger::BlockHeader& header, const Hash32& hash,
                             uint64_t* signatures);

}  // namespace evchain::cli
