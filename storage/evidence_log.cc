// The evidence log over a KvStore and its companion (KvStore::Sequential()). Layout, costs and
// crash recovery: docs/storage-format.md.
//
// Entries and Merkle nodes go to the companion, whose keys only ever grow; indexes, blocks and
// the log state go to the index store. AppendBlock writes the companion's batch (synced) on a
// helper thread while it writes the index store's commit batch (index keys, block, state and a
// "pending" marker, synced); the block is committed once both are durable. Records past the
// committed size belong to a block that never committed: readers never look at them (every read
// is bounded by size()), and Open deletes them; a commit whose companion records were lost in a
// crash (the marker tells) is rolled back by Open.
//
// Merkle nodes are stored as perfect-subtree hashes for levels >= kMinStoredLevel; lower levels
// are recomputed from the leaf bytes in the entry records. A root or proof for any past size
// folds the perfect subtrees that existed at that size, so it costs O(log n) reads whatever the
// size. The writer keeps the right-edge frontier in memory, so appending a block reads nothing.
// Every node of level >= kMinCachedLevel (about n/1024 hashes) is also kept in memory, so a proof
// reads at most kMinCachedLevel nodes from the store; those of levels 1-9 also come in one record
// per 1,024-leaf chunk (storage/proof_chunk.h), so a proof costs a few reads (ReadNodes).
//
// Index keys carry only a prefix of the hash they index (keys::kIndexHashBytes): lookups check
// each candidate against its entry, so a prefix collision costs one read, never a wrong answer.
#include "storage/evidence_log.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <utility>

#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "storage/codec.h"
#include "storage/index_filter.h"
#include "storage/keys.h"
#include "storage/proof_chunk.h"
#include "storage/records.h"
#include "storage/side_thread.h"
#include "storage/statement_fields.h"

namespace evchain::storage {
namespace {

// Level-0 hashes (one per entry) are not stored: a proof's level-0 node costs one entry read.
constexpr uint32_t kMinStoredLevel = 1;
// Nodes of this level and above also live in memory: n/1024 hashes (32 MB for 10^9 entries).
constexpr uint32_t kMinCachedLevel = 10;
// Batch bytes per entry: companion (entry record besides the statement, about one node) and
// index store (three index keys).
constexpr size_t kSequentialBatchBytesPerEntry = 260;
constexpr size_t kIndexBatchBytesPerEntry = 3 * (keys::kIndexKeyBytes + 3);

struct Subtree {
  crypto::NodeId id;
  Hash32 hash{};
};

// What the writer knows without reading: guarded by Impl::mu.
struct CachedState {
  LogState log;
  crypto::MerkleFrontier frontier;  // crypto::RootSubtrees(log.size), left to right
  Hash32 root = crypto::EmptyRoot();
};

// Folds perfect-subtree hashes right to left: NodeHash(a, NodeHash(b, c)).
Hash32 FoldRight(std::span<const Hash32> hashes) {
  if (hashes.empty()) return crypto::EmptyRoot();
  Hash32 acc = hashes.back();
  for (size_t i = hashes.size() - 1; i-- > 0;) acc = crypto::NodeHash(hashes[i], acc);
  return acc;
}

using IndexKey = std::array<char, keys::kIndexKeyBytes>;

// What only the single writer touches (AppendBlock): reused buffers.
struct WriterScratch {
  std::string key;
  std::string value;
  std::string nonce_name;
  std::vector<IndexKey> index_keys;  // the block's, sorted before they go into the batch
};

void AddIndexKey(char kind, const Hash32& hash, uint64_t index, WriterScratch& w) {
  keys::Index(kind, hash, index, &w.key);
  IndexKey& k = w.index_keys.emplace_back();
  std::copy(w.key.begin(), w.key.end(), k.begin());
}

// Adds leaf `index` to the frontier; merged nodes that are stored go into `batch`, those that
// are cached also into `cached`, those of levels 1-9 also into `chunk`, and a completed chunk's
// record into `batch`.
void PushLeaf(crypto::MerkleFrontier& frontier, const Hash32& leaf_hash, WriterScratch& w,
              WriteBatch& batch, std::vector<Subtree>& cached, ProofChunk& chunk) {
  frontier.AppendLeafHash(leaf_hash, [&](const crypto::NodeId& id, const Hash32& hash) {
    if (id.level >= kMinStoredLevel) {
      keys::Node(id.level, id.index, &w.key);
      batch.Put(w.key, AsChars(hash));
    }
    if (ProofChunk::Holds(id)) chunk.Set(id, hash);
    // Lowest level first: the chunk's nodes are all set by now.
    if (id.level == ProofChunk::kLevel) {
      keys::Chunk(id.index, &w.key);
      batch.Put(w.key, chunk.record());
    }
    if (id.level >= kMinCachedLevel) cached.push_back(Subtree{id, hash});
  });
}

// A u64be index value, without allocating.
struct IndexValue {
  explicit IndexValue(uint64_t index) {
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(index >> (56 - 8 * i));
  }
  std::string_view view() const { return AsChars(bytes); }
  std::array<uint8_t, 8> bytes;
};

Result<uint64_t> DecodeIndexValue(std::string_view v) {
  Reader r(v);
  uint64_t index = 0;
  if (!r.Fixed64(&index) || !r.empty()) return Corruption("index value");
  return index;
}

Status NotFound(const std::string& what) { return Status::Error("not_found", what); }

// Whether a block record's redundant fields agree with the header stored in it, as AppendBlock
// and the snapshot loader derive them: its hash, and entries that end at the header's log size
// (without the wrap a sum of stored numbers could hide).
bool RecordMatchesHeader(const BlockRecord& record, const ledger::BlockHeader& header) {
  return record.hash == header.Hash() && record.entry_count <= header.log_size &&
         record.first_index == header.log_size - record.entry_count;
}

}  // namespace

// How many of the latest blocks EvidenceLog keeps in memory for receipt lookups: a few seconds
// of blocks under load, at most ~40 KiB of ids per 1,000-entry block.
constexpr size_t kRecentBlocks = 32;

struct EvidenceLog::Impl {
  KvStore* store = nullptr;       // indexes, blocks, state (the commit point), meta
  KvStore* sequential = nullptr;  // entries and Merkle nodes: store->Sequential()
  mutable std::mutex mu;
  CachedState state;  // guarded by mu
  // upper[l - kMinCachedLevel][i] is node (l, i), for every complete node of level >=
  // kMinCachedLevel in the tree of state.log.size leaves. Guarded by mu.
  std::vector<std::vector<Hash32>> upper;
  WriterScratch writer;  // AppendBlock only (one writer)
  // The nodes of levels 1-9 of the chunk the next leaf goes into, for its record: read from the
  // store by the first AppendBlock (a log that is only read never needs them), then kept by each.
  // AppendBlock only.
  std::unique_ptr<ProofChunk> open_chunk;
  // Writes the companion's batch beside the index store's; started by the first AppendBlock of
  // a block with entries (readers of the log never start it). AppendBlock only.
  std::unique_ptr<SideThread> companion_writer;
  // Every evidence-id and nonce index key: lookups of absent ones skip LevelDB once
  // filter_ready. Created by Open; AppendBlock adds each block's keys before it publishes the
  // block; BuildLookupFilter adds what was on disk, then sets filter_ready.
  std::unique_ptr<IndexFilter> filter;
  std::atomic<bool> filter_ready{false};
  std::atomic<bool> filter_building{false};
  // Set by AppendBlock when a write failed: what reached the stores is only cleaned up by Open.
  bool write_failed = false;  // AppendBlock only
  // The last kRecentBlocks blocks appended since Open, oldest first, each with its entries'
  // evidence ids (sorted): receipts are mostly asked for right after their block commits
  // (?wait=commit answers, clients polling), and these answer FindByEvidenceId and
  // GetBlockForEntry without an index seek each. Guarded by mu.
  struct RecentBlock {
    StoredBlock block;
    std::vector<std::pair<Hash32, uint64_t>> ids;  // (evidence id, log index), by id
  };
  std::deque<RecentBlock> recent;

