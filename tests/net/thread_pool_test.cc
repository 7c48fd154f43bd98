#include "node/net/thread_pool.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/thread_name.h"

namespace evchain::net {
namespace {

TEST_CASE("results come back on the given executor's thread") {
  boost::asio::io_context io;
  auto strand = boost::asio::make_strand(io);
  std::vector<int> results;
  std::thread::id callback_thread;
  {
    ThreadPool pool(2, 100, "test-pool");
    for (int i = 0; i < 50; ++i) {
      REQUIRE(pool.Submit(
          strand, [i] { return i * i; },
          [&](int r) {
            results.push_back(r);
            callback_thread = std::this_thread::get_id();
          }));
    }
  }                        // the destructor runs every accepted task
  CHECK(results.empty());  // nothing ran on the io_context yet
  io.run();
  REQUIRE(results.size() == 50);
  std::sort(results.begin(), results.end());
  for (int i = 0; i < 50; ++i) CHECK(results[i] == i * i);
  CHECK(callback_thread == std::this_thread::get_id());
}

TEST_CASE("a full queue refuses work instead of blocking") {
  boost::asio::io_context io;
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> started{0};
  ThreadPool pool(1, 2, "test-pool");
  auto blocker = [gate, &started] {
    ++started;
    gate.wait();
    return 0;
  };
  REQUIRE(pool.Submit(io.get_executor(), blocker, [](int) {}));
  // The single worker holds the first task; wait until it does so the queue state is exact.
  while (started.load() == 0) std::this_thread::yield();
  REQUIRE(pool.Submit(io.get_executor(), blocker, [](int) {}));
  REQUIRE(pool.Submit(io.get_executor(), blocker, [](int) {}));
  CHECK(pool.queued() == 2);
  CHECK_FALSE(pool.Submit(io.get_executor(), blocker, [](int) {}));
  release.set_value();
}

TEST_CASE("workers carry the pool's name") {
  boost::asio::io_context io;
  std::vector<std::string> names;
  {
    ThreadPool pool(2, 100, "verify-votes");
    for (int i = 0; i < 8; ++i) {
      REQUIRE(pool.Submit(
          io.get_executor(), [] { return CurrentThreadName(); },
          [&](std::string name) { names.push_back(std::move(name)); }));
    }
  }
  io.run();
  REQUIRE(names.size() == 8);
  for (const std::string& name : names) CHECK(name == "verify-votes");
}

TEST_CASE("one owner's tasks beyond its share are refused, other owners' are not") {
  // The node serves peers' block and snapshot requests on the pool that also checks the blocks
  // it fetches itself. Before 2026-12-07 one Byzantine validator's requests, sent as fast as its
  // link carried them, kept that pool's queue full: a validator catching up could not check a
  // single fetched block while the flood lasted (785,148 payloads refused as `overloaded`, no
  // block applied in 60 s, in a 4-validator network on one machine).
  boost::asio::io_context io;
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> finished{0};
  ThreadPool pool(1, 100, "test-pool");
  auto blocker = [gate] {
    gate.wait();
    return 0;
  };
  auto done = [&finished](int) { ++finished; };
  for (int i = 0; i < 3; ++i) {
    CHECK(pool.SubmitFor(7, 3, io.get_executor(), blocker, done) == Submitted::kAccepted);
  }
  CHECK(pool.SubmitFor(7, 3, io.get_executor(), blocker, done) == Submitted::kOwnerFull);
  CHECK(pool.SubmitFor(8, 3, io.get_executor(), blocker, done) == Submitted::kAccepted);
  CHECK(pool.Submit(io.get_executor(), blocker, done));
  release.set_value();
  while (finished.load() < 5) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  // Its tasks done, the owner has its share again.
  CHECK(pool.SubmitFor(7, 3, io.get_executor(), blocker, done) == Submitted::kAccepted);
}

}  // namespace
}  // namespace evchain::net
