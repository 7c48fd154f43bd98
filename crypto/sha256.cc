#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace evchain::crypto {
namespace {

// OpenSSL failing to hash (no SHA-256 provider, out of memory) leaves no safe way to go on:
// every integrity check depends on it.
[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL SHA-256 %s failed\n", what);
  std::abort();
}

// Fetched once: an explicit fetch avoids OpenSSL 3's per-call implicit provider lookup.
const EVP_MD* Md() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) Die("fetch");
    return fetched;
  }();
  return md;
}

EVP_MD_CTX* NewContext() {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx, Md(), nullptr) != 1) Die("init");
  return ctx;
}

void Update(EVP_MD_CTX* ctx, ByteView data) {
  if (EVP_DigestUpdate(ctx, data.data(), data.size()) != 1) Die("update");
}

Hash32 Final(EVP_MD_CTX* ctx) {
  Hash32 out;
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx, out.data(), &n) != 1 || n != out.size()) Die("final");
  return out;
}

// One reusable context per thread for one-shot hashes (allocating one per call costs more than
// hashing a leaf).
struct ThreadContext {
  ThreadContext() : ctx(NewContext()) {}
  ~ThreadContext() { EVP_MD_CTX_free(ctx); }
  ThreadContext(const ThreadContext&) = delete;
  ThreadContext& operator=(const ThreadContext&) = delete;
  EVP_MD_CTX* ctx;
};

EVP_MD_CTX* OneShotContext() {
  thread_local ThreadContext context;
  if (EVP_DigestInit_ex2(context.ctx, Md(), nullptr) != 1) Die("init");
  return context.ctx;
}

}  // namespace

Hash32 Sha256(ByteView data) { return Sha256(std::initializer_list<ByteView>{data}); }

Hash32 Sha256(std::initializer_list<ByteView> parts) {
  EVP_MD_CTX* ctx = OneShotContext();
  for (ByteView part : parts) Update(ctx, part);
  return Final(ctx);
}

Sha256Stream::Sha256Stream() : ctx_(NewContext()) {}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(ctx_); }

void Sha256Stream::Update(ByteView data) { crypto::Update(ctx_, data); }

Hash32 Sha256Stream::Finish() { return Final(ctx_); }

}  // namespace evchain::crypto
