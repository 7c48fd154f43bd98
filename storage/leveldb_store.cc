// KvStore over LevelDB. Options are tuned for the evidence log (docs/storage-format.md
// "LevelDB options"): large write buffer for block-sized batches, a block cache for proof reads,
// and a bloom filter so lookups of absent keys (new nonces, unknown digests) skip disk reads.
// Snappy stays on: LevelDB stores a block uncompressed when it saves < 12.5%, so blocks of hashes
// cost nothing extra while statement text compresses.
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include "storage/kv_store.h"

namespace evchain::storage {
namespace {

constexpr size_t kBlockCacheBytes = 64 << 20;
// 16 MiB, not more: memtable inserts of random index keys walk a skip list whose size grows with
// the buffer; at 64 MiB cache misses doubled the writer's CPU per entry (docs/benchmarks.md).
constexpr size_t kWriteBufferBytes = 16 << 20;
constexpr size_t kMaxFileBytes = 64 << 20;
constexpr int kBloomBitsPerKey = 10;

Status FromLevelDb(const leveldb::Status& s) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return Status::Error("corruption", s.ToString());
  return Status::Error("io_error", s.ToString());
}

leveldb::Slice ToSlice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }

class LevelDbIterator : public Iterator {
 public:
  LevelDbIterator(leveldb::DB* db, const leveldb::Snapshot* snapshot)
      : db_(db), snapshot_(snapshot) {
    leveldb::ReadOptions options;
    options.snapshot = snapshot_;
    it_.reset(db_->NewIterator(options));
  }
  ~LevelDbIterator() override {
    it_.reset();  // must go before the snapshot it reads
    db_->ReleaseSnapshot(snapshot_);
  }
  void Seek(std::string_view key) override { it_->Seek(ToSlice(key)); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  std::string_view key() const override { return {it_->key().data(), it_->key().size()}; }
  std::string_view value() const override { return {it_->value().data(), it_->value().size()}; }

 private:
  leveldb::DB* db_;
  const leveldb::Snapshot* snapshot_;
  std::unique_ptr<leveldb::Iterator> it_;
};

class LevelDbStore : public KvStore {
 public:
  LevelDbStore(std::unique_ptr<leveldb::DB> db, std::unique_ptr<leveldb::Cache> cache,
               std::unique_ptr<const leveldb::FilterPolicy> filter)
      : cache_(std::move(cache)), filter_(std::move(filter)), db_(std::move(db)) {}

  Result<std::optional<std::string>> Get(std::string_view key) const override {
    std::string value;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), ToSlice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromLevelDb(s);
    return std::optional<std::string>(std::move(value));
  }

  Status Write(const WriteBatch& batch, bool sync) override {
    leveldb::WriteBatch wb;
    batch.ForEach([&wb](std::string_view key,
                        std::string_view value) { wb.Put(ToSlice(key), ToSlice(value)); },
                  [&wb](std::string_view key) { wb.Delete(ToSlice(key)); });
    leveldb::WriteOptions options;
    options.sync = sync;
    return FromLevelDb(db_->Write(options, &wb));
  }

  std::unique_ptr<Iterator> NewIterator() const override {
    return std::make_unique<LevelDbIterator>(db_.get(), db_->GetSnapshot());
  }

  Status CompactAll() override {
    db_->CompactRange(nullptr, nullptr);
    return Status::Ok();
  }

 private:
  // Declared before db_ so they outlive it.
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace

Result<std::unique_ptr<KvStore>> OpenLevelDb(const std::string& dir) {
  std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(kBlockCacheBytes));
  std::unique_ptr<const leveldb::FilterPolicy> filter(
      leveldb::NewBloomFilterPolicy(kBloomBitsPerKey));
  leveldb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  options.block_cache = cache.get();
  options.filter_policy = filter.get();
  options.write_buffer_size = kWriteBufferBytes;
  options.max_file_size = kMaxFileBytes;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &raw);
  if (!s.ok()) return FromLevelDb(s);
  return std::unique_ptr<KvStore>(std::make_unique<LevelDbStore>(
      std::unique_ptr<leveldb::DB>(raw), std::move(cache), std::move(filter)));
}

}  // namespace evchain::storage
