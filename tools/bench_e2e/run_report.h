// One run of evchain-bench-e2e as the report shows it: its load level, the count of its answers
// and its table line (docs/benchmarks.md "End-to-end (evchain vs etcd)").
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "tools/bench_e2e/load.h"
#include "tools/bench_e2e/stats.h"

namespace evchain::bench {

// A load level: `connections` in a closed loop, or `rate` per second in an open one.
struct Loop {
  bool open = false;
  int connections = 0;
  double rate = 0;  // deposits (or puts) per second
  std::string Label() const {
    char buf[64];
    if (open) {
      std::snprintf(buf, sizeof buf, "open %.0f/s", rate);
    } else {
      std::snprintf(buf, sizeof buf, "closed %d", connections);
    }
    return buf;
  }
};

// The answers of one run by status, with refusals and errors; `per_request` deposits a request
// (a bulk batch's size, else 1). Sets `*accepted_deposits`.
ojson CountAnswers(const LoadResult& r, uint32_t per_request, uint64_t* accepted_deposits);

// A run's load level as the tables print it: "closed 256" or "open 2000/s".
std::string LoadLabel(const ojson& run);

// Prints one table line of a run's JSON (and the header first when `header`); `xceil` is empty
// until the second Ed25519 measurement is in.
void PrintRow(const ojson& run, const std::string& xceil, bool header);

}  // namespace evchain::bench