  // The latest log index of `evidence_id` if it is in a recent block.
  std::optional<uint64_t> RecentIndex(const Hash32& evidence_id) const {
    std::lock_guard<std::mutex> lock(mu);
    for (auto b = recent.rbegin(); b != recent.rend(); ++b) {
      auto it = std::lower_bound(
          b->ids.begin(), b->ids.end(), evidence_id,
          [](const std::pair<Hash32, uint64_t>& e, const Hash32& id) { return e.first < id; });
      if (it != b->ids.end() && it->first == evidence_id) return it->second;
    }
    return std::nullopt;
  }
  // The first recent block for which `matches(block)` holds, if any.
  template <typename Matches>
  std::optional<StoredBlock> FindRecentBlock(Matches matches) const {
    std::lock_guard<std::mutex> lock(mu);
    for (const RecentBlock& b : recent) {
      if (matches(b.block)) return b.block;
    }
    return std::nullopt;
  }

  std::optional<Hash32> CachedNode(const crypto::NodeId& id) const {
    if (id.level < kMinCachedLevel) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu);
    const size_t l = id.level - kMinCachedLevel;
    if (l >= upper.size() || id.index >= upper[l].size()) return std::nullopt;
    return upper[l][id.index];
  }

  // Reads every stored node of level >= kMinCachedLevel of a tree of `size` leaves into upper
  // (about size/1024 point reads). Called by Open before readers exist. `size` is the stored
  // state's, not yet borne out by the nodes: memory grows with the nodes read (a vector's
  // doubling), never sized by `size` up front, so a damaged size ends at the first missing node.
  Status LoadUpperLevels(uint64_t size) {
    for (uint32_t level = kMinCachedLevel; level < 64 && (size >> level) > 0; ++level) {
      std::vector<Hash32>& nodes = upper.emplace_back();
      const uint64_t count = size >> level;
      for (uint64_t index = 0; index < count; ++index) {
        Result<Hash32> h = ReadStoredNode(level, index);
        if (!h.ok()) return h.status();
        nodes.push_back(*h);
      }
    }
    return Status::Ok();
  }

  // Reads the stored nodes of levels 1-9 of the chunk that leaf `size` goes into (at most 1,013
  // point reads of recent records) into open_chunk, which stays unset on an error. AppendBlock
  // only.
  Status LoadOpenChunk(uint64_t size) {
    auto loaded = std::make_unique<ProofChunk>();
    const uint64_t chunk = size >> ProofChunk::kLevel;
    for (uint32_t level = 1; level < ProofChunk::kLevel; ++level) {
      for (uint64_t index = chunk << (ProofChunk::kLevel - level); index < (size >> level);
           ++index) {
        Result<Hash32> h = ReadStoredNode(level, index);
        if (!h.ok()) return h.status();
        loaded->Set({level, index}, *h);
      }
    }
    open_chunk = std::move(loaded);
    return Status::Ok();
  }

  // Deletes the companion's records at or past `size`: they belong to a block whose commit never
  // happened (a crash or a failed write in AppendBlock before its commit batch). Called by Open
  // before readers exist.
  Status DropUncommitted(uint64_t size) {
    WriteBatch batch;
    std::unique_ptr<Iterator> it = sequential->NewIterator();
    for (it->Seek(keys::Entry(size)); it->Valid() && it->key().front() == keys::kEntry;
         it->Next()) {
      batch.Delete(it->key());
    }
    EVCHAIN_RETURN_IF_ERROR(it->status());
    if (batch.empty()) return Status::Ok();
    return sequential->Write(batch, /*sync=*/true);
  }

