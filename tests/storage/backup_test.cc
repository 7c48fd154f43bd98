// Online backups (storage/backup.h): a backup taken while blocks are appended is a consistent
// prefix of whole blocks that opens, carries the restore marker, and matches the log it was
// taken from at its height.
#include "storage/backup.h"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "storage/evidence_log.h"
#include "storage/keys.h"
#include "tests/storage/chain_builder.h"

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

}  // namespace
}  // namespace evchain::storage
