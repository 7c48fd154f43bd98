// The fixed example network of docs/formats.md and docs/receipts.md: four validators and one
// depositor with published test seeds, and a builder that makes blocks, cosigned checkpoints and
// receipts exactly as a node would. Everything is deterministic (Ed25519 signatures are).
#pragma once

#include <string>
#include <vector>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "genesis/genesis.h"
#include "ledger/block.h"
#include "ledger/leaf.h"
#include "ledger/receipt.h"
#include "ledger/statement.h"

namespace evchain::ledger::testing {

// Test seed k = 32 bytes of value k: court-1 0x01, court-2 0x02, notary-1 0x03, time-1 0x04,
// demo-platform 0x11. Published in docs: never use them outside tests and examples.
inline crypto::SecretKey KeyFromByte(uint8_t b) {
  const Bytes seed(32, b);
  return crypto::SecretKey::FromSeed(seed);
}

// docs/formats.md "Genesis" test vector (params omitted: every default applies).
inline constexpr std::string_view kExampleGenesisJson = R"({
  "chain_id": "evchain-example",
  "genesis_time": "2026-11-28T00:00:00.000Z",
  "validators": [
    {"id": "court-1", "role": "court", "public_key": "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c", "p2p": "127.0.0.1:7001", "http": "127.0.0.1:8001"},
    {"id": "court-2", "role": "court", "public_key": "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394", "p2p": "127.0.0.1:7002", "http": "127.0.0.1:8002"},
    {"id": "notary-1", "role": "notary", "public_key": "ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1", "p2p": "127.0.0.1:7003", "http": "127.0.0.1:8003"},
    {"id": "time-1", "role": "time", "public_key": "ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d7726879333dbdabe7c", "p2p": "127.0.0.1:7004", "http": "127.0.0.1:8004"}
  ],
  "depositors": [
    {"id": "demo-platform", "name": "Demo Evidence Platform", "public_key": "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737"}
  ]
}
)";

inline genesis::Genesis ExampleGenesis() { return *genesis::ParseGenesis(kExampleGenesisJson); }

inline std::vector<crypto::SecretKey> ExampleValidatorKeys() {
  std::vector<crypto::SecretKey> keys;
  for (uint8_t b = 1; b <= 4; ++b) keys.push_back(KeyFromByte(b));
  return keys;
}

// Builds blocks over a growing in-memory log, like a node's commit path.
class ChainBuilder {
 public:
  ChainBuilder(genesis::Genesis genesis, std::vector<crypto::SecretKey> validator_keys)
      : genesis_(std::move(genesis)), keys_(std::move(validator_keys)) {}

  // Appends a block of `entries` proposed by court-1 in view 0 at `time`, cosigned by every
  // validator key at second floor(time / 1000) + 1.
  void AddBlock(const std::vector<Entry>& entries, UnixMillis time) {
    BlockHeader h;
    h.chain_id = genesis_.chain_id;
    h.height = blocks_.size() + 1;
    h.prev_hash = blocks_.empty() ? genesis_.hash : blocks_.back().header.Hash();
    h.time = time;
    for (const Entry& e : entries) {
      entries_.push_back({e, LeafOfEntry(genesis_, e, h.height, time)->Encode(), blocks_.size()});
      leaf_hashes_.push_back(crypto::LeafHash(entries_.back().leaf));
    }
    h.log_size = leaf_hashes_.size();
    h.log_root = crypto::RootFromLeafHashes(leaf_hashes_);
    h.proposer = "court-1";
    crypto::Note note{CheckpointText(h), {}};
    const auto seconds = static_cast<uint64_t>(time / 1000 + 1);
    for (size_t i = 0; i < keys_.size(); ++i) {
      note.signatures.push_back(
          crypto::CosignCheckpoint(note.text, genesis_.validators[i].id, keys_[i], seconds));
    }
    blocks_.push_back({h, crypto::FormatNote(note)});
  }

  const BlockHeader& header(size_t height) const { return blocks_[height - 1].header; }
  const std::string& certificate(size_t height) const { return blocks_[height - 1].certificate; }

  // The receipt of log entry `index`, against the checkpoint of the block that holds it.
  Receipt ReceiptFor(uint64_t index) const {
    const auto& e = entries_[index];
    const auto& block = blocks_[e.block];
    const std::vector<Hash32> prefix(
        leaf_hashes_.begin(),
        leaf_hashes_.begin() + static_cast<std::ptrdiff_t>(block.header.log_size));
    Receipt r;
    r.chain_id = genesis_.chain_id;
    r.genesis_hash = genesis_.hash;
    r.evidence_id = EvidenceId(e.entry.statement);
    r.statement = e.entry.statement;
    r.signature = e.entry.signature;
    r.depositor_key = Leaf::Decode(e.leaf)->depositor_key;
    r.leaf = e.leaf;
    r.leaf_index = index;
    r.tree_size = block.header.log_size;
    r.inclusion_proof = crypto::InclusionProof(prefix, index);
    r.checkpoint = block.certificate;
    r.block_height = block.header.height;
    r.block_hash = block.header.Hash();
    r.block_time = block.header.time;
    r.batch = e.entry.batch;
    return r;
  }

 private:
  struct StoredEntry {
    Entry entry;
    Bytes leaf;
    size_t block;  // index into blocks_
  };
  struct StoredBlock {
    BlockHeader header;
    std::string certificate;
  };
  genesis::Genesis genesis_;
  std::vector<crypto::SecretKey> keys_;
  std::vector<StoredEntry> entries_;
  std::vector<Hash32> leaf_hashes_;
  std::vector<StoredBlock> blocks_;
};

// A single signed deposit.
inline Entry SignedEntry(const DepositStatement& s, const crypto::SecretKey& key) {
  const std::string text = s.Canonical();
  return {text, key.Sign(AsBytes(text)), std::nullopt};
}

}  // namespace evchain::ledger::testing
