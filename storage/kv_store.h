// A small ordered key-value interface: LevelDB in production, an in-memory twin in tests.
// Key layout of everything evchain stores: docs/storage-format.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace leveldb {
class Env;
}  // namespace leveldb

namespace evchain::storage {

// Writes applied atomically, in order. Ops are packed into one buffer (tag, key, value each
// length-prefixed), so a block-sized batch of thousands of small keys costs a few reallocations
// instead of two string allocations per op.
class WriteBatch {
 public:
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // Pre-sizes the buffer for about `bytes` of keys and values.
  void Reserve(size_t bytes) { rep_.reserve(bytes); }
  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }
  // Calls put(key, value) or del(key) for each op, in order.
  template <typename PutFn, typename DeleteFn>
  void ForEach(PutFn&& put, DeleteFn&& del) const {
    std::string_view in = rep_;
    while (!in.empty()) {
      const bool is_delete = in.front() == kDeleteTag;
      in.remove_prefix(1);
      const std::string_view key = TakeLengthPrefixed(in);
      if (is_delete) {
        del(key);
      } else {
        put(key, TakeLengthPrefixed(in));
      }
    }
  }

 private:
  static constexpr char kPutTag = 'p';
  static constexpr char kDeleteTag = 'd';
  void AppendLengthPrefixed(std::string_view s);
  // REQUIRES: `in` starts with what AppendLengthPrefixed wrote (the buffer is private).
  static std::string_view TakeLengthPrefixed(std::string_view& in);

  std::string rep_;
  size_t count_ = 0;
};

class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual void Seek(std::string_view key) = 0;  // first key >= `key`
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual std::string_view key() const = 0;    // REQUIRES: Valid()
  virtual std::string_view value() const = 0;  // REQUIRES: Valid()
  // Why a scan ended: ok at the end of the data; an error (a damaged table, an I/O failure) when
  // it stopped early. Every scan checks it once Valid() is false, or it would take a damaged
  // store for a shorter one.
  virtual Status status() const = 0;
};

class KvStore {
 public:
  virtual ~KvStore() = default;
  // nullopt when absent; error on I/O failure or corruption.
  virtual Result<std::optional<std::string>> Get(std::string_view key) const = 0;
  // Atomic. With sync, durable (fsync) before returning.
  virtual Status Write(const WriteBatch& batch, bool sync) = 0;
  // A consistent snapshot iterator.
  virtual std::unique_ptr<Iterator> NewIterator() const = 0;
  // Compacts the whole key range (LevelDB: drops overwritten data and rewrites files, used before
  // measuring disk use); a no-op for the in-memory store.
  virtual Status CompactAll() = 0;
  // The companion store for records written in ascending key order (the log's entries and
  // Merkle nodes, docs/storage-format.md "Two stores"), owned by this store. Kept apart so that
  // compacting the random index keys never rewrites them: in LevelDB their tables are only ever
  // moved down, not merged. The two stores are written separately; the evidence log orders its
  // writes so the index store holds the single commit point. nullptr on a companion itself.
  virtual KvStore* Sequential() = 0;
};

// How a reader uses the databases; the defaults suit a node.
struct LevelDbOptions {
  // The index store's Bloom filters, which spare a Get (a block record, node metadata) the tables
  // that lack its key. They cover those keys only, not the index keys (storage/point_key_filter.h),
  // so they are small; a reader that only scans (the audit) leaves them unread.
  bool index_filters = true;
  // Table files each database keeps open, each with its index block (and filter) in memory:
  // this bounds that memory whatever the size of the data directory. LevelDB's floor is 74.
  int max_open_files = 1000;
  // Tests only: the leveldb::Env both databases use (one that fails writes, say); nullptr is the
  // store's own, LevelDB's default with table files read by pread.
  leveldb::Env* env = nullptr;
};

// Opens (creating if missing) a LevelDB database in `dir` and its companion (Sequential()) in
// `dir`/entries.
Result<std::unique_ptr<KvStore>> OpenLevelDb(const std::string& dir,
                                             const LevelDbOptions& options = {});
// An in-memory store with an in-memory companion.
std::unique_ptr<KvStore> NewMemoryStore();

}  // namespace evchain::storage
