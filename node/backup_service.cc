#include "node/backup_service.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/thread_name.h"
#include "proto/consensus.pb.h"
#include "storage/keys.h"

namespace evchain::node {
namespace {

// node/consensus_store.cc keeps the replica's records under Meta("c/"); consensus/replica.cc
// names them "state" and "msg/<%020llu seq>/<hash>".
constexpr std::string_view kConsensusPrefix = "c/";
constexpr std::string_view kStateKey = "state";
constexpr std::string_view kMsgPrefix = "msg/";
constexpr size_t kMaxRequestBytes = 4096;

Status Errno(const std::string& what) {
  return Status::Error("io_error", what + ": " + std::strerror(errno));
}

// Progress lines: at most one per kProgressEvery while the counters move, one per
// kHeartbeatEvery when they do not (node/backup_service.h); the copy is watched every kTick.
constexpr auto kProgressEvery = std::chrono::milliseconds(500);
constexpr auto kHeartbeatEvery = std::chrono::seconds(2);
constexpr int kTickMs = 100;
// A client that does not read its lines for this long is taken for gone.
constexpr timeval kSendTimeout{10, 0};
constexpr const char* kClientGone = "the client is gone";
// How long a connection refused as busy may take to send its request.
constexpr int kBusyRequestWaitMs = 1000;

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t w = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data.remove_prefix(static_cast<size_t>(w));
  }
  return true;
}

// What the copying thread shares with the reporting one.
struct BackupJob {
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<bool> cancel{false};
  std::atomic<bool> done{false};
};

std::string ProgressLine(uint64_t bytes_done, uint64_t bytes_total, uint64_t records_done) {
  const nlohmann::ordered_json line = {{"progress", true},
                                       {"bytes_done", bytes_done},
                                       {"bytes_total", std::max(bytes_total, bytes_done)},
                                       {"records_done", records_done}};
  return line.dump() + "\n";
}

}  // namespace

Result<storage::ConsensusHighWater> ConsensusHighWaterOf(const storage::KvStore& store) {
  storage::ConsensusHighWater high;
  const std::string prefix = storage::keys::Meta(kConsensusPrefix);
  auto it = store.NewIterator();
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string_view name = it->key().substr(prefix.size());
    if (name == kStateKey) {
      consensus::pb::ReplicaState state;
      if (state.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        high.view = std::max<uint64_t>(high.view, state.view());
        high.seq = std::max<uint64_t>(high.seq, state.stable_seq());
      }
    } else if (name.starts_with(kMsgPrefix)) {
      const std::string digits(name.substr(kMsgPrefix.size(), 20));
      if (digits.size() == 20 && std::all_of(digits.begin(), digits.end(), ::isdigit)) {
        high.seq = std::max<uint64_t>(high.seq, std::strtoull(digits.c_str(), nullptr, 10));
      }
    }
  }
  EVCHAIN_RETURN_IF_ERROR(it->status());
  return high;
}

uint64_t BackupBytesEstimate(const std::string& data_dir) {
  namespace fs = std::filesystem;
  uint64_t total = 0;
  for (const fs::path& dir : {fs::path(data_dir), fs::path(data_dir) / "entries"}) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string ext = it->path().extension().string();
      if (ext != ".ldb" && ext != ".sst" && ext != ".log") continue;
      std::error_code size_ec;
      const uintmax_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

storage::BackupOptions NodeBackupOptions() {
  storage::BackupOptions options;
  options.consensus = [](const storage::KvStore& backup) { return ConsensusHighWaterOf(backup); };
  options.now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  return options;
}

Result<std::unique_ptr<BackupService>> BackupService::Start(const std::string& data_dir,
                                                            const storage::EvidenceLog& log) {
  const std::string path = (std::filesystem::path(data_dir) / kBackupSocketName).string();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return Status::Error("invalid_argument", path + " is too long for a Unix socket (" +
                                                 std::to_string(sizeof(addr.sun_path) - 1) +
                                                 " bytes at most)");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());  // a stale socket of a node that crashed
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  const mode_t old_mask = ::umask(0177);  // the socket file: owner only
  const int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::umask(old_mask);
  if (bound != 0 || ::listen(fd, 4) != 0) {
    Status s = Errno("bind " + path);
    ::close(fd);
    return s;
  }
  int wake[2];
  if (::pipe2(wake, O_CLOEXEC) != 0) {
    Status s = Errno("pipe");
    ::close(fd);
    ::unlink(path.c_str());
    return s;
  }
  std::unique_ptr<BackupService> service(
      new BackupService(data_dir, path, fd, wake[0], wake[1], log));
  service->thread_ = std::thread([s = service.get()] {
    SetCurrentThreadName("backup");
    s->Serve();
  });
  spdlog::info("online backups: evchain backup create --data-dir {} --out DIR", data_dir);
  return service;
}

BackupService::BackupService(std::string data_dir, std::string path, int listen_fd, int wake_read,
                             int wake_write, const storage::EvidenceLog& log)
    : data_dir_(std::move(data_dir)),
      path_(std::move(path)),
      listen_fd_(listen_fd),
      wake_read_(wake_read),
      wake_write_(wake_write),
      log_(log) {}

BackupService::~BackupService() {
  const char byte = 0;
  (void)!::write(wake_write_, &byte, 1);
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(wake_read_);
  ::close(wake_write_);
  ::unlink(path_.c_str());
}

void BackupService::Serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("backup socket: poll: {}", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Handle(fd);
    ::close(fd);
  }
}

