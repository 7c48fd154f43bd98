#include "tools/cli/receipt_report.h"

#include <iomanip>

#include "common/time.h"

namespace evchain::cli {

bool PrintVerification(std::ostream& out, const ledger::ReceiptVerification& verification,
                       const ledger::Receipt& receipt, const genesis::Genesis& genesis) {
  const ledger::VerifyStep* failed = nullptr;
  for (const auto& step : verification.steps) {
    out << "  "
        << (!step.ok       ? "[FAIL] "
            : step.warning ? "[warn] "
                           : "[ok]   ")
        << std::left << std::setw(20) << step.name << step.detail << "\n";
    if (!step.ok && failed == nullptr) failed = &step;
  }
  if (!verification.signers.empty()) {
    out << "  checkpoint cosigned by " << verification.signers.size() << " of "
        << genesis.validators.size() << " validators (quorum " << genesis.quorum() << "):\n";
    for (const auto& signer : verification.signers) {
      out << "    " << std::left << std::setw(14) << signer.validator_id << std::setw(8)
          << genesis::RoleName(signer.role) << " at "
          << FormatRfc3339Millis(static_cast<UnixMillis>(signer.timestamp) * 1000) << "\n";
    }
  }
  if (verification.ok) {
    std::string depositor = verification.depositor_id;
    if (const auto* d = genesis.FindDepositor(depositor); d != nullptr) {
      depositor += " (" + d->name + ")";
    }
    out << "VERIFIED: evidence " << receipt.evidence_id << " deposited by " << depositor
        << ", committed in block " << receipt.block_height << " at "
        << FormatRfc3339Millis(receipt.block_time) << " on chain " << genesis.chain_id << "\n";
  } else if (failed != nullptr) {
    out << "NOT VERIFIED: step '" << failed->name << "' failed: " << failed->detail << "\n";
  } else {
    out << "NOT VERIFIED\n";
  }
  return verification.ok;
}

}  // namespace evchain::cli
