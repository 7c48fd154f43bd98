// KvStore over LevelDB: two databases, the index store in the data directory and its companion
// (Sequential()) for the log's entries and Merkle nodes in `entries/` under it. Options are tuned
// for the evidence log (docs/storage-format.md "LevelDB options"): block-sized batches, one block
// cache shared by both for proof reads, and on the index store a Bloom filter over the keys read by
// Get (block records, node metadata), not over the index keys, which are read by prefix scans that
// LevelDB's filters do not serve (storage/point_key_filter.h). Snappy stays on: LevelDB stores a
// block uncompressed when it saves < 12.5%, so blocks of hashes cost nothing extra while statement
// text and leaves compress.
#include <fcntl.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "common/thread_name.h"
#include "storage/kv_store.h"
#include "storage/point_key_filter.h"

namespace evchain::storage {
namespace {

constexpr size_t kBlockCacheBytes = 64 << 20;
// Index store: memtable inserts of random index keys walk a skip list whose size grows with the
// buffer, so it stays small (cache misses, docs/benchmarks.md "Storage").
constexpr size_t kIndexWriteBufferBytes = 8 << 20;
// Companion: keys arrive in order, so a bigger buffer only means fewer, larger flushed tables.
constexpr size_t kSequentialWriteBufferBytes = 32 << 20;
// Index store: LevelDB's default. Its keys are random, so every table overlaps the whole next
// level: small tables let compaction merge a little at a time instead of rewriting a level.
constexpr size_t kIndexMaxFileBytes = 2 << 20;
// Companion: tables are moved down whole, never merged, so fewer larger files cost nothing.
constexpr size_t kSequentialMaxFileBytes = 64 << 20;
constexpr int kBloomBitsPerKey = 10;
constexpr const char* kSequentialSubdir = "entries";

Status FromLevelDb(const leveldb::Status& s) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return Status::Error("corruption", s.ToString());
  return Status::Error("io_error", s.ToString());
}

leveldb::Slice ToSlice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }

// A table file read with pread(2) into LevelDB's scratch buffer. LevelDB's default Env maps up
// to 1,000 table files into memory instead, and every page a read touches then counts in the
// process's resident set: scanning a data directory (the audit) or serving random lookups over
// it made RSS grow with the data directory (466 MB for the audit of 1M entries, 133 MB with
// pread). With pread the file's pages stay in the page cache, shared and reclaimable, and the
// process holds only the block cache and the open tables' index and filter blocks
// (docs/storage-format.md "LevelDB options").
class PreadFile : public leveldb::RandomAccessFile {
 public:
  PreadFile(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}
  ~PreadFile() override { ::close(fd_); }
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        *result = leveldb::Slice(scratch, 0);
        return leveldb::Status::IOError(name_, std::strerror(errno));
      }
      if (r == 0) break;  // end of file: LevelDB checks the length it got
      done += static_cast<size_t>(r);
    }
    *result = leveldb::Slice(scratch, done);
    return leveldb::Status::OK();
  }

 private:
  std::string name_;
  int fd_;
};

// LevelDB's default Env with two changes: table files are read with pread (PreadFile), and its
// background thread (compactions, memtable flushes; one per process) is named `leveldb-bg`, not
// after whichever thread first scheduled work (docs/operations.md "Threads").
class PreadEnv : public leveldb::EnvWrapper {
 public:
  PreadEnv() : leveldb::EnvWrapper(leveldb::Env::Default()) {}
  void Schedule(void (*function)(void* arg), void* arg) override {
    struct Job {
      void (*function)(void*);
      void* arg;
    };
    target()->Schedule(
        [](void* job_arg) {
          thread_local bool named = false;
          if (!named) {
            SetCurrentThreadName("leveldb-bg");
            named = true;
          }
          std::unique_ptr<Job> job(static_cast<Job*>(job_arg));
          job->function(job->arg);
        },
        new Job{function, arg});
  }
  leveldb::Status NewRandomAccessFile(const std::string& name,
                                      leveldb::RandomAccessFile** result) override {
    const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      *result = nullptr;
      return errno == ENOENT ? leveldb::Status::NotFound(name, std::strerror(errno))
                             : leveldb::Status::IOError(name, std::strerror(errno));
    }
    *result = new PreadFile(name, fd);
    return leveldb::Status::OK();
  }
};

// Every read checks the CRC of each block it takes from a table file (blocks already in the
// block cache were checked when they were read). LevelDB's default checks none: a damaged block
// of incompressible keys, such as the index store's hashes, then reads as different keys, and a
// lookup answers "not found" for evidence that is there. Checked, it is an error instead.
// paranoid_checks covers compactions, not reads.
leveldb::ReadOptions CheckedReads() {
  leveldb::ReadOptions options;
  options.verify_checksums = true;
  return options;
}

// One for the process: LevelDB's default Env is a process-wide singleton too (its background
// thread outlives every database).
leveldb::Env* ReadEnv() {
  static PreadEnv* env = new PreadEnv();  // never destroyed, like Env::Default()
  return env;
}

