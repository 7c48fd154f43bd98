// The chain audit: re-checks every block from height 1 against the genesis alone — header,
// hash links, certificate quorum and what it commits, log size and root recomputed from the
// leaves, time order, every leaf against its entry, every depositor signature — and names the
// first bad height. Signature checks run on worker threads, pipelined with reading.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/time.h"
#include "genesis/genesis.h"
#include "ledger/block.h"

namespace evchain::cli {

struct AuditEntry {
  uint64_t index = 0;  // log index as the source states it
  ledger::Entry entry;
  Bytes leaf;
  std::string claimed_evidence_id;         // as the source states it; empty when it states none
  std::optional<uint64_t> claimed_height;  // block height the source files the entry under
};

struct AuditBlock {
  ledger::BlockHeader header;
  Hash32 claimed_hash{};  // the hash the source stores or sends for this header
  std::string certificate;
  std::optional<uint64_t> first_index;  // where the source says the block's entries start
  std::vector<AuditEntry> entries;
  // The Merkle nodes the entries complete as the source stores them (entry by entry, lowest
  // level first: the nodes proofs are served from), compared with the ones recomputed from the
  // leaves; nullopt when the source has none to show (a node serves blocks, not nodes).
  std::optional<std::vector<Hash32>> stored_nodes;
};

// What the audit learned about one entry, for a source's own index checks.
struct EntryFacts {
  uint64_t index = 0;
  uint64_t height = 0;
  Hash32 evidence_id{};
  Hash32 digest{};
  std::string depositor;
  std::string nonce;
};

// Where blocks come from (a data directory, a node). Reads happen on the calling thread.
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  virtual std::string Describe() const = 0;
  // Totals for the progress bar; 0 when unknown.
  virtual uint64_t ExpectedBlocks() const = 0;
  virtual uint64_t ExpectedEntries() const = 0;
  struct Read {
    enum class Kind { kBlock, kEnd, kBad, kIoError } kind = Kind::kEnd;
    AuditBlock block;    // kBlock
    std::string reason;  // kBad (the block at this height cannot be read or decoded), kIoError
  };
  // The block at `height` (1, 2, ... in order), or kEnd after the last one.
  virtual Read ReadBlock(uint64_t height) = 0;
  // Extra consistency checks of the source's own indexes for one verified entry; returns the
  // reason when they are wrong, empty otherwise.
  virtual std::string CheckEntryIndexes(const EntryFacts& facts) = 0;
  // What a deferred index check found: the height of the block holding the lowest log index it
  // concerns (0: no committed entry, filed under the last block audited), and why. `io_error`:
  // the check itself could not run (a temporary file); the audit is then incomplete.
  struct IndexProblem {
    uint64_t height = 0;
    std::string reason;
    bool io_error = false;
  };
  // Called once, after the workers are done, when the blocks holding the first `entries` entries
  // passed every other check; `complete` when those are all of the source's blocks (then index
  // keys naming no audited entry are problems too, filed under height 0). Lets a source check
  // its indexes in one pass over data it kept outside memory (CheckEntryIndexes may only record
  // what it needs), calling `merged(n)` on the calling thread as n more of the
  // DeferredIndexKeys() keys are checked. Returns the problem at the lowest height, nullopt when
  // there is none.
  virtual std::optional<IndexProblem> CheckDeferredIndexes(
      uint64_t entries, bool complete, const std::function<void(uint64_t)>& merged) {
    (void)entries;
    (void)complete;
    (void)merged;
    return std::nullopt;
  }
  // How many keys CheckDeferredIndexes will check (for its progress bar); 0 when none.
  virtual uint64_t DeferredIndexKeys() const { return 0; }
  // After the last block: checks that hold for the whole source (its own size/root records,
  // index entries without a log entry). Returns the reason when they fail, empty otherwise.
  virtual std::string CheckTotals(uint64_t blocks, uint64_t entries, const Hash32& root) = 0;
};

struct AuditOptions {
  unsigned threads = 0;  // signature-check threads; 0 = hardware_concurrency
  bool progress = true;  // draw a progress bar when stderr is a terminal
};

struct AuditReport {
  bool io_error = false;  // the audit could not finish (network, disk): see reason
  uint64_t blocks = 0;    // blocks that passed every check
  uint64_t entries = 0;   // entries in those blocks
  UnixMillis first_time = 0;
  UnixMillis last_time = 0;
  std::optional<uint64_t> first_bad_height;
  std::string reason;
  uint64_t signatures_checked = 0;  // depositor signatures plus certificate cosignatures
  unsigned threads = 0;
  double seconds = 0;
  bool ok() const { return !io_error && !first_bad_height; }
};

AuditReport RunAudit(BlockSource& source, const genesis::Genesis& genesis,
                     const AuditOptions& options);

}  // namespace evchain::cli
