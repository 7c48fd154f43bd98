// The append-only evidence log and chain store on top of a KvStore and its companion
// (KvStore::Sequential()): leaves, Merkle nodes for O(log n) roots and proofs at any past size,
// blocks with certificates, and the indexes digest -> entries, evidence_id -> entry,
// height -> block, (depositor, nonce) -> evidence_id. Key layout and crash recovery:
// docs/storage-format.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "ledger/block.h"
#include "ledger/leaf.h"
#include "storage/backup.h"
#include "storage/kv_store.h"

namespace evchain::storage {

class ProofChunk;

struct StoredEntry {
  uint64_t index = 0;
  ledger::Entry entry;
  Bytes leaf;  // exact leaf bytes
  uint64_t block_height = 0;
};

struct StoredBlock {
  ledger::BlockHeader header;
  Hash32 hash{};
  std::string certificate;   // signed checkpoint note (>= 2f+1 cosignatures)
  uint64_t first_index = 0;  // log index of the block's first entry
  uint64_t entry_count = 0;
};

// A block ready to be appended: header, certificate, and entries with their leaf bytes, in log
// order. The log checks that the header's log_size/log_root match the result of appending.
struct BlockToAppend {
  ledger::BlockHeader header;
  std::string certificate;
  std::vector<ledger::Entry> entries;
  std::vector<Bytes> leaves;  // leaves[i] is entries[i]'s leaf
};

// Not thread-safe for writers: one writer (the node's commit path); readers may call the const
// methods concurrently with each other and with AppendBlock (they read a consistent prefix).
class EvidenceLog {
  struct Impl;  // first: EntryCursor holds one

 public:
  // Loads the current size/height from `store`, and first deletes what an append that never
  // committed left behind (a crash: the log is then exactly its committed blocks). A companion
  // lacking committed entries is "corruption". REQUIRES: `store` has a companion (OpenLevelDb
  // and NewMemoryStore stores do) and outlives the log.
  static Result<std::unique_ptr<EvidenceLog>> Open(KvStore* store);

  // Reads every evidence-id and nonce index key into an in-memory Bloom filter
  // (storage/index_filter.h), after which FindByEvidenceId and FindByNonce answer "absent"
  // without LevelDB for almost every key not in the log. One sequential scan of those keys,
  // about 0.65 s per million entries; the filter keeps ~2.5 bytes per entry. Until it returns,
  // lookups read LevelDB as before, so the node runs it on a thread of its own while serving.
  // Thread-safe (appends and lookups go on meanwhile); runs once ("busy" after). Checks
  // `cancel` now and then: "cancelled" leaves the lookups on LevelDB.
  Status BuildLookupFilter(const std::atomic<bool>* cancel = nullptr);
  // The filter's memory once built (0 before).
  uint64_t LookupFilterBytes() const;

  uint64_t size() const;                       // number of leaves
  uint64_t height() const;                     // last block height, 0 when empty
  Hash32 Root() const;                         // root at size()
  Result<Hash32> RootAt(uint64_t size) const;  // REQUIRES size <= size()

  // Hashes of the perfect subtrees crypto::RootSubtrees(size()) names, left to right: with them a
  // caller computes the root after appending more leaves without reading the log.
  Result<std::vector<Hash32>> Frontier() const;

  // Appends the block's leaves, nodes, entries, indexes, block record and certificate, durably
  // and atomically: the block is committed by one synced write after everything else is written
  // (docs/storage-format.md "Atomicity and crash recovery"). Errors: "height_gap" (not
  // height()+1), "prev_mismatch" (prev_hash is not the previous block's hash; block 1 is not
  // checked, the node checks it against the genesis hash), "bad_block" (entries and leaves differ
  // in number), "bad_leaf", "bad_statement" (lacks the deposit statement's line structure: the
  // indexes need its depositor, digest and nonce; full statement validation is consensus's job
  // before a block commits), "size_mismatch", "root_mismatch": nothing is written. I/O errors:
  // the block is not committed, readers see no change, and every later append fails with
  // "io_error" until the log is reopened (Open cleans up what reached the stores).
  Status AppendBlock(const BlockToAppend& block);

