#include "tools/cli/backup_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "node/backup_service.h"
#include "storage/backup.h"
#include "storage/kv_store.h"
#include "tools/cli/progress.h"

namespace evchain::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Closes a file descriptor on scope exit.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string Seconds(std::chrono::milliseconds d) {
  const auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

// What became of `out` once the node can no longer be heard, said for the operator. Only a
// directory no process holds open (LevelDB's lock: the node holds it while it copies) is
// touched: a copy without its restore marker is removed, a complete one kept.
std::string SettleOutput(const std::string& out) {
  std::error_code ec;
  if (!fs::exists(out, ec)) return "nothing was written to " + out;
  if (!fs::exists(fs::path(out) / "CURRENT", ec)) {
    // Not (yet) a LevelDB directory: the node may be creating it right now.
    return out + " is left as it is: delete it once the node is gone or answers again";
  }
  bool complete = false;
  {
    Result<std::unique_ptr<storage::KvStore>> copy = storage::OpenLevelDb(out);
    if (!copy.ok()) {
      return "the node still has " + out +
             " open: when it runs again it sees this command gone and removes the unfinished "
             "copy itself (one it finishes first is kept, complete); if the node is killed "
             "instead, delete " +
             out + " (without a restore marker `evchain backup restore` refuses it)";
    }
    Result<std::optional<storage::RestoreMarker>> marker = storage::ReadRestoreMarker(**copy);
    complete = marker.ok() && marker->has_value();
  }
  if (complete) {
    return out +
           " holds a complete backup after all (it has its restore marker: check it with "
           "`evchain backup show --data-dir " +
           out + "`)";
  }
  fs::remove_all(out, ec);
  if (ec) return "the unfinished copy in " + out + " could not be removed: " + ec.message();
  return "the unfinished copy in " + out + " was removed";
}

// Shows the node's progress lines (node/backup_service.h) on stderr.
class ProgressView {
 public:
  explicit ProgressView(const AskBackupOptions& options) : options_(options) {}
  void Show(const nlohmann::json& line) {
    const uint64_t done = line.value("bytes_done", uint64_t{0});
    const uint64_t total = std::max(line.value("bytes_total", uint64_t{0}), done);
    if (!progress_) {
      progress_.emplace(options_.progress_label, total, Progress::Unit::kBytes, "",
                        options_.force_bar, Progress::NotTerminal::kLinePer10Percent);
    }
    progress_->Update(done, total);
  }
  void Finish() {
    if (progress_) progress_->Finish();
  }

 private:
  const AskBackupOptions& options_;
  std::optional<Progress> progress_;
};

}  // namespace

std::optional<nlohmann::json> AskNodeForBackup(const std::string& data_dir, const std::string& out,
                                               const AskBackupOptions& options,
                                               std::string* error) {
  const std::string path = (fs::path(data_dir) / node::kBackupSocketName).string();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return std::nullopt;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  Fd sock{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (sock.fd < 0) return std::nullopt;
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return std::nullopt;
  }
  const std::string request = "backup " + out + "\n";
  if (::send(sock.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    *error = "the node on " + data_dir + " gave no answer on " + path;
    return nlohmann::json();
  }
  // A dead node is noticed when the connection ends; a stopped or hung one only by the clock:
  // the last line received and the last one whose counters moved.
  ProgressView view(options);
  auto last_line = Clock::now();
  auto last_moved = last_line;
  nlohmann::json last_counters;
  std::string buffered;
  const std::string node = "the node on " + data_dir;
  const std::string on_path = " on " + path;
  // `why`, then `where` (the socket, or nothing), then what became of `out`.
  auto fail = [&](std::string why, std::string_view where = "") {
    why += where;
    view.Finish();
    // Closing first tells a live node to cancel, before `out` is looked at.
    ::close(sock.fd);
    sock.fd = -1;
    *error = why + "; " + SettleOutput(out);
    return nlohmann::json();
  };
  const auto stalled = [&] {
    return fail(node + " copied nothing for " + Seconds(options.timeout) +
                " though it answers (is its disk, or the backup's, hung?)");
  };
  for (;;) {
    // Every complete line buffered: progress lines are shown, the first other one is the answer.
    bool heard = false;
    for (size_t eol = buffered.find('\n'); eol != std::string::npos; eol = buffered.find('\n')) {
      const std::string line = buffered.substr(0, eol);
      buffered.erase(0, eol + 1);
      auto json = nlohmann::json::parse(line, nullptr, false);
      if (!json.is_object()) {
        return fail(node + " sent what is not a JSON line", on_path);
      }
      heard = true;
      last_line = Clock::now();
      if (!json.value("progress", false)) {
        view.Finish();
        return json;
      }
      const nlohmann::json counters = {json.value("bytes_done", uint64_t{0}),
                                       json.value("records_done", uint64_t{0})};
      if (counters != last_counters) last_moved = last_line;
      last_counters = counters;
      view.Show(json);
    }
    int wait_ms = -1;
    if (options.timeout.count() > 0) {
      const auto now = Clock::now();
      if (heard && now - last_moved >= options.timeout) return stalled();
      // Until the earlier bound: last_moved <= last_line.
      wait_ms = static_cast<int>(std::max<int64_t>(
          0, std::chrono::ceil<std::chrono::milliseconds>(last_moved + options.timeout - now)
                 .count()));
    }
    pollfd pfd{sock.fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, wait_ms);
    if (ready < 0 && errno != EINTR) {
      return fail(std::string("poll: ") + std::strerror(errno));
    }
    if (ready == 0) {
      // Silence is judged only when there is nothing to read: a command suspended (Ctrl-Z) and
      // resumed finds the lines that came meanwhile waiting.
      const auto now = Clock::now();
      if (now - last_line >= options.timeout) {
        return fail(node + " sent nothing for " + Seconds(options.timeout) +
                    " (is it stopped, or its disk hung?)");
      }
      if (now - last_moved >= options.timeout) return stalled();
      continue;
    }
    if (ready < 0) continue;
    char buf[4096];
    const ssize_t r = ::recv(sock.fd, buf, sizeof(buf), 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      return fail(node + " closed the connection", on_path + " without an answer (did it stop?)");
    }
    buffered.append(buf, static_cast<size_t>(r));
    if (buffered.size() > (1 << 20) && buffered.find('\n') == std::string::npos) {
      return fail(node + " sent a line of over 1 MiB", on_path);
    }
  }
}

}  // namespace evchain::cli
