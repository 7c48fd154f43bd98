// The load client of evchain-bench-e2e: HTTP/1.1 keep-alive POSTs over Boost.Beast on one Asio
// thread, the same code for evchain and etcd.
//
// Closed loop: `connections` connections each send the next request as soon as the previous
// answer arrives, until the window ends. A 429/503 makes that connection wait Retry-After
// seconds, or `backoff` without the header, and send the refused request again, as a client
// does: a refused deposit was not admitted, and a deposit sent twice is stored once.
// Open loop: request i is *intended* at t0 + i / rate whatever happened before; a free
// connection takes the oldest intended request; latency counts from the intended time, so a
// stalled server is charged for the requests it kept waiting (no coordinated omission). Requests
// intended in the window but still unsent `grace` after it are counted as unsent.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/bench_e2e/clusters.h"

namespace evchain::bench {

// Nanoseconds on std::chrono::steady_clock: every timestamp of a run (load, status polls).
int64_t NowNs();

struct LoadSpec {
  std::vector<HostPort> targets;  // connection c goes to targets[c % size]
  int connections = 32;
  double rate = 0;  // requests per second; 0: closed loop
  std::chrono::nanoseconds duration{std::chrono::seconds(20)};
  std::chrono::nanoseconds grace{std::chrono::seconds(10)};
  std::chrono::nanoseconds timeout{std::chrono::seconds(30)};  // one request
  std::chrono::nanoseconds backoff{std::chrono::milliseconds(100)};
  std::string path;                                  // with query
  const std::vector<std::string>* bodies = nullptr;  // request i sends (*bodies)[i]
};

struct RequestRecord {
  int64_t intended_ns = -1;  // open loop: scheduled time; closed loop: = sent_ns
  int64_t sent_ns = -1;
  int64_t done_ns = -1;  // answer complete; -1: none (unsent, I/O error, timeout)
  uint16_t status = 0;   // HTTP status; 0 without an answer
  uint16_t target = 0;   // index into LoadSpec::targets
  bool retry_after = false;
  // Closed loop: answers 429/503 before the last one, each followed by sending it again.
  uint32_t refused_503 = 0;
  uint32_t refused_503_retry_after = 0;
  uint32_t refused_429 = 0;
};

struct LoadResult {
  int64_t start_ns = 0;  // window [start_ns, end_ns)
  int64_t end_ns = 0;
  std::vector<RequestRecord> records;  // one per request intended or sent, in pool order
  uint64_t connect_errors = 0;
  uint64_t io_errors = 0;  // broken connections and timeouts after a request was sent
  uint64_t unsent = 0;     // open loop: intended, never sent
  bool pool_exhausted = false;
  double client_cpu_seconds = 0;  // this process's CPU during the run
};

// Runs one load phase; returns early (with what it has) on an interrupt.
LoadResult RunLoad(const LoadSpec& spec);

}  // namespace evchain::bench
