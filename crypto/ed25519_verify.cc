// Ed25519 verification (docs/crypto.md "Signature verification"): libsodium's acceptance rule,
// computed by Crypto++'s ed25519-donna whenever that provably gives the same answer, because
// donna verifies 13-26 % more per CPU-second here (docs/benchmarks.md "Ed25519").
//
// libsodium 1.0.18 accepts a signature (R, s) of message M under key A iff
//   (1) s < L, (2) R is not of small order, (3) A is canonical and not of small order, and
//   (4) encode([s]B - [h]A) == R, with h = SHA-512(R || A || M) mod L.
// Donna checks (4) only, after s < 2^253 and "A decodes". So donna is asked only when
//   - A is in the prime-order subgroup (crypto_core_ed25519_is_valid_point, which implies (3));
//     checked once per key and cached per thread;
//   - s < L (1), checked here;
//   - R is not the identity. [s]B - [h]A then lies in the prime-order subgroup, whose only
//     element of small order is the identity, so a small-order R other than the identity's
//     encoding fails (4) in both libraries and (2) needs no other check.
// Under those conditions both libraries compute the same point and compare the same 32 bytes,
// so they accept exactly the same signatures (tests/crypto/ed25519_verify_test.cc checks edge
// cases and random corruptions against libsodium). Every other case goes to libsodium.
#include <cryptopp/donna.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include "crypto/ed25519.h"
#include "crypto/sodium_init.h"

namespace evchain::crypto {
namespace {

// Per-thread memory of which keys lie in the prime-order subgroup: checking costs about one
// verification, and every key a node or an audit sees is a genesis key, seen again and again.
// Bounded: forgotten wholesale when full (only a cost, never a different answer).
class PrimeOrderKeyCache {
 public:
  bool InPrimeOrderSubgroup(const PublicKey& key) {
    if (auto it = known_.find(key); it != known_.end()) return it->second;
    if (known_.size() >= kMaxKeys) known_.clear();
    const bool prime_order = crypto_core_ed25519_is_valid_point(key.data()) == 1;
    known_.emplace(key, prime_order);
    return prime_order;
  }

 private:
  static constexpr size_t kMaxKeys = 4096;
  struct KeyHash {
    size_t operator()(const PublicKey& key) const {
      return std::hash<std::string_view>()(
          std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
    }
  };
  std::unordered_map<PublicKey, bool, KeyHash> known_;
};

// s < L, the group order: reducing s mod L leaves it unchanged.
bool ScalarIsCanonical(const uint8_t* s) {
  std::array<uint8_t, crypto_core_ed25519_NONREDUCEDSCALARBYTES> wide{};
  std::copy(s, s + 32, wide.begin());
  std::array<uint8_t, crypto_core_ed25519_SCALARBYTES> reduced;
  crypto_core_ed25519_scalar_reduce(reduced.data(), wide.data());
  return std::memcmp(reduced.data(), s, 32) == 0;
}

bool IsIdentityEncoding(const uint8_t* r) {
  return r[0] == 1 && std::all_of(r + 1, r + 32, [](uint8_t b) { return b == 0; });
}

}  // namespace

bool Verify(const PublicKey& key, ByteView message, const Signature& signature) {
  EnsureSodium();
  thread_local PrimeOrderKeyCache cache;
  const uint8_t* r = signature.data();
  const uint8_t* s = signature.data() + 32;
  if (cache.InPrimeOrderSubgroup(key) && ScalarIsCanonical(s) && !IsIdentityEncoding(r)) {
    return CryptoPP::Donna::ed25519_sign_open(message.data(), message.size(), key.data(),
                                              signature.data()) == 0;
  }
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     key.data()) == 0;
}

bool Verify(const PublicKey& key, ByteView message, ByteView signature) {
  if (signature.size() != crypto_sign_BYTES) return false;
  Signature sig;
  std::copy(signature.begin(), signature.end(), sig.begin());
  return Verify(key, message, sig);
}

}  // namespace evchain::crypto
