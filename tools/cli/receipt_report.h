// Prints a receipt verification (ledger::VerifyReceipt) as a checklist with a final verdict.
#pragma once

#include <ostream>

#include "genesis/genesis.h"
#include "ledger/receipt.h"

namespace evchain::cli {

// Writes one line per step ("[ok]" / "[FAIL]"), the signers of the checkpoint (id, role and
// cosignature time) and a verdict line. Returns verification.ok.
bool PrintVerification(std::ostream& out, const ledger::ReceiptVerification& verification,
                       const ledger::Receipt& receipt, const genesis::Genesis& genesis);

}  // namespace evchain::cli