  // Deletes index keys naming entries at or past `size` if the pending marker says an append
  // wrote some and never committed: one scan of the three index ranges, only after such a crash.
  // Called by Open before readers exist.
  Status DropUncommittedIndexKeys(uint64_t size) {
    Result<std::optional<std::string>> pending = store->Get(keys::Pending());
    if (!pending.ok()) return pending.status();
    if (!pending->has_value()) return Status::Ok();
    WriteBatch batch;
    std::unique_ptr<Iterator> it = store->NewIterator();
    for (char kind : {keys::kDigest, keys::kEvidenceId, keys::kNonce}) {
      for (it->Seek(std::string(1, kind)); it->Valid() && it->key().front() == kind; it->Next()) {
        if (it->key().size() != keys::kIndexKeyBytes) continue;  // lookups report it
        Result<uint64_t> index = DecodeIndexValue(it->key().substr(1 + keys::kIndexHashBytes));
        if (index.ok() && *index >= size) batch.Delete(it->key());
      }
      EVCHAIN_RETURN_IF_ERROR(it->status());
    }
    batch.Delete(keys::Pending());
    return store->Write(batch, /*sync=*/true);
  }

  // Undoes the commit of the last block (`state`'s): block record, block end and state go back
  // to the block before it; its index keys go with the pending marker (DropUncommittedIndexKeys).
  // Called by Open before readers exist.
  Result<LogState> RollBackLastBlock(const LogState& state) {
    Result<std::optional<std::string>> v = store->Get(keys::Block(state.height));
    if (!v.ok()) return v.status();
    if (!v->has_value()) return Missing("block record");
    Result<BlockRecord> record = DecodeBlockRecord(**v);
    if (!record.ok()) return record.status();
    Result<ledger::BlockHeader> header = ledger::BlockHeader::Decode(record->header);
    // The previous state is written from this record: its entries must end at the log size
    // (checked without a sum that could wrap), or the roll-back would store a size from damage.
    if (!header.ok() || header->height != state.height || header->log_size != state.size ||
        !RecordMatchesHeader(*record, *header)) {
      return Corruption("block record");
    }
    // Only the block being appended can lack its records: the one before must be whole. If its
    // last entry is gone too, committed data was lost, and rolling back (one block per attempt
    // to open) would shorten the log until it opens; report it and write nothing.
    if (record->first_index > 0) {
      Result<std::optional<std::string>> before =
          sequential->Get(keys::Entry(record->first_index - 1));
      if (!before.ok()) return before.status();
      if (!before->has_value()) return Missing("entry " + std::to_string(record->first_index - 1));
    }
    WriteBatch batch;
    batch.Delete(keys::Block(state.height));
    if (record->entry_count > 0) batch.Delete(keys::BlockEnd(state.size - 1));
    LogState previous{state.height - 1, record->first_index, header->prev_hash};
    if (previous.height == 0) {
      previous = LogState{};  // an empty log has no state record
      batch.Delete(keys::State());
    } else {
      batch.Put(keys::State(), EncodeLogState(previous));
    }
    EVCHAIN_RETURN_IF_ERROR(store->Write(batch, /*sync=*/true));
    return previous;
  }

  Result<Hash32> ReadStoredNode(uint32_t level, uint64_t index) const {
    Result<std::optional<std::string>> v = sequential->Get(keys::Node(level, index));
    if (!v.ok()) return v.status();
    if (!v->has_value() || (*v)->size() != 32) return Corruption("Merkle node");
    Hash32 h;
    std::copy((*v)->begin(), (*v)->end(), h.begin());
    return h;
  }

  Result<std::string> ReadEntryRecord(uint64_t index) const {
    Result<std::optional<std::string>> v = sequential->Get(keys::Entry(index));
    if (!v.ok()) return v.status();
    if (!v->has_value()) return Missing("entry " + std::to_string(index));
    return std::move(**v);
  }

  Result<ledger::Leaf> ReadLeaf(uint64_t index) const {
    Result<std::string> record = ReadEntryRecord(index);
    if (!record.ok()) return record.status();
    Result<std::string_view> bytes = EntryRecordLeaf(*record);
    if (!bytes.ok()) return bytes.status();
    Result<ledger::Leaf> leaf = ledger::Leaf::Decode(AsBytes(*bytes));
    if (!leaf.ok()) return Corruption("leaf");
    return leaf;
  }

  // True when the lookup filter shows that no index key of `kind` names `hash`.
  bool FilterExcludes(char kind, const Hash32& hash) const {
    return (kind == keys::kEvidenceId || kind == keys::kNonce) &&
           filter_ready.load(std::memory_order_acquire) && !filter->MayContain(kind, hash);
  }

