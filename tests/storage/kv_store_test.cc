// KvStore semantics every backend must share.
#include "storage/kv_store.h"

#include <doctest/doctest.h>
#include <leveldb/env.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include "crypto/sha256.h"
#include "tests/storage/backends.h"

namespace evchain::storage {
namespace {

using testing::LevelDbBackend;
using testing::MemoryBackend;

std::optional<std::string> MustGet(const KvStore& store, std::string_view key) {
  Result<std::optional<std::string>> v = store.Get(key);
  REQUIRE(v.ok());
  return *v;
}

std::vector<std::string> Keys(const KvStore& store, std::string_view from) {
  std::vector<std::string> keys;
  std::unique_ptr<Iterator> it = store.NewIterator();
  for (it->Seek(from); it->Valid(); it->Next()) keys.emplace_back(it->key());
  return keys;
}

TEST_CASE_TEMPLATE("get, put and delete", B, MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  CHECK(MustGet(*store, "a") == std::nullopt);

  WriteBatch batch;
  batch.Put("a", "1");
  batch.Put("b", "");
  CHECK(batch.size() == 2);
  REQUIRE(store->Write(batch, true).ok());
  CHECK(MustGet(*store, "a") == "1");
  CHECK(MustGet(*store, "b") == "");  // an empty value is present, not absent

  WriteBatch del;
  del.Delete("a");
  del.Delete("never-there");
  REQUIRE(store->Write(del, false).ok());
  CHECK(MustGet(*store, "a") == std::nullopt);
  CHECK(MustGet(*store, "b") == "");
}

TEST_CASE_TEMPLATE("a batch applies its operations in order", B, MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  WriteBatch batch;
  batch.Put("k", "first");
  batch.Delete("k");
  batch.Put("j", "first");
  batch.Put("j", "second");
  REQUIRE(store->Write(batch, true).ok());
  CHECK(MustGet(*store, "k") == std::nullopt);
  CHECK(MustGet(*store, "j") == "second");
}

TEST_CASE_TEMPLATE("a batch carries any bytes: long, empty and binary keys and values", B,
                   MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  const std::string long_key(300, 'k');  // a two-byte length prefix in the batch
  const std::string big_value(100000, '\xff');
  const std::string binary_key("p\0d\x80", 4);  // bytes that look like the batch's own tags
  WriteBatch batch;
  CHECK(batch.empty());
  batch.Put(long_key, big_value);
  batch.Put("empty", "");
  batch.Put(binary_key, std::string("\0\0", 2));
  batch.Delete("absent");
  CHECK(batch.size() == 4);
  REQUIRE(store->Write(batch, true).ok());
  CHECK(MustGet(*store, long_key) == big_value);
  CHECK(MustGet(*store, "empty") == std::string());
  CHECK(MustGet(*store, binary_key) == std::string("\0\0", 2));
  CHECK(MustGet(*store, "absent") == std::nullopt);
}

TEST_CASE_TEMPLATE("keys are ordered bytewise, including 0x00 and 0xff", B, MemoryBackend,
                   LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  const std::string k0("a\0", 2), kff("a\xff", 2);
  WriteBatch batch;
  for (const std::string& k : {std::string("b"), kff, std::string("a"), k0, std::string("ab")}) {
    batch.Put(k, "v" + k);
  }
  REQUIRE(store->Write(batch, true).ok());
  CHECK(Keys(*store, "") == std::vector<std::string>{"a", k0, "ab", kff, "b"});
  CHECK(Keys(*store, "aa") == std::vector<std::string>{"ab", kff, "b"});
  CHECK(Keys(*store, "c").empty());
  CHECK(MustGet(*store, k0) == "v" + k0);

  std::unique_ptr<Iterator> it = store->NewIterator();
  it->Seek(kff);
  REQUIRE(it->Valid());
  CHECK(it->key() == kff);
  CHECK(it->value() == "v" + kff);
}

TEST_CASE_TEMPLATE("an iterator sees the snapshot taken when it was made", B, MemoryBackend,
                   LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  WriteBatch first;
  first.Put("a", "1");
  first.Put("c", "3");
  REQUIRE(store->Write(first, true).ok());

  std::unique_ptr<Iterator> it = store->NewIterator();
  WriteBatch second;
  second.Put("b", "2");
  second.Delete("c");
  second.Put("a", "changed");
  REQUIRE(store->Write(second, true).ok());

  std::vector<std::pair<std::string, std::string>> seen;
  for (it->Seek(""); it->Valid(); it->Next()) seen.emplace_back(it->key(), it->value());
  CHECK(seen == std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"c", "3"}});
  CHECK(Keys(*store, "") == std::vector<std::string>{"a", "b"});
}

