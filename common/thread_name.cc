#include "common/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <array>

namespace evchain {
namespace {
// The kernel's TASK_COMM_LEN (16) including the terminating NUL.
constexpr size_t kMaxNameBytes = 15;
}  // namespace

void SetCurrentThreadName(std::string_view name) {
  std::array<char, kMaxNameBytes + 1> buf{};
  std::copy_n(name.begin(), std::min(name.size(), kMaxNameBytes), buf.begin());
  pthread_setname_np(pthread_self(), buf.data());
}

std::string CurrentThreadName() {
  std::array<char, kMaxNameBytes + 1> buf{};
  if (pthread_getname_np(pthread_self(), buf.data(), buf.size()) != 0) return "";
  return std::string(buf.data());
}

}  // namespace evchain
