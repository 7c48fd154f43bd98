#include "tests/storage/chain_builder.h"

#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "ledger/leaf.h"
#include "ledger/statement.h"

namespace evchain::storage::testing {
namespace {

constexpr char kChainId[] = "storage-test";
constexpr char kDepositor[] = "demo-platform";
constexpr UnixMillis kGenesisTime = 1767225600000;  // 2026-01-01T00:00:00Z

const crypto::SecretKey& DepositorKey() {
  static const crypto::SecretKey* key = [] {
    Bytes seed(32, 0x42);
    return new crypto::SecretKey(crypto::SecretKey::FromSeed(seed));
  }();
  return *key;
}

}  // namespace

Hash32 ChainBuilder::TestDigest(uint64_t i) {
  return crypto::Sha256("evidence " + std::to_string(i));
}

std::string TestStatement(const Hash32& digest, uint64_t nonce) {
  ledger::DepositStatement s;
  s.chain_id = kChainId;
  s.depositor = kDepositor;
  s.digest = digest;
  s.kind = "webpage";
  s.source = "https://example.com/page/" + std::to_string(nonce);
  s.nonce = "n-" + std::to_string(nonce);
  return s.Canonical();
}

BlockToAppend ChainBuilder::Make(const std::vector<Hash32>& digests) const {
  BlockToAppend block;
  ledger::BlockHeader& h = block.header;
  h.chain_id = kChainId;
  h.height = height() + 1;
  h.prev_hash = blocks_.empty() ? crypto::Sha256("genesis") : blocks_.back().header.Hash();
  h.time = kGenesisTime + static_cast<UnixMillis>(h.height) * 1000;
  h.proposer = "court-1";
  h.view = 0;
  std::vector<Hash32> hashes = leaf_hashes_;
  uint64_t nonce = next_nonce_;
  for (const Hash32& digest : digests) {
    ledger::Entry entry;
    entry.statement = TestStatement(digest, nonce++);
    entry.signature = DepositorKey().Sign(AsBytes(entry.statement));
    ledger::Leaf leaf;
    leaf.statement_hash = crypto::Sha256(entry.statement);
    leaf.digest = digest;
    leaf.depositor_key = DepositorKey().public_key();
    leaf.block_height = h.height;
    leaf.block_time = h.time;
    block.leaves.push_back(leaf.Encode());
    hashes.push_back(crypto::LeafHash(block.leaves.back()));
    block.entries.push_back(std::move(entry));
  }
  h.log_size = hashes.size();
  h.log_root = crypto::RootFromLeafHashes(hashes);
  block.certificate = ledger::CheckpointText(h) + "\n— court-1 AAAA\n";
  return block;
}

BlockToAppend ChainBuilder::Make(size_t n) const {
  std::vector<Hash32> digests;
  for (size_t i = 0; i < n; ++i) digests.push_back(TestDigest(next_digest_ + i));
  return Make(digests);
}

void ChainBuilder::Advance(const BlockToAppend& block) {
  for (const Bytes& leaf : block.leaves) leaf_hashes_.push_back(crypto::LeafHash(leaf));
  next_nonce_ += block.entries.size();
  next_digest_ += block.entries.size();
  blocks_.push_back(block);
}

Status ChainBuilder::Append(EvidenceLog& log, const std::vector<Hash32>& digests) {
  BlockToAppend block = Make(digests);
  EVCHAIN_RETURN_IF_ERROR(log.AppendBlock(block));
  Advance(block);
  return Status::Ok();
}

Status ChainBuilder::Append(EvidenceLog& log, size_t n) {
  BlockToAppend block = Make(n);
  EVCHAIN_RETURN_IF_ERROR(log.AppendBlock(block));
  Advance(block);
  return Status::Ok();
}

std::vector<std::pair<std::string, std::string>> Dump(const KvStore& store) {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<Iterator> it = store.NewIterator();
  for (it->Seek(""); it->Valid(); it->Next()) out.emplace_back(it->key(), it->value());
  return out;
}

}  // namespace evchain::storage::testing
