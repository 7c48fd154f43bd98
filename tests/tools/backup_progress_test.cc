// evchain backup create talking to the node's backup socket (node/backup_service.h): it shows
// the progress lines the node sends, and gives up with a clear error, within --timeout, on a
// node that says nothing (stopped, hung), whose copy stands still, or that goes away; the node
// sends progress from its first moment and does not start a backup for a client already gone.
// Until 2026-12-07 the node answered once, at the end, and the command waited forever on a
// stopped node.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "crypto/sha256.h"
#include "node/backup_service.h"
#include "storage/backup.h"
#include "storage/keys.h"
#include "tests/tools/cli_test_util.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::cli::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr UnixMillis kChainStart = 1764000000000;

sockaddr_un SocketAddress(const std::string& data_dir) {
  const std::string path = (fs::path(data_dir) / node::kBackupSocketName).string();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

bool SendAll(int fd, const std::string& data) {
  return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

// Reads one line (without its newline) within `limit`; empty on end, error or time out.
std::string ReadLine(int fd, std::chrono::milliseconds limit) {
  std::string line;
  const auto end = std::chrono::steady_clock::now() + limit;
  char c = 0;
  while (std::chrono::steady_clock::now() < end) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    if (::recv(fd, &c, 1, 0) != 1) return "";
    if (c == '\n') return line;
    line += c;
  }
  return "";
}

// A stand-in for a node on DATA_DIR/backup.sock: accepts one connection, reads the request, and
// runs `script` on it (the connection is closed when the script returns). The script returns at
// the latest when the client hangs up, or after a 20 s guard, so that a client that never gives
// up fails its test instead of hanging it.
class FakeNode {
 public:
  using Script = std::function<void(int fd, const std::string& request)>;
  FakeNode(const std::string& data_dir, Script script) {
    fs::create_directories(data_dir);
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listen_fd_ >= 0);
    sockaddr_un addr = SocketAddress(data_dir);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(listen_fd_, 4) == 0);
    thread_ = std::thread([this, script = std::move(script)] {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20000) <= 0) return;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      const std::string request = ReadLine(fd, 5s);
      script(fd, request);
      ::close(fd);
    });
  }
  ~FakeNode() {
    thread_.join();
    ::close(listen_fd_);
  }
  FakeNode(const FakeNode&) = delete;
  FakeNode& operator=(const FakeNode&) = delete;

  // Waits until the client hangs up, or the guard ends. True iff the client hung up.
  static bool WaitForHangUp(int fd, std::chrono::milliseconds guard = 20s) {
    pollfd pfd{fd, POLLIN, 0};
    const auto end = std::chrono::steady_clock::now() + guard;
    while (std::chrono::steady_clock::now() < end) {
      if (::poll(&pfd, 1, 100) > 0) {
        char c = 0;
        if (::recv(fd, &c, 1, 0) <= 0) return true;
      }
    }
    return false;
  }

 private:
  int listen_fd_ = -1;
  std::thread thread_;
};

std::string ProgressLine(uint64_t done, uint64_t total, uint64_t records) {
  return nlohmann::json{{"progress", true},
                        {"bytes_done", done},
                        {"bytes_total", total},
                        {"records_done", records}}
             .dump() +
         "\n";
}

TEST_CASE("backup create shows the node's progress, a line per 10 % on a stderr that is no tty") {
  TempDir dir;
  const std::string data = dir / "data";
  const std::string out = dir / "out";
  std::string request;
  {
    FakeNode node(data, [&](int fd, const std::string& r) {
      request = r;
      for (uint64_t done : {0, 120, 450, 560, 1000}) {
        CHECK(SendAll(fd, ProgressLine(done, 1000, done / 10)));
      }
      CHECK(SendAll(fd, nlohmann::json{{"ok", true},
                                       {"dir", out},
                                       {"height", 7},
                                       {"log_size", 9},
                                       {"consensus_view", 1},
                                       {"consensus_seq", 7},
                                       {"seconds", 0.5}}
                                .dump() +
                            "\n"));
    });
    CliRun run = RunCli({"backup", "create", "--data-dir", data, "--out", out, "--timeout", "5"});
    CHECK_MESSAGE(run.exit_code == 0, (run.out + run.err));
    CHECK(run.out.find("height 7, 9 entries") != std::string::npos);
    for (const char* line :
         {"backup: 0% (", "backup: 10% (", "backup: 40% (", "backup: 50% (", "backup: 100% ("}) {
      CHECK_MESSAGE(run.err.find(line) != std::string::npos, (std::string(line) + "\n" + run.err));
    }
    CHECK(run.err.find("backup: 20%") == std::string::npos);  // one line per step reached
  }
  CHECK(request == "backup " + out);
}

