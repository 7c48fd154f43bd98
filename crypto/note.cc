// C2SP signed notes, checkpoints and cosignatures. Format notes: docs/crypto.md "Merkle tree and
// notes". Parsing follows c2sp.org/signed-note v1.0.0 and Go's golang.org/x/mod/sumdb/note.Open,
// the reference implementation, so a note one accepts the other accepts too.
#include "crypto/note.h"

#include <charconv>
#include <cstdio>
#include <limits>
#include <set>
#include <utility>

#include "common/encoding.h"
#include "crypto/sha256.h"

namespace evchain::crypto {

namespace {

constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // em dash U+2014, space
constexpr std::string_view kCosignatureHeader = "cosignature/v1\n";
constexpr size_t kMaxSignatures = 100;
constexpr size_t kEd25519SigSize = 64;
constexpr size_t kTimestampSize = 8;
constexpr uint64_t kMaxTimestamp = std::numeric_limits<int64_t>::max();

Status Malformed(std::string message) {
  return Status::Error("malformed_note", std::move(message));
}

// Decodes one UTF-8 code point at s[i]; returns its length, or 0 if the bytes there are not
// well-formed UTF-8 (overlong forms, surrogates and values above U+10FFFF are ill-formed).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t len = 0;
  uint32_t min = 0;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2, cp = b0 & 0x1f, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3, cp = b0 & 0x0f, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

// Unicode White_Space, as Go's unicode.IsSpace sees it.
bool IsUnicodeSpace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
         cp == 0x205f || cp == 0x3000;
}

// Returns true iff `s` is UTF-8 with no control characters other than newline.
bool IsNoteText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(s, i, cp);
    if (len == 0 || (cp < 0x20 && cp != '\n')) return false;
    i += len;
  }
  return true;
}

// Key names: non-empty UTF-8 without Unicode spaces or '+' (signed-note "Format").
bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(name, i, cp);
    if (len == 0 || cp < 0x20 || cp == '+' || IsUnicodeSpace(cp)) return false;
    i += len;
  }
  return true;
}

// Base64 of a signature line exactly as Go's base64.StdEncoding.DecodeString reads it (note.Open
// uses it, so standard tools accept what this accepts): the standard alphabet in groups of four,
// the last group may end in "==" or "=" (padding is required), nothing after the padding, and
// '\r' / '\n' skipped anywhere. Unlike common's FromBase64, non-zero padding bits are ignored, so
// re-spelling a line (AQIDBAV= for AQIDBAU=) cannot make a note fail here that Go accepts.
std::optional<Bytes> DecodeBase64LikeGo(std::string_view b64) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string chars;
  chars.reserve(b64.size());
  for (char c : b64) {
    if (c != '\r' && c != '\n') chars.push_back(c);
  }
  if (chars.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  if (!chars.empty() && chars.back() == '=') padding = chars[chars.size() - 2] == '=' ? 2 : 1;
  Bytes out;
  out.reserve(chars.size() / 4 * 3);
  for (size_t i = 0; i < chars.size(); i += 4) {
    const size_t data = i + 4 == chars.size() ? 4 - padding : 4;
    uint32_t group = 0;
    for (size_t k = 0; k < 4; ++k) {
      const int v = k < data ? value(chars[i + k]) : 0;
      if (v < 0) return std::nullopt;  // '=' anywhere but the padding, or not base64
      group = group << 6 | static_cast<uint32_t>(v);
    }
    // The low bits of a padded group are padding bits: dropped unread.
    for (size_t k = 0; k + 1 < data; ++k)
      out.push_back(static_cast<uint8_t>(group >> (16 - 8 * k)));
  }
  return out;
}

uint32_t ComputeKeyId(std::string_view name, uint8_t type, ByteView key) {
  Bytes data;
  Append(data, name);
  data.push_back('\n');
  data.push_back(type);
  Append(data, key);
  const Hash32 h = Sha256(data);
  return GetU32BE(h.data());
}

std::optional<uint32_t> ParseHex32(std::string_view hex) {
  if (hex.size() != 8) return std::nullopt;
  uint32_t value = 0;
  auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
  if (ec != std::errc() || ptr != hex.data() + hex.size()) return std::nullopt;
  return value;
}

NoteSignature MakeSignature(const std::string& name, uint8_t type, const SecretKey& key,
                            Bytes signature) {
  NoteSignature sig;
  sig.name = name;
  sig.key_id = ComputeKeyId(name, type, key.public_key());
  sig.signature = std::move(signature);
  return sig;
}

