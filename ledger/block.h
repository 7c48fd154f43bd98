// Blocks: header, its hash, the entries a block carries, and the checkpoint note that commits it.
// docs/formats.md "Block header", "Checkpoint".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "common/time.h"
#include "crypto/note.h"
#include "genesis/genesis.h"
#include "ledger/leaf.h"
#include "ledger/statement.h"

namespace evchain::ledger {

struct BlockHeader {
  std::string chain_id;
  uint64_t height = 0;  // first block is 1; block 1's prev_hash is the genesis hash
  Hash32 prev_hash{};
  UnixMillis time = 0;
  uint64_t log_size = 0;  // tree size after this block
  Hash32 log_root{};      // tree root after this block
  std::string proposer;   // validator id of the primary that proposed it
  uint64_t view = 0;      // view in which it was proposed

  Bytes Encode() const;
  static Result<BlockHeader> Decode(ByteView bytes);
  Hash32 Hash() const;  // SHA-256 of Encode()
};

// How a batch item proves membership in the batch its depositor signed.
struct BatchProof {
  std::string statement;  // canonical batch statement
  crypto::Signature signature{};
  uint64_t item_index = 0;
  std::vector<Hash32> item_proof;  // RFC 9162 inclusion proof of the item statement
};

// One deposit as carried in a block and stored in the log.
struct Entry {
  std::string statement;          // canonical deposit statement
  crypto::Signature signature{};  // over `statement`, or over the batch statement when batched
  std::optional<BatchProof> batch;
};

// The entries of a signed batch (docs/formats.md "Batch statement"): item i carries the batch
// statement, its signature, i and the item's RFC 9162 proof in ledger::BatchTree(items). The one
// place batch entries are made (the API's batch route, the test chains, the fuzz corpus). `root`,
// when given, receives the tree's root, which the caller compares with the statement's.
std::vector<Entry> BatchEntries(const std::string& batch_statement,
                                const crypto::Signature& signature, std::vector<std::string> items,
                                Hash32* root = nullptr);

// The leaf `entry` gets when committed in the block at (`height`, `time`) (docs/formats.md
// "Leaf"): its statement's hash and digest, and the genesis key of the depositor it names. The
// one place a leaf is made from an entry: consensus, the test chains and the benchmarks call it.
// `parsed`, when given, receives the parsed statement. Errors: "bad_deposit" when the statement
// does not parse, names another chain, or names a depositor the genesis lacks.
Result<Leaf> LeafOfEntry(const genesis::Genesis& genesis, const Entry& entry, uint64_t height,
                         UnixMillis time, DepositStatement* parsed = nullptr);

// What a leaf and the block rules need of an entry's statement: one parse and one hash. A
// validator that has them (VerifyContents made them while it checked the deposit's signature)
// carries them along, so the entry is not parsed and hashed again when its block is checked.
struct EntryFacts {
  Hash32 statement_hash{};  // the evidence id: SHA-256 of the statement
  Hash32 digest{};
  std::string depositor;
  std::string nonce;
};
// LeafOfEntry's first half, with the same checks and errors.
Result<EntryFacts> FactsOfEntry(const genesis::Genesis& genesis, const Entry& entry);
// Its second half: the leaf from facts FactsOfEntry made of the entry. Errors: "bad_deposit"
// when the genesis lacks the depositor.
Result<Leaf> LeafOfFacts(const genesis::Genesis& genesis, const EntryFacts& facts, uint64_t height,
                         UnixMillis time);

// The checkpoint note body committing a block (tlog-checkpoint with evchain extension lines).
std::string CheckpointText(const BlockHeader& header);
struct CheckpointInfo {
  std::string chain_id;
  uint64_t tree_size = 0;
  Hash32 root{};
  uint64_t height = 0;
  Hash32 block_hash{};
  UnixMillis time = 0;
};
// Parses an evchain checkpoint body (the note text, without signatures).
Result<CheckpointInfo> ParseCheckpointText(std::string_view text);

}  // namespace evchain::ledger
