// A KvStore that models what a power cut leaves of LevelDB's writes: any unsynced write may be
// lost, a synced one never is. LevelDB makes an unsynced write durable with a later synced one
// only while both are in the same write-ahead log file: when a memtable fills, it starts a new
// log and closes the old one without an fsync, and the old log's records are durable only once
// the background flush of that memtable has written and synced its table. So a synced write can
// be on disk while earlier unsynced ones are not (tests/storage/snapshot_durability_test.cc,
// backup_test.cc). Header-only.
#pragma once

#include <memory>

#include "storage/kv_store.h"
#include "tests/storage/forwarding_store.h"

namespace evchain::storage {

// Reads and writes go to `live`; the synced writes also to `durable`: what is left after a
// power cut that lost every unsynced write. `live` and `durable` must outlive the store.
class PowerCutStore : public ForwardingStore {
 public:
  PowerCutStore(KvStore* live, KvStore* durable, std::unique_ptr<PowerCutStore> companion)
      : ForwardingStore(live), durable_(durable), companion_(std::move(companion)) {}
  // Over `live` and `durable` and their companions.
  static std::unique_ptr<PowerCutStore> Over(KvStore* live, KvStore* durable) {
    return std::make_unique<PowerCutStore>(
        live, durable,
        std::make_unique<PowerCutStore>(live->Sequential(), durable->Sequential(), nullptr));
  }
  Status Write(const WriteBatch& batch, bool sync) override {
    EVCHAIN_RETURN_IF_ERROR(ForwardingStore::Write(batch, sync));
    return sync ? durable_->Write(batch, true) : Status::Ok();
  }
  KvStore* Sequential() override { return companion_.get(); }

 private:
  KvStore* durable_;
  std::unique_ptr<PowerCutStore> companion_;
};

}  // namespace evchain::storage
