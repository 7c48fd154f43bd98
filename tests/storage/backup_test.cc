// Online backups (storage/backup.h): a backup taken while blocks are appended is a consistent
// prefix of whole blocks that opens, carries the restore marker, and matches the log it was
// taken from at its height.
#include "storage/backup.h"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "crypto/merkle.h"
#include "storage/evidence_log.h"
#include "storage/keys.h"
#include "tests/storage/chain_builder.h"
#include "tests/storage/power_cut_store.h"

namespace evchain::storage {
namespace {

struct TempDir {
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("evchain-backup-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

std::unique_ptr<EvidenceLog> Open(KvStore* store) {
  auto log = EvidenceLog::Open(store);
  REQUIRE(log.ok());
  return std::move(*log);
}

TEST_CASE("a backup taken while blocks are appended is a whole-block prefix with its marker") {
  TempDir dir;
  auto store = OpenLevelDb((dir.path / "data").string());
  REQUIRE(store.ok());
  auto log = Open(store->get());
  testing::ChainBuilder chain;
  for (int i = 0; i < 20; ++i) REQUIRE(chain.Append(*log, 50).ok());
  // Node metadata goes along: it is in the index store.
  REQUIRE(log->PutMeta("c/state", "consensus", true).ok());

  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop) REQUIRE(chain.Append(*log, 50).ok());
  });
  std::vector<RestoreMarker> markers;
  for (int b = 0; b < 3; ++b) {
    BackupOptions options;
    options.now = 1764000000000 + b;
    options.consensus = [](const KvStore& backup) {
      auto v = backup.Get(keys::Meta("c/state"));
      REQUIRE(v.ok());
      CHECK(*v == std::optional<std::string>("consensus"));
      return ConsensusHighWater{7, 42};
    };
    auto marker = log->Backup((dir.path / ("b" + std::to_string(b))).string(), options);
    REQUIRE_MESSAGE(marker.ok(), marker.status().ToString());
    markers.push_back(*marker);
  }
  stop = true;
  writer.join();

  for (int b = 0; b < 3; ++b) {
    INFO("backup " << b);
    auto copy = OpenLevelDb((dir.path / ("b" + std::to_string(b))).string());
    REQUIRE(copy.ok());
    auto marker = ReadRestoreMarker(**copy);
    REQUIRE(marker.ok());
    REQUIRE(marker->has_value());
    CHECK((*marker)->height == markers[b].height);
    CHECK((*marker)->consensus_view == 7);
    CHECK((*marker)->consensus_seq == 42);
    CHECK((*marker)->created_at == 1764000000000 + b);
    auto backup_log = Open(copy->get());
    CHECK(backup_log->height() == markers[b].height);
    CHECK(backup_log->size() == markers[b].log_size);
    CHECK(markers[b].height >= 20);
    // The same chain as the live log at that height: root and last block.
    auto root = log->RootAt(backup_log->size());
    REQUIRE(root.ok());
    CHECK(backup_log->Root() == *root);
    auto live_block = log->GetBlock(backup_log->height());
    REQUIRE(live_block.ok());
    CHECK(live_block->hash == (*marker)->last_block_hash);
    // Every entry reads back.
    CHECK(backup_log->GetEntries(0, backup_log->size()).ok());
  }
  CHECK(markers[2].height >= markers[0].height);