class LevelDbIterator : public Iterator {
 public:
  LevelDbIterator(leveldb::DB* db, const leveldb::Snapshot* snapshot)
      : db_(db), snapshot_(snapshot) {
    leveldb::ReadOptions options = CheckedReads();
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
  Status status() const override { return FromLevelDb(it_->status()); }

 private:
  leveldb::DB* db_;
  const leveldb::Snapshot* snapshot_;
  std::unique_ptr<leveldb::Iterator> it_;
};

// The block cache and filter policy, shared by both databases and outliving them.
struct Shared {
  std::unique_ptr<leveldb::Cache> cache{leveldb::NewLRUCache(kBlockCacheBytes)};
  std::unique_ptr<const leveldb::FilterPolicy> filter{NewPointKeyFilterPolicy(kBloomBitsPerKey)};
};

Result<std::unique_ptr<leveldb::DB>> OpenDb(const std::string& dir, const Shared& shared,
                                            bool sequential, const LevelDbOptions& reader) {
  leveldb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  options.env = reader.env != nullptr ? reader.env : ReadEnv();
  options.block_cache = shared.cache.get();
  // The companion is only read by key of records that exist: a filter would not save reads.
  options.filter_policy = sequential || !reader.index_filters ? nullptr : shared.filter.get();
  options.max_open_files = reader.max_open_files;
  options.write_buffer_size = sequential ? kSequentialWriteBufferBytes : kIndexWriteBufferBytes;
  options.max_file_size = sequential ? kSequentialMaxFileBytes : kIndexMaxFileBytes;

  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &raw);
  if (!s.ok()) return FromLevelDb(s);
  return std::unique_ptr<leveldb::DB>(raw);
}

class LevelDbStore : public KvStore {
 public:
  // `sequential` is the companion, nullptr for a companion itself.
  LevelDbStore(std::shared_ptr<const Shared> shared, std::unique_ptr<leveldb::DB> db,
               std::unique_ptr<KvStore> sequential)
      : shared_(std::move(shared)), db_(std::move(db)), sequential_(std::move(sequential)) {}

  Result<std::optional<std::string>> Get(std::string_view key) const override {
    std::string value;
    leveldb::Status s = db_->Get(CheckedReads(), ToSlice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromLevelDb(s);
    return std::optional<std::string>(std::move(value));
  }

  // The first write that fails makes every later one fail with its error, for as long as the
  // store is open. LevelDB does so itself after a failed sync, but not after a failed append (a
  // full disk): its log then goes on after the torn record, and the next open drops the
  // records written behind it, acknowledged ones included, or (paranoid_checks) refuses the data
  // directory. Kept at the log's tail, a torn record reads as a write a crash cut short. Writes are
  // serialized for this: one that started while another was failing could land behind the torn
  // record (LevelDB would otherwise group concurrent writes into one; docs/storage-format.md "Write
  // failures").
  Status Write(const WriteBatch& batch, bool sync) override {
    leveldb::WriteBatch wb;
    batch.ForEach([&wb](std::string_view key,
                        std::string_view value) { wb.Put(ToSlice(key), ToSlice(value)); },
                  [&wb](std::string_view key) { wb.Delete(ToSlice(key)); });
    leveldb::WriteOptions options;
    options.sync = sync;
    std::lock_guard lock(write_mu_);
    if (!failed_.ok()) {
      return Status::Error(failed_.code(),
                           "an earlier write failed, so this store takes no more "
                           "until it is opened again: " +
                               failed_.message());
    }
    Status written = FromLevelDb(db_->Write(options, &wb));
    if (!written.ok()) failed_ = written;
    return written;
  }

  std::unique_ptr<Iterator> NewIterator() const override {
    return std::make_unique<LevelDbIterator>(db_.get(), db_->GetSnapshot());
  }

  Status CompactAll() override {
    db_->CompactRange(nullptr, nullptr);
    return sequential_ != nullptr ? sequential_->CompactAll() : Status::Ok();
  }

  KvStore* Sequential() override { return sequential_.get(); }

 private:
  std::shared_ptr<const Shared> shared_;  // declared first: outlives both databases
  std::unique_ptr<leveldb::DB> db_;
  std::unique_ptr<KvStore> sequential_;
  std::mutex write_mu_;
  Status failed_;  // the first failed write's error; guarded by write_mu_
};

}  // namespace

Result<std::unique_ptr<KvStore>> OpenLevelDb(const std::string& dir,
                                             const LevelDbOptions& options) {
  auto shared = std::make_shared<const Shared>();
  Result<std::unique_ptr<leveldb::DB>> db = OpenDb(dir, *shared, /*sequential=*/false, options);
  if (!db.ok()) return db.status();
  // After the index store: LevelDB has created `dir`, and holds its lock.
  Result<std::unique_ptr<leveldb::DB>> sequential =
      OpenDb((std::filesystem::path(dir) / kSequentialSubdir).string(), *shared,
             /*sequential=*/true, options);
  if (!sequential.ok()) return sequential.status();
  auto companion = std::make_unique<LevelDbStore>(shared, std::move(*sequential), nullptr);
  return std::unique_ptr<KvStore>(
      std::make_unique<LevelDbStore>(shared, std::move(*db), std::move(companion)));
}

}  // namespace evchain::storage
