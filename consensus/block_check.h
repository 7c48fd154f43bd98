// Building and checking blocks against the tip they extend: hash chain, time order, deposit
// dedup, exact leaf bytes and the log size/root after the block.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "common/time.h"
#include "crypto/merkle.h"
#include "genesis/genesis.h"
#include "ledger/block.h"

namespace evchain::consensus {

// A point of the (committed or tentative) chain: what the next block must extend.
struct ChainPoint {
  uint64_t height = 0;
  Hash32 hash{};
  UnixMillis time = 0;
  crypto::MerkleFrontier frontier;
};

// A depositor id and a nonce of its: each pair names at most one entry of the chain.
using DepositorNonce = std::pair<std::string, std::string>;

struct CheckedBlock {
  ledger::BlockHeader header;
  Hash32 hash{};
  std::vector<ledger::Entry> entries;
  std::vector<Bytes> leaves;
  std::vector<Hash32> evidence_ids;    // raw SHA-256 of each statement
  std::vector<DepositorNonce> nonces;  // of each statement, in entry order
  ChainPoint after;
  // Entries whose statements were parsed and hashed to build or check this block: those the
  // caller gave no facts for (0 when every entry had them).
  size_t parsed = 0;
};

// Returns true iff the deposit with this evidence id is already committed or in a block before
// the one being checked.
using IsDuplicateFn = std::function<bool(const Hash32& evidence_id)>;
// Returns true iff an entry other than `evidence_id` with this depositor and nonce is already
// committed or in a block before the one being checked (a nonce names one deposit for ever:
// docs/formats.md "Deposit statement").
using NonceTakenFn = std::function<bool(const DepositorNonce& nonce, const Hash32& evidence_id)>;
// For checks of blocks whose entries were checked against the chain before.
bool NoNonceTaken(const DepositorNonce&, const Hash32&);

// REQUIRES: every entry passed VerifyDeposit, and no two share a depositor and nonce with each
// other or with the chain below (the caller filters: the replica's block cut). Builds the block
// extending `base`. `facts` as for CheckBlock: an entry with facts is not parsed and hashed.
CheckedBlock BuildBlock(const genesis::Genesis& genesis, const ChainPoint& base,
                        std::vector<ledger::Entry> entries, UnixMillis time,
                        const std::string& proposer, uint64_t view,
                        const std::vector<std::optional<ledger::EntryFacts>>* facts = nullptr);

// Checks that (header, entries) extends `base`: height, prev_hash, time > base time, 1..max_batch
// entries whose statements parse, no duplicate (against `is_duplicate` and within the block),
// no two entries with one depositor and nonce (against `nonce_taken` and within the block),
// log_size/log_root after appending the leaves. Entry signatures are NOT checked here. This is
// the one block-validity rule every replica applies (docs/protocol.md "Block validity").
// Errors: "wrong_height", "bad_prev_hash", "bad_time", "bad_batch_size", "bad_deposit",
// "duplicate_deposit", "nonce_conflict", "bad_log_size", "bad_log_root", "wrong_chain".
// `facts`, when given, has one element per entry: an entry with facts is not parsed and hashed
// again. REQUIRES: each present element is ledger::FactsOfEntry of its entry (Message's
// entry_facts(): VerifyContents made them from these very entries).
Result<CheckedBlock> CheckBlock(
    const genesis::Genesis& genesis, const ChainPoint& base, const ledger::BlockHeader& header,
    std::vector<ledger::Entry> entries, const IsDuplicateFn& is_duplicate,
    const NonceTakenFn& nonce_taken,
    const std::vector<std::optional<ledger::EntryFacts>>* facts = nullptr);

}  // namespace evchain::consensus
