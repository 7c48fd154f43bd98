// node/snapshot_fetch.h against a peer that serves what it likes: the fetcher (validator 0)
// runs its own transport, the peer is validator 1's transport answering each fetch_snapshot as
// the case says. A Byzantine peer can waste a download; it must not be able to make it endless,
// larger than the disk, or of a snapshot whose tip no quorum certified.
#include "node/snapshot_fetch.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "crypto/sha256.h"
#include "node/net/transport.h"
#include "node/snapshot_server.h"
#include "proto/node.pb.h"
#include "storage/evidence_log.h"
#include "storage/snapshot.h"
#include "tests/resident_memory.h"
#include "tests/test_ports.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::node::snapshot_fetch_test {
namespace {

namespace fs = std::filesystem;
constexpr UnixMillis kGenesisTime = 1795865400000;
constexpr auto kPoll = std::chrono::milliseconds(1);

// A four-validator network whose p2p addresses are this test's ports.
synthetic::TestNetwork Network() {
  synthetic::TestNetwork net = synthetic::MakeTestNetwork("snapshot-fetch", kGenesisTime);
  for (genesis::Validator& v : net.genesis.validators) {
    v.p2p = "127.0.0.1:" + std::to_string(evchain::testing::TestPort());
  }
  return net;
}

// Validator 1, answering every fetch_snapshot with `answer(request)` (nothing when nullopt).
class Peer {
 public:
  using Answer = std::function<std::optional<pb::SnapshotChunk>(const pb::FetchSnapshot&)>;
  Peer(const synthetic::TestNetwork& net, Answer answer)
      : answer_(std::move(answer)), transport_(io_, net.genesis, 1, net.validator_keys[1]) {
    transport_.SetReceiveHandler([this](int peer, const std::string& payload) {
      pb::PeerPayload parsed;
      if (!parsed.ParseFromString(payload) || !parsed.has_fetch_snapshot()) return;
      ++requests_;
      if (std::optional<pb::SnapshotChunk> chunk = answer_(parsed.fetch_snapshot())) {
        pb::PeerPayload reply;
        *reply.mutable_snapshot_chunk() = std::move(*chunk);
        transport_.Send(peer, reply.SerializeAsString());
      }
    });
    REQUIRE(transport_.Start().ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Peer() {
    transport_.Stop();
    thread_.join();
  }
  int requests() const { return requests_.load(); }
  // Sends validator 0 `chunks` snapshot chunks of 1 MiB nobody asked for, once its link is up,
  // a few at a time (so the send queue drops none of them). Returns when all are written, or
  // when the link is down (the fetch ended first).
  void Flood(int chunks) {
    const auto queued = [&] {
      for (const net::PeerStatus& p : transport_.Peers()) {
        if (p.index == 0) return p.queued;
      }
      return size_t{0};
    };
    for (int i = 0; i < 10000 && transport_.ConnectedPeers().empty(); ++i) {
      std::this_thread::sleep_for(kPoll);
    }
    pb::PeerPayload payload;
    pb::SnapshotChunk* chunk = payload.mutable_snapshot_chunk();
    chunk->set_snapshot_id(std::string(32, 'f'));
    chunk->set_total_bytes(uint64_t{1} << 40);
    chunk->set_data(std::string(kSnapshotChunkBytes, 'f'));
    const auto linked = [&] { return !transport_.ConnectedPeers().empty(); };
    for (int k = 0; k < chunks && linked(); ++k) {
      while (queued() > 4 && linked()) std::this_thread::sleep_for(kPoll);
      chunk->set_offset(k * kSnapshotChunkBytes);
      transport_.Send(0, payload.SerializeAsString());
    }
    while (queued() > 0 && linked()) std::this_thread::sleep_for(kPoll);
  }

 private:
  Answer answer_;
  boost::asio::io_context io_;
  net::Transport transport_;
  std::thread thread_;
  std::atomic<int> requests_{0};
};

struct TempDir {
  TempDir() {
    path = fs::temp_directory_path() /
           ("evchain-snapfetch-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
  static inline int counter = 0;
};

Result<FetchedSnapshot> FetchFromPeer1(const synthetic::TestNetwork& net, const fs::path& out) {
  SnapshotFetchOptions options;
  options.listen_address = net.genesis.validators[0].p2p;
  options.peers = {1};
  options.peer_timeout = std::chrono::milliseconds(1500);
  return FetchSnapshotFromPeers(net.genesis, 0, net.validator_keys[0], out.string(), options);
}

// A chunk of the snapshot `id` of `total` bytes at the requested offset, all zero bytes.
pb::SnapshotChunk Zeros(const pb::FetchSnapshot& request, const std::string& id, uint64_t total) {
  pb::SnapshotChunk chunk;
  chunk.set_snapshot_id(id);
  chunk.set_total_bytes(total);
  chunk.set_offset(request.offset());
  chunk.set_height(1);
  chunk.set_data(std::string(std::min<uint64_t>(kSnapshotChunkBytes, total - request.offset()), 0));
  return chunk;
}

TEST_CASE("a peer offering a snapshot larger than the disk is left at its first chunk") {
  // Before 2026-12-07 the fetcher took the size the peer named and downloaded until it had it:
  // a Byzantine peer naming a petabyte filled the disk (here it stops answering after 16 MiB).
  synthetic::TestNetwork net = Network();
  const std::string id(32, 'x');
  Peer peer(net, [&](const pb::FetchSnapshot& request) -> std::optional<pb::SnapshotChunk> {
    if (request.offset() >= 16 * kSnapshotChunkBytes) return std::nullopt;
    return Zeros(request, id, uint64_t{1} << 50);
  });
  TempDir dir;
  Result<FetchedSnapshot> fetched = FetchFromPeer1(net, dir.path / "chain.evsnap");
  REQUIRE_FALSE(fetched.ok());
  CHECK(fetched.status().code() == "unavailable");
  CHECK_MESSAGE(fetched.status().message().find("free") != std::string::npos,
                fetched.status().ToString());
  CHECK(peer.requests() == 1);
  CHECK(!fs::exists(dir.path / "chain.evsnap"));
  CHECK(!fs::exists(dir.path / "chain.evsnap.partial"));
}

TEST_CASE("a peer whose snapshot's tip is not certified is left at its first chunk") {
  // Before 2026-12-07 the file was fetched whole and only `restore` found it worthless.
  synthetic::TestNetwork net = Network();
  const std::string id(32, 'x');
  Peer peer(net, [&](const pb::FetchSnapshot& request) -> std::optional<pb::SnapshotChunk> {
    return Zeros(request, id, 4 * kSnapshotChunkBytes);
  });
  TempDir dir;
  Result<FetchedSnapshot> fetched = FetchFromPeer1(net, dir.path / "chain.evsnap");
  REQUIRE_FALSE(fetched.ok());
  CHECK(fetched.status().code() == "unavailable");
  CHECK_MESSAGE(fetched.status().message().find("certif") != std::string::npos,
                fetched.status().ToString());
  CHECK(peer.requests() == 1);
  CHECK(!fs::exists(dir.path / "chain.evsnap"));
}

TEST_CASE("chunks nobody asked for are not kept while the fetcher waits for a link") {
  // The fetcher queued every chunk any peer sent and drained the queue only while it read one
  // peer's answers. Before 2026-12-07 a Byzantine peer sending chunks while the fetcher waited
  // up to peer_timeout for another peer's link (or slept through a retry_after) grew that queue
  // at the speed of its link: here 300 MiB.
  synthetic::TestNetwork net = Network();
  Peer peer(net, [](const pb::FetchSnapshot&) -> std::optional<pb::SnapshotChunk> {
    return std::nullopt;  // answers nothing: only floods
  });
  TempDir dir;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> peak{0};
  const uint64_t baseline = evchain::testing::ResidentBytes();
  std::thread sampler([&] {
    while (!done.load()) {
      peak = std::max(peak.load(), evchain::testing::ResidentBytes());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::thread flood([&] { peer.Flood(300); });
  SnapshotFetchOptions options;
  options.listen_address = net.genesis.validators[0].p2p;
  options.peers = {2, 1};  // validator 2 never comes: the fetcher waits for its link first
  options.peer_timeout = std::chrono::seconds(3);
  Result<FetchedSnapshot> fetched = FetchSnapshotFromPeers(
      net.genesis, 0, net.validator_keys[0], (dir.path / "chain.evsnap").string(), options);
  flood.join();
  done = true;
  sampler.join();
  CHECK_FALSE(fetched.ok());
  const uint64_t grown = peak.load() > baseline ? peak.load() - baseline : 0;
  MESSAGE("resident memory grew by " << grown / (1 << 20) << " MiB during the fetch");
  if (evchain::testing::kResidentMemoryMeaningful) CHECK(grown < uint64_t{120} << 20);
}

// A store holding `blocks` blocks of 1,500 deposits: a snapshot of about 0.5 MiB a block.
std::unique_ptr<storage::KvStore> Blocks(const synthetic::TestNetwork& net, int blocks) {
  auto store = storage::NewMemoryStore();
  auto log = storage::EvidenceLog::Open(store.get());
  REQUIRE(log.ok());
  synthetic::ChainBuilder builder(net, log->get(), 3);
  for (int h = 1, next = 0; h <= blocks; ++h) {
    std::vector<ledger::Entry> entries;
    for (int i = 0; i < 1500; ++i, ++next) {
      entries.push_back(
          builder.Deposit(crypto::Sha256("e" + std::to_string(next)), "n" + std::to_string(next)));
    }
    REQUIRE(builder.AppendBlock(std::move(entries), kGenesisTime + int64_t{1000} * h).ok());
  }
  return store;
}

TEST_CASE("a peer that drips its snapshot below the minimum rate is left for the next") {
  // Each chunk came well within peer_timeout, so before 2026-12-07 a Byzantine peer answering
  // just before each timeout (a 1 MiB chunk every 19 s of the default 20: ~55 KB/s) kept the
  // fetch going for as long as its snapshot lasted: days for a large chain.
  synthetic::TestNetwork net = Network();
  auto store = Blocks(net, 8);  // 5 chunks
  TempDir dir;
  SnapshotServer server(store.get(), (dir.path / kPeerSnapshotFile).string(), {});
  Peer peer(net, [&](const pb::FetchSnapshot& request) -> std::optional<pb::SnapshotChunk> {
    std::optional<pb::SnapshotChunk> chunk = server.Serve(request);
    if (chunk && !chunk->data().empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
    return chunk;
  });
  SnapshotFetchOptions options;
  options.listen_address = net.genesis.validators[0].p2p;
  options.peers = {1};
  // The peer answers the requests in flight one after the other on its links' thread: up to
  // 4 x 400 ms before a chunk arrives, within this timeout.
  options.peer_timeout = std::chrono::seconds(5);
  // 8 MiB/s over windows of half a second: 4 chunks a window, where this
  // peer sends 1.25.
  options.min_bytes_per_s = 8 * kSnapshotChunkBytes;
  options.rate_window = std::chrono::milliseconds(500);
  Result<FetchedSnapshot> fetched = FetchSnapshotFromPeers(
      net.genesis, 0, net.validator_keys[0], (dir.path / "chain.evsnap").string(), options);
  REQUIRE_FALSE(fetched.ok());
  CHECK(fetched.status().code() == "unavailable");
  CHECK_MESSAGE(fetched.status().message().find("too slow") != std::string::npos,
                fetched.status().ToString());
  CHECK(!fs::exists(dir.path / "chain.evsnap"));
}

TEST_CASE("a correct peer's snapshot is fetched whole and loads") {
  synthetic::TestNetwork net = Network();
  auto store = Blocks(net, 4);
  TempDir dir;
  SnapshotServer server(store.get(), (dir.path / kPeerSnapshotFile).string(), {});
  Peer peer(net, [&](const pb::FetchSnapshot& request) -> std::optional<pb::SnapshotChunk> {
    return server.Serve(request);
  });
  Result<FetchedSnapshot> fetched = FetchFromPeer1(net, dir.path / "chain.evsnap");
  REQUIRE_MESSAGE(fetched.ok(), fetched.status().ToString());
  CHECK(fetched->height == 4);
  CHECK(fetched->bytes > 2 * kSnapshotChunkBytes);

  std::FILE* in = std::fopen((dir.path / "chain.evsnap").c_str(), "rb");
  REQUIRE(in != nullptr);
  auto target = storage::NewMemoryStore();
  auto loaded = storage::LoadSnapshot(in, net.genesis, *target);
  std::fclose(in);
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  CHECK(loaded->tip.log_size == 6000);
}

}  // namespace
}  // namespace evchain::node::snapshot_fetch_test
