#include "api/views.h"

#include <string>

#include "common/encoding.h"
#include "common/time.h"
#include "ledger/statement.h"
#include "storage/receipts.h"

namespace evchain::api {
namespace {

nlohmann::json BatchJson(const ledger::BatchProof& batch) {
  nlohmann::json proof = nlohmann::json::array();
  for (const Hash32& h : batch.item_proof) proof.push_back(ToHex(h));
  return {{"statement", batch.statement},
          {"signature", ToHex(ByteView(batch.signature))},
          {"item_index", batch.item_index},
          {"item_proof", std::move(proof)}};
}

}  // namespace

Result<DepositView> ViewDeposit(const storage::EvidenceLog& log, const genesis::Genesis& genesis,
                                uint64_t index) {
  Result<ledger::Receipt> receipt = storage::BuildReceipt(log, genesis, index);
  if (!receipt.ok()) return receipt.status();
  // BuildReceipt parsed the statement already; parsing again keeps its interface small.
  Result<ledger::DepositStatement> s = ledger::ParseDepositStatement(receipt->statement);
  if (!s.ok()) return s.status();
  const genesis::Depositor* depositor = genesis.FindDepositor(s->depositor);
  nlohmann::json provenance = {{"kind", s->kind},
                               {"source", s->source},
                               {"captured_at", s->captured_at},
                               {"case_ref", s->case_ref},
                               {"related", s->related}};
  DepositView view;
  view.json = {{"evidence_id", receipt->evidence_id},
               {"depositor", s->depositor},
               {"depositor_name", depositor != nullptr ? depositor->name : ""},
               {"attested_time", FormatRfc3339Millis(receipt->block_time)},
               {"block_height", receipt->block_height},
               {"leaf_index", receipt->leaf_index},
               {"provenance", std::move(provenance)},
               {"receipt", receipt->ToJsonValue()}};
  view.receipt = std::move(*receipt);
  return view;
}

Result<nlohmann::json> ViewBlock(const storage::EvidenceLog& log, uint64_t height) {
  Result<storage::StoredBlock> block = log.GetBlock(height);
  if (!block.ok()) return block.status();
  const ledger::BlockHeader& h = block->header;
  nlohmann::json entries = nlohmann::json::array();
  for (uint64_t i = 0; i < block->entry_count; ++i) {
    const uint64_t index = block->first_index + i;
    Result<storage::StoredEntry> stored = log.GetEntry(index);
    if (!stored.ok()) return stored.status();
    nlohmann::json e = {{"index", index},
                        {"evidence_id", ledger::EvidenceId(stored->entry.statement)},
                        {"statement", stored->entry.statement},
                        {"signature", ToHex(ByteView(stored->entry.signature))},
                        {"leaf", ToBase64(stored->leaf)}};
    if (stored->entry.batch.has_value()) e["batch"] = BatchJson(*stored->entry.batch);
    entries.push_back(std::move(e));
  }
  return nlohmann::json{{"height", h.height},
                        {"hash", ToHex(block->hash)},
                        {"header",
                         {{"chain_id", h.chain_id},
                          {"height", h.height},
                          {"prev_hash", ToHex(h.prev_hash)},
                          {"time", FormatRfc3339Millis(h.time)},
                          {"log_size", h.log_size},
                          {"log_root", ToHex(h.log_root)},
                          {"proposer", h.proposer},
                          {"view", h.view}}},
                        {"certificate", block->certificate},
                        {"entries", std::move(entries)}};
}

}  // namespace evchain::api
