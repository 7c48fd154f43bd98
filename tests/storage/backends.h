// The two KvStore backends, so every storage test runs against both (doctest
// TEST_CASE_TEMPLATE over MemoryBackend and LevelDbBackend).
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/evidence_log.h"
#include "storage/kv_store.h"

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

// Opens the log over `store`, failing the test if it cannot.
inline std::unique_ptr<EvidenceLog> MustOpen(KvStore* store) {
  Result<std::unique_ptr<EvidenceLog>> log = EvidenceLog::Open(store);
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  return std::move(*log);
}

}  // namespace evchain::storage::testing
