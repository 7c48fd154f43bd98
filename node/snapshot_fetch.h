// Fetches a snapshot of the committed chain from the other validators over the peer links, as
// validator `self` (its genesis key authenticates the links), into a file (docs/snapshots.md
// "Over the peer links"). Used by `evchain snapshot fetch` while this validator's node is
// stopped (it takes the node's p2p address). Only the first chunk is checked here (the size the
// peer names fits on the disk; the tip in the header is certified by the genesis validators and
// is the block the peer names): `evchain snapshot restore` verifies all of it against the
// genesis before anything is loaded, so a Byzantine peer can waste a download of at most the
// free space, not corrupt a data directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/ed25519.h"
#include "genesis/genesis.h"

namespace evchain::node {

struct SnapshotFetchOptions {
  std::string listen_address;  // this validator's p2p address ("host:port")
  std::vector<int> peers;      // validators to ask, in order; empty: every other one
  // A peer that answers nothing for this long (or says it has nothing) is left for the next.
  std::chrono::milliseconds peer_timeout = std::chrono::seconds(20);
  // A peer that sends fewer than `min_bytes_per_s` on average over any `rate_window` of its
  // fetch is left for the next, so that one sending a chunk just before each peer_timeout (a
  // Byzantine peer dripping its snapshot) cannot make the fetch last for days. 0 disables it.
  uint64_t min_bytes_per_s = 256 * 1024;
  std::chrono::milliseconds rate_window = std::chrono::seconds(60);
  int window = 4;  // chunk requests in flight
  // (bytes received, total bytes) now and then.
  std::function<void(uint64_t, uint64_t)> progress;
};

struct FetchedSnapshot {
  int peer = -1;
  uint64_t height = 0;
  uint64_t bytes = 0;
};

// Writes the snapshot to `out_path` (as `out_path`.partial, synced, then renamed). Errors:
// "unavailable" (no peer served a whole snapshot; the message says what each did), "io_error",
// and the transport's start errors (e.g. the address is in use: the node is running).
Result<FetchedSnapshot> FetchSnapshotFromPeers(const genesis::Genesis& genesis, int self,
                                               const crypto::SecretKey& key,
                                               const std::string& out_path,
                                               const SnapshotFetchOptions& options);

}  // namespace evchain::node
