// A block's commit certificate: its checkpoint note cosigned (C2SP tlog-cosignature, type 0x04)
// by at least 2f+1 distinct genesis validators. docs/formats.md "Checkpoint".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/note.h"
#include "genesis/genesis.h"
#include "ledger/block.h"

namespace evchain::ledger {

struct CertificateSigner {
  std::string validator_id;
  genesis::Role role;
  uint64_t timestamp = 0;  // cosignature time, Unix seconds
};

struct VerifiedCertificate {
  CheckpointInfo checkpoint;
  std::vector<CertificateSigner> signers;  // distinct validators, genesis order
};

// The genesis validators as C2SP cosignature verifiers (key name = validator id).
std::vector<crypto::NoteVerifier> ValidatorVerifiers(const genesis::Genesis& genesis);

// Ok iff `note_text` is a well-formed signed note whose body is an evchain checkpoint of this
// chain (origin "evchain/<chain_id>") and which carries valid signatures from >= 2f+1 distinct
// genesis validators. Errors: "bad_note", "wrong_origin", "bad_signature", "no_quorum".
Result<VerifiedCertificate> VerifyCertificate(std::string_view note_text,
                                              const genesis::Genesis& genesis);

}  // namespace evchain::ledger
