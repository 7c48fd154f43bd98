// Receipts: everything needed to prove one deposit offline with only the genesis file.
// JSON fields exactly as docs/receipts.md "Fields"; how to verify by hand: the rest of that page.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "genesis/genesis.h"
#include "ledger/block.h"
#include "ledger/certificate.h"

namespace evchain::ledger {

struct Receipt {
  std::string chain_id;
  Hash32 genesis_hash{};
  std::string evidence_id;
  std::string statement;
  crypto::Signature signature{};
  crypto::PublicKey depositor_key{};
  Bytes leaf;
  uint64_t leaf_index = 0;
  uint64_t tree_size = 0;
  std::vector<Hash32> inclusion_proof;
  std::string checkpoint;  // the signed note text
  uint64_t block_height = 0;
  Hash32 block_hash{};
  UnixMillis block_time = 0;
  // block.time exactly as FromJson read it; unset for a receipt built in memory, whose ToJson
  // writes the canonical form. VerifyReceipt's checkpoint_root step requires it to be the
  // canonical rendering FormatRfc3339Millis(block_time), the checkpoint's own `time` line.
  std::optional<std::string> block_time_text;
  std::optional<BatchProof> batch;

  // {"format": "evchain-receipt/1", ...} with SPEC's field names, in the order of
  // docs/receipts.md "Fields" (the file form).
  std::string ToJson() const;
  // The same object as a JSON value, for embedding in API answers without printing and parsing
  // it again: equal to nlohmann::json::parse(ToJson()) (an unordered object: keys sorted).
  nlohmann::json ToJsonValue() const;
  // Strict: unknown format, missing fields, bad hex/base64 are errors ("bad_receipt").
  static Result<Receipt> FromJson(std::string_view json);
};

// One step of the verification chain, in SPEC's order:
//   file, digest, statement, depositor_signature, leaf, inclusion_proof, checkpoint_root, quorum,
//   then time_attestation (docs/receipts.md "9. time_attestation").
struct VerifyStep {
  std::string name;
  bool ok = false;
  std::string detail;  // what was checked, or why it failed
  // ok, but a reader should look: e.g. the time service cosigned long after the block time.
  bool warning = false;
};
struct ReceiptVerification {
  std::vector<VerifyStep> steps;  // stops after the first failing step
  bool ok = false;
  std::vector<CertificateSigner> signers;  // when the quorum step ran
  std::string depositor_id;                // when known from the statement
};
// 9999-12-31T23:59:59Z, the last second RFC 3339 can write.
constexpr uint64_t kMaxRfc3339Seconds = 253402300799;
// A cosignature time (Unix seconds; crypto::VerifyNote takes up to 2^63 - 1): RFC 3339 with
// milliseconds ("2026-11-28T11:30:28.000Z") up to kMaxRfc3339Seconds, past it the seconds
// ("9223372036854775807 s after 1970-01-01T00:00:00Z"), whose milliseconds could overflow.
std::string FormatCosignatureTime(uint64_t seconds);

// Verifies a receipt against the genesis alone. When `file_digest` is given, the "file" step
// checks that the statement's digest equals it; otherwise that step is reported as skipped (ok).
ReceiptVerification VerifyReceipt(const Receipt& receipt, const genesis::Genesis& genesis,
                                  const std::optional<Hash32>& file_digest);

}  // namespace evchain::ledger