void BackupService::Handle(int fd) {
  // A client that sends nothing must not hold the service forever.
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string request;
  char buf[512];
  while (request.find('\n') == std::string::npos && request.size() < kMaxRequestBytes) {
    const ssize_t r = ::recv(fd, buf, sizeof(buf), 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    request.append(buf, static_cast<size_t>(r));
  }
  nlohmann::ordered_json reply;
  const size_t eol = request.find('\n');
  const std::string line = request.substr(0, eol);
  constexpr std::string_view kVerb = "backup ";
  if (eol == std::string::npos || !line.starts_with(kVerb) ||
      !std::filesystem::path(line.substr(kVerb.size())).is_absolute()) {
    reply = {{"ok", false}, {"error", "expected one line: backup <absolute directory>"}};
  } else {
    reply = RunBackup(fd, line.substr(kVerb.size()));
    if (reply.is_null()) return;  // the client is gone: nobody to answer
  }
  // A finished backup stays when its answer cannot be delivered: it is complete (marker and
  // all), and a client that gave up names it to its user (tools/cli/backup_client.h).
  if (!WriteAll(fd, reply.dump() + "\n") && reply.value("ok", false)) {
    spdlog::warn("online backup to {}: the client is gone before its answer; the backup is kept",
                 reply["dir"].get<std::string>());
  }
}

void BackupService::RefuseBusy(const std::string& running) {
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  // The request is awaited (briefly: the copy's reports wait meanwhile) and read first: a
  // client still sending would fail on a closed connection, and closing over unread data would
  // reset it before the client reads the answer.
  pollfd request{fd, POLLIN, 0};
  if (::poll(&request, 1, kBusyRequestWaitMs) > 0) {
    char buf[kMaxRequestBytes];
    (void)!::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
  }
  const nlohmann::ordered_json reply = {
      {"ok", false},
      {"error", "busy: a backup into " + running +
                    " is running; the node makes one at a time: try again when it is done"}};
  WriteAll(fd, reply.dump() + "\n");
  ::close(fd);
}

nlohmann::ordered_json BackupService::RunBackup(int fd, const std::string& dir) {
  using Clock = std::chrono::steady_clock;
  timeval send_timeout = kSendTimeout;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
  const uint64_t bytes_total = BackupBytesEstimate(data_dir_);
  // A client that left while the request waited (its command gave up) gets no backup.
  if (!WriteAll(fd, ProgressLine(0, bytes_total, 0))) {
    spdlog::warn("online backup to {} not started: the client is gone", dir);
    return nullptr;
  }
  spdlog::info("online backup to {} started (about {} bytes)", dir, bytes_total);
  const auto start = Clock::now();
  BackupJob job;
  Result<storage::RestoreMarker> marker = Status::Error("cancelled", "not run");
  std::thread copier([&] {
    SetCurrentThreadName("backup-copy");
    storage::BackupOptions options = NodeBackupOptions();
    options.progress = [&job](const storage::BackupProgress& p) {
      job.records.store(p.records, std::memory_order_relaxed);
      job.bytes.store(p.bytes, std::memory_order_relaxed);
      return !job.cancel.load(std::memory_order_relaxed);
    };
    marker = log_.Backup(dir, options);
    job.done.store(true, std::memory_order_release);
  });
  std::string why_cancelled;
  auto last_line = Clock::now();
  uint64_t last_bytes = 0;
  uint64_t last_records = 0;
  while (!job.done.load(std::memory_order_acquire)) {
    // POLLHUP (always reported): the client closed its end; a client that only shut down its
    // writing half still reads, and stays.
    pollfd fds[3] = {{fd, 0, 0}, {wake_read_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    const int ready = ::poll(fds, 3, kTickMs);
    if (why_cancelled.empty() && ready > 0) {
      if ((fds[0].revents & (POLLHUP | POLLERR)) != 0) why_cancelled = kClientGone;
      if (fds[1].revents != 0) why_cancelled = "the node is stopping";
    }
    if (ready > 0 && (fds[2].revents & POLLIN) != 0) RefuseBusy(dir);
    const auto now = Clock::now();
    const uint64_t bytes = job.bytes.load(std::memory_order_relaxed);
    const uint64_t records = job.records.load(std::memory_order_relaxed);
    const bool moved = bytes != last_bytes || records != last_records;
    if (why_cancelled.empty() &&
        ((moved && now - last_line >= kProgressEvery) || now - last_line >= kHeartbeatEvery)) {
      if (!WriteAll(fd, ProgressLine(bytes, bytes_total, records))) {
        why_cancelled = kClientGone;
      }
      last_line = now;
      last_bytes = bytes;
      last_records = records;
    }
    if (!why_cancelled.empty()) job.cancel.store(true, std::memory_order_relaxed);
  }
  copier.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!marker.ok()) {
    // A failed or cancelled copy has removed its directory (storage/backup.h).
    if (!why_cancelled.empty()) {
      spdlog::warn("online backup to {} cancelled after {:.1f} s ({}): its directory is removed",
                   dir, seconds, why_cancelled);
      if (why_cancelled == kClientGone) return nullptr;
      return {{"ok", false}, {"error", "backup cancelled: " + why_cancelled}};
    }
    spdlog::warn("online backup to {} failed: {}", dir, marker.status().ToString());
    return {{"ok", false}, {"error", marker.status().ToString()}};
  }
  spdlog::info("online backup to {} done in {:.1f} s: height {} log size {}", dir, seconds,
               marker->height, marker->log_size);
  return {{"ok", true},
          {"dir", dir},
          {"height", marker->height},
          {"log_size", marker->log_size},
          {"consensus_view", marker->consensus_view},
          {"consensus_seq", marker->consensus_seq},
          {"seconds", seconds}};
}

}  // namespace evchain::node
