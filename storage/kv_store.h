// A small ordered key-value interface: LevelDB in production, an in-memory twin in tests.
// Key layout of everything evchain stores: docs/storage-format.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace evchain::storage {

// Writes applied atomically, in order.
class WriteBatch {
 public:
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  struct Op {
    bool is_delete = false;
    std::string key;
    std::string value;
  };
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual void Seek(std::string_view key) = 0;  // first key >= `key`
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual std::string_view key() const = 0;    // REQUIRES: Valid()
  virtual std::string_view value() const = 0;  // REQUIRES: Valid()
};

class KvStore {
 public:
  virtual ~KvStore() = default;
  // nullopt when absent; error on I/O failure or corruption.
  virtual Result<std::optional<std::string>> Get(std::string_view key) const = 0;
  // Atomic. With sync, durable (fsync) before returning.
  virtual Status Write(const WriteBatch& batch, bool sync) = 0;
  // A consistent snapshot iterator.
  virtual std::unique_ptr<Iterator> NewIterator() const = 0;
  // Compacts the whole key range (LevelDB: drops overwritten data and rewrites files, used before
  // measuring disk use); a no-op for the in-memory store.
  virtual Status CompactAll() = 0;
};

// Opens (creating if missing) a LevelDB database in `dir`.
Result<std::unique_ptr<KvStore>> OpenLevelDb(const std::string& dir);
std::unique_ptr<KvStore> NewMemoryStore();

}  // namespace evchain::storage