  // Log indexes below `size` that the index keys of `kind` and `hash` name, ascending: candidates
  // only, the caller checks each against its entry.
  Result<std::vector<uint64_t>> Candidates(char kind, const Hash32& hash, uint64_t size) const {
    if (FilterExcludes(kind, hash)) return std::vector<uint64_t>{};
    const std::string prefix = keys::IndexPrefix(kind, hash);
    std::vector<uint64_t> indexes;
    std::unique_ptr<Iterator> it = store->NewIterator();
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (it->key().size() != keys::kIndexKeyBytes || !it->value().empty()) {
        return Corruption("index key");
      }
      Result<uint64_t> index = DecodeIndexValue(it->key().substr(prefix.size()));
      if (!index.ok()) return index.status();
      // A key of a block being appended is visible before size() covers it: not there yet.
      if (*index < size) indexes.push_back(*index);
    }
    // A damaged block is skipped by the scan: "no more candidates" only when it read them all.
    EVCHAIN_RETURN_IF_ERROR(it->status());
    return indexes;
  }

  CachedState Current() const {
    std::lock_guard<std::mutex> lock(mu);
    return state;
  }
  uint64_t Size() const {
    std::lock_guard<std::mutex> lock(mu);
    return state.log.size;
  }

  // Node `id` from the store (ReadNodes looks in memory first).
  Result<Hash32> ReadUncachedNode(const crypto::NodeId& id) const {
    if (id.level >= kMinStoredLevel) return ReadStoredNode(id.level, id.index);
    if (id.level == 0) {
      Result<std::string> record = ReadEntryRecord(id.index);
      if (!record.ok()) return record.status();
      Result<std::string_view> leaf = EntryRecordLeaf(*record);
      if (!leaf.ok()) return leaf.status();
      return crypto::LeafHash(AsBytes(*leaf));
    }
    Result<Hash32> left = ReadUncachedNode({id.level - 1, id.index * 2});
    if (!left.ok()) return left;
    Result<Hash32> right = ReadUncachedNode({id.level - 1, id.index * 2 + 1});
    if (!right.ok()) return right;
    return crypto::NodeHash(*left, *right);
  }

  // The hashes of `ids`, in order: nodes of the cached levels from memory; nodes of levels 1-9
  // of chunks complete in the log from one proof-chunk record per chunk (storage/proof_chunk.h),
  // so a proof cold from the disk waits for a few random reads instead of one per level; the
  // rest one read each. A chunk whose record is missing, in a store written before chunk records
  // existed, is read node by node.
  Result<std::vector<Hash32>> ReadNodes(const std::vector<crypto::NodeId>& ids) const {
    const uint64_t size = Size();
    std::vector<Hash32> hashes(ids.size());
    std::vector<std::pair<uint64_t, size_t>> chunked;  // (chunk, position in ids)
    for (size_t i = 0; i < ids.size(); ++i) {
      const crypto::NodeId& id = ids[i];
      if (std::optional<Hash32> cached = CachedNode(id)) {
        hashes[i] = *cached;
      } else if (ProofChunk::Holds(id) && ProofChunk::EndLeaf(ProofChunk::Of(id)) <= size) {
        chunked.emplace_back(ProofChunk::Of(id), i);
      } else {
        Result<Hash32> h = ReadUncachedNode(id);
        if (!h.ok()) return h.status();
        hashes[i] = *h;
      }
    }
    std::sort(chunked.begin(), chunked.end());
    for (size_t first = 0, last = 0; first < chunked.size(); first = last) {
      const uint64_t chunk = chunked[first].first;
      while (last < chunked.size() && chunked[last].first == chunk) ++last;
      Result<std::optional<std::string>> record = sequential->Get(keys::Chunk(chunk));
      if (!record.ok()) return record.status();
      for (size_t k = first; k < last; ++k) {
        const crypto::NodeId& id = ids[chunked[k].second];
        Result<Hash32> h = Corruption("proof chunk of node " + std::to_string(chunk));
        if (!record->has_value()) {
          h = ReadStoredNode(id.level, id.index);
        } else if (std::optional<Hash32> in_record = ProofChunk::Read(**record, id)) {
          h = *in_record;
        }
        if (!h.ok()) return h.status();
        hashes[chunked[k].second] = *h;
      }
    }
    return hashes;
  }

  Result<Hash32> FoldSubtrees(const std::vector<crypto::NodeId>& ids) const {
    Result<std::vector<Hash32>> hashes = ReadNodes(ids);
    if (!hashes.ok()) return hashes.status();
    return FoldRight(*hashes);
  }

  // Every proof node's perfect subtrees are read in one ReadNodes, then folded node by node.
  Result<std::vector<Hash32>> ProofHashes(const std::vector<crypto::ProofNode>& nodes) const {
    std::vector<crypto::NodeId> ids;
    for (const crypto::ProofNode& node : nodes) {
      ids.insert(ids.end(), node.perfect_subtrees.begin(), node.perfect_subtrees.end());
    }
    Result<std::vector<Hash32>> hashes = ReadNodes(ids);
    if (!hashes.ok()) return hashes.status();
    std::vector<Hash32> proof;
    proof.reserve(nodes.size());
    std::span<const Hash32> rest(*hashes);
    for (const crypto::ProofNode& node : nodes) {
      proof.push_back(FoldRight(rest.first(node.perfect_subtrees.size())));
      rest = rest.subspan(node.perfect_subtrees.size());
    }
    return proof;
  }

  Result<StoredEntry> DecodeEntry(uint64_t index, std::string_view value) const {
    StoredEntry e;
    e.index = index;
    EVCHAIN_RETURN_IF_ERROR(DecodeEntryRecord(value, &e.entry, &e.leaf));
    Result<ledger::Leaf> leaf = ledger::Leaf::Decode(e.leaf);
    if (!leaf.ok()) return Corruption("leaf");
    e.block_height = leaf->block_height;
    return e;
  }
};

