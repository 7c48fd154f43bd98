// What a snapshot restore leaves on disk if the machine fails right after it (storage/snapshot.h
// LoadSnapshot): its final commit says the directory is complete, so it must not reach the disk
// over records that may not (tests/storage/power_cut_store.h says why LevelDB allows that).
#include <doctest/doctest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "crypto/sha256.h"
#include "storage/backup.h"
#include "storage/evidence_log.h"
#include "storage/kv_store.h"
#include "storage/snapshot.h"
#include "tests/storage/power_cut_store.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::storage {
namespace {

constexpr UnixMillis kGenesisTime = 1795865400000;

TEST_CASE("a restored snapshot is whole on disk once the restore returns") {
  synthetic::TestNetwork net = synthetic::MakeTestNetwork("snapshot-durability", kGenesisTime);
  std::unique_ptr<KvStore> source = NewMemoryStore();
  std::vector<Hash32> ids;
  {
    Result<std::unique_ptr<EvidenceLog>> log = EvidenceLog::Open(source.get());
    REQUIRE(log.ok());
    synthetic::ChainBuilder builder(net, log->get(), 3);
    for (int h = 1, next = 0; h <= 3; ++h) {
      std::vector<ledger::Entry> entries;
      for (int i = 0; i < 5; ++i, ++next) {
        entries.push_back(builder.Deposit(crypto::Sha256("e" + std::to_string(next)),
                                          "n" + std::to_string(next)));
        ids.push_back(crypto::Sha256(entries.back().statement));
      }
      REQUIRE(builder.AppendBlock(std::move(entries), kGenesisTime + int64_t{1000} * h).ok());
    }
  }
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  REQUIRE(WriteSnapshot(*source, file, kGenesisTime + 10000).ok());
  std::rewind(file);

  std::unique_ptr<KvStore> live = NewMemoryStore();
  std::unique_ptr<KvStore> durable = NewMemoryStore();
  PowerCutStore target(
      live.get(), durable.get(),
      std::make_unique<PowerCutStore>(live->Sequential(), durable->Sequential(), nullptr));
  Result<SnapshotInfo> loaded = LoadSnapshot(file, net.genesis, target);
  std::fclose(file);
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());

  // The power cut: only what was synced is there. The restore said it was done, and the
  // directory carries its state and restore marker, so it must hold the whole log.
  Result<std::optional<RestoreMarker>> marker = ReadRestoreMarker(*durable);
  REQUIRE(marker.ok());
  CHECK(marker->has_value());
  Result<std::unique_ptr<EvidenceLog>> log = EvidenceLog::Open(durable.get());
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  CHECK((*log)->height() == 3);
  REQUIRE((*log)->size() == ids.size());
  CHECK((*log)->GetEntries(0, ids.size()).ok());
  for (uint64_t i = 0; i < ids.size(); ++i) {
    Result<std::optional<uint64_t>> found = (*log)->FindByEvidenceId(ids[i]);
    REQUIRE(found.ok());
    CHECK(*found == std::optional<uint64_t>(i));
  }
  CHECK((*log)->GetBlockForEntry(ids.size() - 1)->header.height == 3);
}

}  // namespace
}  // namespace evchain::storage