// Checks one signature line from a known verifier; fills `out` on success.
bool VerifyOne(const Note& note, const NoteVerifier& verifier, const NoteSignature& sig,
               VerifiedSignature& out) {
  out.name = sig.name;
  out.type = verifier.type;
  switch (verifier.type) {
    case kSigTypeEd25519:
      return Verify(verifier.key, AsBytes(note.text), ByteView(sig.signature));
    case kSigTypeCosignature: {
      if (sig.signature.size() != kTimestampSize + kEd25519SigSize) return false;
      const uint64_t timestamp = GetU64BE(sig.signature.data());
      if (timestamp > kMaxTimestamp) return false;
      out.timestamp = timestamp;
      const std::string message = CosignatureMessage(note.text, timestamp);
      return Verify(verifier.key, AsBytes(message),
                    ByteView(sig.signature).subspan(kTimestampSize));
    }
    default:
      return false;
  }
}

}  // namespace

uint32_t NoteVerifier::KeyId() const { return ComputeKeyId(name, type, key); }

std::string NoteVerifier::ToVkey() const {
  char id[9];
  std::snprintf(id, sizeof(id), "%08x", KeyId());
  Bytes material = {type};
  Append(material, ByteView(key));
  return name + "+" + id + "+" + ToBase64(material);
}

Result<NoteVerifier> NoteVerifier::ParseVkey(std::string_view vkey) {
  const size_t first = vkey.find('+');
  const size_t second = first == std::string_view::npos ? first : vkey.find('+', first + 1);
  if (second == std::string_view::npos) {
    return Status::Error("bad_vkey", "verifier key is not <name>+<key id>+<key>");
  }
  const std::string_view name = vkey.substr(0, first);
  const auto key_id = ParseHex32(vkey.substr(first + 1, second - first - 1));
  const auto material = FromBase64(vkey.substr(second + 1));
  if (!IsValidKeyName(name) || !key_id || !material) {
    return Status::Error("bad_vkey", "verifier key has a bad name, key id or base64 key");
  }
  if (material->size() != 1 + std::tuple_size_v<PublicKey> ||
      ((*material)[0] != kSigTypeEd25519 && (*material)[0] != kSigTypeCosignature)) {
    return Status::Error("bad_vkey",
                         "verifier key is not an Ed25519 (0x01) or cosignature "
                         "(0x04) key");
  }
  NoteVerifier verifier;
  verifier.name = std::string(name);
  verifier.type = (*material)[0];
  std::copy(material->begin() + 1, material->end(), verifier.key.begin());
  if (verifier.KeyId() != *key_id) {
    return Status::Error("bad_vkey", "verifier key id does not match its name and key");
  }
  return verifier;
}

Result<Note> ParseNote(std::string_view note_text) {
  if (!IsNoteText(note_text)) {
    return Malformed("note is not UTF-8 or contains control characters");
  }
  const size_t split = note_text.rfind("\n\n");
  if (split == std::string_view::npos) return Malformed("note has no blank line before signatures");
  Note note;
  note.text = std::string(note_text.substr(0, split + 1));
  std::string_view sigs = note_text.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return Malformed("note signatures are missing or do not end in a newline");
  }
  while (!sigs.empty()) {
    const size_t eol = sigs.find('\n');
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return Malformed("signature line does not start with an em dash and a space");
    }
    line.remove_prefix(kSigPrefix.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) return Malformed("signature line has no signature");
    const std::string_view name = line.substr(0, space);
    const auto decoded = DecodeBase64LikeGo(line.substr(space + 1));
    if (!IsValidKeyName(name) || !decoded || decoded->size() < 5) {
      return Malformed("signature line has a bad key name or signature");
    }
    if (note.signatures.size() == kMaxSignatures) return Malformed("note has too many signatures");
    NoteSignature sig;
    sig.name = std::string(name);
    sig.key_id = GetU32BE(decoded->data());
    sig.signature.assign(decoded->begin() + 4, decoded->end());
    sig.base64 = std::string(line.substr(space + 1));
    note.signatures.push_back(std::move(sig));
  }
  return note;
}

