// Race-free loopback ports for tests whose addresses must be known before anything listens (a
// validator's p2p address is written into the genesis, which every peer reads, so it cannot be
// port 0).
//
// Protocol (tests/process/evnet.py follows the same one, so C++ and Python tests share it, as do
// concurrent test runs of several checkouts on one machine):
//   - ports come in blocks of kTestPortBlockSize, block k = [kTestPortFirst + k * size, + size);
//   - blocks lie below the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range), so
//     the kernel never hands one of them to a port-0 bind or to an outgoing connection;
//   - a process owns a block while it holds an exclusive flock on
//     /tmp/evchain-test-ports/block-<k>.lock; the kernel drops the lock when the process exits,
//     however it exits, so nothing is ever left to clean up;
//   - a block is taken only if every port in it can be bound on 127.0.0.1 at that moment (with
//     SO_REUSEADDR, as the node's listeners do), which skips ports another program holds.
// Two holders can therefore never be given the same port, and no retry is needed.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

namespace evchain::testing {

inline constexpr int kTestPortFirst = 10000;
inline constexpr int kTestPortBlockSize = 64;
inline constexpr const char* kTestPortLockDir = "/tmp/evchain-test-ports";

namespace internal {

// The first port the kernel may pick on its own; 32768 when /proc does not say.
inline int EphemeralLow() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  if (in >> low && low > kTestPortFirst) return low;
  return 32768;
}

inline bool CanBind(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// Takes a free block and keeps its lock until the process exits. Returns its first port; aborts
// (a broken test environment, not a test result) when every block is taken.
inline int TakeBlock() {
  mkdir(kTestPortLockDir, 0777);
  chmod(kTestPortLockDir, 0777);  // other users' test runs share the directory
  const int blocks = (EphemeralLow() - kTestPortFirst) / kTestPortBlockSize;
  const int start = static_cast<int>(getpid()) % blocks;
  for (int i = 0; i < blocks; ++i) {
    const int k = (start + i) % blocks;
    const std::string path =
        std::string(kTestPortLockDir) + "/block-" + std::to_string(k) + ".lock";
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) continue;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);
      continue;
    }
    const int first = kTestPortFirst + k * kTestPortBlockSize;
    bool free = true;
    for (int p = first; p < first + kTestPortBlockSize && free; ++p) free = CanBind(p);
    if (free) return first;  // fd stays open: the lock lives as long as the process
    close(fd);
  }
  std::fprintf(stderr, "test_ports: no free block of %d ports under %s\n", kTestPortBlockSize,
               kTestPortLockDir);
  std::abort();
}

}  // namespace internal

// A loopback port no other test (of this or any concurrent run) is given, and that the kernel
// does not hand out; free to bind until the process exits. Thread-safe. A process gets up to
// kTestPortBlockSize ports per block and takes another block when one is used up.
inline uint16_t TestPort() {
  static std::mutex mu;
  static int next = 0;
  static int end = 0;
  std::lock_guard<std::mutex> lock(mu);
  if (next == end) {
    next = internal::TakeBlock();
    end = next + kTestPortBlockSize;
  }
  return static_cast<uint16_t>(next++);
}

}  // namespace evchain::testing
