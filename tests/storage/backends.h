// The two KvStore backends, so every storage test runs against both (doctest
// TEST_CASE_TEMPLATE over MemoryBackend and LevelDbBackend).
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "storage/evidence_log.h"
#include "storage/keys.h"
#include "storage/kv_store.h"
#include "storage/records.h"
#include "tests/storage/chain_builder.h"

namespace evchain::storage::testing {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "evchain-storage-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct MemoryBackend {
  static constexpr bool kPersistent = false;
  std::unique_ptr<KvStore> Open() { return NewMemoryStore(); }
};

struct LevelDbBackend {
  static constexpr bool kPersistent = true;
  TempDir dir;
  // Opens (or reopens) the database in `dir`. REQUIRES: no other open handle on it.
  std::unique_ptr<KvStore> Open() {
    Result<std::unique_ptr<KvStore>> store = OpenLevelDb(dir.path());
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    return std::move(*store);
  }
};

// Flips one byte in the middle of the largest table file (.ldb) directly in `dir`: the index
// store's, when `dir` is a LevelDbBackend's (the companion's tables are under entries/). A
// damaged disk block, for the checks of every read.
inline void DamageLargestTable(const std::string& dir) {
  std::filesystem::path largest;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (f.path().extension() == ".ldb" &&
        (largest.empty() || f.file_size() > std::filesystem::file_size(largest))) {
      largest = f.path();
    }
  }
  REQUIRE_FALSE(largest.empty());
  std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
  const auto middle = static_cast<std::streamoff>(std::filesystem::file_size(largest) / 2);
  char byte = 0;
  file.seekg(middle);
  file.get(byte);
  file.seekp(middle);
  file.put(static_cast<char>(byte ^ 0x55));
  REQUIRE(file.good());
}

// Opens the log over `store`, failing the test if it cannot.
inline std::unique_ptr<EvidenceLog> MustOpen(KvStore* store) {
  Result<std::unique_ptr<EvidenceLog>> log = EvidenceLog::Open(store);
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  return std::move(*log);
}

// Two blocks through the log over `store`: block 1 holds entries 0-1, block 2 entries 2-4.
// The log is closed again, so a test's reopen reads what is stored, not what it cached.
inline void AppendTwoBlocks(KvStore* store) {
  std::unique_ptr<EvidenceLog> log = MustOpen(store);
  ChainBuilder chain;
  REQUIRE(chain.Append(*log, 2).ok());
  REQUIRE(chain.Append(*log, 3).ok());
}

// The block record stored for `height`, decoded.
inline BlockRecord StoredBlockRecord(const KvStore& store, uint64_t height) {
  Result<std::optional<std::string>> stored = store.Get(keys::Block(height));
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  Result<BlockRecord> record = DecodeBlockRecord(**stored);
  REQUIRE(record.ok());
  return *record;
}

}  // namespace evchain::storage::testing