TEST_CASE_TEMPLATE("compaction keeps the data", B, MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  WriteBatch batch;
  for (int i = 0; i < 1000; ++i) batch.Put("k" + std::to_string(i), std::string(100, 'x'));
  REQUIRE(store->Write(batch, true).ok());
  REQUIRE(store->CompactAll().ok());
  CHECK(Keys(*store, "").size() == 1000);
  CHECK(MustGet(*store, "k999") == std::string(100, 'x'));
}

TEST_CASE("a LevelDB store keeps its data across reopening") {
  LevelDbBackend backend;
  {
    std::unique_ptr<KvStore> store = backend.Open();
    WriteBatch batch;
    batch.Put("durable", "yes");
    REQUIRE(store->Write(batch, true).ok());
  }
  std::unique_ptr<KvStore> store = backend.Open();
  CHECK(MustGet(*store, "durable") == "yes");
}

// LevelDB's Env with a disk that can fill up: while `full`, an append to a write-ahead log (.log)
// writes the first half of its bytes and fails, as a write does that runs out of space.
class FillingEnv : public leveldb::EnvWrapper {
 public:
  FillingEnv() : leveldb::EnvWrapper(leveldb::Env::Default()) {}
  std::atomic<bool> full{false};

  leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** out) override {
    leveldb::Status s = target()->NewWritableFile(name, out);
    if (s.ok() && name.ends_with(".log")) *out = new FillingFile(this, *out);
    return s;
  }
  leveldb::Status NewAppendableFile(const std::string& name, leveldb::WritableFile** out) override {
    leveldb::Status s = target()->NewAppendableFile(name, out);
    if (s.ok() && name.ends_with(".log")) *out = new FillingFile(this, *out);
    return s;
  }

 private:
  class FillingFile : public leveldb::WritableFile {
   public:
    FillingFile(FillingEnv* env, leveldb::WritableFile* file) : env_(env), file_(file) {}
    leveldb::Status Append(const leveldb::Slice& data) override {
      if (!env_->full) return file_->Append(data);
      (void)file_->Append(leveldb::Slice(data.data(), data.size() / 2));
      return leveldb::Status::IOError("write-ahead log", "No space left on device");
    }
    leveldb::Status Close() override { return file_->Close(); }
    leveldb::Status Flush() override { return file_->Flush(); }
    leveldb::Status Sync() override { return file_->Sync(); }

   private:
    FillingEnv* env_;
    std::unique_ptr<leveldb::WritableFile> file_;
  };
};

// A full disk found by LevelDB's log writer leaves a torn record. LevelDB would write the next
// records behind it and acknowledge them; the next open then drops them with the torn one (here),
// or refuses the data directory (paranoid_checks, when the torn record is far from a block end).
TEST_CASE("after a write that fails in mid-record the store takes no more, and opens again") {
  testing::TempDir dir;
  FillingEnv env;
  LevelDbOptions options;
  options.env = &env;
  {
    Result<std::unique_ptr<KvStore>> store = OpenLevelDb(dir.path(), options);
    REQUIRE(store.ok());
    WriteBatch before;
    before.Put("before", "kept");
    REQUIRE((*store)->Write(before, true).ok());

    env.full = true;
    WriteBatch torn;
    torn.Put("torn", std::string(100000, 't'));
    const Status failed = (*store)->Write(torn, true);
    CHECK(failed.code() == "io_error");
    env.full = false;  // space again

    WriteBatch after;
    after.Put("after", "refused");
    const Status refused = (*store)->Write(after, true);
    CHECK(refused.code() == "io_error");
    CHECK(refused.message().find("an earlier write failed") != std::string::npos);
    CHECK(refused.message().find("No space left on device") != std::string::npos);
  }
  Result<std::unique_ptr<KvStore>> reopened = OpenLevelDb(dir.path());
  REQUIRE_MESSAGE(reopened.ok(), reopened.status().ToString());
  CHECK(MustGet(**reopened, "before") == "kept");
  CHECK(MustGet(**reopened, "torn") == std::nullopt);
  CHECK(MustGet(**reopened, "after") == std::nullopt);
  WriteBatch again;
  again.Put("again", "yes");
  CHECK((*reopened)->Write(again, true).ok());
}

std::vector<std::string> ThreadNames() {
  std::vector<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.push_back(name);
  }
  return names;
}