  Result<std::vector<Hash32>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  Result<std::vector<Hash32>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;

  Result<StoredEntry> GetEntry(uint64_t index) const;
  // Entries [first, first + count), in log order, with one range scan. "not_found" unless
  // first + count <= size().
  Result<std::vector<StoredEntry>> GetEntries(uint64_t first, uint64_t count) const;

  // Reads the whole log in order through one scan of the companion store, for readers of every
  // entry (the audit): consecutive Next(count) calls return what GetEntries would for
  // consecutive ranges from entry 0, without a seek per call, and every companion key on the
  // way is checked: after entry i come exactly the Merkle nodes it completes (levels
  // 1..ctz(i + 1), keys::Node), in level order, and after a chunk's last entry its proof-chunk
  // record, if the store has one, holding those nodes (storage/proof_chunk.h). So a reader that has
  // read every entry and then calls CheckNothingElse knows, without a second scan, that the
  // companion holds exactly the log's entries and nodes (docs/storage-format.md "Keys"). Reads one
  // consistent snapshot; the log must outlive the cursor.
  class EntryCursor {
   public:
    ~EntryCursor();
    EntryCursor(EntryCursor&&) noexcept;
    EntryCursor& operator=(EntryCursor&&) noexcept;
    // The next `count` entries. "not_found" past the log's size (the cursor does not move);
    // "corruption" when the next key is not the next entry or a node it completes, or a record
    // does not decode (the cursor then stays broken: every later call fails the same way). With
    // `nodes`, appends to it the stored hashes of the Merkle nodes those entries complete, in
    // key order (entry by entry, lowest level first), for a reader that recomputes them.
    Result<std::vector<StoredEntry>> Next(uint64_t count, std::vector<Hash32>* nodes = nullptr);
    // The index of the next entry Next would return.
    uint64_t position() const { return position_; }
    // OK when nothing but entries [0, position()) and their nodes came before and nothing at
    // all follows; "corruption" naming the first other key. Call after the last entry.
    Status CheckNothingElse();

   private:
    friend class EvidenceLog;
    EntryCursor(std::shared_ptr<const Impl> log, std::unique_ptr<Iterator> it);
    Status StepOverNodes(uint64_t index, std::vector<Hash32>* nodes);

    std::shared_ptr<const Impl> log_;
    std::unique_ptr<Iterator> it_;
    uint64_t position_ = 0;
    Status status_ = Status::Ok();
    std::string key_;  // scratch for expected keys
    // The nodes of levels 1-9 of the chunk being read, to check its proof-chunk record.
    std::unique_ptr<ProofChunk> chunk_;
  };
  EntryCursor ReadAllEntries() const;

  Result<std::optional<uint64_t>> FindByEvidenceId(const Hash32& evidence_id) const;
  // All log indexes of entries with this digest, ascending (earliest first).
  Result<std::vector<uint64_t>> FindByDigest(const Hash32& digest) const;
  // The evidence id previously deposited by `depositor` with `nonce`, if any.
  Result<std::optional<Hash32>> FindByNonce(const std::string& depositor,
                                            const std::string& nonce) const;
  Result<StoredBlock> GetBlock(uint64_t height) const;
  // The block containing log index `index`.
  Result<StoredBlock> GetBlockForEntry(uint64_t index) const;

  // An online backup of the data directory the log lives in, both stores, into the new
  // directory `dir` (storage/backup.h CreateBackup): safe while AppendBlock and readers run, as
  // it reads only through snapshot iterators. Costs one sequential read of both stores.
  Result<RestoreMarker> Backup(const std::string& dir, const BackupOptions& options) const;

  // A key space (prefix "m") owned by node/ for its consensus state; the log never reads it.
  // With sync, durable before returning.
  Status PutMeta(std::string_view key, std::string_view value, bool sync);
  Result<std::optional<std::string>> GetMeta(std::string_view key) const;

 private:
  EvidenceLog() = default;
  std::shared_ptr<Impl> impl_;
};

}  // namespace evchain::storage
