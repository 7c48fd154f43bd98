// SHA-256 (FIPS 180-4) through OpenSSL's libcrypto, whose SHA-NI / AVX2 code paths take several
// times fewer cycles than libsodium's portable code on this project's machines (statement, leaf
// and node hashing dominate the log writer and the audit besides Ed25519; docs/benchmarks.md).
// libsodium remains the library for Ed25519, key exchange and AEAD (crypto/ed25519.h).
#pragma once

#include <initializer_list>
#include <string_view>

#include "common/bytes.h"

struct evp_md_ctx_st;

namespace evchain::crypto {

Hash32 Sha256(ByteView data);
inline Hash32 Sha256(std::string_view data) { return Sha256(AsBytes(data)); }
// SHA-256 of the concatenation of `parts`, without copying them together.
Hash32 Sha256(std::initializer_list<ByteView> parts);

// Incremental hashing for streams (files of any size). Not copyable.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(ByteView data);
  // REQUIRES: called once; the stream is not used afterwards.
  Hash32 Finish();

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace evchain::crypto
