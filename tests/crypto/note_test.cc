// C2SP signed notes, checkpoints and cosignatures against every public vector in
// tests/vectors/c2sp-notes.md, plus round trips and malformed input.
#include "crypto/note.h"

#include <doctest/doctest.h>

#include <string>

#include "common/encoding.h"

namespace evchain::crypto {
namespace {

// Em dash U+2014 and a space: the start of every signature line.
#define DASH "\xe2\x80\x94 "

// ---- c2sp.org/signed-note v1.0.0 example. ----
constexpr std::string_view kExampleVkey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr std::string_view kExampleNote =
    "This is an example message.\n"
    "\n" DASH
    "example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
    "\n";

// ---- golang.org/x/mod/sumdb/note tests. ----
constexpr std::string_view kPeterVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kPeterSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kEnochVkey =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr std::string_view kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kPeterLine = DASH
    "PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr std::string_view kEnochLine = DASH
    "EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

std::string GoNote() {
  return std::string(kGoText) + "\n" + std::string(kPeterLine) + std::string(kEnochLine);
}

// ---- sum.golang.org checkpoint (transparency-dev/formats log/note_test.go). ----
constexpr std::string_view kSumVkey =
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
constexpr std::string_view kSumNote =
    "go.sum database tree\n"
    "6476701\n"
    "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n"
    "\n" DASH
    "sum.golang.org "
    "Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw="
    "\n";

// ---- arche2025h1 checkpoint with four tlog-cosignature/v1 witness lines. ----
constexpr std::string_view kArcheNote =
    "arche2025h1.staging.ct.transparency.dev\n"
    "1432088532\n"
    "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
    "\n" DASH
    "arche2025h1.staging.ct.transparency.dev "
    "zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFb"
    "o"
    "n5Ch9MNL5zRNZ55lvGt0=\n" DASH
    "arche2025h1.staging.ct.transparency.dev "
    "ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/"
    "27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n" DASH
    "transparency.dev/DEV:witness-little-garden "
    "2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/"
    "KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY0"
    "96st5BQ==\n" DASH
    "witness1.smartit.nu/witness1 "
    "pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/"
    "iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZ"
    "sDsUAQ==\n" DASH
    "remora.n621.de "
    "2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/"
    "zZ0WBxtqB0D"
    "rAWfBw==\n" DASH
    "witness.stagemole.eu "
    "Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/"
    "2TUFucgKi7lI7cUiOvKFYe/T"
    "mN9DAg==\n";
constexpr std::string_view kArcheLogVkey =
    "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f";
constexpr std::string_view kWitnessVkeys[] = {
    "transparency.dev/DEV:witness-little-garden+d8042a87+"
    "BCtusOxINQNUTN5Oj8HObRkh2yHf/MwYaGX4CPdiVEPM",
    "witness1.smartit.nu/witness1+a48c820f+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO",
    "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
    "witness.stagemole.eu+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv",
};
constexpr uint64_t kArcheWitnessTime = 1779573024;

NoteVerifier Vkey(std::string_view vkey) {
  auto v = NoteVerifier::ParseVkey(vkey);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return *v;
}

Note Parse(std::string_view text) {
  auto note = ParseNote(text);
  REQUIRE_MESSAGE(note.ok(), note.status().ToString());
  return *note;
}

SecretKey TestKey(uint8_t fill) {
  Bytes seed(32, fill);
  return SecretKey::FromSeed(seed);
}

TEST_CASE("signed-note spec example: vkey and note verify") {
  const NoteVerifier v = Vkey(kExampleVkey);
  CHECK(v.name == "example.com/foo");
  CHECK(v.type == kSigTypeEd25519);
  CHECK(v.KeyId() == 0x530d903a);
  CHECK(v.ToVkey() == kExampleVkey);
  const Note note = Parse(kExampleNote);
  CHECK(note.text == "This is an example message.\n");
  REQUIRE(note.signatures.size() == 1);
  CHECK(note.signatures[0].key_id == 0x530d903a);
  CHECK(FormatNote(note) == kExampleNote);
  auto verified = VerifyNote(note, {v});
  REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
  REQUIRE(verified->size() == 1);
  CHECK((*verified)[0].name == "example.com/foo");
  CHECK((*verified)[0].type == kSigTypeEd25519);
  CHECK(!(*verified)[0].timestamp.has_value());
}

TEST_CASE("Go sumdb/note: known keys verify, unknown keys are ignored") {
  const Note note = Parse(GoNote());
  CHECK(note.text == kGoText);
  REQUIRE(note.signatures.size() == 2);

  auto peter_only = VerifyNote(note, {Vkey(kPeterVkey)});
  REQUIRE_MESSAGE(peter_only.ok(), peter_only.status().ToString());
  REQUIRE(peter_only->size() == 1);
  CHECK((*peter_only)[0].name == "PeterNeumann");

  auto both = VerifyNote(note, {Vkey(kEnochVkey), Vkey(kPeterVkey)});
  REQUIRE(both.ok());
  CHECK(both->size() == 2);

  CHECK(VerifyNote(note, {}).status().code() == "no_known_signature");
  CHECK(VerifyNote(note, {Vkey(kExampleVkey)}).status().code() == "no_known_signature");

  // A known name with another key id is an unknown key, not a bad signature.
  Note other_id = note;
  other_id.signatures[0].key_id ^= 1;
  CHECK(VerifyNote(other_id, {Vkey(kPeterVkey)}).status().code() == "no_known_signature");

  for (size_t byte : {size_t{0}, size_t{31}, size_t{63}}) {
    Note corrupted = note;
    corrupted.signatures[0].signature[byte] ^= 0x40;
    CHECK(VerifyNote(corrupted, {Vkey(kPeterVkey)}).status().code() == "bad_signature");
    // Re-serialised and re-parsed, the corruption still rejects the note.
    auto reparsed = ParseNote(FormatNote(corrupted));
    REQUIRE(reparsed.ok());
    CHECK(VerifyNote(*reparsed, {Vkey(kPeterVkey), Vkey(kEnochVkey)}).status().code() ==
          "bad_signature");
  }
  Note changed_text = note;
  changed_text.text[0] = 'i';
  CHECK(VerifyNote(changed_text, {Vkey(kPeterVkey)}).status().code() == "bad_signature");
}

TEST_CASE("Go sumdb/note: the published test key reproduces the signature byte for byte") {
  // PRIVATE+KEY+<name>+<id>+base64(0x01 || seed); the base64 itself may contain '+'.
  std::string_view skey = kPeterSkey;
  for (int i = 0; i < 4; ++i) skey.remove_prefix(skey.find('+') + 1);
  auto material = FromBase64(skey);
  REQUIRE(material.has_value());
  REQUIRE(material->size() == 33);
  CHECK((*material)[0] == kSigTypeEd25519);
  const SecretKey key = SecretKey::FromSeed(ByteView(*material).subspan(1));
  CHECK(key.public_key() == Vkey(kPeterVkey).key);

  Note note;
  note.text = std::string(kGoText);
  note.signatures.push_back(SignNoteEd25519(kGoText, "PeterNeumann", key));
  CHECK(note.signatures[0].key_id == 0xc74f20a3);
  CHECK(FormatNote(note) == std::string(kGoText) + "\n" + std::string(kPeterLine));

  NoteVerifier v{"PeterNeumann", kSigTypeEd25519, key.public_key()};
  CHECK(v.ToVkey() == kPeterVkey);
}

TEST_CASE("malformed notes are rejected (Go's list and the spec's limits)") {
  const std::string text(kGoText);
  const std::string sigs = std::string(kPeterLine) + std::string(kEnochLine);
  const std::string bad[] = {
      "",
      text,                                           // no blank line, no signatures
      text + "\n",                                    // blank line but no signatures
      text + "\n" + sigs.substr(0, sigs.size() - 1),  // missing final newline
      "\x01" + text + "\n" + sigs,                    // control character
      "\xff" + text + "\n" + sigs,                    // not UTF-8
      "\xc0\xaf" + text + "\n" + sigs,                // overlong UTF-8
      text + "\n" DASH
             "Bad Name "
             "x08go/ZJkuBS9UG/"
             "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
      text + "\n" + sigs + "More signatures\n",      // trailing non-signature line
      text + "\n" DASH "PeterNeumann\n",             // no signature
      text + "\n" DASH "PeterNeumann AAAA\n",        // shorter than key id + 1 byte
      text + "\n" DASH "Peter+Neumann AAAAAAA=\n",   // '+' in the key name
      text + "\n" DASH "PeterNeumann not*base64\n",  // bad base64
      text + "\n- PeterNeumann AAAAAAA=\n",          // hyphen instead of em dash
      text + "\r\n" + sigs,                          // carriage return
  };
  for (const std::string& note : bad) {
    CAPTURE(note);
    CHECK(ParseNote(note).status().code() == "malformed_note");
  }

  std::string many = text + "\n";
  for (int i = 0; i < 101; ++i) many += std::string(kPeterLine);
  CHECK(ParseNote(many).status().code() == "malformed_note");
  std::string sixteen = text + "\n";
  for (int i = 0; i < 16; ++i) sixteen += std::string(kPeterLine);
  auto parsed = ParseNote(sixteen);
  REQUIRE(parsed.ok());
  // Repeats of one key count once.
  auto verified = VerifyNote(*parsed, {Vkey(kPeterVkey)});
  REQUIRE(verified.ok());
  CHECK(verified->size() == 1);
}

TEST_CASE("note text may contain empty lines: the last blank line separates signatures") {
  const SecretKey key = TestKey(7);
  Note note;
  note.text = "first\n\nsecond, after an empty line\n";
  note.signatures.push_back(SignNoteEd25519(note.text, "test.example/key", key));
  const std::string wire = FormatNote(note);
  const Note parsed = Parse(wire);
  CHECK(parsed.text == note.text);
  NoteVerifier v{"test.example/key", kSigTypeEd25519, key.public_key()};
  CHECK(VerifyNote(parsed, {v}).ok());
}

TEST_CASE("sum.golang.org checkpoint parses and verifies") {
  const NoteVerifier v = Vkey(kSumVkey);
  CHECK(v.KeyId() == 0x033de0ae);
  const Note note = Parse(kSumNote);
  auto verified = VerifyNote(note, {v});
  REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
  CHECK(verified->size() == 1);
  auto checkpoint = ParseCheckpoint(note.text);
  REQUIRE_MESSAGE(checkpoint.ok(), checkpoint.status().ToString());
  CHECK(checkpoint->origin == "go.sum database tree");
  CHECK(checkpoint->size == 6476701);
  CHECK(ToHex(checkpoint->root) ==
        "99bf102d022cd19d323f90acb6aea0ba3f3ba1759e0bd80433ca158a49a6f569");
  CHECK(checkpoint->extensions.empty());
  CHECK(checkpoint->Format() == note.text);
}

TEST_CASE("arche2025h1: four witness cosignatures (type 0x04) verify with their timestamp") {
  const Note note = Parse(kArcheNote);
  REQUIRE(note.signatures.size() == 6);
  auto checkpoint = ParseCheckpoint(note.text);
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->origin == "arche2025h1.staging.ct.transparency.dev");
  CHECK(checkpoint->size == 1432088532);

