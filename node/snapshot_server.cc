#include "node/snapshot_server.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <utility>

#include "common/thread_name.h"
#include "storage/snapshot.h"

namespace evchain::node {

SnapshotServer::SnapshotServer(const storage::KvStore* store, std::string path, Options options)
    : store_(store), path_(std::move(path)), options_(options) {}

SnapshotServer::~SnapshotServer() {
  if (writer_.joinable()) writer_.join();
  if (ready_) ::close(ready_->fd);
}

std::string SnapshotServer::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

pb::SnapshotChunk SnapshotServer::Serve(const pb::FetchSnapshot& request) {
  pb::SnapshotChunk chunk;
  chunk.set_offset(request.offset());
  std::lock_guard lock(mu_);
  const bool starts = request.snapshot_id().empty() && request.offset() == 0;
  const bool stale = ready_ && std::chrono::steady_clock::now() - ready_->made > options_.max_age;
  // A failed or empty write is not tried again at once for every request that finds nothing.
  const bool may_write = std::chrono::steady_clock::now() - last_start_ >= options_.retry_after;
  if (!writing_ && may_write && (!ready_ || (starts && stale))) StartWriteLocked();
  if (!ready_) {
    if (writing_) chunk.set_retry_after_ms(static_cast<uint32_t>(options_.retry_after.count()));
    return chunk;  // no id: nothing ready (or nothing to serve at height 0)
  }
  chunk.set_snapshot_id(ready_->id);
  chunk.set_total_bytes(ready_->bytes);
  chunk.set_height(ready_->height);
  if (!request.snapshot_id().empty() && request.snapshot_id() != ready_->id) return chunk;
  if (request.offset() >= ready_->bytes) return chunk;
  std::string data(std::min<uint64_t>(kSnapshotChunkBytes, ready_->bytes - request.offset()), '\0');
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pread(ready_->fd, data.data() + done, data.size() - done,
                              static_cast<off_t>(request.offset() + done));
    if (n <= 0) {
      last_error_ = "cannot read " + path_;
      chunk.clear_snapshot_id();  // the requester tries again or elsewhere
      return chunk;
    }
    done += static_cast<size_t>(n);
  }
  chunk.set_data(std::move(data));
  return chunk;
}

void SnapshotServer::StartWriteLocked() {
  if (writer_.joinable()) writer_.join();  // finished: writing_ is false
  writing_ = true;
  last_start_ = std::chrono::steady_clock::now();
  writer_ = std::thread([this] {
    SetCurrentThreadName("snapshot-write");
    Write();
  });
}

void SnapshotServer::Write() {
  const std::string partial = path_ + ".partial";
  std::error_code ec;
  std::filesystem::remove(partial, ec);
  Result<storage::SnapshotInfo> info = Status::Error("io_error", "cannot create " + partial);
  if (std::FILE* f = std::fopen(partial.c_str(), "wbx")) {
    std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    info = storage::WriteSnapshot(*store_, f, now);
    if (std::fclose(f) != 0 && info.ok())
      info = Status::Error("io_error", "cannot write " + partial);
  }
  int fd = -1;
  if (info.ok()) {
    std::filesystem::rename(partial, path_, ec);
    if (!ec) fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) info = Status::Error("io_error", "cannot open " + path_);
  } else {
    std::filesystem::remove(partial, ec);
  }
  std::lock_guard lock(mu_);
  writing_ = false;
  if (!info.ok()) {
    empty_ = info.status().code() == "empty";
    if (!empty_) {
      last_error_ = info.status().ToString();
      spdlog::warn("cannot write a snapshot for peers: {}", last_error_);
    }
    return;
  }
  // The open descriptor keeps serving the file it names, so a fetch of the replaced snapshot
  // in progress fails cleanly (its id is gone) instead of reading a mix of two files.
  if (ready_) ::close(ready_->fd);
  const auto bytes = std::filesystem::file_size(path_, ec);
  ready_ = Ready{std::string(info->tip_hash.begin(), info->tip_hash.end()), info->tip.height,
                 ec ? 0 : static_cast<uint64_t>(bytes), fd, std::chrono::steady_clock::now()};
  empty_ = false;
  spdlog::info("snapshot for peers written: height {}, {} bytes", info->tip.height, ready_->bytes);
}

}  // namespace evchain::node
