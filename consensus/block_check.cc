#include "consensus/block_check.h"

#include <set>
#include <utility>

#include "common/hash_order.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "ledger/leaf.h"
#include "ledger/statement.h"

namespace evchain::consensus {
namespace {

// Leaf bytes, evidence id and (depositor, nonce) of one entry, from its facts when the caller has
// them (no parse, no hash) or from the entry; ledger::LeafOfEntry's errors.
Status MakeLeaf(const genesis::Genesis& genesis, const ledger::Entry& entry,
                const std::optional<ledger::EntryFacts>& facts, uint64_t height, UnixMillis time,
                Bytes* leaf, Hash32* evidence_id, DepositorNonce* nonce) {
  if (facts) {
    Result<ledger::Leaf> l = ledger::LeafOfFacts(genesis, *facts, height, time);
    if (!l.ok()) return l.status();
    *leaf = l->Encode();
    *evidence_id = facts->statement_hash;
    *nonce = {facts->depositor, facts->nonce};
    return Status::Ok();
  }
  ledger::DepositStatement st;
  Result<ledger::Leaf> l = ledger::LeafOfEntry(genesis, entry, height, time, &st);
  if (!l.ok()) return l.status();
  *leaf = l->Encode();
  *evidence_id = l->statement_hash;
  *nonce = {std::move(st.depositor), std::move(st.nonce)};
  return Status::Ok();
}

// `facts` when it has one element per entry, else null (facts for other entries are not used).
const std::vector<std::optional<ledger::EntryFacts>>* FactsFor(
    const std::vector<ledger::Entry>& entries,
    const std::vector<std::optional<ledger::EntryFacts>>* facts) {
  return facts != nullptr && facts->size() == entries.size() ? facts : nullptr;
}

const std::optional<ledger::EntryFacts> kNoFacts;

}  // namespace

bool NoNonceTaken(const DepositorNonce&, const Hash32&) { return false; }

CheckedBlock BuildBlock(const genesis::Genesis& genesis, const ChainPoint& base,
                        std::vector<ledger::Entry> entries, UnixMillis time,
                        const std::string& proposer, uint64_t view,
                        const std::vector<std::optional<ledger::EntryFacts>>* facts) {
  facts = FactsFor(entries, facts);
  CheckedBlock b;
  b.header.chain_id = genesis.chain_id;
  b.header.height = base.height + 1;
  b.header.prev_hash = base.hash;
  b.header.time = time;
  b.header.proposer = proposer;
  b.header.view = view;
  b.after.frontier = base.frontier;
  for (size_t i = 0; i < entries.size(); ++i) {
    Bytes leaf;
    Hash32 id;
    DepositorNonce nonce;
    const std::optional<ledger::EntryFacts>& known = facts != nullptr ? (*facts)[i] : kNoFacts;
    if (!known) ++b.parsed;
    // Entries were verified on arrival; one that fails here is skipped rather than proposed.
    if (!MakeLeaf(genesis, entries[i], known, b.header.height, time, &leaf, &id, &nonce).ok()) {
      continue;
    }
    b.after.frontier.AppendLeafHash(crypto::LeafHash(leaf));
    b.entries.push_back(std::move(entries[i]));
    b.leaves.push_back(std::move(leaf));
    b.evidence_ids.push_back(id);
    b.nonces.push_back(std::move(nonce));
  }
  b.header.log_size = b.after.frontier.size();
  b.header.log_root = b.after.frontier.Root();
  b.hash = b.header.Hash();
  b.after.height = b.header.height;
  b.after.hash = b.hash;
  b.after.time = time;
  return b;
}

Result<CheckedBlock> CheckBlock(const genesis::Genesis& genesis, const ChainPoint& base,
                                const ledger::BlockHeader& header,
                                std::vector<ledger::Entry> entries,
                                const IsDuplicateFn& is_duplicate, const NonceTakenFn& nonce_taken,
                                const std::vector<std::optional<ledger::EntryFacts>>* facts) {
  if (header.chain_id != genesis.chain_id) return Status::Error("wrong_chain", "chain id");
  if (header.height != base.height + 1) return Status::Error("wrong_height", "not next height");
  if (header.prev_hash != base.hash) return Status::Error("bad_prev_hash", "does not chain");
  if (header.time <= base.time) return Status::Error("bad_time", "not after the previous block");
  if (entries.empty() || entries.size() > genesis.params.max_batch) {
    return Status::Error("bad_batch_size", "entry count out of range");
  }
  CheckedBlock b;
  b.header = header;
  b.after.frontier = base.frontier;
  Hash32Set seen;
  std::set<DepositorNonce> nonces;
  facts = FactsFor(entries, facts);
  for (size_t i = 0; i < entries.size(); ++i) {
    const ledger::Entry& e = entries[i];
    Bytes leaf;
    Hash32 id;
    DepositorNonce nonce;
    const std::optional<ledger::EntryFacts>& known = facts != nullptr ? (*facts)[i] : kNoFacts;
    if (!known) ++b.parsed;
    EVCHAIN_RETURN_IF_ERROR(
        MakeLeaf(genesis, e, known, header.height, header.time, &leaf, &id, &nonce));
    if (!seen.insert(id).second || is_duplicate(id)) {
      return Status::Error("duplicate_deposit", "deposit already in the chain");
    }
    if (!nonces.insert(nonce).second || nonce_taken(nonce, id)) {
      return Status::Error("nonce_conflict", "another deposit holds this depositor's nonce");
    }
    b.after.frontier.AppendLeafHash(crypto::LeafHash(leaf));
    b.leaves.push_back(std::move(leaf));
    b.evidence_ids.push_back(id);
    b.nonces.push_back(std::move(nonce));
  }
  if (b.after.frontier.size() != header.log_size) {
    return Status::Error("bad_log_size", "log size after the block");
  }
  if (b.after.frontier.Root() != header.log_root) {
    return Status::Error("bad_log_root", "log root after the block");
  }
  b.entries = std::move(entries);
  b.hash = header.Hash();
  b.after.height = header.height;
  b.after.hash = b.hash;
  b.after.time = header.time;
  return b;
}

}  // namespace evchain::consensus
