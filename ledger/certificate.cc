// Commit certificates: docs/formats.md "Checkpoint".
#include "ledger/certificate.h"

#include <algorithm>

namespace evchain::ledger {

std::vector<crypto::NoteVerifier> ValidatorVerifiers(const genesis::Genesis& genesis) {
  std::vector<crypto::NoteVerifier> verifiers;
  verifiers.reserve(genesis.validators.size());
  for (const genesis::Validator& v : genesis.validators) {
    verifiers.push_back({v.id, crypto::kSigTypeCosignature, v.public_key});
  }
  return verifiers;
}

Result<VerifiedCertificate> VerifyCertificate(std::string_view note_text,
                                              const genesis::Genesis& genesis) {
  auto note = crypto::ParseNote(note_text);
  if (!note.ok()) return Status::Error("bad_note", note.status().message());
  auto checkpoint = ParseCheckpointText(note->text);
  if (!checkpoint.ok()) return Status::Error("bad_note", checkpoint.status().message());
  if (checkpoint->chain_id != genesis.chain_id) {
    return Status::Error("wrong_origin", "checkpoint of chain \"" + checkpoint->chain_id +
                                             "\", expected \"" + genesis.chain_id + "\"");
  }
  auto verified = crypto::VerifyNote(*note, ValidatorVerifiers(genesis));
  if (!verified.ok()) {
    if (verified.status().code() == "no_known_signature") {
      return Status::Error("no_quorum", "no genesis validator signed this checkpoint");
    }
    return Status::Error("bad_signature", verified.status().message());
  }
  VerifiedCertificate cert{*checkpoint, {}};
  // Genesis order, one entry per validator however many lines it signed.
  for (const genesis::Validator& v : genesis.validators) {
    const auto it =
        std::find_if(verified->begin(), verified->end(), [&](const crypto::VerifiedSignature& s) {
          return s.name == v.id && s.type == crypto::kSigTypeCosignature;
        });
    if (it != verified->end()) cert.signers.push_back({v.id, v.role, it->timestamp.value_or(0)});
  }
  if (cert.signers.size() < genesis.quorum()) {
    return Status::Error("no_quorum", std::to_string(cert.signers.size()) + " of " +
                                          std::to_string(genesis.n()) + " validators signed; " +
                                          std::to_string(genesis.quorum()) + " are needed");
  }
  return cert;
}

}  // namespace evchain::ledger
