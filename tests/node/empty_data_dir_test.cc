// The record of an empty data directory's check (node/empty_data_dir.h), across restarts.
#include "node/empty_data_dir.h"

#include <doctest/doctest.h>

#include "storage/keys.h"

namespace evchain::node {
namespace {

TEST_CASE("an empty data directory is checked until the replica says so, across restarts") {
  std::unique_ptr<storage::KvStore> store = storage::NewMemoryStore();
  // A directory that holds something (a chain, records, an owner or a marker) is not checked.
  CHECK(*CheckEmptyDataDir(*store, /*nothing_yet=*/false, 0) == EmptyDataDir::kNo);
  CHECK(*CheckEmptyDataDir(*store, /*nothing_yet=*/false, 5) == EmptyDataDir::kNo);
  // The first start on an empty one records the check, and a restart before it ended resumes
  // it, though the directory now holds the owner record and consensus records.
  CHECK(*CheckEmptyDataDir(*store, /*nothing_yet=*/true, 0) == EmptyDataDir::kChecking);
  CHECK(*CheckEmptyDataDir(*store, /*nothing_yet=*/false, 0) == EmptyDataDir::kChecking);
  SUBCASE("checked: the record goes and the directory is an ordinary one") {
    REQUIRE(ClearEmptyDataDirRecord(*store).ok());
    CHECK(*CheckEmptyDataDir(*store, /*nothing_yet=*/false, 3) == EmptyDataDir::kNo);
  }
  SUBCASE("its own signature found: restored from nothing until the bounds are known") {
    REQUIRE(RecordVotedBefore(*store).ok());
    CHECK(*CheckEmptyDataDir(*store, /*nothing_yet=*/false, 3) == EmptyDataDir::kVotedBefore);
    REQUIRE(ClearEmptyDataDirRecord(*store).ok());
    CHECK(*CheckEmptyDataDir(*store, /*nothing_yet=*/false, 3) == EmptyDataDir::kNo);
  }
  SUBCASE("a crash during the check after blocks were appended: assume it voted on them") {
    CHECK(*CheckEmptyDataDir(*store, /*nothing_yet=*/false, 2) == EmptyDataDir::kVotedBefore);
    CHECK(*CheckEmptyDataDir(*store, /*nothing_yet=*/false, 2) == EmptyDataDir::kVotedBefore);
  }
}

TEST_CASE("an empty data directory's record that is neither value refuses the start") {
  std::unique_ptr<storage::KvStore> store = storage::NewMemoryStore();
  storage::WriteBatch batch;
  batch.Put(storage::keys::Meta("empty_data_dir"), "maybe");
  REQUIRE(store->Write(batch, true).ok());
  auto state = CheckEmptyDataDir(*store, /*nothing_yet=*/false, 0);
  REQUIRE_FALSE(state.ok());
  CHECK(state.status().code() == "corruption");
}

}  // namespace
}  // namespace evchain::node
