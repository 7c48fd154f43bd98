// An external sort of fixed-size keys: keys are added in any order, sorted in runs of bounded
// size that go to unlinked temporary files, and read back in ascending bytewise order by a k-way
// merge. Index keys in bounded memory, for two readers of a whole log: the audit compares the
// keys its entries need with the index store's (tools/cli/audit_sources.cc, docs/cli.md
// "audit"), and a snapshot load writes them into the index store in key order
// (storage/snapshot_loader.cc, docs/snapshots.md "Restore").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/keys.h"

namespace evchain::storage {

// Where runs go when the caller names no directory: `requested` if not empty, else the system's
// temporary directory ($TMPDIR), else /tmp.
std::string SortDirectory(const std::string& requested);

class KeySorter {
 public:
  static constexpr size_t kKeyBytes = keys::kIndexKeyBytes;
  using Key = std::array<char, kKeyBytes>;

  // Runs of up to `run_keys` keys (>= 1) go to temporary files in `dir`; memory is about
  // run_keys * kKeyBytes while adding plus a 64 KiB buffer per run while merging.
  KeySorter(std::string dir, size_t run_keys);
  ~KeySorter();
  KeySorter(const KeySorter&) = delete;
  KeySorter& operator=(const KeySorter&) = delete;

  // REQUIRES: Finish() not called. Errors: "io" (a temporary file cannot be written).
  Status Add(const Key& key);
  // Ends adding; afterwards Next() yields every key added, ascending (duplicates kept).
  Status Finish();
  // The next key in order; false at the end or on a read error (then status() says which).
  bool Next(Key* key);
  const Status& status() const { return status_; }
  uint64_t added() const { return added_; }
  size_t runs() const { return runs_.size(); }

 private:
  struct Run;
  Status Spill();
  bool Refill(size_t run);

  std::string dir_;
  size_t run_keys_;
  std::vector<Key> buffer_;
  std::vector<std::unique_ptr<Run>> runs_;
  // Min-heap of (key, run) for the merge.
  struct Head {
    Key key;
    size_t run;
    bool operator>(const Head& o) const;
  };
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heap_;
  bool finished_ = false;
  uint64_t added_ = 0;
  Status status_ = Status::Ok();
};

}  // namespace evchain::storage