TEST_CASE("LevelDB's background thread is named leveldb-bg") {
  LevelDbBackend backend;
  std::unique_ptr<KvStore> store = backend.Open();
  WriteBatch batch;
  for (int i = 0; i < 1000; ++i) batch.Put("k" + std::to_string(i), std::string(100, 'v'));
  REQUIRE(store->Write(batch, true).ok());
  REQUIRE(store->CompactAll().ok());  // runs on the background thread
  const std::vector<std::string> names = ThreadNames();
  CHECK(std::count(names.begin(), names.end(), "leveldb-bg") == 1);
}

TEST_CASE("a store written with filters reads back whole when opened as the audit opens it") {
  LevelDbBackend backend;
  {
    std::unique_ptr<KvStore> store = backend.Open();
    for (int b = 0; b < 20; ++b) {
      WriteBatch batch;
      for (int i = 0; i < 500; ++i) {
        batch.Put("k" + std::to_string(b * 500 + i), std::string(200, static_cast<char>('a' + b)));
      }
      REQUIRE(store->Write(batch, true).ok());
    }
    REQUIRE(store->CompactAll().ok());
  }
  LevelDbOptions scanning;
  scanning.index_filters = false;
  scanning.max_open_files = 74;  // LevelDB's floor
  Result<std::unique_ptr<KvStore>> store = OpenLevelDb(backend.dir.path(), scanning);
  REQUIRE(store.ok());
  CHECK(Keys(**store, "").size() == 10000);
  CHECK(MustGet(**store, "k9999") == std::string(200, 't'));
  CHECK(MustGet(**store, "k10000") == std::nullopt);
}

// Values LevelDB cannot compress, so a damaged byte in a table changes a value instead of
// breaking Snappy's framing: only the block checksum can tell.
std::string Incompressible(int i) {
  std::string v;
  for (int k = 0; k < 8; ++k) {
    const Hash32 h =
        crypto::Sha256(AsBytes("value " + std::to_string(i) + " " + std::to_string(k)));
    v.append(AsChars(h));
  }
  return v;
}

// Writes 2,000 keys into one compacted table of the index store and damages that table.
void WriteAndDamageOneTable(LevelDbBackend& backend) {
  {
    std::unique_ptr<KvStore> store = backend.Open();
    WriteBatch batch;
    for (int i = 0; i < 2000; ++i) batch.Put("k" + std::to_string(10000 + i), Incompressible(i));
    REQUIRE(store->Write(batch, true).ok());
    REQUIRE(store->CompactAll().ok());
  }
  testing::DamageLargestTable(backend.dir.path());
}

TEST_CASE("a damaged table is an error on every read, never different data") {
  LevelDbBackend backend;
  WriteAndDamageOneTable(backend);
  std::unique_ptr<KvStore> store = backend.Open();
  int errors = 0;
  for (int i = 0; i < 2000; ++i) {
    Result<std::optional<std::string>> v = store->Get("k" + std::to_string(10000 + i));
    if (!v.ok()) {
      ++errors;
      continue;
    }
    INFO("key " << i);
    REQUIRE(v->has_value());
    CHECK(**v == Incompressible(i));
  }
  CHECK(errors > 0);  // the damaged block's keys
}

TEST_CASE("a scan over a damaged table ends with an error status, never short and silent") {
  LevelDbBackend backend;
  WriteAndDamageOneTable(backend);
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<Iterator> it = store->NewIterator();
  // LevelDB skips a block it cannot read and goes on: what it yields is right, and the scan
  // comes out short, which only its status tells.
  int read = 0;
  for (it->Seek(""); it->Valid(); it->Next()) {
    const int i = std::stoi(std::string(it->key().substr(1))) - 10000;
    CHECK(it->value() == Incompressible(i));
    ++read;
  }
  CHECK(read < 2000);
  CHECK(it->status().code() == "corruption");
}

TEST_CASE_TEMPLATE("a scan to the end has an ok status", B, MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  WriteBatch batch;
  batch.Put("a", "1");
  REQUIRE(store->Write(batch, true).ok());
  std::unique_ptr<Iterator> it = store->NewIterator();
  it->Seek("");
  CHECK(it->Valid());
  it->Next();
  CHECK_FALSE(it->Valid());
  CHECK(it->status().ok());
}

TEST_CASE("opening a LevelDB store that is already open fails with a Status") {
  LevelDbBackend backend;
  std::unique_ptr<KvStore> store = backend.Open();
  Result<std::unique_ptr<KvStore>> second = OpenLevelDb(backend.dir.path());
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == "io_error");
}

}  // namespace
}  // namespace evchain::storage