std::string FormatNote(const Note& note) {
  std::string out = note.text;
  out += '\n';
  for (const NoteSignature& sig : note.signatures) {
    Bytes payload;
    PutU32BE(payload, sig.key_id);
    Append(payload, ByteView(sig.signature));
    out += kSigPrefix;
    out += sig.name;
    out += ' ';
    out += !sig.base64.empty() && DecodeBase64LikeGo(sig.base64) == payload ? sig.base64
                                                                            : ToBase64(payload);
    out += '\n';
  }
  return out;
}

std::string CosignatureMessage(std::string_view text, uint64_t timestamp_seconds) {
  std::string message(kCosignatureHeader);
  message += "time " + std::to_string(timestamp_seconds) + "\n";
  message += text;
  return message;
}

NoteSignature SignNoteEd25519(std::string_view text, const std::string& name,
                              const SecretKey& key) {
  const Signature sig = key.Sign(AsBytes(text));
  return MakeSignature(name, kSigTypeEd25519, key, Bytes(sig.begin(), sig.end()));
}

NoteSignature CosignCheckpoint(std::string_view text, const std::string& name, const SecretKey& key,
                               uint64_t timestamp_seconds) {
  const std::string message = CosignatureMessage(text, timestamp_seconds);
  const Signature sig = key.Sign(AsBytes(message));
  Bytes payload;
  PutU64BE(payload, timestamp_seconds);
  Append(payload, ByteView(sig));
  return MakeSignature(name, kSigTypeCosignature, key, std::move(payload));
}

Result<std::vector<VerifiedSignature>> VerifyNote(const Note& note,
                                                  const std::vector<NoteVerifier>& verifiers) {
  std::vector<uint32_t> key_ids;
  key_ids.reserve(verifiers.size());
  for (const NoteVerifier& v : verifiers) key_ids.push_back(v.KeyId());

  std::vector<VerifiedSignature> verified;
  // As in Go's note.Open ("Drop repeated signatures by a single verifier", before verifying): a
  // key's first line alone is checked and counted, so standard tools and we accept the same notes.
  std::set<std::pair<std::string, uint32_t>> seen;
  for (const NoteSignature& sig : note.signatures) {
    const NoteVerifier* verifier = nullptr;
    for (size_t i = 0; i < verifiers.size() && verifier == nullptr; ++i) {
      if (verifiers[i].name == sig.name && key_ids[i] == sig.key_id) verifier = &verifiers[i];
    }
    if (verifier == nullptr) continue;  // unknown keys are ignored (signed-note "Signatures")
    if (!seen.insert({sig.name, sig.key_id}).second) continue;
    VerifiedSignature result;
    if (!VerifyOne(note, *verifier, sig, result)) {
      return Status::Error("bad_signature", "invalid signature by " + sig.name);
    }
    verified.push_back(std::move(result));
  }
  if (verified.empty()) {
    return Status::Error("no_known_signature", "note has no valid signature from a known key");
  }
  return verified;
}

std::string Checkpoint::Format() const {
  std::string out = origin + "\n" + std::to_string(size) + "\n" + ToBase64(ByteView(root)) + "\n";
  for (const std::string& line : extensions) out += line + "\n";
  return out;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  auto bad = [](std::string message) {
    return Status::Error("malformed_checkpoint", std::move(message));
  };
  if (text.empty() || text.back() != '\n') return bad("checkpoint does not end in a newline");
  if (!IsNoteText(text)) return bad("checkpoint is not UTF-8 or contains control characters");
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const size_t eol = rest.find('\n');
    lines.push_back(rest.substr(0, eol));
    rest.remove_prefix(eol + 1);
  }
  if (lines.size() < 3) return bad("checkpoint needs origin, size and root lines");
  for (std::string_view line : lines) {
    if (line.empty()) return bad("checkpoint has an empty line");
  }
  Checkpoint checkpoint;
  checkpoint.origin = std::string(lines[0]);
  const auto size = ParseCanonicalDecimal(lines[1]);
  if (!size) return bad("checkpoint tree size is not a canonical decimal");
  checkpoint.size = *size;
  const auto root = FromBase64(lines[2]);
  if (!root || root->size() != checkpoint.root.size()) {
    return bad("checkpoint root is not canonical base64 of 32 bytes");
  }
  std::copy(root->begin(), root->end(), checkpoint.root.begin());
  for (size_t i = 3; i < lines.size(); ++i) checkpoint.extensions.emplace_back(lines[i]);
  return checkpoint;
}

}  // namespace evchain::crypto
