// Ed25519 (RFC 8032) keys and signatures through libsodium; verification takes a faster route
// with the same answers where it can (crypto/ed25519_verify.cc).
#pragma once

#include <array>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace evchain::crypto {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

// A secret key held in sodium-guarded memory: wiped on destruction, never copied, never logged.
class SecretKey {
 public:
  // Generates a fresh key pair from the OS random source.
  static SecretKey Generate();
  // Derives the key pair from a 32-byte seed (deterministic; for tests and key files).
  static SecretKey FromSeed(ByteView seed32);
  // Key file format (docs/formats.md "Key file"): one line "evchain-ed25519-seed:<64 hex>\n".
  // Load refuses files readable by group or others.
  static Result<SecretKey> LoadFile(const std::string& path);
  // Writes with mode 0600; refuses to overwrite an existing file.
  Status SaveFile(const std::string& path) const;

  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  const PublicKey& public_key() const { return public_key_; }
  Signature Sign(ByteView message) const;

 private:
  SecretKey();
  unsigned char* secret_ = nullptr;  // 64 bytes (seed || public key), sodium_malloc'd
  PublicKey public_key_{};
};

// Returns true iff `signature` is a valid Ed25519 signature of `message` under `key`, by
// libsodium's rule: canonical s, no small-order R or key, canonical key (RFC 8032 §5.1.7 plus
// those checks). Thread-safe.
bool Verify(const PublicKey& key, ByteView message, const Signature& signature);
bool Verify(const PublicKey& key, ByteView message, ByteView signature);

}  // namespace evchain::crypto
