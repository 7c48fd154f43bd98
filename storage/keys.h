// Keys of everything the evidence log stores. One ASCII prefix byte per record kind, then
// big-endian fixed-width numbers so that LevelDB's bytewise order is numeric order and range
// scans walk the log in index order. Byte-by-byte layout: docs/storage-format.md "Keys".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace evchain::storage::keys {

constexpr char kState = 's';       // "s" -> log state (height, size, last block hash)
constexpr char kEntry = 'e';       // "e" index -> entry record
constexpr char kNode = 't';        // "t" level index -> perfect-subtree hash
constexpr char kDigest = 'd';      // "d" digest index -> "" (one key per deposit)
constexpr char kEvidenceId = 'i';  // "i" evidence_id -> index
constexpr char kNonce = 'n';       // "n" len(depositor) depositor nonce -> index
constexpr char kBlock = 'b';       // "b" height -> block record
constexpr char kBlockEnd = 'l';    // "l" last entry index -> height
constexpr char kMeta = 'm';        // "m" name -> value, owned by node/

std::string State();
std::string Entry(uint64_t index);
std::string Node(uint32_t level, uint64_t index);
std::string Digest(const Hash32& digest, uint64_t index);
std::string DigestPrefix(const Hash32& digest);
std::string EvidenceId(const Hash32& evidence_id);
std::string Nonce(std::string_view depositor, std::string_view nonce);
std::string Block(uint64_t height);
std::string BlockEnd(uint64_t last_index);
std::string Meta(std::string_view name);

// The same keys written into `*out` (replacing its contents), so a writer producing thousands of
// keys per block reuses one buffer instead of allocating each.
void Entry(uint64_t index, std::string* out);
void Node(uint32_t level, uint64_t index, std::string* out);
void Digest(const Hash32& digest, uint64_t index, std::string* out);
void EvidenceId(const Hash32& evidence_id, std::string* out);
void Nonce(std::string_view depositor, std::string_view nonce, std::string* out);

}  // namespace evchain::storage::keys
