#include "node/snapshot_fetch.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "ledger/certificate.h"
#include "node/net/transport.h"
#include "node/snapshot_server.h"
#include "proto/node.pb.h"
#include "storage/snapshot.h"

namespace evchain::node {
namespace {

using Clock = std::chrono::steady_clock;

// Snapshot chunks from the peer being fetched, handed from the transport's thread to the
// fetching one. Only that peer's chunks are kept, at most `capacity` of them and none larger
// than a chunk is: a correct peer has at most the window's requests to answer, and a Byzantine
// one, or a peer not asked, could otherwise grow the queue at the speed of its link while the
// fetcher waits for a link or a retry (before 2026-12-07 every chunk was kept until read).
class ChunkInbox {
 public:
  explicit ChunkInbox(size_t capacity) : capacity_(capacity) {}
  void Push(int peer, pb::SnapshotChunk chunk) {
    {
      std::lock_guard lock(mu_);
      if (peer != expected_ || chunks_.size() >= capacity_ ||
          chunk.data().size() > kSnapshotChunkBytes) {
        return;
      }
      chunks_.push_back(std::move(chunk));
    }
    cv_.notify_one();
  }
  // From now on only `peer`'s chunks are kept; what was kept before is dropped.
  void Expect(int peer) {
    std::lock_guard lock(mu_);
    expected_ = peer;
    chunks_.clear();
  }
  // The next chunk of the expected peer, or nothing by `deadline`.
  std::optional<pb::SnapshotChunk> Next(Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return !chunks_.empty(); })) return std::nullopt;
    pb::SnapshotChunk chunk = std::move(chunks_.front());
    chunks_.pop_front();
    return chunk;
  }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  int expected_ = -1;                     // guarded by mu_
  std::deque<pb::SnapshotChunk> chunks_;  // guarded by mu_
};

std::string Request(const std::string& id, uint64_t offset) {
  pb::PeerPayload payload;
  payload.mutable_fetch_snapshot()->set_snapshot_id(id);
  payload.mutable_fetch_snapshot()->set_offset(offset);
  return payload.SerializeAsString();
}

uint64_t ChunkSize(uint64_t total, uint64_t offset) {
  return std::min<uint64_t>(kSnapshotChunkBytes, total - offset);
}

// What the first chunk of a peer's snapshot shows, checked before anything more is asked
// for: the file fits on the disk it goes to (the peer names its size, and a Byzantine one could
// name a petabyte and fill the disk), and its header's tip is the block the peer named, with a
// certificate a quorum of the genesis validators signed (the checks `restore` starts with), so
// a forged snapshot costs one chunk, not a download. A correct snapshot's header (a block
// header and a certificate of a few KiB) is well inside its first 1 MiB chunk.
Status CheckOffer(const genesis::Genesis& genesis, const pb::SnapshotChunk& first, int fd) {
  struct statvfs disk {};
  if (::fstatvfs(fd, &disk) == 0) {
    const uint64_t free_bytes = uint64_t{disk.f_bavail} * disk.f_frsize;
    if (first.total_bytes() > free_bytes) {
      return Status::Error("unavailable", "offers a snapshot of " +
                                              std::to_string(first.total_bytes()) +
                                              " bytes, more than the " +
                                              std::to_string(free_bytes) + " bytes free for it");
    }
  }
  const std::string& data = first.data();
  std::FILE* in = fmemopen(const_cast<char*>(data.data()), data.size(), "rb");
  if (in == nullptr) return Status::Error("io_error", "cannot read a chunk");
  Result<storage::SnapshotInfo> info = storage::ReadSnapshotHeader(in);
  std::fclose(in);
  if (!info.ok()) {
    return Status::Error("unavailable", "its first chunk holds no certified snapshot header (" +
                                            info.status().ToString() + ")");
  }
  const ledger::BlockHeader& tip = info->tip;
  Result<ledger::VerifiedCertificate> cert =
      ledger::VerifyCertificate(info->tip_certificate, genesis);
  if (tip.chain_id != genesis.chain_id || !cert.ok()) {
    return Status::Error("unavailable", "its snapshot's tip (block " + std::to_string(tip.height) +
                                            ") is not certified by the genesis validators");
  }
  const ledger::CheckpointInfo& cp = cert->checkpoint;
  if (cp.height != tip.height || cp.tree_size != tip.log_size || cp.root != tip.log_root ||
      cp.block_hash != info->tip_hash || cp.time != tip.time || cp.chain_id != tip.chain_id ||
      first.snapshot_id() != std::string(AsChars(ByteView(info->tip_hash))) ||
      first.height() != tip.height) {
    return Status::Error("unavailable",
                         "its snapshot's tip certificate does not certify the block it names");
  }
  return Status::Ok();
}

