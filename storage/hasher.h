// RFC 9162 leaf/node hashing and statement hashing for the log's writer, through OpenSSL's
// SHA-256 (SHA-NI / AVX2 code paths: about 3-4x fewer cycles than libsodium's portable code on
// this project's machines, measured in docs/benchmarks.md "Storage"). Results are identical to
// crypto::Sha256 / LeafHash / NodeHash (tests/storage/hasher_test.cc); when OpenSSL cannot
// provide SHA-256 it falls back to those.
#pragma once

#include <initializer_list>
#include <string_view>

#include "common/bytes.h"

struct evp_md_st;
struct evp_md_ctx_st;

namespace evchain::storage {

// Not thread-safe: one per thread (the log's single writer owns one).
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hash32 Sha256(std::string_view data);
  Hash32 LeafHash(ByteView leaf);                            // SHA-256(0x00 || leaf)
  Hash32 NodeHash(const Hash32& left, const Hash32& right);  // SHA-256(0x01 || left || right)

 private:
  // Hashes the concatenation of `parts`; false if OpenSSL failed (callers then fall back).
  bool Digest(std::initializer_list<ByteView> parts, Hash32* out);

  evp_md_st* md_ = nullptr;
  evp_md_ctx_st* ctx_ = nullptr;
};

}  // namespace evchain::storage