TEST_CASE("backup create draws a progress bar on a terminal, and no 10 % lines") {
  if (!fs::exists("/usr/bin/script")) return;
  TempDir dir;
  const std::string data = dir / "data";
  const std::string out = dir / "out";
  FakeNode node(data, [&](int fd, const std::string&) {
    // Apart by more than the bar's 100 ms between redraws.
    for (uint64_t done : {0, 500, 1000}) {
      CHECK(SendAll(fd, ProgressLine(done << 20, 1000 << 20, done)));
      std::this_thread::sleep_for(250ms);
    }
    CHECK(SendAll(
        fd,
        nlohmann::json{{"ok", true}, {"dir", out}, {"height", 7}, {"log_size", 9}}.dump() + "\n"));
  });
  const std::string command =
      CliPath() + " backup create --data-dir " + data + " --out " + out + " --timeout 5";
  CliRun tty = RunProgram("/usr/bin/script", {"-qefc", command, "/dev/null"});
  CHECK_MESSAGE(tty.exit_code == 0, (tty.out + tty.err));
  // Which of the lines is drawn depends on when they arrive; at least one is.
  CHECK_MESSAGE(tty.out.find("backup [") != std::string::npos, (tty.out + tty.err));
  CHECK_MESSAGE(tty.out.find(" MiB / 1000.0 MiB") != std::string::npos, (tty.out + tty.err));
  CHECK(tty.out.find("backup: 50%") == std::string::npos);
  CHECK(tty.out.find("height 7, 9 entries") != std::string::npos);
}

TEST_CASE("backup create gives up within --timeout on a node that says nothing") {
  TempDir dir;
  const std::string data = dir / "data";
  const std::string out = dir / "out";
  bool hung_up = false;
  CliRun run;
  {
    // Accepts and then says nothing, as a node that is SIGSTOPped or stuck on a dead disk.
    FakeNode node(data, [&](int fd, const std::string&) { hung_up = FakeNode::WaitForHangUp(fd); });
    run = RunCli({"backup", "create", "--data-dir", data, "--out", out, "--timeout", "2"});
  }
  CHECK(hung_up);  // the command gave up (and hung up) before the fake node's 20 s guard
  CHECK(run.exit_code == 3);
  CHECK_MESSAGE(
      run.err.find("the node on " + data +
                   " sent nothing for 2 s (is it stopped, or its disk hung?)") != std::string::npos,
      run.err);
  CHECK_MESSAGE(run.err.find("nothing was written to " + out) != std::string::npos, run.err);
}

