// node/batched_stderr_sink: every line reaches stderr, in order, without a flush (within the
// sink's delay), at once on a flush, and at the sink's end; large bursts are written whole.
#include "node/batched_stderr_sink.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace evchain::node {
namespace {

// Points fd 2 at a fresh file for the test's life; doctest reports on stdout.
class CapturedStderr {
 public:
  CapturedStderr()
      : path_(std::filesystem::temp_directory_path() /
              ("evchain-sink-test-" + std::to_string(::getpid()))) {
    saved_ = ::dup(STDERR_FILENO);
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::dup2(fd, STDERR_FILENO) == STDERR_FILENO);
    ::close(fd);
  }
  ~CapturedStderr() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    std::filesystem::remove(path_);
  }
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;

  std::string Text() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::filesystem::path path_;
  int saved_ = -1;
};

std::shared_ptr<spdlog::logger> MakeLogger(std::shared_ptr<BatchedStderrSink> sink) {
  auto logger = std::make_shared<spdlog::logger>("sink-test", std::move(sink));
  logger->set_pattern("%v");
  logger->flush_on(spdlog::level::warn);
  return logger;
}

std::string Lines(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) out += "line " + std::to_string(i) + "\n";
  return out;
}

TEST_CASE("a line is written without a flush, after the sink's short delay") {
  CapturedStderr captured;
  auto logger = MakeLogger(std::make_shared<BatchedStderrSink>());
  logger->info("first");
  logger->info("second");
  // Bounded wait for a background write (no timing asserted: a slow machine only waits longer).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (captured.Text() != "first\nsecond\n" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(captured.Text() == "first\nsecond\n");
}

TEST_CASE("a warning writes every line before it at once, in order") {
  CapturedStderr captured;
  auto sink = std::make_shared<BatchedStderrSink>();
  auto logger = MakeLogger(sink);
  for (int i = 0; i < 100; ++i) logger->info("line {}", i);
  logger->warn("stop");
  // flush_on(warn): written before warn() returned, whatever the writer thread does.
  CHECK(captured.Text() == Lines(0, 100) + "stop\n");
}

TEST_CASE("a burst larger than the buffer, from several threads, loses and reorders nothing") {
  CapturedStderr captured;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;  // 4 x 5000 lines of ~20 bytes: several full buffers
  {
    auto logger = MakeLogger(std::make_shared<BatchedStderrSink>());
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&logger, t] {
        for (int i = 0; i < kPerThread; ++i) logger->info("t{} {:06}", t, i);
      });
    }
    for (auto& t : threads) t.join();
  }  // the sink's end writes what is left
  std::istringstream text(captured.Text());
  std::vector<int> next(kThreads, 0);
  int lines = 0;
  for (std::string line; std::getline(text, line); ++lines) {
    REQUIRE(line.size() == 9);
    const int t = line[1] - '0';
    REQUIRE(t >= 0);
    REQUIRE(t < kThreads);
    CHECK(std::stoi(line.substr(3)) == next[t]);
    ++next[t];
  }
  CHECK(lines == kThreads * kPerThread);
}

}  // namespace
}  // namespace evchain::node
