#include "tools/cli/audit_checks.h"

#include "common/encoding.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "ledger/certificate.h"
#include "ledger/leaf.h"
#include "ledger/statement.h"

namespace evchain::cli {

std::string CheckEntryContent(const genesis::Genesis& genesis, uint64_t height,
                              const ledger::BlockHeader& header, uint64_t index,
                              const AuditEntry& e, VerifiedBatches& batches, CheckedEntry* out,
                              uint64_t* signatures) {
  auto leaf = ledger::Leaf::Decode(e.leaf);
  if (!leaf.ok()) return "leaf: " + leaf.status().ToString();
  const Hash32 statement_hash = crypto::Sha256(e.entry.statement);
  if (leaf->statement_hash != statement_hash) return "leaf's statement hash != its statement";
  if (!e.claimed_evidence_id.empty() && e.claimed_evidence_id != ToHex(statement_hash)) {
    return "evidence_id is not the hash of its statement";
  }
  auto st = ledger::ParseDepositStatement(e.entry.statement);
  if (!st.ok()) return "statement: " + st.status().ToString();
  if (st->chain_id != genesis.chain_id) return "statement names chain '" + st->chain_id + "'";
  const genesis::Depositor* depositor = genesis.FindDepositor(st->depositor);
  if (depositor == nullptr) return "unknown depositor '" + st->depositor + "'";
  if (leaf->digest != st->digest) return "leaf's digest != statement's digest";
  if (leaf->depositor_key != depositor->public_key) return "leaf's depositor key != genesis'";
  if (leaf->block_height != height) return "leaf says block " + std::to_string(leaf->block_height);
  if (leaf->block_time != header.time) return "leaf's block time != header's";
  if (e.entry.batch) {
    const auto& b = *e.entry.batch;
    auto batch = ledger::ParseBatchStatement(b.statement);
    if (!batch.ok()) return "batch statement: " + batch.status().ToString();
    if (batch->chain_id != genesis.chain_id || batch->depositor != st->depositor) {
      return "batch statement's chain or depositor differs from the item's";
    }
    Status in_batch =
        crypto::VerifyInclusion(crypto::LeafHash(AsBytes(e.entry.statement)), b.item_index,
                                batch->items, b.item_proof, batch->root);
    if (!in_batch.ok()) return "batch item proof: " + in_batch.ToString();
    if (e.entry.signature != b.signature) return "signature differs from the batch signature";
    if (!batches.count({b.statement, b.signature})) {
      ++*signatures;
      if (!crypto::Verify(depositor->public_key, AsBytes(b.statement), b.signature)) {
        return "batch signature does not verify";
      }
      batches.emplace(b.statement, b.signature);
    }
  } else {
    ++*signatures;
    if (!crypto::Verify(depositor->public_key, AsBytes(e.entry.statement), e.entry.signature)) {
      return "depositor signature does not verify";
    }
  }
  out->leaf_hash = crypto::LeafHash(e.leaf);
  out->facts = EntryFacts{index, height, statement_hash, st->digest, st->depositor, st->nonce};
  return "";
}

std::string CheckCertificate(const genesis::Genesis& genesis, const std::string& note,
                             const ledger::BlockHeader& header, const Hash32& hash,
                             uint64_t* signatures) {
  auto cert = ledger::VerifyCertificate(note, genesis);
  if (!cert.ok()) return "certificate: " + cert.status().ToString();
  *signatures += cert->signers.size();
  const auto& cp = cert->checkpoint;
  if (cp.chain_id != header.chain_id) return "certificate names chain " + cp.chain_id;
  if (cp.height != header.height) {
    return "certificate commits height " + std::to_string(cp.height);
  }
  if (cp.block_hash != hash) return "certificate commits a different block hash";
  if (cp.tree_size != header.log_size) {
    return "certificate commits log size " + std::to_string(cp.tree_size) + ", header says " +
           std::to_string(header.log_size);
  }
  if (cp.root != header.log_root) return "certificate commits a different log root";
  if (cp.time != header.time) return "certificate commits a different block time";
  return "";
}

}  // namespace evchain::cli
