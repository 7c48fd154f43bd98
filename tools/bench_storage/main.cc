// evchain-bench-storage: appends realistic entries to an evidence log on LevelDB with synced
// block-sized writes, then measures disk use and proof / lookup latency, and, in the same run, a
// reference of raw LevelDB synced writes. Results and how to read them: docs/benchmarks.md
// "Storage".
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "common/command_line.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "ledger/leaf.h"
#include "ledger/statement.h"
#include "storage/evidence_log.h"
#include "tools/bench_common/sample_stats.h"

namespace evchain::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU seconds used by the whole process (all threads: AppendBlock's helper thread and LevelDB's
// compaction thread included).
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

// CPU seconds used by the calling thread only: AppendBlock's own work, without its helper thread
// (the companion store's write) and LevelDB's background compaction.
double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct Options {
  std::string dir;
  uint64_t entries = 1000000;
  uint64_t block = 1000;
  uint64_t samples = 10000;
  uint64_t depositors = 16;
  uint64_t seed = 1;
  uint64_t report_every = 1000000;       // progress line every this many entries
  uint64_t reference_entries = 1000000;  // raw LevelDB records of the reference (capped)
  bool compact = true;
  bool kill_test = true;
  std::string open_dir;       // --open: only open an existing log and time reads
  int max_open_files = 1000;  // table files each database keeps open (a node's: 1000)
};

// The process's resident set now and at its peak (kB), from /proc/self/status.
std::pair<uint64_t, uint64_t> RssKb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  uint64_t rss = 0, hwm = 0;
  if (f == nullptr) return {0, 0};
  char line[256];
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    unsigned long long v = 0;
    if (std::sscanf(line, "VmRSS: %llu kB", &v) == 1) rss = v;
    if (std::sscanf(line, "VmHWM: %llu kB", &v) == 1) hwm = v;
  }
  std::fclose(f);
  return {rss, hwm};
}

// The root after appending `leaves` to a tree of `size` leaves with perfect-subtree `frontier`
// (EvidenceLog::Frontier()): what consensus computes for a proposed block.
Hash32 TentativeRoot(uint64_t size, std::vector<Hash32> frontier,
                     const std::vector<Hash32>& leaves) {
  Result<crypto::MerkleFrontier> edge =
      crypto::MerkleFrontier::FromHashes(size, std::move(frontier));
  if (!edge.ok()) {
    std::fprintf(stderr, "bad frontier: %s\n", edge.status().ToString().c_str());
    std::exit(1);
  }
  for (const Hash32& leaf : leaves) edge->AppendLeafHash(leaf);
  return edge->Root();
}

class Generator {
 public:
  explicit Generator(const Options& o) : rng_(o.seed) {
    for (uint64_t i = 0; i < o.depositors; ++i) {
      keys_.push_back(RandomBytes<32>());
    }
  }

  template <size_t N>
  std::array<uint8_t, N> RandomBytes() {
    std::array<uint8_t, N> out;
    for (auto& b : out) b = static_cast<uint8_t>(rng_());
    return out;
  }

  // A realistic deposit: random digest, one of a few depositors, a ~200-byte statement.
  void Add(storage::BlockToAppend& block, uint64_t n) {
    ledger::DepositStatement s;
    s.chain_id = "bench-chain";
    const uint64_t depositor = rng_() % keys_.size();
    s.depositor = "platform-" + std::to_string(depositor);
    s.digest = RandomBytes<32>();
    s.kind = "webpage";
    s.source = "https://example.org/a/" + std::to_string(n);
    s.captured_at = "2026-01-01T00:00:00Z";
    s.nonce = "n" + std::to_string(n);
    ledger::Entry entry;
    entry.statement = s.Canonical();
    entry.signature = RandomBytes<64>();  // storage never verifies: any 64 bytes cost the same
    ledger::Leaf leaf;
    leaf.statement_hash = crypto::Sha256(entry.statement);
    leaf.digest = s.digest;
    leaf.depositor_key = keys_[depositor];
    leaf.block_height = block.header.height;
    leaf.block_time = block.header.time;
    block.leaves.push_back(leaf.Encode());
    block.entries.push_back(std::move(entry));
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  std::vector<crypto::PublicKey> keys_;
};

// Bytes of the files under `dir`. LevelDB deletes tables while it compacts, so a file listed may
// be gone by the time its size is asked: it counts as nothing (the figure is a snapshot).
uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    const uint64_t size = it->is_regular_file(size_ec) ? it->file_size(size_ec) : 0;
    if (!size_ec) total += size;
  }
  return total;
}

