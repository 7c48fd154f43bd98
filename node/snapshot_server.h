// Serves a snapshot of this validator's committed chain to peers over the peer links, in chunks
// (docs/snapshots.md "Over the peer links"). The snapshot is the file storage::WriteSnapshot
// writes, made from the live store through LevelDB snapshot iterators while the node goes on
// committing, kept in the data directory and reused for every fetch until it is older than
// `max_age`; the requester verifies the whole file against the genesis before it uses any of it,
// so nothing here is trusted by anyone.
//
// Thread-safe. The file is written on a thread of its own: a request that finds no snapshot
// ready is answered "retry after" at once, never made to wait.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "proto/node.pb.h"
#include "storage/kv_store.h"

namespace evchain::node {

// The snapshot's file in the node's data directory.
inline constexpr char kPeerSnapshotFile[] = "snapshot-for-peers.evsnap";

// Every chunk but a snapshot's last holds exactly this many bytes.
inline constexpr uint64_t kSnapshotChunkBytes = 1 << 20;

class SnapshotServer {
 public:
  struct Options {
    // A fetch that starts (offset 0, no id) after this gets a newly written snapshot.
    std::chrono::milliseconds max_age = std::chrono::minutes(10);
    std::chrono::milliseconds retry_after = std::chrono::milliseconds(500);
  };

  // `store` (the node's index store with its companion) outlives the server; the snapshot file
  // is `path` (written as `path`.partial, then renamed).
  SnapshotServer(const storage::KvStore* store, std::string path, Options options);
  ~SnapshotServer();  // waits for a snapshot being written
  SnapshotServer(const SnapshotServer&) = delete;
  SnapshotServer& operator=(const SnapshotServer&) = delete;

  // The answer to `request`: the chunk at its offset of the snapshot it names (or of the current
  // one when it names none). When that snapshot is no longer served, the chunk names the
  // current one and carries no data: the requester starts again. With no snapshot ready the
  // chunk has no id, and a retry_after_ms unless there is nothing to serve (height 0).
  pb::SnapshotChunk Serve(const pb::FetchSnapshot& request);

  // The last error of a snapshot write, for the log ("" if none).
  std::string last_error() const;

 private:
  struct Ready {
    std::string id;  // the tip's block hash
    uint64_t height = 0;
    uint64_t bytes = 0;
    int fd = -1;
    std::chrono::steady_clock::time_point made;
  };
  void StartWriteLocked();
  void Write();  // on writer_

  const storage::KvStore* store_;
  const std::string path_;
  const Options options_;
  mutable std::mutex mu_;
  std::optional<Ready> ready_;  // guarded by mu_
  bool writing_ = false;        // guarded by mu_
  bool empty_ = false;          // guarded by mu_: the last write found height 0
  std::chrono::steady_clock::time_point last_start_{};  // guarded by mu_
  std::string last_error_;                              // guarded by mu_
  std::thread writer_;
};

}  // namespace evchain::node
