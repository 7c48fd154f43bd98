#include "storage/keys.h"

#include "storage/codec.h"
#include "storage/proof_chunk.h"

namespace evchain::storage::keys {
namespace {

void WithU64(char prefix, uint64_t v, std::string* out) {
  out->assign(1, prefix);
  PutFixed64(*out, v);
}

}  // namespace

void Entry(uint64_t index, std::string* out) { WithU64(kEntry, index, out); }

void Node(uint32_t level, uint64_t index, std::string* out) {
  WithU64(kEntry, ((index + 1) << level) - 1, out);  // levels are < 64
  out->push_back(static_cast<char>(level));
}

void Chunk(uint64_t chunk, std::string* out) {
  WithU64(kEntry, storage::ProofChunk::EndLeaf(chunk) - 1, out);
  out->push_back(static_cast<char>(kProofChunkTag));
}

void Index(char kind, const Hash32& hash, uint64_t index, std::string* out) {
  out->assign(1, kind);
  out->append(reinterpret_cast<const char*>(hash.data()), kIndexHashBytes);
  PutFixed64(*out, index);
}

void NonceName(std::string_view depositor, std::string_view nonce, std::string* out) {
  out->clear();
  PutVarint(*out, depositor.size());
  out->append(depositor);
  out->append(nonce);
}

std::string State() { return std::string(1, kState); }

std::string Pending() { return std::string(1, kPending); }

std::string RestoreMarker() { return std::string(1, kRestoreMarker); }

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

std::string Chunk(uint64_t chunk) {
  std::string k;
  Chunk(chunk, &k);
  return k;
}

std::string Index(char kind, const Hash32& hash, uint64_t index) {
  std::string k;
  Index(kind, hash, index, &k);
  return k;
}

std::string IndexPrefix(char kind, const Hash32& hash) {
  std::string k(1, kind);
  k.append(reinterpret_cast<const char*>(hash.data()), kIndexHashBytes);
  return k;
}

std::string NonceName(std::string_view depositor, std::string_view nonce) {
  std::string name;
  NonceName(depositor, nonce, &name);
  return name;
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
