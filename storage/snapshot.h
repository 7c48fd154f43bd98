// Chain snapshots: one file holding the committed chain of a data directory up to its latest
// certified block, from which a new or rebuilt validator loads its log instead of replaying
// every block through consensus. Format, checks and use: docs/snapshots.md.
//
// A snapshot carries the blocks (header and certificate) and every entry record; the Merkle
// nodes, indexes and log state are rebuilt from them by LoadSnapshot, so nothing in the file is
// trusted beyond what the tip's certificate proves: the headers are hash-chained from the
// genesis to the certified block, every entry's leaf is folded into the tree whose root and size
// each header names, and each entry's statement must be the one its leaf names.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "common/time.h"
#include "genesis/genesis.h"
#include "ledger/block.h"
#include "storage/kv_store.h"

namespace evchain::storage {

// The file starts with these 17 bytes, then a u32be format version (docs/snapshots.md).
inline constexpr std::string_view kSnapshotMagic = "EVCHAIN-SNAPSHOT\n";
inline constexpr uint32_t kSnapshotVersion = 1;
// Its last 16 bytes: a file that ends before them is truncated.
inline constexpr std::string_view kSnapshotEnd = "EVCHAIN-END-V1\n\n";

// What the snapshot's header says (checked against everything after it by LoadSnapshot).
struct SnapshotInfo {
  uint32_t version = kSnapshotVersion;
  UnixMillis created_at = 0;
  ledger::BlockHeader tip;      // header of the latest certified block: height, log size, root
  Hash32 tip_hash{};            // tip.Hash()
  std::string tip_certificate;  // its certificate (signed checkpoint note)
};

// Called now and then with the number of entries done so far.
using SnapshotProgress = std::function<void(uint64_t entries_done)>;

// Writes a snapshot of the committed log in `store` (index store with its companion, as
// OpenLevelDb or NewMemoryStore give) to `out`, reading only through snapshot iterators: safe
// while a node appends, though a running node holds its LevelDB lock, so another process reaches
// it through an online backup (docs/snapshots.md). The tip is the last block whose commit had
// finished when the index store's iterator was taken. Errors: "empty" (height 0: no certified
// block), "corruption", "io_error".
Result<SnapshotInfo> WriteSnapshot(const KvStore& store, std::FILE* out, UnixMillis now,
                                   const SnapshotProgress& progress = nullptr);

// Reads only the header of the snapshot in `in`. Errors: "bad_snapshot", "io_error".
Result<SnapshotInfo> ReadSnapshotHeader(std::FILE* in);

// Verifies the snapshot in `in` against `genesis` while it writes the log it holds into
// `store`, which must be empty (a fresh data directory; the caller throws it away on error:
// nothing is usable before the final state record and restore marker, written last, synced).
// Checks, in order: the header (magic, version); the tip's certificate against the genesis
// (ledger::VerifyCertificate: quorum of genesis validators, this chain) and that it names the
// tip header; then, streaming with memory bounded by one block: block 1's prev_hash is the
// genesis hash and each header's prev_hash the hash of the one before; each block's
// certificate body is its header's checkpoint; each entry's leaf decodes, names its statement's
// SHA-256, digest and block height; the RFC 9162 root and size after each block are its
// header's (a frontier: O(log n) memory); the last block is the tip; the end mark follows. Only
// the tip's certificate signatures are verified: `evchain audit` checks all the others and every
// deposit signature. Errors name the failed check and where: "bad_snapshot" (format,
// truncation), "bad_certificate", "wrong_chain", "chain_mismatch" (hash chain, header vs
// certificate), "root_mismatch", "bad_leaf", "bad_statement", "not_empty", "io_error".
// Last, in one synced write, the log state and the restore marker (storage/backup.h): height,
// log size and hash of the tip, consensus view and seq 0 (a snapshot carries no consensus
// records), created_at of the snapshot. A loaded directory is a restored copy like a restored
// backup, and a node treats it as one. The index keys are sorted in temporary files in
// `sort_dir` (the system's temporary directory when empty; 51 bytes per entry, unlinked at once)
// and written after the last block, in key order; `index_progress` then counts the entries
// whose keys are written.
Result<SnapshotInfo> LoadSnapshot(std::FILE* in, const genesis::Genesis& genesis, KvStore& store,
                                  const SnapshotProgress& progress = nullptr,
                                  const std::string& sort_dir = "",
                                  const SnapshotProgress& index_progress = nullptr);

}  // namespace evchain::storage