struct Latency {
  double p50_us = 0;
  double p99_us = 0;
};

Latency Percentiles(const std::vector<double>& us) {
  return {bench::Median(us), bench::Percentile(us, 99)};
}

void Print(const char* what, const Latency& l) {
  std::printf("%-28s p50 %7.1f us   p99 %7.1f us\n", what, l.p50_us, l.p99_us);
}

// Times `op` over `samples` calls; exits on the first error so a broken log never looks fast.
template <typename Op>
Latency Measure(uint64_t samples, Op op) {
  std::vector<double> us;
  us.reserve(samples);
  for (uint64_t i = 0; i < samples; ++i) {
    const auto start = Clock::now();
    Status s = op();
    const auto end = Clock::now();
    if (!s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    us.push_back(Seconds(end - start) * 1e6);
  }
  return Percentiles(us);
}

// Times proofs, lookups, entry and block reads over `l` (size `size`). A present digest is read
// from a random entry first (untimed), so nothing per entry is kept in memory at any scale.
void MeasureReads(const storage::EvidenceLog& l, uint64_t size, uint64_t samples,
                  std::mt19937_64& rng) {
  auto uniform = [&rng](uint64_t lo, uint64_t hi) {  // [lo, hi]
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
  };
  auto random_bytes = [&rng] {
    Hash32 h;
    for (auto& b : h) b = static_cast<uint8_t>(rng());
    return h;
  };
  Print("inclusion proof (size n)",
        Measure(samples, [&] { return l.InclusionProof(uniform(0, size - 1), size).status(); }));
  Print("inclusion proof (random size)", Measure(samples, [&] {
          const uint64_t tree = uniform(1, size);
          return l.InclusionProof(uniform(0, tree - 1), tree).status();
        }));
  Print("consistency proof", Measure(samples, [&] {
          const uint64_t new_size = uniform(1, size);
          return l.ConsistencyProof(uniform(1, new_size), new_size).status();
        }));
  std::vector<Hash32> present;
  present.reserve(samples);
  for (uint64_t i = 0; i < samples; ++i) {
    Result<storage::StoredEntry> e = l.GetEntry(uniform(0, size - 1));
    Result<ledger::Leaf> leaf = e.ok() ? ledger::Leaf::Decode(e->leaf) : e.status();
    if (!leaf.ok()) {
      std::fprintf(stderr, "error: %s\n", leaf.status().ToString().c_str());
      std::exit(1);
    }
    present.push_back(leaf->digest);
  }
  size_t next = 0;
  Print("digest lookup (present)", Measure(samples, [&]() -> Status {
          Result<std::vector<uint64_t>> found = l.FindByDigest(present[next++]);
          if (!found.ok()) return found.status();
          return found->empty() ? Status::Error("bench", "a present digest was not found")
                                : Status::Ok();
        }));
  Print("digest lookup (absent)",
        Measure(samples, [&] { return l.FindByDigest(random_bytes()).status(); }));
  Print("entry read", Measure(samples, [&] { return l.GetEntry(uniform(0, size - 1)).status(); }));
  // A receipt's block record (a point Get, the one read on the index store that its filter serves).
  Print("block read",
        Measure(samples, [&] { return l.GetBlock(uniform(1, l.height())).status(); }));
}

struct Opened {
  std::unique_ptr<storage::KvStore> store;
  std::unique_ptr<storage::EvidenceLog> log;
  double seconds = 0;
};

// Opens the log in `dir` as a node does at start (LevelDB recovery, then EvidenceLog::Open's
// crash recovery and loading of the upper tree levels), timed.
Opened OpenTimed(const std::string& dir, int max_open_files) {
  const auto start = Clock::now();
  Opened o;
  storage::LevelDbOptions tables;
  tables.max_open_files = max_open_files;
  Result<std::unique_ptr<storage::KvStore>> store = storage::OpenLevelDb(dir, tables);
  if (!store.ok()) {
    std::fprintf(stderr, "error: %s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  o.store = std::move(*store);
  Result<std::unique_ptr<storage::EvidenceLog>> log = storage::EvidenceLog::Open(o.store.get());
  if (!log.ok()) {
    std::fprintf(stderr, "error: %s\n", log.status().ToString().c_str());
    std::exit(1);
  }
  o.log = std::move(*log);
  o.seconds = Seconds(Clock::now() - start);
  return o;
}

// --append-forever DIR: appends blocks to an existing log until killed (the unclean-stop test).
int AppendForever(const Options& o) {
  Opened opened = OpenTimed(o.open_dir, o.max_open_files);
  storage::EvidenceLog& l = *opened.log;
  Generator gen(o);
  Result<storage::StoredBlock> last = l.GetBlock(l.height());
  if (!last.ok()) return 1;
  Hash32 prev = last->hash;
  for (uint64_t height = l.height() + 1;; ++height) {
    storage::BlockToAppend block;
    block.header.chain_id = "bench-chain";
    block.header.height = height;
    block.header.prev_hash = prev;
    block.header.time = 1767225600000 + static_cast<int64_t>(height) * 1000;
    block.header.proposer = "court-1";
    for (uint64_t i = 0; i < o.block; ++i) gen.Add(block, l.size() + i);
    std::vector<Hash32> leaf_hashes;
    for (const Bytes& leaf : block.leaves) leaf_hashes.push_back(crypto::LeafHash(leaf));
    block.header.log_size = l.size() + o.block;
    block.header.log_root = TentativeRoot(l.size(), *l.Frontier(), leaf_hashes);
    block.certificate = ledger::CheckpointText(block.header) + "\n" + std::string(300, 'c');
    if (!l.AppendBlock(block).ok()) return 1;
    prev = block.header.Hash();
  }
}

// --open DIR: what a node serving lookups over an existing log costs: open time, read latency,
// resident memory (run it as its own process, so nothing of the appends is counted).
int OpenOnly(const Options& o) {
  Opened opened = OpenTimed(o.open_dir, o.max_open_files);
  const auto [rss0, hwm0] = RssKb();
  std::printf("open                         %.3f s (height %llu, %llu entries), RSS %llu kB\n",
              opened.seconds, static_cast<unsigned long long>(opened.log->height()),
              static_cast<unsigned long long>(opened.log->size()),
              static_cast<unsigned long long>(rss0));
  (void)hwm0;
  // What evchain-node does next, on a thread of its own while it serves: the lookup filter.
  const auto filter_start = std::chrono::steady_clock::now();
  Status built = opened.log->BuildLookupFilter();
  const double filter_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - filter_start).count();
  if (!built.ok()) {
    std::fprintf(stderr, "error: %s\n", built.ToString().c_str());
    return 1;
  }
  std::printf("lookup filter                %.3f s, %llu kB; RSS %llu kB\n", filter_seconds,
              static_cast<unsigned long long>(opened.log->LookupFilterBytes() / 1024),
              static_cast<unsigned long long>(RssKb().first));
  std::mt19937_64 rng(o.seed + 1);
  MeasureReads(*opened.log, opened.log->size(), o.samples, rng);
  const auto [rss, hwm] = RssKb();
  std::printf("RSS after the reads          %llu kB (peak %llu kB)\n",
              static_cast<unsigned long long>(rss), static_cast<unsigned long long>(hwm));
  return 0;
}

// Raw LevelDB (default options), synced batches of `block` 200-byte records: what the disk and
// LevelDB alone allow on this machine.
double RawLevelDbRecordsPerSecond(const std::string& dir, const Options& o, std::mt19937_64& rng) {
  leveldb::Options options;
  options.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &raw);
  if (!s.ok()) {
    std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
    std::exit(1);
  }
  std::unique_ptr<leveldb::DB> db(raw);
  std::string value(200, 'x');
  Clock::duration busy{};
  leveldb::WriteOptions sync;
  sync.sync = true;
  const uint64_t records = o.reference_entries;
  for (uint64_t done = 0; done < records; done += o.block) {
    leveldb::WriteBatch batch;
    for (uint64_t i = done; i < std::min(records, done + o.block); ++i) {
      char key[8];
      for (int b = 0; b < 8; ++b) key[b] = static_cast<char>(i >> (56 - 8 * b));
      for (auto& c : value) c = static_cast<char>(rng());
      batch.Put(leveldb::Slice(key, 8), value);
    }
    const auto start = Clock::now();
    s = db->Write(sync, &batch);
    busy += Clock::now() - start;
    if (!s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  return static_cast<double>(records) / Seconds(busy);
}

int Run(const Options& o) {
  if (std::filesystem::exists(o.dir) && !std::filesystem::is_empty(o.dir)) {
    std::fprintf(stderr, "error: %s is not empty\n", o.dir.c_str());
    return 1;
  }
  const std::string log_dir = o.dir + "/log";
  const std::string raw_dir = o.dir + "/raw";
  std::filesystem::create_directories(o.dir);
  storage::LevelDbOptions tables;
  tables.max_open_files = o.max_open_files;
  Result<std::unique_ptr<storage::KvStore>> store = storage::OpenLevelDb(log_dir, tables);
  if (!store.ok()) {
    std::fprintf(stderr, "error: %s\n", store.status().ToString().c_str());
    return 1;
  }
  Result<std::unique_ptr<storage::EvidenceLog>> log = storage::EvidenceLog::Open(store->get());
  if (!log.ok()) {
    std::fprintf(stderr, "error: %s\n", log.status().ToString().c_str());
    return 1;
  }
  Generator gen(o);
  Clock::duration append_time{};
  double append_cpu = 0;
  double writer_cpu = 0;
  uint64_t statement_bytes = 0;
  Hash32 prev{};
  Clock::duration interval_time{};
  uint64_t interval_start = 0;
  const auto run_start = Clock::now();
  for (uint64_t height = 1; (*log)->size() < o.entries; ++height) {
    storage::BlockToAppend block;
    block.header.chain_id = "bench-chain";
    block.header.height = height;
    block.header.prev_hash = prev;
    block.header.time = 1767225600000 + static_cast<int64_t>(height) * 1000;
    block.header.proposer = "court-1";
    const uint64_t n = std::min(o.block, o.entries - (*log)->size());
    for (uint64_t i = 0; i < n; ++i) gen.Add(block, (*log)->size() + i);
    std::vector<Hash32> leaf_hashes;
    for (const Bytes& leaf : block.leaves) leaf_hashes.push_back(crypto::LeafHash(leaf));
    for (const ledger::Entry& e : block.entries) statement_bytes += e.statement.size();
    block.header.log_size = (*log)->size() + n;
    block.header.log_root = TentativeRoot((*log)->size(), *(*log)->Frontier(), leaf_hashes);
    // ~200 bytes of signatures stand in for a certificate of 3 cosignatures.
    block.certificate = ledger::CheckpointText(block.header) + "\n" + std::string(300, 'c');
    const auto start = Clock::now();
    const double cpu_start = CpuSeconds();
    const double writer_start = ThreadCpuSeconds();
    Status s = (*log)->AppendBlock(block);
    writer_cpu += ThreadCpuSeconds() - writer_start;
    append_cpu += CpuSeconds() - cpu_start;
    append_time += Clock::now() - start;
    interval_time += Clock::now() - start;
    if ((*log)->size() - interval_start >= o.report_every || (*log)->size() == o.entries) {
      // Appends/s over the last interval: whether it falls as the store grows.
      const uint64_t n_interval = (*log)->size() - interval_start;
      std::printf(
          "progress %11llu entries  %8.0f appends/s (last %llu)  RSS %7llu kB  disk %.1f "
          "B/entry  %.0f s\n",
          static_cast<unsigned long long>((*log)->size()),
          static_cast<double>(n_interval) / Seconds(interval_time),
          static_cast<unsigned long long>(n_interval),
          static_cast<unsigned long long>(RssKb().first),
          static_cast<double>(DirBytes(log_dir)) / static_cast<double>((*log)->size()),
          Seconds(Clock::now() - run_start));
      std::fflush(stdout);
      interval_time = {};
      interval_start = (*log)->size();
    }
    if (!s.ok()) {
      std::fprintf(stderr, "error: append block %llu: %s\n",
                   static_cast<unsigned long long>(height), s.ToString().c_str());
      return 1;
    }
    prev = block.header.Hash();
  }
  const uint64_t size = (*log)->size();
  const double appends_per_s = static_cast<double>(size) / Seconds(append_time);
  std::printf("entries                      %llu in blocks of %llu (synced)\n",
              static_cast<unsigned long long>(size), static_cast<unsigned long long>(o.block));
  const double per_entry = 1e6 / static_cast<double>(size);
  std::printf("appends/s                    %.0f (wall %.1f us/entry)\n", appends_per_s,
              Seconds(append_time) * per_entry);
  std::printf(
      "CPU us/entry                 %.1f process (%.1f writer thread, %.1f other threads: "
      "companion write, compaction)\n",
      append_cpu * per_entry, writer_cpu * per_entry, (append_cpu - writer_cpu) * per_entry);

  std::mt19937_64& rng = gen.rng();
  storage::EvidenceLog& l = **log;
  // Right after the appends LevelDB may still be compacting in the background; after CompactAll
  // it is idle. Both show whether compaction disturbs readers.
  std::printf("disk bytes/entry before compaction %.1f\n",
              static_cast<double>(DirBytes(log_dir)) / static_cast<double>(size));
  std::printf("reads right after the appends:\n");
  MeasureReads(l, size, o.samples, rng);

  if (o.compact) {
    const auto compact_start = Clock::now();
    if (Status s = (*store)->CompactAll(); !s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("full compaction              %.1f s\n", Seconds(Clock::now() - compact_start));
    const uint64_t disk = DirBytes(log_dir);
    std::printf("disk bytes/entry             %.1f (statement text %.1f, beyond it %.1f)\n",
                static_cast<double>(disk) / static_cast<double>(size),
                static_cast<double>(statement_bytes) / static_cast<double>(size),
                static_cast<double>(disk - statement_bytes) / static_cast<double>(size));
    std::printf("reads after a full compaction:\n");
    MeasureReads(l, size, o.samples, rng);
  }

  // Clean stop, then open again as a node does at start.
  log->reset();
  store->reset();
  {
    Opened opened = OpenTimed(log_dir, o.max_open_files);
    std::printf("open after a clean stop      %.3f s\n", opened.seconds);
  }
  if (o.kill_test) {
    // Unclean stop: a child appends blocks and is killed with SIGKILL in the middle; the next
    // open recovers (drops or rolls back the append in flight).
    std::fflush(stdout);
    // A fresh process (exec, not a bare fork: LevelDB's background thread must exist in it).
    const pid_t child = fork();
    if (child == 0) {
      const std::string block = std::to_string(o.block);
      execl("/proc/self/exe", "evchain-bench-storage", "--append-forever", log_dir.c_str(),
            "--block", block.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::seconds(3));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    Opened opened = OpenTimed(log_dir, o.max_open_files);
    std::printf("open after SIGKILL mid-append %.3f s (height %llu after the kill)\n",
                opened.seconds, static_cast<unsigned long long>(opened.log->height()));
  }
  std::printf("RSS of this process          %llu kB (peak %llu kB)\n",
              static_cast<unsigned long long>(RssKb().first),
              static_cast<unsigned long long>(RssKb().second));

  std::printf("reference raw LevelDB        %.0f records/s (200-byte records, synced batches)\n",
              RawLevelDbRecordsPerSecond(raw_dir, o, rng));
  return 0;
}

int Main(int argc, char** argv) {
  evchain::bench::Options o;
  CLI::App app{
      "evchain storage benchmark: synced block appends, disk use, proof and lookup latency"};
  app.add_option("--dir", o.dir, "empty or missing directory for the databases");
  app.add_option("--entries", o.entries, "entries to append")->check(CLI::PositiveNumber);
  app.add_option("--block", o.block, "entries per block")->check(CLI::PositiveNumber);
  app.add_option("--samples", o.samples, "samples per latency measurement")
      ->check(CLI::PositiveNumber);
  app.add_option("--depositors", o.depositors, "distinct depositors")->check(CLI::PositiveNumber);
  app.add_option("--seed", o.seed, "random seed");
  app.add_option("--report-every", o.report_every,
                 "print appends/s, RSS and disk use every this many entries")
      ->check(CLI::PositiveNumber);
  app.add_option("--reference-entries", o.reference_entries,
                 "records written by the raw LevelDB reference (at most --entries)")
      ->check(CLI::PositiveNumber);
  bool no_compact = false, no_kill = false;
  app.add_flag("--no-compact", no_compact, "skip the full compaction and the reads after it");
  app.add_flag("--no-kill-test", no_kill, "skip the open after SIGKILL mid-append");
  app.add_option("--open", o.open_dir,
                 "instead: open the log in this existing directory (DIR/log of a run), time "
                 "the open and the reads, print the resident memory");
  app.add_option("--max-open-files", o.max_open_files,
                 "table files each database keeps open (a node keeps LevelDB's default, 1000); "
                 "the soft descriptor limit is raised to the hard one")
      ->check(CLI::Range(74, 1000000));
  std::string append_forever;
  app.add_option("--append-forever", append_forever, "(internal: the unclean-stop test's child)");
  app.allow_extras(false);
  if (std::optional<int> exit_status = evchain::ParseCommandLine(app, argc, argv)) {
    return *exit_status;
  }
  if (rlimit nofile{}; getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  o.compact = !no_compact;
  o.kill_test = !no_kill;
  o.reference_entries = std::min(o.reference_entries, o.entries);
  if (!append_forever.empty()) {
    o.open_dir = append_forever;
    return evchain::bench::AppendForever(o);
  }
  if (!o.open_dir.empty()) return evchain::bench::OpenOnly(o);
  if (o.dir.empty()) {
    std::fprintf(stderr, "error: give --dir DIR (or --open DIR)\n");
    return 2;
  }
  return evchain::bench::Run(o);
}

}  // namespace
}  // namespace evchain::bench

// An error the benchmark did not expect (a file system error, memory) ends it with a message
// and exit code 1 instead of std::terminate.
int main(int argc, char** argv) {
  try {
    return evchain::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
