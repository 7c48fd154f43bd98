#include "common/thread_name.h"

#include <doctest/doctest.h>

#include <string>
#include <thread>

namespace evchain {
namespace {

// Runs `name`'s SetCurrentThreadName on a new thread and returns what that thread then reads.
std::string NameSeenOnNewThread(const std::string& name) {
  std::string seen;
  std::thread t([&] {
    SetCurrentThreadName(name);
    seen = CurrentThreadName();
  });
  t.join();
  return seen;
}

TEST_CASE("a thread's name is what the operating system shows") {
  CHECK(NameSeenOnNewThread("http-io") == "http-io");
  CHECK(NameSeenOnNewThread("") == "");
}

TEST_CASE("a name longer than 15 bytes is cut, not refused") {
  // Linux keeps 15 bytes plus the terminating NUL; pthread_setname_np itself refuses longer
  // names (ERANGE), which would leave the thread with its parent's name.
  CHECK(NameSeenOnNewThread("verify-preprepares") == "verify-preprepa");
}

TEST_CASE("naming one thread leaves the others alone") {
  const std::string before = CurrentThreadName();
  CHECK(NameSeenOnNewThread("other") == "other");
  CHECK(CurrentThreadName() == before);
}

}  // namespace
}  // namespace evchain
