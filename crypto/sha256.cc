#include "crypto/sha256.h"

#include <sodium.h>

#include "crypto/sodium_init.h"

namespace evchain::crypto {

static_assert(sizeof(crypto_hash_sha256_state) <= 128);

Hash32 Sha256(ByteView data) {
  EnsureSodium();
  Hash32 out;
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Sha256Stream::Sha256Stream() {
  EnsureSodium();
  crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_));
}

void Sha256Stream::Update(ByteView data) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_), data.data(),
                            data.size());
}

Hash32 Sha256Stream::Finish() {
  Hash32 out;
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), out.data());
  return out;
}

}  // namespace evchain::crypto
