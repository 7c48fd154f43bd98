// crypto::Verify must accept exactly what libsodium's crypto_sign_verify_detached accepts, although
// it usually computes with Crypto++'s ed25519-donna (crypto/ed25519_verify.cc). Each edge case
// below is one that donna alone accepts and libsodium rejects, so each precondition of the fast
// route is shown to matter; random corruptions check the common case.
#include <cryptopp/donna.h>
#include <doctest/doctest.h>
#include <sodium.h>

#include <array>
#include <random>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/sodium_init.h"

namespace evchain::crypto {
namespace {

using Scalar = std::array<uint8_t, crypto_core_ed25519_SCALARBYTES>;

// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr Scalar kGroupOrder = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
constexpr PublicKey kIdentity = {1};  // the neutral element's encoding: y = 1, x = 0

bool Sodium(const PublicKey& key, ByteView message, const Signature& sig) {
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(), key.data()) == 0;
}

bool DonnaAlone(const PublicKey& key, ByteView message, const Signature& sig) {
  return CryptoPP::Donna::ed25519_sign_open(message.data(), message.size(), key.data(),
                                            sig.data()) == 0;
}

// h = SHA-512(R || A || M) mod L, as both libraries compute it.
Scalar Challenge(const uint8_t* r, const PublicKey& key, ByteView message) {
  std::array<uint8_t, 64> wide;
  crypto_hash_sha512_state state;
  crypto_hash_sha512_init(&state);
  crypto_hash_sha512_update(&state, r, 32);
  crypto_hash_sha512_update(&state, key.data(), key.size());
  crypto_hash_sha512_update(&state, message.data(), message.size());
  crypto_hash_sha512_final(&state, wide.data());
  Scalar h;
  crypto_core_ed25519_scalar_reduce(h.data(), wide.data());
  return h;
}

ByteView View(const std::string& s) { return AsBytes(s); }

TEST_CASE("valid signatures verify, with donna doing the work") {
  EnsureSodium();
  SecretKey key = SecretKey::Generate();
  for (int i = 0; i < 50; ++i) {
    const std::string message = "statement " + std::to_string(i);
    const Signature sig = key.Sign(View(message));
    CHECK(Verify(key.public_key(), View(message), sig));
    CHECK(Sodium(key.public_key(), View(message), sig));
    CHECK(DonnaAlone(key.public_key(), View(message), sig));
  }
}

TEST_CASE("random corruptions: the same answer as libsodium") {
  EnsureSodium();
  std::mt19937 rng(20261130);
  std::vector<SecretKey> keys;
  keys.reserve(4);
  for (int i = 0; i < 4; ++i) keys.push_back(SecretKey::Generate());
  int accepted = 0;
  for (int i = 0; i < 2000; ++i) {
    const SecretKey& signer = keys[i % keys.size()];
    PublicKey key = signer.public_key();
    std::string message(1 + rng() % 300, 'x');
    for (char& c : message) c = static_cast<char>(rng());
    Signature sig = signer.Sign(View(message));
    switch (rng() % 5) {
      case 0:
        break;  // untouched
      case 1:
        sig[rng() % 32] ^= 1u << (rng() % 8);
        break;  // R
      case 2:
        sig[32 + rng() % 32] ^= 1u << (rng() % 8);
        break;  // s
      case 3:
        key[rng() % 32] ^= 1u << (rng() % 8);
        break;  // key
      case 4:
        message[rng() % message.size()] ^= 1;
        break;  // message
    }
    const bool expected = Sodium(key, View(message), sig);
    accepted += expected;
    CHECK_MESSAGE(Verify(key, View(message), sig) == expected, "case ", i);
  }
  CHECK(accepted > 300);  // the untouched fifth, give or take
}

TEST_CASE("s + L (non-canonical s) is rejected, though donna accepts it") {
  EnsureSodium();
  SecretKey key = SecretKey::Generate();
  const std::string message = "malleable?";
  Signature sig = key.Sign(View(message));
  // s + L stays below 2^253, which is all donna checks.
  unsigned carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    const unsigned sum = sig[32 + i] + kGroupOrder[i] + carry;
    sig[32 + i] = static_cast<uint8_t>(sum);
    carry = sum >> 8;
  }
  REQUIRE(carry == 0);
  CHECK(DonnaAlone(key.public_key(), View(message), sig));
  CHECK_FALSE(Sodium(key.public_key(), View(message), sig));
  CHECK_FALSE(Verify(key.public_key(), View(message), sig));
}

TEST_CASE("R = identity with s = h·a is rejected, though donna accepts it") {
  EnsureSodium();
  Scalar a;
  crypto_core_ed25519_scalar_random(a.data());
  PublicKey key;
  REQUIRE(crypto_scalarmult_ed25519_base_noclamp(key.data(), a.data()) == 0);
  const std::string message = "no nonce";
  Signature sig{};
  std::copy(kIdentity.begin(), kIdentity.end(), sig.begin());
  const Scalar h = Challenge(sig.data(), key, View(message));
  crypto_core_ed25519_scalar_mul(sig.data() + 32, h.data(), a.data());  // [s]B - [h]A = 0
  CHECK(DonnaAlone(key, View(message), sig));
  CHECK_FALSE(Sodium(key, View(message), sig));
  CHECK_FALSE(Verify(key, View(message), sig));
}

TEST_CASE("a small-order key is rejected, though donna accepts a signature under it") {
  EnsureSodium();
  const std::string message = "anything at all";
  Signature sig{};
  std::copy(kIdentity.begin(), kIdentity.end(), sig.begin());  // R = 0, s = 0: 0 = 0 - [h]0
  CHECK(DonnaAlone(kIdentity, View(message), sig));
  CHECK_FALSE(Sodium(kIdentity, View(message), sig));
  CHECK_FALSE(Verify(kIdentity, View(message), sig));
}

TEST_CASE("a wrong-length signature is rejected") {
  SecretKey key = SecretKey::Generate();
  const std::string message = "m";
  const Signature sig = key.Sign(View(message));
  CHECK_FALSE(Verify(key.public_key(), View(message), ByteView(sig.data(), 63)));
  CHECK(Verify(key.public_key(), View(message), ByteView(sig.data(), 64)));
}

}  // namespace
}  // namespace evchain::crypto
