// consensus_sim: runs seeded simulations. A failure prints its seed and the replay command.
//   consensus_sim --seeds 1-250 --n 4        (sweep)
//   consensus_sim --seed 1234 --n 4 --verbose (replay one seed with a transcript)
//   consensus_sim --seeds 1-40 --n 4 --digest (one SHA-256 of each seed's transcript: a seed
//                                              must replay the same in every build, and
//                                              scripts/run-tests.sh compares the two builds')
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include "common/encoding.h"
#include "crypto/sha256.h"
#include "tests/consensus/sim.h"

namespace {

// The whole program; a malformed --seeds range throws (std::stoull), which main reports.
int Run(int argc, char** argv) {
  CLI::App app{"Deterministic PBFT simulation"};
  uint64_t seed = 0;
  std::string seeds;
  int n = 4;
  bool verbose = false;
  bool digest = false;
  app.add_option("--seed", seed, "run one seed");
  app.add_option("--seeds", seeds, "run a range A-B of seeds");
  app.add_option("--n", n, "replicas (4 or more; 5 and 6 exercise quorum > 2f+1)");
  app.add_flag("--verbose", verbose, "print the transcript");
  app.add_flag("--digest", digest,
               "print one SHA-256 of each seed's transcript instead of the transcript: the "
               "same seed must give the same digest in every build and on every machine");
  CLI11_PARSE(app, argc, argv);
  uint64_t first = seed, last = seed;
  if (!seeds.empty()) {
    size_t dash = seeds.find('-');
    first = std::stoull(seeds.substr(0, dash));
    last = dash == std::string::npos ? first : std::stoull(seeds.substr(dash + 1));
  }
  const auto start = std::chrono::steady_clock::now();
  int failures = 0;
  for (uint64_t s = first; s <= last; ++s) {
    evchain::consensus::sim::Options opt;
    opt.n = n;
    opt.seed = s;
    opt.verbose = verbose || digest;  // the transcript is recorded only when asked for
    evchain::consensus::sim::Simulation sim(opt);
    std::string failure = sim.RunSeed();
    if (verbose) {
      for (const std::string& line : sim.transcript()) std::printf("%s\n", line.c_str());
    }
    if (digest) {
      evchain::crypto::Sha256Stream hash;
      for (const std::string& line : sim.transcript()) {
        hash.Update(evchain::AsBytes(line));
        hash.Update(evchain::AsBytes(std::string_view("\n")));
      }
      std::printf("seed %llu n %d transcript %s\n", static_cast<unsigned long long>(s), n,
                  evchain::ToHex(hash.Finish()).c_str());
    }
    if (!failure.empty()) {
      ++failures;
      std::printf("FAIL seed %llu n %d: %s\n  replay: %s --seed %llu --n %d --verbose\n",
                  static_cast<unsigned long long>(s), n, failure.c_str(), argv[0],
                  static_cast<unsigned long long>(s), n);
    } else if (verbose) {
      std::printf("seed %llu ok at %lld ms virtual\n", static_cast<unsigned long long>(s),
                  static_cast<long long>(sim.now()));
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const uint64_t count = last - first + 1;
  std::printf("%llu seeds, n=%d, %d failed, %.1f s\n", static_cast<unsigned long long>(count), n,
              failures, secs);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consensus_sim: %s (--seeds takes A-B, two numbers)\n", e.what());
    return 2;
  }
}
