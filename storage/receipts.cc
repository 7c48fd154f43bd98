#include "storage/receipts.h"

#include <utility>
#include <vector>

#include "ledger/statement.h"
#include "storage/statement_fields.h"

namespace evchain::storage {

Result<ledger::Receipt> BuildReceipt(const EvidenceLog& log, const genesis::Genesis& genesis,
                                     uint64_t index) {
  Result<StoredEntry> stored = log.GetEntry(index);
  if (!stored.ok()) return stored.status();
  Result<StoredBlock> block = log.GetBlockForEntry(index);
  if (!block.ok()) return block.status();
  // A committed statement passed the full parse before its block committed: finding the
  // depositor in its canonical lines is enough here.
  Result<StatementFields> statement = ScanDepositStatement(stored->entry.statement);
  if (!statement.ok()) return statement.status();
  const genesis::Depositor* depositor = genesis.FindDepositor(statement->depositor);
  if (depositor == nullptr) {
    return Status::Error(
        "internal", "committed entry names unknown depositor " + std::string(statement->depositor));
  }
  Result<std::vector<Hash32>> proof = log.InclusionProof(index, block->header.log_size);
  if (!proof.ok()) return proof.status();

  ledger::Receipt r;
  r.chain_id = genesis.chain_id;
  r.genesis_hash = genesis.hash;
  r.evidence_id = ledger::EvidenceId(stored->entry.statement);
  r.statement = stored->entry.statement;
  r.signature = stored->entry.signature;
  r.depositor_key = depositor->public_key;
  r.leaf = stored->leaf;
  r.leaf_index = index;
  r.tree_size = block->header.log_size;
  r.inclusion_proof = std::move(*proof);
  r.checkpoint = block->certificate;
  r.block_height = block->header.height;
  r.block_hash = block->hash;
  r.block_time = block->header.time;
  r.batch = stored->entry.batch;
  return r;
}

}  // namespace evchain::storage
