// SHA-256 (FIPS 180-4) through libsodium.
#pragma once

#include <string_view>

#include "common/bytes.h"

namespace evchain::crypto {

Hash32 Sha256(ByteView data);
inline Hash32 Sha256(std::string_view data) { return Sha256(AsBytes(data)); }

// Incremental hashing for streams (files of any size).
class Sha256Stream {
 public:
  Sha256Stream();
  void Update(ByteView data);
  Hash32 Finish();

 private:
  alignas(64) unsigned char state_[128];  // crypto_hash_sha256_state, kept opaque here
};

}  // namespace evchain::crypto
