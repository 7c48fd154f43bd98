// Canonical deposit and batch statements: the exact bytes a depositor signs.
// Format, field limits and test vectors: docs/formats.md "Deposit statement", "Batch statement".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"

namespace evchain::ledger {

constexpr size_t kMaxRelated = 16;
constexpr size_t kMaxBatchItems = 10000;

struct DepositStatement {
  std::string chain_id;
  std::string depositor;
  Hash32 digest{};
  // Optional provenance; empty means absent.
  std::string kind;         // webpage|screenshot|source|log|document|audio|video|other
  std::string source;       // URI
  std::string captured_at;  // RFC 3339
  std::string case_ref;
  std::vector<std::string> related;  // evidence ids (64 lowercase hex), at most kMaxRelated
  std::string nonce;                 // required, depositor-chosen, for idempotency

  // Returns the canonical text. REQUIRES: Validate().ok()
  std::string Canonical() const;
  // Field-by-field checks with stable error codes (e.g. "bad_digest", "bad_kind",
  // "too_many_related", "field_too_long", "bad_time", "bad_nonce", "bad_chars").
  Status Validate() const;
};

// Strict parse: the text must be exactly the canonical form of a valid statement.
Result<DepositStatement> ParseDepositStatement(std::string_view text);

// evidence_id = lowercase hex SHA-256 of the canonical statement bytes.
std::string EvidenceId(std::string_view canonical_statement);

// One signed batch statement commits to item statements through the RFC 9162 root over the
// item statements' bytes as leaves (leaf i = item i's canonical text).
struct BatchStatement {
  std::string chain_id;
  std::string depositor;
  uint64_t items = 0;  // 1..kMaxBatchItems
  Hash32 root{};
  std::string nonce;

  std::string Canonical() const;
  Status Validate() const;
};
Result<BatchStatement> ParseBatchStatement(std::string_view text);

// The RFC 9162 root over the item statements' bytes as leaves.
Hash32 BatchRoot(const std::vector<std::string>& item_statements);
// That tree's root and every item's inclusion proof (a BatchProof's path), in O(n) hashes.
// REQUIRES: !item_statements.empty().
crypto::TreeWithProofs BatchTree(const std::vector<std::string>& item_statements);
// Ok iff every item is a valid canonical deposit statement of the batch's chain and depositor,
// and the items' count and root are the batch's. Item errors keep their code and name the item
// ("items[3]: ..."); a count, root, chain or depositor mismatch is "batch_mismatch".
Status ValidateBatchItems(const BatchStatement& batch,
                          const std::vector<std::string>& item_statements);

}  // namespace evchain::ledger
