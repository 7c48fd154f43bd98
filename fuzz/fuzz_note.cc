// Fuzzes C2SP signed notes (crypto/note.h, docs/formats.md "Checkpoint"): the note, vkey and
// checkpoint parsers, signature verification against the example validators, and the commit
// certificate check built on them (ledger/certificate.h).
// Input: u8 mode || text. mode % 2 == 0: `text` is a signed note; 1: a verifier key (vkey).
#include <cctype>
#include <string>

#include "fuzz/fuzz_util.h"
#include "ledger/certificate.h"

namespace evchain::fuzz {
namespace {

int Run(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view text = AsText(data + 1, size - 1);
  if (data[0] % 2 == 1) {
    Result<crypto::NoteVerifier> v = crypto::NoteVerifier::ParseVkey(text);
    if (v.ok()) {
      // A parsed vkey formats back to itself, except that the key id may be upper-case hex
      // (accepted, as Go's note.NewVerifier does; ToVkey writes lower case).
      const std::string formatted = v->ToVkey();
      FUZZ_CHECK(formatted.size() == text.size());
      for (size_t i = 0; i < text.size(); ++i) {
        FUZZ_CHECK(formatted[i] == text[i] || formatted[i] == std::tolower(text[i]));
      }
      Result<crypto::NoteVerifier> again = crypto::NoteVerifier::ParseVkey(formatted);
      FUZZ_CHECK(again.ok() && again->name == v->name && again->type == v->type &&
                 again->key == v->key);
    }
    return 0;
  }
  Result<crypto::Note> note = crypto::ParseNote(text);
  if (note.ok()) {
    FUZZ_CHECK(note->signatures.size() <= 100);
    FUZZ_CHECK(!note->text.empty() && note->text.back() == '\n');
    // A parsed note formats back to the exact bytes (signatures are over these bytes).
    FUZZ_CHECK(crypto::FormatNote(*note) == text);
    static const auto* verifiers =
        new std::vector<crypto::NoteVerifier>(ledger::ValidatorVerifiers(Genesis()));
    Result<std::vector<crypto::VerifiedSignature>> verified = crypto::VerifyNote(*note, *verifiers);
    if (verified.ok()) FUZZ_CHECK(!verified->empty());
    Result<crypto::Checkpoint> checkpoint = crypto::ParseCheckpoint(note->text);
    if (checkpoint.ok()) FUZZ_CHECK(checkpoint->Format() == note->text);
  }
  Result<ledger::VerifiedCertificate> cert = ledger::VerifyCertificate(text, Genesis());
  if (cert.ok()) {
    FUZZ_CHECK(note.ok());
    FUZZ_CHECK(cert->signers.size() >= Genesis().quorum());
    FUZZ_CHECK(cert->checkpoint.chain_id == Genesis().chain_id);
  }
  return 0;
}

}  // namespace
}  // namespace evchain::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return evchain::fuzz::Run(data, size);
}
