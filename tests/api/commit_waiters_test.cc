// Parked ?wait=commit requests: completed once by the commit, or by the bound, never twice.
#include "api/commit_waiters.h"

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "crypto/sha256.h"

namespace evchain::api {
namespace {

Hash32 Id(int i) { return crypto::Sha256("id" + std::to_string(i)); }

struct Outcome {
  std::atomic<int> calls{0};
  std::atomic<int> value{-1};
  CommitWaiters::Done Done() {
    return [this](bool ok) {
      value = ok ? 1 : 0;
      ++calls;
    };
  }
};

auto Never = [](const Hash32&) { return false; };

TEST_CASE("a waiter completes when all its ids commit, exactly once") {
  boost::asio::io_context io;
  CommitWaiters w(io.get_executor());
  Outcome o;
  w.Add({Id(1), Id(2)}, std::chrono::seconds(10), Never, o.Done());
  CHECK(w.size() == 1);
  w.Committed({Id(1)});
  CHECK(o.calls == 0);
  w.Committed({Id(2), Id(3)});
  CHECK(o.calls == 1);
  CHECK(o.value == 1);
  CHECK(w.size() == 0);
  w.Committed({Id(2)});
  io.run_for(std::chrono::milliseconds(50));  // the cancelled timer must not fire
  CHECK(o.calls == 1);
}

TEST_CASE("ids committed before the waiter registered are found, the bound answers false") {
  boost::asio::io_context io;
  CommitWaiters w(io.get_executor());
  Outcome already;
  w.Add(
      {Id(1)}, std::chrono::seconds(10), [](const Hash32& id) { return id == Id(1); },
      already.Done());
  CHECK(already.calls == 1);
  CHECK(already.value == 1);

  Outcome late;
  w.Add({Id(5)}, std::chrono::milliseconds(30), Never, late.Done());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (late.calls == 0 && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
  }
  CHECK(late.calls == 1);
  CHECK(late.value == 0);
  w.Committed({Id(5)});  // too late: nothing more
  CHECK(late.calls == 1);
  CHECK(w.size() == 0);
}

TEST_CASE("commits racing with registrations and bounds complete every waiter once") {
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::thread timers([&] { io.run(); });
  CommitWaiters w(io.get_executor());
  constexpr int kWaiters = 2000;
  std::vector<Outcome> outcomes(kWaiters);
  std::thread committer([&] {
    for (int i = 0; i < kWaiters; ++i) w.Committed({Id(i)});
  });
  for (int i = 0; i < kWaiters; ++i) {
    w.Add({Id(i)}, std::chrono::milliseconds(i % 2 ? 1 : 5000), Never, outcomes[i].Done());
  }
  committer.join();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (w.size() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // The 5 s waiters whose commit came before they registered were never told: cancel them.
  w.CancelAll();
  // A bound's callback runs on the timers' thread after the waiter has left size(), so the
  // outcomes are read (and freed) only once that thread has finished. Reading them before let
  // the last callback write into a freed Outcome (ASan, 2026-12-06).
  guard.reset();
  timers.join();
  for (const Outcome& o : outcomes) CHECK(o.calls == 1);
}

}  // namespace
}  // namespace evchain::api
