#include "tools/bench_e2e/machine.h"

#include <sched.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <fstream>

#include "common/bytes.h"
#include "crypto/ed25519.h"

namespace evchain::bench {

namespace {

// The value after the colon of the first line of `path` that starts with `prefix`.
std::string ReadFirstMatch(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) {
      const size_t colon = line.find(':');
      std::string v = colon == std::string::npos ? line : line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  }
  return "";
}

}  // namespace

int UsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string UtcNow() {
  const time_t t = time(nullptr);
  tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

ojson MachineInfo() {
  utsname u{};
  uname(&u);
  return ojson{{"nproc", UsableCpus()},
               {"cpus_online", sysconf(_SC_NPROCESSORS_ONLN)},
               {"cpu_model", ReadFirstMatch("/proc/cpuinfo", "model name")},
               {"mem_total", ReadFirstMatch("/proc/meminfo", "MemTotal")},
               {"mem_available", ReadFirstMatch("/proc/meminfo", "MemAvailable")},
               {"kernel", std::string(u.release)},
               {"loadavg_start", LoadAverage()}};
}

std::vector<double> VerifyRounds(uint64_t count) {
  const crypto::SecretKey key = crypto::SecretKey::FromSeed(Bytes(32, 7));
  const std::string message(300, 'm');
  const crypto::Signature sig = key.Sign(AsBytes(message));
  std::vector<double> rounds;
  for (int round = 0; round < 5; ++round) {
    timespec a{}, b{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    uint64_t ok = 0;
    for (uint64_t i = 0; i < count; ++i)
      ok += crypto::Verify(key.public_key(), AsBytes(message), sig);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    const double cpu = static_cast<double>(b.tv_sec - a.tv_sec) +
                       static_cast<double>(b.tv_nsec - a.tv_nsec) * 1e-9;
    rounds.push_back(ok == count && cpu > 0 ? static_cast<double>(count) / cpu : 0);
  }
  return rounds;
}

}  // namespace evchain::bench