  std::vector<NoteVerifier> witnesses;
  for (std::string_view vkey : kWitnessVkeys) {
    witnesses.push_back(Vkey(vkey));
    CHECK(witnesses.back().type == kSigTypeCosignature);
    CHECK(witnesses.back().ToVkey() == vkey);
  }
  auto verified = VerifyNote(note, witnesses);
  REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
  REQUIRE(verified->size() == 4);
  for (const VerifiedSignature& sig : *verified) {
    CAPTURE(sig.name);
    CHECK(sig.type == kSigTypeCosignature);
    REQUIRE(sig.timestamp.has_value());
    CHECK(*sig.timestamp == kArcheWitnessTime);
  }

  // The log's Ed25519 line verifies with the log key; its RFC 6962 (0x05) line, same name but
  // another key id, is ignored.
  std::vector<NoteVerifier> all = witnesses;
  all.push_back(Vkey(kArcheLogVkey));
  auto with_log = VerifyNote(note, all);
  REQUIRE_MESSAGE(with_log.ok(), with_log.status().ToString());
  CHECK(with_log->size() == 5);
  auto log_only = VerifyNote(note, {Vkey(kArcheLogVkey)});
  REQUIRE(log_only.ok());
  CHECK(log_only->size() == 1);
  CHECK((*log_only)[0].type == kSigTypeEd25519);

