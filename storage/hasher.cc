#include "storage/hasher.h"

#include <openssl/evp.h>

#include "crypto/merkle.h"
#include "crypto/sha256.h"

namespace evchain::storage {

Hasher::Hasher() {
  md_ = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  ctx_ = EVP_MD_CTX_new();
}

Hasher::~Hasher() {
  EVP_MD_CTX_free(ctx_);
  EVP_MD_free(md_);
}

bool Hasher::Digest(std::initializer_list<ByteView> parts, Hash32* out) {
  if (md_ == nullptr || ctx_ == nullptr || EVP_DigestInit_ex2(ctx_, md_, nullptr) != 1) {
    return false;
  }
  for (ByteView part : parts) {
    if (EVP_DigestUpdate(ctx_, part.data(), part.size()) != 1) return false;
  }
  unsigned int n = 0;
  return EVP_DigestFinal_ex(ctx_, out->data(), &n) == 1 && n == out->size();
}

Hash32 Hasher::Sha256(std::string_view data) {
  Hash32 out;
  if (!Digest({AsBytes(data)}, &out)) return crypto::Sha256(data);
  return out;
}

Hash32 Hasher::LeafHash(ByteView leaf) {
  static constexpr uint8_t kLeafPrefix[1] = {0x00};
  Hash32 out;
  if (!Digest({ByteView(kLeafPrefix), leaf}, &out)) return crypto::LeafHash(leaf);
  return out;
}

Hash32 Hasher::NodeHash(const Hash32& left, const Hash32& right) {
  static constexpr uint8_t kNodePrefix[1] = {0x01};
  Hash32 out;
  if (!Digest({ByteView(kNodePrefix), ByteView(left), ByteView(right)}, &out)) {
    return crypto::NodeHash(left, right);
  }
  return out;
}

}  // namespace evchain::storage
