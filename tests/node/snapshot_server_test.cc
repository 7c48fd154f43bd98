// node/snapshot_server.h: what a validator serves to a peer that fetches a snapshot over the
// peer links. The chunks put back together are a snapshot that verifies against the genesis;
// a request never waits for the snapshot to be written; a replaced snapshot is not mixed into
// a fetch of the old one.
#include "node/snapshot_server.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "crypto/sha256.h"
#include "storage/evidence_log.h"
#include "storage/snapshot.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::node {
namespace {

namespace fs = std::filesystem;
constexpr UnixMillis kGenesisTime = 1795865400000;

struct Chain {
  explicit Chain(uint64_t blocks, uint64_t per_block)
      : net(synthetic::MakeTestNetwork("snapshot-server", kGenesisTime)),
        store(storage::NewMemoryStore()) {
    auto opened = storage::EvidenceLog::Open(store.get());
    REQUIRE(opened.ok());
    log = std::move(*opened);
    builder = std::make_unique<synthetic::ChainBuilder>(net, log.get(), 3);
    for (uint64_t h = 0; h < blocks; ++h) Append(per_block);
  }
  void Append(uint64_t n) {
    std::vector<ledger::Entry> entries;
    for (uint64_t i = 0; i < n; ++i, ++next) {
      entries.push_back(
          builder->Deposit(crypto::Sha256("e" + std::to_string(next)), "n" + std::to_string(next)));
    }
    REQUIRE(
        builder->AppendBlock(std::move(entries), kGenesisTime + 1000 * (log->height() + 1)).ok());
  }
  synthetic::TestNetwork net;
  std::unique_ptr<storage::KvStore> store;
  std::unique_ptr<storage::EvidenceLog> log;
  std::unique_ptr<synthetic::ChainBuilder> builder;
  uint64_t next = 0;
};

struct TempDir {
  TempDir() {
    path = fs::temp_directory_path() /
           ("evchain-snapserve-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
  static inline int counter = 0;
};

pb::FetchSnapshot Request(const std::string& id, uint64_t offset) {
  pb::FetchSnapshot r;
  r.set_snapshot_id(id);
  r.set_offset(offset);
  return r;
}

// Asks until a snapshot is ready (each "retry after" answered at once, never after a wait).
pb::SnapshotChunk FirstChunk(SnapshotServer& server) {
  for (int i = 0; i < 2000; ++i) {
    const auto asked = std::chrono::steady_clock::now();
    pb::SnapshotChunk c = server.Serve(Request("", 0));
    CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(1));
    if (!c.snapshot_id().empty()) return c;
    REQUIRE(c.retry_after_ms() > 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  FAIL("no snapshot became ready");
  return {};
}

std::string Fetch(SnapshotServer& server) {
  pb::SnapshotChunk first = FirstChunk(server);
  std::string bytes = first.data();
  while (bytes.size() < first.total_bytes()) {
    pb::SnapshotChunk c = server.Serve(Request(first.snapshot_id(), bytes.size()));
    REQUIRE(c.snapshot_id() == first.snapshot_id());
    REQUIRE(c.offset() == bytes.size());
    REQUIRE(c.data().size() ==
            std::min<uint64_t>(kSnapshotChunkBytes, first.total_bytes() - bytes.size()));
    bytes += c.data();
  }
  return bytes;
}

TEST_CASE("the chunks a peer is served make a snapshot that verifies against the genesis") {
  Chain chain(6, 2000);  // ~3 MiB: several chunks
  TempDir dir;
  SnapshotServer server(chain.store.get(), (dir.path / kPeerSnapshotFile).string(), {});
  const std::string bytes = Fetch(server);
  CHECK(bytes.size() > 2 * kSnapshotChunkBytes);

  std::FILE* in = fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb");
  REQUIRE(in != nullptr);
  auto target = storage::NewMemoryStore();
  auto loaded = storage::LoadSnapshot(in, chain.net.genesis, *target);
  std::fclose(in);
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  CHECK(loaded->tip.height == 6);
  CHECK(loaded->tip.log_size == 12000);
  CHECK(!fs::exists(dir.path / (std::string(kPeerSnapshotFile) + ".partial")));

  // Past the end: the snapshot is named, no data.
  pb::SnapshotChunk past = server.Serve(
      Request(std::string(loaded->tip_hash.begin(), loaded->tip_hash.end()), bytes.size()));
  CHECK(past.total_bytes() == bytes.size());
  CHECK(past.data().empty());
}

TEST_CASE("a stale snapshot is rewritten for a new fetch, and a fetch of the old one is told") {
  Chain chain(2, 100);
  TempDir dir;
  SnapshotServer server(
      chain.store.get(), (dir.path / kPeerSnapshotFile).string(),
      {.max_age = std::chrono::milliseconds(0), .retry_after = std::chrono::milliseconds(1)});
  const pb::SnapshotChunk old = FirstChunk(server);
  chain.Append(100);  // the chain grows; the next fetch gets a new snapshot
  pb::SnapshotChunk fresh;
  for (int i = 0;
       i < 2000 && (fresh.snapshot_id().empty() || fresh.snapshot_id() == old.snapshot_id()); ++i) {
    fresh = server.Serve(Request("", 0));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(fresh.snapshot_id() != old.snapshot_id());
  CHECK(fresh.height() == 3);
  // The old snapshot is gone: its fetcher gets the current id and no bytes, and starts again.
  pb::SnapshotChunk late = server.Serve(Request(old.snapshot_id(), 0));
  CHECK(late.snapshot_id() == fresh.snapshot_id());
  CHECK(late.data().empty());
}

TEST_CASE("a validator with no block has nothing to serve, and says so") {
  auto store = storage::NewMemoryStore();
  TempDir dir;
  SnapshotServer server(store.get(), (dir.path / kPeerSnapshotFile).string(),
                        {.retry_after = std::chrono::milliseconds(50)});
  pb::SnapshotChunk c = server.Serve(Request("", 0));
  for (int i = 0; i < 2000 && c.retry_after_ms() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    c = server.Serve(Request("", 0));
  }
  CHECK(c.snapshot_id().empty());
  CHECK(c.retry_after_ms() == 0);  // not "retry": nothing will come
  CHECK(server.last_error().empty());
}

}  // namespace
}  // namespace evchain::node
