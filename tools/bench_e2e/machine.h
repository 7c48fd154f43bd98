// The machine a run of evchain-bench-e2e measured on, and its Ed25519 reference rate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/bench_e2e/stats.h"

namespace evchain::bench {

// The CPUs this process may run on, as `nproc` counts them: the affinity mask (`taskset -c 0
// evchain-bench-e2e ...` runs everything, the validators and etcd included, on one core), else
// the CPUs online.
int UsableCpus();

// /proc/loadavg's 1, 5 and 15 minute averages, e.g. "0.52 1.10 1.31".
std::string LoadAverage();

// The current time as 2026-12-06T08:00:00Z.
std::string UtcNow();

// nproc (UsableCpus), the CPUs online, CPU model, memory, kernel and the load average now.
ojson MachineInfo();

// Ed25519 verifications per CPU-second on one thread (crypto::Verify, 300-byte messages; as
// `evchain-bench-audit --reference`), one value per round of `count` verifications, 5 rounds.
// CPU time, not wall time: on a shared machine the wall clock measures the neighbours.
std::vector<double> VerifyRounds(uint64_t count);

}  // namespace evchain::bench
