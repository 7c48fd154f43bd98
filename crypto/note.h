// C2SP signed-note v1.0.0 (https://c2sp.org/signed-note), tlog-checkpoint v1.0.0 and
// tlog-cosignature v1 (signature type 0x04). Ed25519 (type 0x01) and cosignature (type 0x04)
// signatures are produced and verified; other signature types are parsed and ignored, as the
// spec requires.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ed25519.h"

namespace evchain::crypto {

constexpr uint8_t kSigTypeEd25519 = 0x01;
constexpr uint8_t kSigTypeCosignature = 0x04;

// A verifier: key name, signature type and Ed25519 public key. key_id is
// SHA-256(name || 0x0A || type || pubkey)[:4] as a big-endian uint32.
struct NoteVerifier {
  std::string name;
  uint8_t type = kSigTypeEd25519;
  PublicKey key{};
  uint32_t KeyId() const;
  // "<name>+<hex8 key id>+<base64(type || key)>"
  std::string ToVkey() const;
  static Result<NoteVerifier> ParseVkey(std::string_view vkey);
};

struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  Bytes signature;  // the raw bytes after the 4-byte key id (for 0x04: 8-byte time || 64-byte sig)
  // The line's base64 as ParseNote read it (Go's Signature.Base64), empty for a signature made
  // here. FormatNote writes it back while it still decodes to key_id || signature, so a parsed
  // note formats to its exact bytes even when a line sets padding bits; otherwise (a signature
  // made or edited here) it writes the canonical base64.
  std::string base64;
};

struct Note {
  std::string text;  // the body, ending in '\n' (without the blank line)
  std::vector<NoteSignature> signatures;
};

// Parses a complete signed note; rejects malformed notes exactly as the spec (and Go's reference)
// do: missing blank line, missing final newline, control bytes, bad signature lines, more than
// 100 signatures. A signature line's base64 is read as Go's base64.StdEncoding reads it: padding
// required, non-zero padding bits ignored (docs/crypto.md "Signed notes").
Result<Note> ParseNote(std::string_view note_text);
// The wire form. A note ParseNote returned formats back to exactly the bytes it was parsed from.
std::string FormatNote(const Note& note);

// Signs with Ed25519 (type 0x01): signature over the note text.
NoteSignature SignNoteEd25519(std::string_view text, const std::string& name, const SecretKey& key);
// Cosigns a checkpoint (type 0x04): signature over "cosignature/v1\ntime <t>\n" || text,
// where t is Unix seconds.
NoteSignature CosignCheckpoint(std::string_view text, const std::string& name, const SecretKey& key,
                               uint64_t timestamp_seconds);
// The exact message a cosignature signs.
std::string CosignatureMessage(std::string_view text, uint64_t timestamp_seconds);

// One verified signature.
struct VerifiedSignature {
  std::string name;
  uint8_t type = 0;
  std::optional<uint64_t> timestamp;  // cosignatures only
};
// As Go's note.Open: for each known verifier (matched by name and key_id) only its FIRST line is
// verified and returned; its later lines are ignored unverified, valid or not, so a
// cosignature's timestamp is the first line's. Lines from unknown keys are ignored. A first line
// whose signature is invalid makes the whole note invalid ("bad_signature"). No verified
// signature at all is "no_known_signature". Result order: the lines' order.
Result<std::vector<VerifiedSignature>> VerifyNote(const Note& note,
                                                  const std::vector<NoteVerifier>& verifiers);

// tlog-checkpoint body: origin, decimal size, base64 root, then extension lines.
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash32 root{};
  std::vector<std::string> extensions;  // lines without their '\n'
  std::string Format() const;
};
Result<Checkpoint> ParseCheckpoint(std::string_view text);

}  // namespace evchain::crypto
