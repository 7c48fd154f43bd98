// The in-memory twin of the LevelDB store, for tests: same semantics (ordered keys, atomic batches,
// snapshot iterators). Each Write copies the map, so a snapshot is just a shared pointer to an
// immutable map; that is O(n) per write, fine for tests and never used in production.
#include <map>
#include <mutex>

#include "storage/kv_store.h"

namespace evchain::storage {
namespace {

using Map = std::map<std::string, std::string, std::less<>>;

class MemoryIterator : public Iterator {
 public:
  explicit MemoryIterator(std::shared_ptr<const Map> map)
      : map_(std::move(map)), it_(map_->end()) {}
  void Seek(std::string_view key) override { it_ = map_->lower_bound(key); }
  bool Valid() const override { return it_ != map_->end(); }
  void Next() override { ++it_; }
  std::string_view key() const override { return it_->first; }
  std::string_view value() const override { return it_->second; }
  Status status() const override { return Status::Ok(); }

 private:
  std::shared_ptr<const Map> map_;
  Map::const_iterator it_;
};

class MemoryStore : public KvStore {
 public:
  // `sequential` is the companion, nullptr for a companion itself.
  explicit MemoryStore(std::unique_ptr<KvStore> sequential) : sequential_(std::move(sequential)) {}

  Result<std::optional<std::string>> Get(std::string_view key) const override {
    std::shared_ptr<const Map> map = Snapshot();
    auto it = map->find(key);
    if (it == map->end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status Write(const WriteBatch& batch, bool /*sync*/) override {
    std::lock_guard<std::mutex> writer(write_mu_);
    auto next = std::make_shared<Map>(*Snapshot());
    batch.ForEach(
        [&next](std::string_view key, std::string_view value) {
          next->insert_or_assign(std::string(key), std::string(value));
        },
        [&next](std::string_view key) {
          if (auto it = next->find(key); it != next->end()) next->erase(it);
        });
    std::lock_guard<std::mutex> lock(mu_);
    map_ = std::move(next);
    return Status::Ok();
  }

  std::unique_ptr<Iterator> NewIterator() const override {
    return std::make_unique<MemoryIterator>(Snapshot());
  }

  Status CompactAll() override { return Status::Ok(); }

  KvStore* Sequential() override { return sequential_.get(); }

 private:
  std::shared_ptr<const Map> Snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return map_;
  }

  std::mutex write_mu_;    // serialises writers so none is lost
  mutable std::mutex mu_;  // guards the map_ pointer only
  std::shared_ptr<const Map> map_ = std::make_shared<Map>();
  std::unique_ptr<KvStore> sequential_;
};

}  // namespace

std::unique_ptr<KvStore> NewMemoryStore() {
  return std::make_unique<MemoryStore>(std::make_unique<MemoryStore>(nullptr));
}

}  // namespace evchain::storage
