// The index store's filter policy (storage/point_key_filter.h): Bloom over point keys, nothing
// for index keys, which must never be ruled out; and a store written with it, or with an older
// node's plain Bloom filter, answering every Get and prefix scan.
#include "storage/point_key_filter.h"

#include <doctest/doctest.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include <string>
#include <vector>

#include "crypto/sha256.h"
#include "storage/keys.h"
#include "tests/storage/backends.h"

namespace evchain::storage {
namespace {

using testing::LevelDbBackend;

Hash32 HashOf(const std::string& s) { return crypto::Sha256(AsBytes(s)); }

std::vector<std::string> IndexKeys(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const char kinds[] = {keys::kDigest, keys::kEvidenceId, keys::kNonce};
    out.push_back(keys::Index(kinds[i % 3], HashOf("index " + std::to_string(i)), i));
  }
  return out;
}

std::string Filter(const std::vector<std::string>& keys, const leveldb::FilterPolicy& policy) {
  std::vector<leveldb::Slice> slices(keys.begin(), keys.end());
  std::string filter;
  policy.CreateFilter(slices.data(), static_cast<int>(slices.size()), &filter);
  return filter;
}

TEST_CASE("index keys take no room in the filter and are never ruled out") {
  auto policy = NewPointKeyFilterPolicy(10);
  const std::vector<std::string> index = IndexKeys(3000);
  const std::string only_index = Filter(index, *policy);
  CHECK(only_index.empty());
  for (const std::string& k : index) CHECK(policy->KeyMayMatch(k, only_index));
  // An index key that is not in the table is not ruled out either: Get stays correct.
  CHECK(policy->KeyMayMatch(keys::Index(keys::kDigest, HashOf("elsewhere"), 7), only_index));
  // Point keys are ruled out by a filter that holds none.
  CHECK_FALSE(policy->KeyMayMatch(keys::Block(1), only_index));
  CHECK_FALSE(policy->KeyMayMatch(keys::Meta("genesis_hash"), only_index));

  // Mixed: the filter is the size of a Bloom filter over the point keys alone.
  std::vector<std::string> points;
  for (int h = 1; h <= 100; ++h) points.push_back(keys::Block(h));
  std::vector<std::string> mixed = index;
  mixed.insert(mixed.end(), points.begin(), points.end());
  auto bloom = std::unique_ptr<const leveldb::FilterPolicy>(leveldb::NewBloomFilterPolicy(10));
  const std::string mixed_filter = Filter(mixed, *policy);
  CHECK(mixed_filter.size() == Filter(points, *bloom).size());
  for (const std::string& k : points) CHECK(policy->KeyMayMatch(k, mixed_filter));
  for (const std::string& k : index) CHECK(policy->KeyMayMatch(k, mixed_filter));
  int false_positives = 0;
  for (int h = 101; h <= 1100; ++h)
    false_positives += policy->KeyMayMatch(keys::Block(h), mixed_filter);
  CHECK(false_positives < 50);  // 10 bits per key: about 1 %
}

// Writes `blocks` block records and three index keys per entry, 50 entries a block, compacted
// into tables, through `put`.
template <typename Put>
void WriteChainKeys(int blocks, Put put) {
  for (int h = 1; h <= blocks; ++h) {
    for (int e = 0; e < 50; ++e) {
      const uint64_t index = static_cast<uint64_t>(h - 1) * 50 + static_cast<uint64_t>(e);
      const Hash32 hash = HashOf("entry " + std::to_string(index));
      put(keys::Index(keys::kDigest, hash, index), "");
      put(keys::Index(keys::kEvidenceId, hash, index), "");
      put(keys::Index(keys::kNonce, hash, index), "");
    }
    put(keys::Block(h), "block " + std::to_string(h));
  }
}

void CheckChainKeys(const KvStore& store, int blocks) {
  for (int h = 1; h <= blocks; ++h) {
    Result<std::optional<std::string>> v = store.Get(keys::Block(h));
    REQUIRE(v.ok());
    REQUIRE(v->has_value());
    CHECK(**v == "block " + std::to_string(h));
  }
  Result<std::optional<std::string>> absent = store.Get(keys::Block(blocks + 1));
  REQUIRE(absent.ok());
  CHECK_FALSE(absent->has_value());
  for (uint64_t index = 0; index < static_cast<uint64_t>(blocks) * 50; index += 37) {
    const Hash32 hash = HashOf("entry " + std::to_string(index));
    for (char kind : {keys::kDigest, keys::kEvidenceId, keys::kNonce}) {
      // By prefix scan, as the log reads them, and by Get, which the filter must not hide.
      std::unique_ptr<Iterator> it = store.NewIterator();
      const std::string prefix = keys::IndexPrefix(kind, hash);
      it->Seek(prefix);
      REQUIRE(it->Valid());
      CHECK(it->key() == keys::Index(kind, hash, index));
      Result<std::optional<std::string>> got = store.Get(keys::Index(kind, hash, index));
      REQUIRE(got.ok());
      CHECK(got->has_value());
    }
  }
}

TEST_CASE("a store filtered by point keys answers every Get and scan") {
  LevelDbBackend backend;
  constexpr int kBlocks = 400;  // 60,000 index keys: several tables
  {
    std::unique_ptr<KvStore> store = backend.Open();
    WriteBatch batch;
    WriteChainKeys(kBlocks, [&](const std::string& k, const std::string& v) { batch.Put(k, v); });
    REQUIRE(store->Write(batch, true).ok());
    REQUIRE(store->CompactAll().ok());
  }
  std::unique_ptr<KvStore> store = backend.Open();
  CheckChainKeys(*store, kBlocks);
}

TEST_CASE("a store written with LevelDB's plain Bloom filter (older nodes) reads back whole") {
  LevelDbBackend backend;
  constexpr int kBlocks = 400;
  {
    std::unique_ptr<const leveldb::FilterPolicy> bloom(leveldb::NewBloomFilterPolicy(10));
    leveldb::Options options;
    options.create_if_missing = true;
    options.filter_policy = bloom.get();
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(options, backend.dir.path(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    leveldb::WriteBatch batch;
    WriteChainKeys(kBlocks, [&](const std::string& k, const std::string& v) { batch.Put(k, v); });
    REQUIRE(db->Write(leveldb::WriteOptions(), &batch).ok());
    db->CompactRange(nullptr, nullptr);
  }
  std::unique_ptr<KvStore> store = backend.Open();
  CheckChainKeys(*store, kBlocks);
}

}  // namespace
}  // namespace evchain::storage
