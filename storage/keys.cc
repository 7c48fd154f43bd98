#include "storage/keys.h"

#include "storage/codec.h"

namespace evchain::storage::keys {
namespace {

std::string WithU64(char prefix, uint64_t v) {
  std::string k(1, prefix);
  PutFixed64(k, v);
  return k;
}

}  // namespace

std::string State() { return std::string(1, kState); }
std::string Entry(uint64_t index) { return WithU64(kEntry, index); }

std::string Node(uint32_t level, uint64_t index) {
  std::string k(1, kNode);
  k.push_back(static_cast<char>(level));  // levels are < 64
  PutFixed64(k, index);
  return k;
}

std::string DigestPrefix(const Hash32& digest) {
  std::string k(1, kDigest);
  PutRaw(k, digest);
  return k;
}

std::string Digest(const Hash32& digest, uint64_t index) {
  std::string k = DigestPrefix(digest);
  PutFixed64(k, index);
  return k;
}

std::string EvidenceId(const Hash32& evidence_id) {
  std::string k(1, kEvidenceId);
  PutRaw(k, evidence_id);
  return k;
}

std::string Nonce(std::string_view depositor, std::string_view nonce) {
  // The length prefix keeps ("ab", "c") and ("a", "bc") apart.
  std::string k(1, kNonce);
  PutVarint(k, depositor.size());
  k.append(depositor);
  k.append(nonce);
  return k;
}

std::string Block(uint64_t height) { return WithU64(kBlock, height); }
std::string BlockEnd(uint64_t last_index) { return WithU64(kBlockEnd, last_index); }

std::string Meta(std::string_view name) {
  std::string k(1, kMeta);
  k.append(name);
  return k;
}

}  // namespace evchain::storage::keys