  SUBCASE("the live directory has no marker, and a backup of a backup gets a fresh one") {
    auto live = ReadRestoreMarker(**store);
    REQUIRE(live.ok());
    CHECK_FALSE(live->has_value());
    auto copy = OpenLevelDb((dir.path / "b0").string());
    REQUIRE(copy.ok());
    auto copy_log = Open(copy->get());
    BackupOptions options;
    options.now = 5;
    auto again = copy_log->Backup((dir.path / "bb").string(), options);
    REQUIRE(again.ok());
    CHECK(again->created_at == 5);
    CHECK(again->consensus_view == 0);
    REQUIRE(ClearRestoreMarker(**copy).ok());
    auto cleared = ReadRestoreMarker(**copy);
    REQUIRE(cleared.ok());
    CHECK_FALSE(cleared->has_value());
  }
}

TEST_CASE("a backup never overwrites, and a damaged marker is corruption") {
  TempDir dir;
  auto store = OpenLevelDb((dir.path / "data").string());
  REQUIRE(store.ok());
  auto log = Open(store->get());
  CHECK(log->Backup((dir.path / "data").string(), {}).status().code() == "exists");
  WriteBatch batch;
  batch.Put(keys::RestoreMarker(), "short");
  REQUIRE((*store)->Write(batch, true).ok());
  CHECK(ReadRestoreMarker(**store).status().code() == "corruption");
  RestoreMarker m{3, 30, {}, 9, 4, 1234};
  m.last_block_hash[0] = 0xab;
  auto decoded = DecodeRestoreMarker(EncodeRestoreMarker(m));
  REQUIRE(decoded.ok());
  CHECK(decoded->height == 3);
  CHECK(decoded->log_size == 30);
  CHECK(decoded->last_block_hash == m.last_block_hash);
  CHECK(decoded->consensus_view == 9);
  CHECK(decoded->consensus_seq == 4);
  CHECK(decoded->created_at == 1234);
  CHECK(EncodeRestoreMarker(m).size() == 73);
}

TEST_CASE("a backup is whole on disk once its marker is") {
  // The marker says the backup is complete (restore refuses a directory without it): it must
  // not reach the disk over copied records that may not. More than one 4 MiB copy batch of
  // entries, into a store that keeps only synced writes (a power cut right after the backup).
  std::unique_ptr<KvStore> source = NewMemoryStore();
  testing::ChainBuilder chain;
  {
    std::unique_ptr<EvidenceLog> log = Open(source.get());
    for (int i = 0; i < 6; ++i) REQUIRE(chain.Append(*log, 2000).ok());
  }
  std::unique_ptr<KvStore> live = NewMemoryStore();
  std::unique_ptr<KvStore> durable = NewMemoryStore();
  TempDir dir;
  BackupOptions options;
  options.open_copy = [&](const std::string&) -> Result<std::unique_ptr<KvStore>> {
    return std::unique_ptr<KvStore>(PowerCutStore::Over(live.get(), durable.get()));
  };
  Result<RestoreMarker> marker = CreateBackup(*source, (dir.path / "backup").string(), options);
  REQUIRE_MESSAGE(marker.ok(), marker.status().ToString());
  CHECK(marker->log_size == 12000);

  Result<std::optional<RestoreMarker>> durable_marker = ReadRestoreMarker(*durable);
  REQUIRE(durable_marker.ok());
  CHECK(durable_marker->has_value());
  std::unique_ptr<EvidenceLog> copy = Open(durable.get());
  CHECK(copy->height() == 6);
  REQUIRE(copy->size() == 12000);
  Result<std::vector<StoredEntry>> entries = copy->GetEntries(0, 12000);
  CHECK_MESSAGE(entries.ok(), entries.status().ToString());
  CHECK(copy->Root() == crypto::RootFromLeafHashes(chain.leaf_hashes()));
  CHECK(copy->GetBlock(1).ok());
}

TEST_CASE("a backup reports every record it copies, and a report may cancel it") {
  TempDir dir;
  auto store = OpenLevelDb((dir.path / "data").string());
  REQUIRE(store.ok());
  auto log = Open(store->get());
  testing::ChainBuilder chain;
  for (int i = 0; i < 3; ++i) REQUIRE(chain.Append(*log, 20).ok());
  uint64_t records = 0;
  uint64_t bytes = 0;
  size_t reports = 0;
  {
    auto it = (*store)->NewIterator();
    for (it->Seek(""); it->Valid(); it->Next()) {
      ++records;
      bytes += it->key().size() + it->value().size();
    }
    auto seq = (*store)->Sequential()->NewIterator();
    for (seq->Seek(""); seq->Valid(); seq->Next()) {
      ++records;
      bytes += seq->key().size() + seq->value().size();
    }
  }
  BackupProgress last;
  BackupOptions options;
  options.progress = [&](const BackupProgress& p) {
    CHECK(p.records >= last.records);
    CHECK(p.bytes >= last.bytes);
    last = p;
    ++reports;
    return true;
  };
  REQUIRE(log->Backup((dir.path / "b").string(), options).ok());
  CHECK(last.records == records);
  CHECK(last.bytes == bytes);
  CHECK(reports >= records);

  SUBCASE("cancelled mid-copy: no directory is left") {
    options.progress = [](const BackupProgress& p) { return p.records < 10; };
    Result<RestoreMarker> cancelled = log->Backup((dir.path / "c").string(), options);
    CHECK(cancelled.status().code() == "cancelled");
    CHECK_FALSE(std::filesystem::exists(dir.path / "c"));
  }
  SUBCASE("cancelled once the records are copied, before the marker: no directory is left") {
    reports = 0;
    options.progress = [&](const BackupProgress& p) {
      // The report after the last record lets it go; the one before the marker cancels.
      return p.records < records || ++reports < 2;
    };
    Result<RestoreMarker> cancelled = log->Backup((dir.path / "d").string(), options);
    CHECK(cancelled.status().code() == "cancelled");
    CHECK_FALSE(std::filesystem::exists(dir.path / "d"));
  }
}

}  // namespace
}  // namespace evchain::storage