Result<std::unique_ptr<EvidenceLog>> EvidenceLog::Open(KvStore* store) {
  std::unique_ptr<EvidenceLog> log(new EvidenceLog());
  log->impl_ = std::make_shared<Impl>();
  Impl& impl = *log->impl_;
  impl.store = store;
  impl.sequential = store->Sequential();
  if (impl.sequential == nullptr) {
    return Status::Error("invalid_argument", "the store has no companion for entries");
  }
  Result<std::optional<std::string>> v = store->Get(keys::State());
  if (!v.ok()) return v.status();
  LogState state;
  if (v->has_value()) {
    Result<LogState> decoded = DecodeLogState(**v);
    if (!decoded.ok()) return decoded.status();
    state = *decoded;
  }
  if (state.size > 0) {
    Result<std::optional<std::string>> last = impl.sequential->Get(keys::Entry(state.size - 1));
    if (!last.ok()) return last.status();
    Result<std::optional<std::string>> pending = store->Get(keys::Pending());
    if (!pending.ok()) return pending.status();
    // The last block's commit and its companion records are written at the same time: with
    // the marker still there, a crash may have kept the commit and lost the records. That block
    // never finished appending (AppendBlock had not returned), so it is rolled back.
    if (!last->has_value() && pending->has_value()) {
      Result<LogState> previous = impl.RollBackLastBlock(state);
      if (!previous.ok()) return previous.status();
      state = *previous;
    }
    // Anything else the companion lacks was committed and synced: lost data.
    if (state.size > 0) {
      Result<std::string> record = impl.ReadEntryRecord(state.size - 1);
      if (!record.ok()) return record.status();
    }
  }
  EVCHAIN_RETURN_IF_ERROR(impl.DropUncommitted(state.size));
  EVCHAIN_RETURN_IF_ERROR(impl.DropUncommittedIndexKeys(state.size));
  if (state.size > 0 || state.height > 0) {
    impl.state.log = state;
    EVCHAIN_RETURN_IF_ERROR(impl.LoadUpperLevels(state.size));
    Result<std::vector<Hash32>> edge = impl.ReadNodes(crypto::RootSubtrees(state.size));
    if (!edge.ok()) return edge.status();
    Result<crypto::MerkleFrontier> frontier =
        crypto::MerkleFrontier::FromHashes(state.size, std::move(*edge));
    if (!frontier.ok()) return frontier.status();
    impl.state.frontier = std::move(*frontier);
    impl.state.root = impl.state.frontier.Root();
  }
  // Sized by the log only now that its nodes bear the size out (a size the store does not hold
  // failed above): ~2.5 bytes per entry, allocated and zeroed at once.
  impl.filter = std::make_unique<IndexFilter>(2 * state.size + (2u << 20));
  return log;
}

Status EvidenceLog::BuildLookupFilter(const std::atomic<bool>* cancel) {
  Impl& impl = *impl_;
  if (impl.filter_building.exchange(true)) {
    return Status::Error("busy", "the lookup filter is built once");
  }
  // A snapshot iterator: every key committed before it is in the scan, every later one was
  // added by AppendBlock (the filter exists since Open).
  std::unique_ptr<Iterator> it = impl.store->NewIterator();
  uint64_t scanned = 0;
  for (const char kind : {keys::kEvidenceId, keys::kNonce}) {
    for (it->Seek(std::string(1, kind)); it->Valid() && it->key().front() == kind; it->Next()) {
      if (cancel != nullptr && scanned++ % 65536 == 0 && cancel->load()) {
        return Status::Error("cancelled", "lookup filter not built");
      }
      // A malformed key is added too, so that a lookup reaches it and reports the corruption.
      if (it->key().size() < 1 + keys::kIndexHashBytes) continue;  // no lookup prefix matches
      impl.filter->Add(kind, it->key().substr(1, keys::kIndexHashBytes));
    }
    // A filter that missed keys would answer "absent" for them: none rather than that.
    EVCHAIN_RETURN_IF_ERROR(it->status());
  }
  impl.filter_ready.store(true, std::memory_order_release);
  return Status::Ok();
}

uint64_t EvidenceLog::LookupFilterBytes() const {
  return impl_->filter_ready.load() ? impl_->filter->bytes() : 0;
}

uint64_t EvidenceLog::size() const { return impl_->Size(); }

uint64_t EvidenceLog::height() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->state.log.height;
}

Hash32 EvidenceLog::Root() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->state.root;
}

Result<Hash32> EvidenceLog::RootAt(uint64_t size) const {
  CachedState cur = impl_->Current();
  if (size > cur.log.size) return Status::Error("size_out_of_range", "tree size beyond the log");
  if (size == cur.log.size) return cur.root;
  return impl_->FoldSubtrees(crypto::RootSubtrees(size));
}

Result<std::vector<Hash32>> EvidenceLog::Frontier() const {
  CachedState cur = impl_->Current();
  return cur.frontier.hashes();
}