  // A cosignature key is not an Ed25519 note key: same name and key, type 0x01, is unknown.
  NoteVerifier as_ed25519 = witnesses[0];
  as_ed25519.type = kSigTypeEd25519;
  CHECK(VerifyNote(note, {as_ed25519}).status().code() == "no_known_signature");
}

TEST_CASE("single-byte mutations of a cosigned checkpoint never verify a changed text") {
  std::vector<NoteVerifier> witnesses;
  for (std::string_view vkey : kWitnessVkeys) witnesses.push_back(Vkey(vkey));
  const std::string original(kArcheNote);
  const std::string text = Parse(original).text;
  size_t verified_count = 0;
  for (size_t i = 0; i < original.size(); ++i) {
    for (uint8_t delta : {uint8_t{0x01}, uint8_t{0x20}, uint8_t{0x80}}) {
      std::string mutated = original;
      mutated[i] = static_cast<char>(static_cast<uint8_t>(mutated[i]) ^ delta);
      auto note = ParseNote(mutated);
      if (!note.ok()) continue;
      auto verified = VerifyNote(*note, witnesses);
      if (!verified.ok()) continue;
      ++verified_count;
      if (note->text != text) FAIL("mutated text verified at byte ", i);
    }
  }
  // Mutations inside the log's own lines (unknown keys here) leave the witnesses verifying.
  CHECK(verified_count > 0);
}

TEST_CASE("cosignature message layout matches the tlog-cosignature example") {
  const std::string checkpoint =
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  CHECK(CosignatureMessage(checkpoint, 1679315147) ==
        "cosignature/v1\n"
        "time 1679315147\n"
        "example.com/behind-the-sofa\n"
        "20852163\n"
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  CHECK(CosignatureMessage("x\n", 0) == "cosignature/v1\ntime 0\nx\n");
  // The spec example's witness line carries key id 8d66cf3f and that timestamp, big-endian.
  const Note note = Parse(
      checkpoint + "\n" DASH
                   "witness.example.com/w1 "
                   "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZ"
                   "qhf5nNo0xUe+mbIUBkBIfZ+qnA==\n");
  REQUIRE(note.signatures.size() == 1);
  CHECK(note.signatures[0].key_id == 0x8d66cf3f);
  REQUIRE(note.signatures[0].signature.size() == 72);
  CHECK(GetU64BE(note.signatures[0].signature.data()) == 1679315147);
}

TEST_CASE("round trip: our own cosignature and Ed25519 signature verify, tampering fails") {
  const SecretKey key = TestKey(42);
  Checkpoint cp;
  cp.origin = "evchain/test-chain";
  cp.size = 12345;
  cp.root.fill(0xab);
  cp.extensions = {"height 17", "block 00ff"};
  Note note;
  note.text = cp.Format();
  const uint64_t t = 1700000000;
  note.signatures.push_back(CosignCheckpoint(note.text, "court-1", key, t));
  note.signatures.push_back(SignNoteEd25519(note.text, "court-1", key));
  const NoteVerifier cosigner{"court-1", kSigTypeCosignature, key.public_key()};
  const NoteVerifier signer{"court-1", kSigTypeEd25519, key.public_key()};
  CHECK(cosigner.KeyId() != signer.KeyId());
  CHECK(note.signatures[0].key_id == cosigner.KeyId());
  CHECK(note.signatures[0].signature.size() == 72);

  const Note parsed = Parse(FormatNote(note));
  auto verified = VerifyNote(parsed, {Vkey(cosigner.ToVkey()), Vkey(signer.ToVkey())});
  REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
  REQUIRE(verified->size() == 2);
  CHECK((*verified)[0].timestamp == t);
  CHECK(!(*verified)[1].timestamp.has_value());
  auto reparsed_cp = ParseCheckpoint(parsed.text);
  REQUIRE(reparsed_cp.ok());
  CHECK(reparsed_cp->extensions == cp.extensions);
  CHECK(reparsed_cp->root == cp.root);

  for (size_t byte = 0; byte < 8; ++byte) {
    Note tampered = parsed;
    tampered.signatures[0].signature[byte] ^= 0x01;
    CHECK(VerifyNote(tampered, {cosigner}).status().code() == "bad_signature");
  }
  Note truncated = parsed;
  truncated.signatures[0].signature.resize(71);
  CHECK(VerifyNote(truncated, {cosigner}).status().code() == "bad_signature");
  Note other_text = parsed;
  other_text.text = Checkpoint{cp.origin, cp.size + 1, cp.root, cp.extensions}.Format();
  CHECK(VerifyNote(other_text, {cosigner}).status().code() == "bad_signature");
  CHECK(VerifyNote(other_text, {signer}).status().code() == "bad_signature");
}

// Go's note.Open drops a verifier's repeated lines before verifying: only the first line of each
// known (name, key id) is checked and counted, so a later line of the same key, valid or not,
// changes nothing. Standard tools accept exactly these notes, so we do too (docs/crypto.md).
TEST_CASE("repeated lines of one known key: only the first is verified, as in Go's note.Open") {
  const SecretKey key = TestKey(9);
  const std::string text = "evchain/test-chain\n1\n" + ToBase64(Bytes(32, 0xcd)) + "\n";
  const NoteVerifier cosigner{"court-1", kSigTypeCosignature, key.public_key()};
  const NoteSignature early = CosignCheckpoint(text, "court-1", key, 1700000000);
  const NoteSignature late = CosignCheckpoint(text, "court-1", key, 1700000100);
  NoteSignature forged = late;
  forged.signature.back() ^= 0x01;

  auto verify = [&](std::vector<NoteSignature> lines) {
    auto note = ParseNote(FormatNote(Note{text, std::move(lines)}));
    REQUIRE(note.ok());
    return VerifyNote(*note, {cosigner});
  };
  {  // Valid, then invalid: the invalid repeat is never checked.
    auto v = verify({early, forged});
    REQUIRE_MESSAGE(v.ok(), v.status().ToString());
    REQUIRE(v->size() == 1);
    CHECK((*v)[0].timestamp == 1700000000);
  }
  // Invalid first: the note is rejected, whatever follows.
  CHECK(verify({forged, early}).status().code() == "bad_signature");
  {  // Two valid lines: the first one's timestamp is the one reported.
    auto v = verify({late, early});
    REQUIRE(v.ok());
    REQUIRE(v->size() == 1);
    CHECK((*v)[0].timestamp == 1700000100);
  }
  {  // A malformed payload (not 8 + 64 bytes) after a valid line is ignored too.
    NoteSignature short_payload = early;
    short_payload.signature.resize(10);
    CHECK(verify({early, short_payload}).ok());
    CHECK(verify({short_payload, early}).status().code() == "bad_signature");
  }
}

// Signature lines are base64 as Go's base64.StdEncoding.DecodeString reads it (note.Open): the
// standard alphabet, '=' padding required, non-zero padding bits ignored. A stricter decoder
// would let anyone holding a note make it fail here while standard tools accept it.
TEST_CASE("signature lines: non-zero padding bits are ignored, other bad base64 is malformed") {
  const std::string text(kGoText);
  {  // An unknown witness whose base64 has padding bits set (canonical: AQIDBAU=).
    const std::string note = GoNote() + DASH "witness.example AQIDBAV=\n";
    auto parsed = ParseNote(note);
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
    REQUIRE(parsed->signatures.size() == 3);
    CHECK(parsed->signatures[2].key_id == 0x01020304);
    CHECK(parsed->signatures[2].signature == Bytes{0x05});
    CHECK(VerifyNote(*parsed, {Vkey(kPeterVkey)}).ok());
    // Formatted back byte for byte, as Go keeps each line's base64; an edited signature is
    // written canonically.
    CHECK(FormatNote(*parsed) == note);
    Note edited = *parsed;
    edited.signatures[2].signature = {0x06};
    CHECK(FormatNote(edited) == GoNote() + DASH "witness.example AQIDBAY=\n");
  }
  {  // A known key's line spelled with padding bits set: the same bytes, so it verifies.
    std::string line(kPeterLine);
    const size_t at = line.find("nAM=");
    REQUIRE(at != std::string::npos);
    line.replace(at, 4, "nAN=");  // 'M' = 001100, 'N' = 001101: only a padding bit differs
    auto parsed = ParseNote(text + "\n" + line);
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
    CHECK(parsed->signatures[0].signature == Parse(GoNote()).signatures[0].signature);
    CHECK(VerifyNote(*parsed, {Vkey(kPeterVkey)}).ok());
  }
  {  // Two padding characters: four padding bits, all ignored.
    auto parsed = ParseNote(text + "\n" DASH "witness.example AQIDBAUG/x==\n");
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
    CHECK(parsed->signatures[0].signature == Bytes{0x05, 0x06, 0xff});
  }
  // What Go's StdEncoding refuses stays malformed.
  for (const char* b64 : {
           "AQIDBAU",           // padding missing
           "AQIDBAUG/w",        // padding missing (two characters)
           "AQIDBAUG/=",        // one character, then padding
           "AQIDBAU==",         // one '=' too many
           "AQIDBA===",         // three '='
           "AQ=DBAU=",          // '=' inside
           "=AQIDBAU",          // '=' first
           "AQIDBAU=AQID",      // data after the padding
           "AQID BAU=",         // a space
           "AQIDBAU=\xc2\xa0",  // a Unicode space
           "AQIDBA-_",          // URL alphabet
           "AQIDBA.=",          // not base64 at all
       }) {
    const std::string note = text + "\n" DASH "witness.example " + b64 + "\n";
    CAPTURE(b64);
    CHECK(ParseNote(note).status().code() == "malformed_note");
  }
}

TEST_CASE("verifier keys: parse errors") {
  CHECK(NoteVerifier::ParseVkey("").status().code() == "bad_vkey");
  CHECK(NoteVerifier::ParseVkey("example.com/foo").status().code() == "bad_vkey");
  CHECK(NoteVerifier::ParseVkey("example.com/foo+530d903a").status().code() == "bad_vkey");
  // Key id that does not match the name and key.
  CHECK(NoteVerifier::ParseVkey(
            "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
            .status()
            .code() == "bad_vkey");
  // Another name with the same key id and key.
  CHECK(NoteVerifier::ParseVkey(
            "example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
            .status()
            .code() == "bad_vkey");
  CHECK(
      NoteVerifier::ParseVkey("example.com/foo+530d90+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
          .status()
          .code() == "bad_vkey");
  CHECK(NoteVerifier::ParseVkey("+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
            .status()
            .code() == "bad_vkey");
  CHECK(NoteVerifier::ParseVkey("example.com/foo+530d903a+Aeky!").status().code() == "bad_vkey");
  // Unsupported signature type (0x05) and wrong key length.
  NoteVerifier v = Vkey(kExampleVkey);
  Bytes material = {0x05};
  Append(material, ByteView(v.key));
  CHECK(NoteVerifier::ParseVkey("example.com/foo+00000000+" + ToBase64(material)).status().code() ==
        "bad_vkey");
  CHECK(NoteVerifier::ParseVkey("example.com/foo+00000000+AQID").status().code() == "bad_vkey");
}

TEST_CASE("ParseCheckpoint rejects bad sizes, non-canonical roots and missing lines") {
  const std::string origin = "go.sum database tree\n";
  const std::string root = "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n";
  REQUIRE(ParseCheckpoint(origin + "6476701\n" + root).ok());
  auto empty_tree = ParseCheckpoint(origin + "0\n" + root);
  REQUIRE(empty_tree.ok());
  CHECK(empty_tree->size == 0);
  auto max = ParseCheckpoint(origin + "18446744073709551615\n" + root);
  REQUIRE(max.ok());
  CHECK(max->size == UINT64_MAX);

  const std::string bad[] = {
      "",
      origin,
      origin + "6476701\n",                                                // missing root
      origin + "6476701\n" + root.substr(0, root.size() - 1),              // no final newline
      "\n6476701\n" + root,                                                // empty origin
      origin + "06476701\n" + root,                                        // leading zero
      origin + "-1\n" + root,                                              // sign
      origin + "+1\n" + root,                                              // sign
      origin + "64767a1\n" + root,                                         // not decimal
      origin + " 6476701\n" + root,                                        // space
      origin + "18446744073709551616\n" + root,                            // overflows 64 bits
      origin + "\n" + root,                                                // empty size
      origin + "6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wl=\n",  // padding bits
      origin + "6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk\n",   // no padding
      origin + "6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm\n",      // 30 bytes
      origin + "6476701\n" + root + "\n",                                  // empty line
      origin + "6476701\n" + root + "ext\n\nmore\n",                       // empty extension
      origin + "6476701\n" + root + "ext\x01\n",                           // control byte
  };
  for (const std::string& text : bad) {
    CAPTURE(text);
    CHECK(ParseCheckpoint(text).status().code() == "malformed_checkpoint");
  }
  auto with_ext = ParseCheckpoint(origin + "1\n" + root + "height 5\nblock ab\n");
  REQUIRE(with_ext.ok());
  CHECK(with_ext->extensions == std::vector<std::string>{"height 5", "block ab"});
  CHECK(with_ext->Format() == origin + "1\n" + root + "height 5\nblock ab\n");
}

}  // namespace
}  // namespace evchain::crypto