TEST_CASE("snapshot create gives up on a running node that says nothing about its backup") {
  TempDir dir;
  const std::string data = dir / "data";
  const std::string out = dir / "chain.evsnap";
  {
    OpenLog stopped = OpenLogAt(data);  // a data directory (CURRENT), closed again
  }
  bool hung_up = false;
  CliRun run;
  {
    FakeNode node(data, [&](int fd, const std::string&) { hung_up = FakeNode::WaitForHangUp(fd); });
    run = RunCli({"snapshot", "create", "--data-dir", data, "--out", out, "--timeout", "2"});
  }
  CHECK(hung_up);
  CHECK(run.exit_code == 3);
  CHECK_MESSAGE(run.err.find("sent nothing for 2 s") != std::string::npos, run.err);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("backup create gives up when the node's heartbeats show a copy that stands still") {
  TempDir dir;
  const std::string data = dir / "data";
  const std::string out = dir / "out";
  bool hung_up = false;
  CliRun run;
  {
    FakeNode node(data, [&](int fd, const std::string&) {
      // A live node whose copy is stuck: the same counters every 300 ms.
      for (int i = 0; i < 60 && SendAll(fd, ProgressLine(50, 1000, 5)); ++i) {
        if (FakeNode::WaitForHangUp(fd, 300ms)) {
          hung_up = true;
          return;
        }
      }
    });
    run = RunCli({"backup", "create", "--data-dir", data, "--out", out, "--timeout", "2"});
  }
  CHECK(hung_up);
  CHECK(run.exit_code == 3);
  CHECK_MESSAGE(run.err.find("copied nothing for 2 s though it answers") != std::string::npos,
                run.err);
  CHECK(run.err.find("backup: 0% (") != std::string::npos);
}

TEST_CASE("a node gone mid-backup: its unfinished copy is removed, a complete one kept") {
  TempDir dir;
  const std::string data = dir / "data";
  const std::string out = dir / "out";
  bool complete = false;
  SUBCASE("unfinished") {}
  SUBCASE("complete") { complete = true; }
  CAPTURE(complete);
  CliRun run;
  {
    FakeNode node(data, [&](int fd, const std::string&) {
      CHECK(SendAll(fd, ProgressLine(0, 1000, 0)));
      // What a node that dies leaves: a LevelDB directory no process holds, with the restore
      // marker only when the copy was done.
      OpenLog partial = OpenLogAt(out);
      if (complete) {
        storage::WriteBatch batch;
        batch.Put(storage::keys::RestoreMarker(),
                  storage::EncodeRestoreMarker(storage::RestoreMarker{}));
        CHECK(partial.store->Write(batch, true).ok());
      }
    });
    run = RunCli({"backup", "create", "--data-dir", data, "--out", out, "--timeout", "10"});
  }
  CHECK(run.exit_code == 3);
  CHECK_MESSAGE(run.err.find("closed the connection") != std::string::npos, run.err);
  if (complete) {
    CHECK(fs::exists(out));
    CHECK_MESSAGE(run.err.find(out + " holds a complete backup after all") != std::string::npos,
                  run.err);
  } else {
    CHECK_FALSE(fs::exists(out));
    CHECK_MESSAGE(
        run.err.find("the unfinished copy in " + out + " was removed") != std::string::npos,
        run.err);
  }
}

// The real service: a progress line first (its estimate of the bytes to copy), the answer last.
TEST_CASE("the node's backup socket sends progress lines, then its answer") {
  TempDir dir;
  const std::string data = dir / "data";
  synthetic::TestNetwork net = synthetic::MakeTestNetwork("backup-progress-test", kChainStart);
  OpenLog opened = OpenLogAt(data);
  synthetic::ChainBuilder builder(net, opened.log.get(), 3);
  for (int h = 1; h <= 3; ++h) {
    REQUIRE(builder
                .AppendBlock({builder.Deposit(crypto::Sha256("e" + std::to_string(h)),
                                              "n-" + std::to_string(h))},
                             kChainStart + 1000 * static_cast<UnixMillis>(h))
                .ok());
  }
  REQUIRE(opened.store->CompactAll().ok());  // table files on disk: a non-zero estimate
  auto service = node::BackupService::Start(data, *opened.log);
  REQUIRE_MESSAGE(service.ok(), service.status().ToString());

  SUBCASE("over the socket") {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr = SocketAddress(data);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(SendAll(fd, "backup " + (dir / "b") + "\n"));
    std::vector<nlohmann::json> lines;
    for (;;) {
      const std::string line = ReadLine(fd, 30s);
      REQUIRE_FALSE(line.empty());
      lines.push_back(nlohmann::json::parse(line, nullptr, false));
      REQUIRE(lines.back().is_object());
      if (!lines.back().contains("progress")) break;
    }
    ::close(fd);
    REQUIRE(lines.size() >= 2);
    CHECK(lines.front()["progress"] == true);
    CHECK(lines.front()["bytes_done"] == 0);
    CHECK(lines.front()["records_done"] == 0);
    CHECK(lines.front()["bytes_total"].get<uint64_t>() > 0);
    CHECK(lines.back()["ok"] == true);
    CHECK(lines.back()["height"] == 3);
  }
  SUBCASE("through the command, which shows it") {
    CliRun run = RunCli({"backup", "create", "--data-dir", data, "--out", dir / "b"});
    REQUIRE_MESSAGE(run.exit_code == 0, (run.out + run.err));
    CHECK_MESSAGE(run.err.find("backup: 0% (") != std::string::npos, run.err);
  }
  SUBCASE("a client gone before its turn gets no backup") {
    // The service serves one connection at a time: the first, silent for now, holds it while
    // the second asks and hangs up.
    const int first = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int second = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr = SocketAddress(data);
    REQUIRE(::connect(first, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::connect(second, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(SendAll(second, "backup " + (dir / "gone") + "\n"));
    ::close(second);
    REQUIRE(SendAll(first, "nonsense\n"));
    CHECK(ReadLine(first, 30s).find("expected one line") != std::string::npos);
    ::close(first);
    // Served after the one that left.
    CliRun run = RunCli({"backup", "create", "--data-dir", data, "--out", dir / "b"});
    REQUIRE_MESSAGE(run.exit_code == 0, (run.out + run.err));
    CHECK_FALSE(fs::exists(dir / "gone"));
  }
}

}  // namespace
}  // namespace evchain::cli::testing
