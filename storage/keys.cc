#include "storage/keys.h"

#include "storage/codec.h"

namespace evchain::storage::keys {
namespace {

void WithU64(char prefix, uint64_t v, std::string* out) {
  out->assign(1, prefix);
  PutFixed64(*out, v);
}

}  // namespace

void Entry(uint64_t index, std::string* out) { WithU64(kEntry, index, out); }

void Node(uint32_t level, uint64_t index, std::string* out) {
  out->assign(1, kNode);
  out->push_back(static_cast<char>(level));  // levels are < 64
  PutFixed64(*out, index);
}

void Digest(const Hash32& digest, uint64_t index, std::string* out) {
  out->assign(1, kDigest);
  PutRaw(*out, digest);
  PutFixed64(*out, index);
}

void EvidenceId(const Hash32& evidence_id, std::string* out) {
  out->assign(1, kEvidenceId);
  PutRaw(*out, evidence_id);
}

void Nonce(std::string_view depositor, std::string_view nonce, std::string* out) {
  // The length prefix keeps ("ab", "c") and ("a", "bc") apart.
  out->assign(1, kNonce);
  PutVarint(*out, depositor.size());
  out->append(depositor);
  out->append(nonce);
}

std::string State() { return std::string(1, kState); }

std::string Entry(uint64_t index) {
  std::string k;
  Entry(index, &k);
  return k;
}

std::string Node(uint32_t level, uint64_t index) {
  std::string k;
  Node(level, index, &k);
  return k;
}

std::string DigestPrefix(const Hash32& digest) {
  std::string k(1, kDigest);
  PutRaw(k, digest);
  return k;
}

std::string Digest(const Hash32& digest, uint64_t index) {
  std::string k;
  Digest(digest, index, &k);
  return k;
}

std::string EvidenceId(const Hash32& evidence_id) {
  std::string k;
  EvidenceId(evidence_id, &k);
  return k;
}

std::string Nonce(std::string_view depositor, std::string_view nonce) {
  std::string k;
  Nonce(depositor, nonce, &k);
  return k;
}

std::string Block(uint64_t height) {
  std::string k;
  WithU64(kBlock, height, &k);
  return k;
}

std::string BlockEnd(uint64_t last_index) {
  std::string k;
  WithU64(kBlockEnd, last_index, &k);
  return k;
}

std::string Meta(std::string_view name) {
  std::string k(1, kMeta);
  k.append(name);
  return k;
}

}  // namespace evchain::storage::keys