// One peer's whole snapshot into `fd` (truncated first); errors say what the peer did.
Result<FetchedSnapshot> FetchFrom(const genesis::Genesis& genesis, net::Transport& transport,
                                  ChunkInbox& inbox, int peer, int fd,
                                  const SnapshotFetchOptions& options) {
  const auto connected = [&] {
    const std::vector<int> up = transport.ConnectedPeers();
    return std::find(up.begin(), up.end(), peer) != up.end();
  };
  for (auto deadline = Clock::now() + options.peer_timeout; !connected();) {
    if (Clock::now() > deadline) return Status::Error("unavailable", "no link");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  inbox.Expect(peer);
  // First chunk: which snapshot, how large. A peer still writing it says when to ask again.
  pb::SnapshotChunk first;
  for (;;) {
    transport.Send(peer, Request("", 0));
    std::optional<pb::SnapshotChunk> chunk = inbox.Next(Clock::now() + options.peer_timeout);
    if (!chunk) return Status::Error("unavailable", "no answer");
    if (!chunk->snapshot_id().empty()) {
      first = std::move(*chunk);
      break;
    }
    if (chunk->retry_after_ms() == 0) return Status::Error("unavailable", "nothing to serve");
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::min(chunk->retry_after_ms(), 5000u)));
  }
  const std::string id = first.snapshot_id();
  const uint64_t total = first.total_bytes();
  const uint64_t height = first.height();
  if (total == 0 || first.offset() != 0 || first.data().size() != ChunkSize(total, 0)) {
    return Status::Error("unavailable", "a malformed first chunk");
  }
  if (Status offer = CheckOffer(genesis, first, fd); !offer.ok()) return offer;
  if (::ftruncate(fd, 0) != 0) return Status::Error("io_error", "cannot truncate the file");
  uint64_t received = 0, next = 0;
  // The rate check: bytes received since the start of the current window.
  auto window_start = Clock::now();
  uint64_t window_start_bytes = 0;
  const uint64_t window_ms =
      static_cast<uint64_t>(std::max<int64_t>(options.rate_window.count(), 1));
  const uint64_t min_window_bytes = options.min_bytes_per_s * window_ms / 1000;
  std::set<uint64_t> outstanding{0};
  std::optional<pb::SnapshotChunk> chunk = std::move(first);
  for (;;) {
    if (!outstanding.erase(chunk->offset()) || chunk->snapshot_id() != id ||
        chunk->total_bytes() != total ||
        chunk->data().size() != ChunkSize(total, chunk->offset())) {
      return Status::Error("unavailable",
                           chunk->snapshot_id() != id
                               ? "its snapshot changed during the fetch"
                               : "a malformed chunk at byte " + std::to_string(chunk->offset()));
    }
    for (size_t done = 0; done < chunk->data().size();) {
      const ssize_t n = ::pwrite(fd, chunk->data().data() + done, chunk->data().size() - done,
                                 static_cast<off_t>(chunk->offset() + done));
      if (n <= 0) return Status::Error("io_error", "cannot write the file");
      done += static_cast<size_t>(n);
    }
    received += chunk->data().size();
    if (options.progress) options.progress(received, total);
    if (received == total) break;
    if (options.min_bytes_per_s > 0 && Clock::now() - window_start >= options.rate_window) {
      if (received - window_start_bytes < min_window_bytes) {
        const auto elapsed_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - window_start)
                .count();
        return Status::Error("unavailable",
                             "too slow: " + std::to_string(received - window_start_bytes) +
                                 " bytes in " + std::to_string(elapsed_ms) + " ms, under the " +
                                 std::to_string(options.min_bytes_per_s) +
                                 " bytes a second a peer must keep up");
      }
      window_start = Clock::now();
      window_start_bytes = received;
    }
    if (next == 0) next = kSnapshotChunkBytes;
    while (next < total && outstanding.size() < static_cast<size_t>(std::max(1, options.window))) {
      transport.Send(peer, Request(id, next));
      outstanding.insert(next);
      next += kSnapshotChunkBytes;
    }
    chunk = inbox.Next(Clock::now() + options.peer_timeout);
    if (!chunk) {
      return Status::Error("unavailable", "stopped answering at byte " + std::to_string(received));
    }
  }
  return FetchedSnapshot{peer, height, total};
}

}  // namespace

Result<FetchedSnapshot> FetchSnapshotFromPeers(const genesis::Genesis& genesis, int self,
                                               const crypto::SecretKey& key,
                                               const std::string& out_path,
                                               const SnapshotFetchOptions& options) {
  std::vector<int> peers = options.peers;
  if (peers.empty()) {
    for (int i = 0; i < static_cast<int>(genesis.n()); ++i) {
      if (i != self) peers.push_back(i);
    }
  }
  const std::string partial = out_path + ".partial";
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error("io_error", "cannot create " + partial);

  boost::asio::io_context io;
  net::TransportOptions transport_options;
  transport_options.listen_address = options.listen_address;
  net::Transport transport(io, genesis, self, key, transport_options);
  // Room for every answer to the requests in flight, and late answers to earlier ones.
  ChunkInbox inbox(2 * static_cast<size_t>(std::max(1, options.window)) + 4);
  transport.SetReceiveHandler([&inbox](int peer, const std::string& payload) {
    pb::PeerPayload parsed;
    // The peers' consensus traffic for this validator is not for the fetch: ignored.
    if (parsed.ParseFromString(payload) && parsed.has_snapshot_chunk()) {
      inbox.Push(peer, std::move(*parsed.mutable_snapshot_chunk()));
    }
  });
  std::error_code ec;
  if (Status started = transport.Start(); !started.ok()) {
    ::close(fd);
    std::filesystem::remove(partial, ec);
    return started;
  }
  std::thread io_thread([&io] { io.run(); });

  Result<FetchedSnapshot> fetched = Status::Error("unavailable", "no peer to ask");
  std::string report;
  for (int peer : peers) {
    fetched = FetchFrom(genesis, transport, inbox, peer, fd, options);
    if (fetched.ok() || fetched.status().code() == "io_error") break;
    report += (report.empty() ? "" : "; ") + genesis.validators[peer].id + ": " +
              fetched.status().message();
  }
  transport.Stop();
  io_thread.join();
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (fetched.ok() && !synced) fetched = Status::Error("io_error", "cannot sync " + partial);
  if (fetched.ok()) std::filesystem::rename(partial, out_path, ec);
  if (fetched.ok() && ec) fetched = Status::Error("io_error", "cannot rename " + partial);
  if (!fetched.ok()) {
    std::filesystem::remove(partial, ec);
    if (fetched.status().code() == "unavailable") {
      return Status::Error("unavailable", "no validator served a whole snapshot (" + report + ")");
    }
  }
  return fetched;
}

}  // namespace evchain::node
