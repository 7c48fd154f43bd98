// Fuzzes receipts (ledger/receipt.h, docs/receipts.md): the strict JSON parser and the offline
// verification a judge runs against the genesis alone, in the example network of
// docs/formats.md. Input: u8 flags || receipt JSON; flags bit 0: also check a file digest (the
// statement's own digest when bit 1 is set, else a fixed other one).
#include <string>

#include "crypto/sha256.h"
#include "fuzz/fuzz_util.h"
#include "ledger/receipt.h"
#include "ledger/statement.h"

namespace evchain::fuzz {
namespace {

const std::vector<std::string> kStepOrder = {"file",
                                             "digest",
                                             "statement",
                                             "depositor_signature",
                                             "leaf",
                                             "inclusion_proof",
                                             "checkpoint_root",
                                             "quorum",
                                             "time_attestation"};

int Run(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  Result<ledger::Receipt> receipt = ledger::Receipt::FromJson(AsText(data + 1, size - 1));
  if (!receipt.ok()) {
    FUZZ_CHECK(receipt.status().code() == "bad_receipt");
    return 0;
  }
  // What FromJson accepts, ToJson writes back into an equal receipt.
  Result<ledger::Receipt> again = ledger::Receipt::FromJson(receipt->ToJson());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->ToJson() == receipt->ToJson());

  std::optional<Hash32> file_digest;
  if (flags & 1) {
    file_digest = crypto::Sha256("some other file");
    if (flags & 2) {
      Result<ledger::DepositStatement> s = ledger::ParseDepositStatement(receipt->statement);
      if (s.ok()) file_digest = s->digest;
    }
  }
  const ledger::ReceiptVerification v = ledger::VerifyReceipt(*receipt, Genesis(), file_digest);
  // Steps run in the documented order and stop after the first failure.
  FUZZ_CHECK(!v.steps.empty() && v.steps.size() <= kStepOrder.size());
  for (size_t i = 0; i < v.steps.size(); ++i) {
    FUZZ_CHECK(v.steps[i].name == kStepOrder[i]);
    if (i + 1 < v.steps.size()) FUZZ_CHECK(v.steps[i].ok);
  }
  FUZZ_CHECK(v.ok == (v.steps.size() == kStepOrder.size() && v.steps.back().ok));
  if (v.ok) FUZZ_CHECK(v.signers.size() >= Genesis().quorum());
  return 0;
}

}  // namespace
}  // namespace evchain::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return evchain::fuzz::Run(data, size);
}