Status EvidenceLog::AppendBlock(const BlockToAppend& block) {
  if (impl_->write_failed) {
    return Status::Error("io_error", "an earlier append failed to write: reopen the log");
  }
  const CachedState cur = impl_->Current();
  const ledger::BlockHeader& header = block.header;
  const uint64_t n = block.entries.size();
  if (header.height != cur.log.height + 1) {
    return Status::Error("height_gap", "block height " + std::to_string(header.height) +
                                           " does not follow " + std::to_string(cur.log.height));
  }
  if (header.height > 1 && header.prev_hash != cur.log.last_block_hash) {
    return Status::Error("prev_mismatch", "prev_hash is not the hash of the previous block");
  }
  if (block.leaves.size() != n) {
    return Status::Error("bad_block", "entries and leaves differ in number");
  }
  if (header.log_size != cur.log.size + n) {
    return Status::Error("size_mismatch", "header log_size does not match the appended leaves");
  }

  WriterScratch& w = impl_->writer;
  WriteBatch sequential;  // entries and nodes: the companion
  // The index store's commit: the block's index keys, the pending marker, block, block end and
  // state, in one synced batch.
  WriteBatch commit;
  size_t statement_bytes = 0;
  for (const ledger::Entry& entry : block.entries) statement_bytes += entry.statement.size();
  sequential.Reserve(statement_bytes + n * kSequentialBatchBytesPerEntry);
  commit.Reserve(n * kIndexBatchBytesPerEntry + block.certificate.size() + 1024);
  crypto::MerkleFrontier frontier = cur.frontier;
  if (!impl_->open_chunk) EVCHAIN_RETURN_IF_ERROR(impl_->LoadOpenChunk(cur.log.size));
  // A copy (32 KB), like the frontier's: a block that fails leaves the writer as it was.
  auto chunk = std::make_unique<ProofChunk>(*impl_->open_chunk);
  std::vector<Subtree> cached;
  w.index_keys.clear();
  Impl::RecentBlock recent;
  recent.ids.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t index = cur.log.size + i;
    const ledger::Entry& entry = block.entries[i];
    const Bytes& leaf_bytes = block.leaves[i];
    Result<ledger::Leaf> leaf = ledger::Leaf::Decode(leaf_bytes);
    if (!leaf.ok())
      return Status::Error("bad_leaf",
                           "entry " + std::to_string(i) + ": " + leaf.status().message());
    Result<StatementFields> statement = ScanDepositStatement(entry.statement);
    if (!statement.ok()) {
      return Status::Error("bad_statement",
                           "entry " + std::to_string(i) + ": " + statement.status().ToString());
    }
    // The indexes are derived from the leaf; it must describe this entry in this block.
    if (leaf->statement_hash != crypto::Sha256(entry.statement) ||
        leaf->digest != statement->digest || leaf->block_height != header.height) {
      return Status::Error("bad_leaf",
                           "entry " + std::to_string(i) + ": leaf does not match its statement");
    }
    keys::Entry(index, &w.key);
    EncodeEntryRecord(entry, leaf_bytes, &w.value);
    sequential.Put(w.key, w.value);
    AddIndexKey(keys::kDigest, leaf->digest, index, w);
    AddIndexKey(keys::kEvidenceId, leaf->statement_hash, index, w);
    recent.ids.emplace_back(leaf->statement_hash, index);
    keys::NonceName(statement->depositor, statement->nonce, &w.nonce_name);
    const Hash32 nonce_hash = crypto::Sha256(w.nonce_name);
    AddIndexKey(keys::kNonce, nonce_hash, index, w);
    // Before the commit below publishes the block: a reader that finds the entry in the log
    // finds its keys in the filter (false positives only if the append then fails).
    impl_->filter->Add(keys::kEvidenceId, AsChars(leaf->statement_hash).substr(0, 8));
    impl_->filter->Add(keys::kNonce, AsChars(nonce_hash).substr(0, 8));
    PushLeaf(frontier, crypto::LeafHash(leaf_bytes), w, sequential, cached, *chunk);
  }
  const Hash32 root = frontier.Root();
  if (root != header.log_root) {
    return Status::Error("root_mismatch", "header log_root does not match the appended leaves");
  }
  // In key order: each memtable insert of a random key walks LevelDB's skip list from the top,
  // and in sorted order consecutive walks share most of their path (cache hits instead of
  // misses, docs/benchmarks.md "Storage").
  std::sort(w.index_keys.begin(), w.index_keys.end());
  for (const IndexKey& k : w.index_keys) commit.Put(std::string_view(k.data(), k.size()), "");
  if (n > 0) commit.Put(keys::Pending(), "");

  BlockRecord record;
  record.header = header.Encode();
  record.hash = header.Hash();
  record.first_index = cur.log.size;
  record.entry_count = n;
  record.certificate = block.certificate;
  commit.Put(keys::Block(header.height), EncodeBlockRecord(record));
  if (n > 0) {
    commit.Put(keys::BlockEnd(cur.log.size + n - 1), IndexValue(header.height).view());
  }
  const LogState next{header.height, cur.log.size + n, record.hash};
  commit.Put(keys::State(), EncodeLogState(next));
  if (n == 0) {
    if (Status s = impl_->store->Write(commit, /*sync=*/true); !s.ok()) {
      impl_->write_failed = true;
      return s;
    }
  } else {
    // One round of fsyncs: the companion's write on the side thread while the commit batch
    // (index keys, block, state and the marker) is written here. The block is committed once
    // both are durable; a crash in between leaves a commit whose companion records may be
    // missing, and the marker tells Open to check and, if so, roll that block back.
    if (!impl_->companion_writer) {
      impl_->companion_writer = std::make_unique<SideThread>("log-append");
    }
    Status sequential_status;
    impl_->companion_writer->Run(
        [&] { sequential_status = impl_->sequential->Write(sequential, /*sync=*/true); });
    Status commit_status = impl_->store->Write(commit, /*sync=*/true);
    impl_->companion_writer->Wait();
    for (const Status* s : {&sequential_status, &commit_status}) {
      if (!s->ok()) {
        impl_->write_failed = true;
        return *s;
      }
    }
    // Not synced: a marker that survives a crash only makes Open check a complete block.
    WriteBatch clear;
    clear.Delete(keys::Pending());
    if (Status s = impl_->store->Write(clear, /*sync=*/false); !s.ok()) {
      impl_->write_failed = true;
      return s;
    }
  }

  impl_->open_chunk = std::move(chunk);
  std::sort(recent.ids.begin(), recent.ids.end());
  recent.block.header = header;
  recent.block.hash = record.hash;
  recent.block.certificate = std::move(record.certificate);
  recent.block.first_index = record.first_index;
  recent.block.entry_count = n;
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->recent.push_back(std::move(recent));
  if (impl_->recent.size() > kRecentBlocks) impl_->recent.pop_front();
  impl_->state.log = next;
  impl_->state.frontier = std::move(frontier);
  impl_->state.root = root;
  for (const Subtree& s : cached) {  // in completion order: each level's indexes ascend
    const size_t l = s.id.level - kMinCachedLevel;
    if (impl_->upper.size() <= l) impl_->upper.resize(l + 1);
    impl_->upper[l].push_back(s.hash);
  }
  return Status::Ok();
}

Result<std::vector<Hash32>> EvidenceLog::InclusionProof(uint64_t index, uint64_t tree_size) const {
  if (tree_size > impl_->Size()) {
    return Status::Error("size_out_of_range", "tree size beyond the log");
  }
  if (index >= tree_size) return Status::Error("index_out_of_range", "index beyond tree size");
  return impl_->ProofHashes(crypto::InclusionProofNodes(index, tree_size));
}

Result<std::vector<Hash32>> EvidenceLog::ConsistencyProof(uint64_t old_size,
                                                          uint64_t new_size) const {
  if (new_size > impl_->Size()) {
    return Status::Error("size_out_of_range", "tree size beyond the log");
  }
  if (old_size > new_size) return Status::Error("size_order", "old size exceeds new size");
  return impl_->ProofHashes(crypto::ConsistencyProofNodes(old_size, new_size));
}

