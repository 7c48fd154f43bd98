#include "tools/synthetic_chain/synthetic_chain.h"

#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "ledger/leaf.h"
#include "ledger/statement.h"

namespace evchain::synthetic {

TestNetwork MakeTestNetwork(const std::string& chain_id, UnixMillis genesis_time) {
  TestNetwork net{{}, {}, crypto::SecretKey::FromSeed(Bytes(32, 0x42)), "demo-platform"};
  genesis::Genesis g;
  g.chain_id = chain_id;
  g.genesis_time = genesis_time;
  const struct {
    const char* id;
    genesis::Role role;
  } validators[] = {{"court-1", genesis::Role::kCourt},
                    {"court-2", genesis::Role::kCourt},
                    {"notary-1", genesis::Role::kNotary},
                    {"time-1", genesis::Role::kTime}};
  for (size_t i = 0; i < 4; ++i) {
    net.validator_keys.push_back(crypto::SecretKey::FromSeed(Bytes(32, uint8_t(i + 1))));
    g.validators.push_back({validators[i].id, validators[i].role,
                            net.validator_keys.back().public_key(),
                            "127.0.0.1:" + std::to_string(17000 + 2 * i),
                            "127.0.0.1:" + std::to_string(17001 + 2 * i)});
  }
  g.depositors.push_back(
      {net.depositor_id, "Demo Evidence Platform", net.depositor_key.public_key()});
  // Parse the serialised form back so the hash is the one every reader computes.
  auto parsed = genesis::ParseGenesis(genesis::GenesisToJson(g));
  net.genesis = parsed.ok() ? std::move(parsed).value() : g;
  return net;
}

ChainBuilder::ChainBuilder(const TestNetwork& net, storage::EvidenceLog* log, size_t signers)
    : net_(net), log_(log), signers_(signers), prev_hash_(net.genesis.hash) {}

ledger::Entry ChainBuilder::Deposit(const Hash32& digest, const std::string& nonce) const {
  ledger::DepositStatement st;
  st.chain_id = net_.genesis.chain_id;
  st.depositor = net_.depositor_id;
  st.digest = digest;
  st.kind = "document";
  st.nonce = nonce;
  ledger::Entry entry;
  entry.statement = st.Canonical();
  entry.signature = net_.depositor_key.Sign(AsBytes(entry.statement));
  return entry;
}

std::vector<ledger::Entry> ChainBuilder::Batch(const std::vector<Hash32>& digests,
                                               const std::string& nonce) const {
  std::vector<std::string> texts;
  for (size_t i = 0; i < digests.size(); ++i) {
    ledger::DepositStatement st;
    st.chain_id = net_.genesis.chain_id;
    st.depositor = net_.depositor_id;
    st.digest = digests[i];
    st.nonce = nonce + "-" + std::to_string(i);
    texts.push_back(st.Canonical());
  }
  ledger::BatchStatement batch;
  batch.chain_id = net_.genesis.chain_id;
  batch.depositor = net_.depositor_id;
  batch.items = texts.size();
  batch.root = ledger::BatchRoot(texts);
  batch.nonce = nonce;
  const std::string batch_text = batch.Canonical();
  const crypto::Signature signature = net_.depositor_key.Sign(AsBytes(batch_text));
  return ledger::BatchEntries(batch_text, signature, std::move(texts));
}

Result<storage::BlockToAppend> MakeCosignedBlock(
    const genesis::Genesis& genesis, const std::vector<Cosigner>& cosigners,
    std::vector<ledger::Entry> entries, uint64_t height, UnixMillis time, const Hash32& prev_hash,
    const std::string& proposer, uint64_t view, crypto::MerkleFrontier* frontier) {
  storage::BlockToAppend block;
  ledger::BlockHeader& h = block.header;
  h.chain_id = genesis.chain_id;
  h.height = height;
  h.prev_hash = prev_hash;
  h.time = time;
  h.proposer = proposer;
  h.view = view;
  for (const auto& e : entries) {
    Result<ledger::Leaf> leaf = ledger::LeafOfEntry(genesis, e, h.height, time);
    if (!leaf.ok()) return leaf.status();
    block.leaves.push_back(leaf->Encode());
    frontier->AppendLeafHash(crypto::LeafHash(block.leaves.back()));
  }
  h.log_size = frontier->size();
  h.log_root = frontier->Root();
  crypto::Note note;
  note.text = ledger::CheckpointText(h);
  for (const Cosigner& c : cosigners) {
    note.signatures.push_back(
        crypto::CosignCheckpoint(note.text, c.id, *c.key, static_cast<uint64_t>(time / 1000)));
  }
  block.certificate = crypto::FormatNote(note);
  block.entries = std::move(entries);
  return block;
}

Result<ledger::BlockHeader> AppendCosignedBlock(storage::EvidenceLog* log,
                                                const genesis::Genesis& genesis,
                                                const std::vector<Cosigner>& cosigners,
                                                std::vector<ledger::Entry> entries, UnixMillis time,
                                                const Hash32& prev_hash,
                                                const std::string& proposer, uint64_t view,
                                                crypto::MerkleFrontier* frontier) {
  Result<storage::BlockToAppend> block =
      MakeCosignedBlock(genesis, cosigners, std::move(entries), log->height() + 1, time, prev_hash,
                        proposer, view, frontier);
  if (!block.ok()) return block.status();
  EVCHAIN_RETURN_IF_ERROR(log->AppendBlock(*block));
  return block->header;
}

Result<ledger::BlockHeader> ChainBuilder::AppendBlock(std::vector<ledger::Entry> entries,
                                                      UnixMillis time) {
  std::vector<Cosigner> cosigners;
  for (size_t i = 0; i < signers_; ++i) {
    cosigners.push_back({net_.genesis.validators[i].id, &net_.validator_keys[i]});
  }
  const uint64_t height = log_->height() + 1;
  auto header = AppendCosignedBlock(
      log_, net_.genesis, cosigners, std::move(entries), time, prev_hash_,
      net_.genesis.validators[height % net_.genesis.validators.size()].id, 0, &frontier_);
  if (header.ok()) prev_hash_ = header->Hash();
  return header;
}

}  // namespace evchain::synthetic
