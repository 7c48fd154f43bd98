// Keys of everything the evidence log stores, in two stores (KvStore::Sequential()): the
// companion holds entries and Merkle nodes, whose keys only ever grow; the index store holds the
// rest. One ASCII prefix byte per record kind, then big-endian fixed-width numbers so that
// LevelDB's bytewise order is numeric order and range scans walk the log in index order.
// Byte-by-byte layout: docs/storage-format.md "Keys".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace evchain::storage::keys {

// Companion store.
// "e" index -> entry record; "e" last_leaf level -> node hash; "e" last_leaf 0 -> proof chunk
constexpr char kEntry = 'e';
// Index store.
constexpr char kState = 's';          // "s" -> log state (height, size, last block hash)
constexpr char kDigest = 'd';         // "d" digest[0..8) index -> ""
constexpr char kEvidenceId = 'i';     // "i" evidence_id[0..8) index -> ""
constexpr char kNonce = 'n';          // "n" SHA-256(NonceName)[0..8) index -> ""
constexpr char kBlock = 'b';          // "b" height -> block record
constexpr char kBlockEnd = 'l';       // "l" last entry index -> height
constexpr char kMeta = 'm';           // "m" name -> value, owned by node/
constexpr char kPending = 'p';        // "p" -> "": index keys past the committed size may exist
constexpr char kRestoreMarker = 'r';  // "r" -> restore marker: a backup or a restored copy

// Index keys name an entry by the first kIndexHashBytes of a hash plus its log index; readers
// check the full value against the entry, so prefix collisions cost a read, never a wrong answer.
constexpr size_t kIndexHashBytes = 8;
constexpr size_t kIndexKeyBytes = 1 + kIndexHashBytes + 8;
constexpr size_t kEntryKeyBytes = 9;
constexpr size_t kNodeKeyBytes = 10;   // also a proof chunk's key
constexpr uint8_t kProofChunkTag = 0;  // its last byte, where a node's has its level (>= 1)

std::string State();
std::string Pending();
std::string RestoreMarker();
std::string Entry(uint64_t index);
// The perfect subtree of `level` (>= 1) and `index`, keyed by its last leaf so that nodes sort
// among the entries in the order they are appended.
std::string Node(uint32_t level, uint64_t index);
// The proof chunk (storage/proof_chunk.h) of level-10 node `chunk`, keyed by its last leaf and
// a byte no level has, 0, so that it sorts right after that leaf's entry and before the nodes
// the leaf completes: the chunk's 32 KiB ends the table block it shares with that entry, and
// the level-10 node that Open reads stays in a small block.
std::string Chunk(uint64_t chunk);
// kind (kDigest, kEvidenceId or kNonce) ‖ hash[0..kIndexHashBytes) ‖ u64be index.
std::string Index(char kind, const Hash32& hash, uint64_t index);
// The first kIndexHashBytes + 1 bytes of Index(kind, hash, *): a prefix scan finds the candidates.
std::string IndexPrefix(char kind, const Hash32& hash);
// The bytes whose SHA-256 is the hash of the `n` index: varint len(depositor) ‖ depositor ‖
// nonce (the length keeps ("ab", "c") and ("a", "bc") apart).
std::string NonceName(std::string_view depositor, std::string_view nonce);
std::string Block(uint64_t height);
std::string BlockEnd(uint64_t last_index);
std::string Meta(std::string_view name);

// The same keys written into `*out` (replacing its contents), so a writer producing thousands of
// keys per block reuses one buffer instead of allocating each.
void Entry(uint64_t index, std::string* out);
void Node(uint32_t level, uint64_t index, std::string* out);
void Chunk(uint64_t chunk, std::string* out);
void Index(char kind, const Hash32& hash, uint64_t index, std::string* out);
void NonceName(std::string_view depositor, std::string_view nonce, std::string* out);

}  // namespace evchain::storage::keys