Result<StoredEntry> EvidenceLog::GetEntry(uint64_t index) const {
  if (index >= impl_->Size()) return NotFound("no entry " + std::to_string(index));
  Result<std::string> record = impl_->ReadEntryRecord(index);
  if (!record.ok()) return record.status();
  return impl_->DecodeEntry(index, *record);
}

Result<std::vector<StoredEntry>> EvidenceLog::GetEntries(uint64_t first, uint64_t count) const {
  const uint64_t size = impl_->Size();
  if (first > size || count > size - first) {
    return NotFound("entries beyond the log size " + std::to_string(size));
  }
  std::vector<StoredEntry> entries;
  entries.reserve(count);
  std::unique_ptr<Iterator> it = impl_->sequential->NewIterator();
  it->Seek(keys::Entry(first));
  for (uint64_t index = first; index < first + count; ++index, it->Next()) {
    // Nodes sort among the entries (keys::Node): step over them.
    while (it->Valid() && it->key().size() == keys::kNodeKeyBytes) it->Next();
    if (!it->Valid() || it->key() != keys::Entry(index)) {
      EVCHAIN_RETURN_IF_ERROR(it->status());
      return Missing("entry");
    }
    Result<StoredEntry> e = impl_->DecodeEntry(index, it->value());
    if (!e.ok()) return e.status();
    entries.push_back(std::move(*e));
  }
  return entries;
}

EvidenceLog::EntryCursor EvidenceLog::ReadAllEntries() const {
  std::unique_ptr<Iterator> it = impl_->sequential->NewIterator();
  it->Seek("");
  return EntryCursor(impl_, std::move(it));
}

EvidenceLog::EntryCursor::EntryCursor(std::shared_ptr<const Impl> log, std::unique_ptr<Iterator> it)
    : log_(std::move(log)), it_(std::move(it)), chunk_(std::make_unique<ProofChunk>()) {}
EvidenceLog::EntryCursor::~EntryCursor() = default;
EvidenceLog::EntryCursor::EntryCursor(EntryCursor&&) noexcept = default;
EvidenceLog::EntryCursor& EvidenceLog::EntryCursor::operator=(EntryCursor&&) noexcept = default;

Result<std::vector<StoredEntry>> EvidenceLog::EntryCursor::Next(uint64_t count,
                                                                std::vector<Hash32>* nodes) {
  if (!status_.ok()) return status_;
  const uint64_t size = log_->Size();
  if (position_ > size || count > size - position_) {
    return NotFound("entries beyond the log size " + std::to_string(size));
  }
  std::vector<StoredEntry> entries;
  entries.reserve(count);
  for (const uint64_t end = position_ + count; position_ < end; ++position_) {
    keys::Entry(position_, &key_);
    if (!it_->Valid() || it_->key() != key_) {
      if (Status s = it_->status(); !s.ok()) return status_ = s;
      return status_ = Status::Error(
                 "corruption",
                 "entry " + std::to_string(position_) + " is missing (" +
                     (it_->Valid() ? "a record the log does not have" : "the end of the store") +
                     " in its place)");
    }
    Result<StoredEntry> e = log_->DecodeEntry(position_, it_->value());
    if (!e.ok()) return status_ = e.status();
    entries.push_back(std::move(*e));
    it_->Next();
    if (Status s = StepOverNodes(position_, nodes); !s.ok()) return status_ = s;
  }
  return entries;
}

// Entry `index` completes the perfect subtrees of levels 1..ctz(index + 1), each keyed by it as
// its last leaf (keys::Node); those nodes follow the entry. A chunk's last entry is followed
// first by the chunk's proof-chunk record (keys::Chunk), which must hold the nodes of levels 1-9
// stepped over since the chunk began and those this entry completes. A store written before
// chunk records existed lacks them: no record is no error.
Status EvidenceLog::EntryCursor::StepOverNodes(uint64_t index, std::vector<Hash32>* nodes) {
  const auto levels = static_cast<uint32_t>(std::countr_zero(index + 1));
  std::optional<std::string> chunk_record;  // compared once this entry's nodes are set
  if (levels >= ProofChunk::kLevel) {
    keys::Chunk(index >> ProofChunk::kLevel, &key_);
    if (it_->Valid() && it_->key() == key_) {
      chunk_record = std::string(it_->value());
      it_->Next();
    }
  }
  for (uint32_t level = 1; level <= levels; ++level, it_->Next()) {
    keys::Node(level, index >> level, &key_);
    if (!it_->Valid() || it_->key() != key_) {
      EVCHAIN_RETURN_IF_ERROR(it_->status());
      return Status::Error(
          "corruption",
          "the Merkle node of level " + std::to_string(level) + " ending at entry " +
              std::to_string(index) + " is missing (" +
              (it_->Valid() ? "a record the log does not have" : "the end of the store") +
              " in its place)");
    }
    const std::string_view value = it_->value();
    if (value.size() != Hash32{}.size()) {
      return Status::Error("corruption", "the Merkle node of level " + std::to_string(level) +
                                             " ending at entry " + std::to_string(index) +
                                             " is not 32 bytes");
    }
    Hash32 hash;
    std::memcpy(hash.data(), value.data(), hash.size());
    if (ProofChunk::Holds({level, index >> level})) chunk_->Set({level, index >> level}, hash);
    if (nodes != nullptr) nodes->push_back(hash);
  }
  if (chunk_record && *chunk_record != chunk_->record()) {
    return Status::Error("corruption", "the proof chunk ending at entry " + std::to_string(index) +
                                           " does not hold the Merkle nodes stored beside its "
                                           "entries");
  }
  return Status::Ok();
}

Status EvidenceLog::EntryCursor::CheckNothingElse() {
  if (!status_.ok()) return status_;
  if (position_ != log_->Size()) {
    return Status::Error("invalid_argument", "the cursor has not read every entry");
  }
  EVCHAIN_RETURN_IF_ERROR(it_->status());
  if (it_->Valid()) {
    return Status::Error(
        "corruption",
        "the entry store holds a record the log does not have, after its last entry (" +
            std::to_string(it_->key().size()) + "-byte key)");
  }
  return Status::Ok();
}

