#include "tests/storage/chain_builder.h"

#include <doctest/doctest.h>

#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "ledger/statement.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::storage::testing {
namespace {

constexpr UnixMillis kGenesisTime = 1767225600000;  // 2026-01-01T00:00:00Z

// The synthetic network's genesis and keys; blocks are cosigned by court-1 alone (storage checks
// nothing of the certificate but keeps it).
const synthetic::TestNetwork& Network() {
  static const auto* net =
      new synthetic::TestNetwork(synthetic::MakeTestNetwork("storage-test", kGenesisTime));
  return *net;
}

}  // namespace

Hash32 ChainBuilder::TestDigest(uint64_t i) {
  return crypto::Sha256("evidence " + std::to_string(i));
}

std::string TestStatement(const Hash32& digest, uint64_t nonce) {
  ledger::DepositStatement s;
  s.chain_id = Network().genesis.chain_id;
  s.depositor = Network().depositor_id;
  s.digest = digest;
  s.kind = "webpage";
  s.source = "https://example.com/page/" + std::to_string(nonce);
  s.nonce = "n-" + std::to_string(nonce);
  return s.Canonical();
}

BlockToAppend ChainBuilder::Make(const std::vector<Hash32>& digests) const {
  const synthetic::TestNetwork& net = Network();
  std::vector<ledger::Entry> entries;
  uint64_t nonce = next_nonce_;
  for (const Hash32& digest : digests) {
    ledger::Entry entry;
    entry.statement = TestStatement(digest, nonce++);
    entry.signature = net.depositor_key.Sign(AsBytes(entry.statement));
    entries.push_back(std::move(entry));
  }
  const uint64_t height = this->height() + 1;
  crypto::MerkleFrontier frontier = frontier_;  // Make does not advance the builder
  Result<BlockToAppend> block = synthetic::MakeCosignedBlock(
      net.genesis, {{net.genesis.validators[0].id, &net.validator_keys[0]}}, std::move(entries),
      height, kGenesisTime + static_cast<UnixMillis>(height) * 1000,
      blocks_.empty() ? net.genesis.hash : blocks_.back().header.Hash(),
      net.genesis.validators[0].id, 0, &frontier);
  REQUIRE_MESSAGE(block.ok(), block.status().ToString());
  return std::move(block).value();
}

BlockToAppend ChainBuilder::Make(size_t n) const {
  std::vector<Hash32> digests;
  for (size_t i = 0; i < n; ++i) digests.push_back(TestDigest(next_digest_ + i));
  return Make(digests);
}

void ChainBuilder::Advance(const BlockToAppend& block) {
  for (const Bytes& leaf : block.leaves) {
    leaf_hashes_.push_back(crypto::LeafHash(leaf));
    frontier_.AppendLeafHash(leaf_hashes_.back());
  }
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
