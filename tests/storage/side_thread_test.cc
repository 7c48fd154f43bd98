#include "storage/side_thread.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "common/thread_name.h"

namespace evchain::storage {
namespace {

TEST_CASE("a job runs beside its owner, and Wait returns once it has finished") {
  SideThread side("log-append");
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
  side.Run([&] {
    started = true;
    gate.wait();  // the owner's own work happens meanwhile
    finished = true;
  });
  while (!started) std::this_thread::yield();
  CHECK_FALSE(finished);  // Run returned while the job still runs
  release.set_value();
  side.Wait();
  CHECK(finished);
}

TEST_CASE("jobs run one after another on the one named thread") {
  SideThread side("log-append");
  std::thread::id first;
  for (int i = 0; i < 100; ++i) {
    std::thread::id ran_on;
    std::string name;
    side.Run([&] {
      ran_on = std::this_thread::get_id();
      name = CurrentThreadName();
    });
    side.Wait();
    if (i == 0) first = ran_on;
    CHECK(ran_on == first);
    CHECK(ran_on != std::this_thread::get_id());
    CHECK(name == "log-append");
  }
}

TEST_CASE("Wait without a job returns at once, destruction waits for a running job") {
  std::atomic<bool> finished{false};
  {
    SideThread side("log-append");
    side.Wait();
    side.Run([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      finished = true;
    });
  }  // no Wait: the destructor lets the job finish before it joins
  CHECK(finished);
}

}  // namespace
}  // namespace evchain::storage