Result<std::optional<uint64_t>> EvidenceLog::FindByEvidenceId(const Hash32& evidence_id) const {
  // Most ids looked up are absent (new deposits): the filter answers those first. A recent block
  // holds the latest occurrence if any block does.
  if (impl_->FilterExcludes(keys::kEvidenceId, evidence_id)) return std::optional<uint64_t>();
  if (std::optional<uint64_t> recent = impl_->RecentIndex(evidence_id)) return recent;
  Result<std::vector<uint64_t>> candidates =
      impl_->Candidates(keys::kEvidenceId, evidence_id, impl_->Size());
  if (!candidates.ok()) return candidates.status();
  std::optional<uint64_t> found;  // ids are unique (the node rejects repeats); else the latest
  for (uint64_t index : *candidates) {
    Result<ledger::Leaf> leaf = impl_->ReadLeaf(index);
    if (!leaf.ok()) return leaf.status();
    if (leaf->statement_hash == evidence_id) found = index;
  }
  return found;
}

Result<std::vector<uint64_t>> EvidenceLog::FindByDigest(const Hash32& digest) const {
  Result<std::vector<uint64_t>> candidates =
      impl_->Candidates(keys::kDigest, digest, impl_->Size());
  if (!candidates.ok()) return candidates.status();
  std::vector<uint64_t> indexes;
  for (uint64_t index : *candidates) {
    Result<ledger::Leaf> leaf = impl_->ReadLeaf(index);
    if (!leaf.ok()) return leaf.status();
    if (leaf->digest == digest) indexes.push_back(index);
  }
  return indexes;
}

Result<std::optional<Hash32>> EvidenceLog::FindByNonce(const std::string& depositor,
                                                       const std::string& nonce) const {
  Result<std::vector<uint64_t>> candidates = impl_->Candidates(
      keys::kNonce, crypto::Sha256(keys::NonceName(depositor, nonce)), impl_->Size());
  if (!candidates.ok()) return candidates.status();
  std::optional<Hash32> found;  // the node rejects a reused nonce; else the latest
  for (uint64_t index : *candidates) {
    Result<StoredEntry> e = GetEntry(index);
    if (!e.ok()) return e.status();
    Result<StatementFields> fields = ScanDepositStatement(e->entry.statement);
    if (!fields.ok()) return Corruption("statement of entry " + std::to_string(index));
    if (fields->depositor != depositor || fields->nonce != nonce) continue;
    Result<ledger::Leaf> leaf = ledger::Leaf::Decode(e->leaf);
    if (!leaf.ok()) return Corruption("leaf");
    found = leaf->statement_hash;
  }
  return found;
}

Result<StoredBlock> EvidenceLog::GetBlock(uint64_t height) const {
  if (height == 0 || height > this->height()) {
    return NotFound("no block at height " + std::to_string(height));
  }
  if (std::optional<StoredBlock> recent = impl_->FindRecentBlock(
          [height](const StoredBlock& b) { return b.header.height == height; })) {
    return std::move(*recent);
  }
  Result<std::optional<std::string>> v = impl_->store->Get(keys::Block(height));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Missing("block");
  Result<BlockRecord> record = DecodeBlockRecord(**v);
  if (!record.ok()) return record.status();
  Result<ledger::BlockHeader> header = ledger::BlockHeader::Decode(record->header);
  if (!header.ok() || header->height != height) return Corruption("block header");
  // Readers take the hash and the entries from here (receipts, the node's tip at start).
  if (!RecordMatchesHeader(*record, *header)) return Corruption("block record");
  StoredBlock block;
  block.header = std::move(*header);
  block.hash = record->hash;
  block.certificate = std::move(record->certificate);
  block.first_index = record->first_index;
  block.entry_count = record->entry_count;
  return block;
}

Result<StoredBlock> EvidenceLog::GetBlockForEntry(uint64_t index) const {
  if (index >= impl_->Size()) return NotFound("no entry " + std::to_string(index));
  if (std::optional<StoredBlock> recent = impl_->FindRecentBlock([index](const StoredBlock& b) {
        return index >= b.first_index && index < b.first_index + b.entry_count;
      })) {
    return std::move(*recent);
  }
  // The first block whose last entry index is >= index holds it.
  std::unique_ptr<Iterator> it = impl_->store->NewIterator();
  it->Seek(keys::BlockEnd(index));
  EVCHAIN_RETURN_IF_ERROR(it->status());  // a damaged block would make it find a later block
  if (!it->Valid() || it->key().size() != 9 || it->key()[0] != keys::kBlockEnd) {
    return Missing("block end index");
  }
  Result<uint64_t> height = DecodeIndexValue(it->value());
  if (!height.ok()) return height.status();
  Result<StoredBlock> block = GetBlock(*height);
  if (!block.ok()) return block;
  // The seek trusts the block ends: a lost one (the seek then lands on a later block's) or one
  // naming another block would give a receipt the wrong block. The block record says which
  // entries it holds (written separately from `l`, in the same commit), so check it holds this.
  if (index < block->first_index || index - block->first_index >= block->entry_count) {
    return Corruption("block end index of entry " + std::to_string(index));
  }
  return block;
}

Result<RestoreMarker> EvidenceLog::Backup(const std::string& dir,
                                          const BackupOptions& options) const {
  return CreateBackup(*impl_->store, dir, options);
}

Status EvidenceLog::PutMeta(std::string_view key, std::string_view value, bool sync) {
  WriteBatch batch;
  batch.Put(keys::Meta(key), value);
  return impl_->store->Write(batch, sync);
}

Result<std::optional<std::string>> EvidenceLog::GetMeta(std::string_view key) const {
  return impl_->store->Get(keys::Meta(key));
}

}  // namespace evchain::storage
