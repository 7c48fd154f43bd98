// The audit pipeline. The calling thread reads blocks in order and checks what needs order at
// read time (header, hash link, time, where the entries start); worker threads check each
// entry's content and signature and each certificate (tools/cli/audit_checks.h); the calling
// thread then finalises blocks in height order: Merkle frontier, log size and root, the
// source's index checks. Up to kMaxBlocksInFlight blocks are between reading and finalising, so
// the workers never wait for the reader and memory stays bounded. A block's failure reasons are
// reported in a fixed order (entries in log order, then size/root, then the certificate), so the
// result does not depend on thread timing.
#include "tools/cli/audit_core.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "common/encoding.h"
#include "crypto/merkle.h"
#include "tools/cli/audit_checks.h"
#include "tools/cli/progress.h"

namespace evchain::cli {
namespace {

// Entries per worker task: large enough to amortise the queue, small enough to spread one block
// over every thread.
constexpr size_t kEntriesPerTask = 128;
constexpr size_t kMaxBlocksInFlight = 8;
constexpr uint64_t kMaxEntriesInFlight = 32768;
constexpr size_t kMaxQueuedTasks = 256;

// One block between reading and finalising. Workers write only `checked[i]` for their own
// entries and the fields under `mu`.
struct BlockWork {
  uint64_t height = 0;
  uint64_t first_index = 0;  // log index of entries[0]
  Hash32 hash{};
  AuditBlock block;
  std::vector<CheckedEntry> checked;

  std::mutex mu;
  std::condition_variable done;
  size_t pending_tasks = 0;           // guarded by mu
  size_t first_bad_entry = SIZE_MAX;  // guarded by mu: position in block.entries
  std::string entry_reason;           // guarded by mu
  std::string certificate_reason;     // guarded by mu
};

struct Task {
  std::shared_ptr<BlockWork> work;
  size_t begin = 0;
  size_t end = 0;
  bool certificate = false;
};

// A bounded FIFO: the reader blocks when the workers are behind.
class TaskQueue {
 public:
  void Push(Task task) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return tasks_.size() < kMaxQueuedTasks; });
    tasks_.push_back(std::move(task));
    not_empty_.notify_one();
  }
  std::optional<Task> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return !tasks_.empty() || closed_; });
    if (tasks_.empty()) return std::nullopt;
    Task task = std::move(tasks_.front());
    tasks_.pop_front();
    not_full_.notify_one();
    return task;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<Task> tasks_;
  bool closed_ = false;
};

// `stop` is set once the audit knows its answer: queued work is then skipped, not done.
void Worker(TaskQueue& queue, const genesis::Genesis& genesis, const std::atomic<bool>& stop,
            std::atomic<uint64_t>& signatures) {
  VerifiedBatches batches;
  while (std::optional<Task> task = queue.Pop()) {
    BlockWork& w = *task->work;
    uint64_t verified = 0;
    std::string reason;
    size_t bad = SIZE_MAX;
    if (!stop.load(std::memory_order_relaxed)) {
      if (task->certificate) {
        reason = CheckCertificate(genesis, w.block.certificate, w.block.header, w.hash, &verified);
      } else {
        batches.clear();  // a batch's signature is verified once per task
        for (size_t i = task->begin; i < task->end && reason.empty(); ++i) {
          reason = CheckEntryContent(genesis, w.height, w.block.header, w.first_index + i,
                                     w.block.entries[i], batches, &w.checked[i], &verified);
          if (!reason.empty()) bad = i;
        }
      }
    }
    signatures += verified;
    std::lock_guard<std::mutex> lock(w.mu);
    if (task->certificate) {
      w.certificate_reason = std::move(reason);
    } else if (bad < w.first_bad_entry) {
      w.first_bad_entry = bad;
      w.entry_reason = std::move(reason);
    }
    if (--w.pending_tasks == 0) w.done.notify_all();
  }
}

struct Failure {
  uint64_t height = 0;
  std::string reason;
};

// The ordered half of the audit: what the next block must link to, and the log recomputed.
class Auditor {
 public:
  Auditor(BlockSource& source, const genesis::Genesis& genesis)
      : source_(source), genesis_(genesis), prev_hash_(genesis.hash) {}

  // Checks the header of the block read at `height` and where its entries start; on success
  // returns the block's work item (its tasks still to be queued).
  std::string CheckHeader(uint64_t height, const AuditBlock& block, Hash32* hash) {
    const auto& h = block.header;
    if (h.chain_id != genesis_.chain_id) {
      return "header names chain '" + h.chain_id + "', the genesis '" + genesis_.chain_id + "'";
    }
    if (h.height != height) {
      return "header says height " + std::to_string(h.height) + " at position " +
             std::to_string(height);
    }
    *hash = h.Hash();
    if (block.claimed_hash != *hash) return "stored block hash does not match its header";
    if (h.prev_hash != prev_hash_) {
      return height == 1 ? "prev_hash is not the genesis hash"
                         : "prev_hash does not link to block " + std::to_string(height - 1);
    }
    // Consensus accepts a block only with a time after its parent's, and block 1's parent is the
    // genesis (consensus/replica.cc CheckBlock): so block 1 at exactly the genesis time is bad.
    if (height == 1 ? h.time <= genesis_.genesis_time : h.time <= prev_time_) {
      return "block time " + FormatRfc3339Millis(h.time) + " is not after " +
             (height == 1 ? "the genesis time" : "block " + std::to_string(height - 1));
    }
    if (block.first_index && *block.first_index != entries_read_) {
      return "block's entries start at log index " + std::to_string(*block.first_index) +
             ", expected " + std::to_string(entries_read_);
    }
    prev_hash_ = *hash;
    prev_time_ = h.time;
    entries_read_ += block.entries.size();
    return "";
  }

  // REQUIRES: every task of `w` has finished. Checks, in this order, each entry (where it is
  // filed, its content and signature, the source's indexes), the log size and root, the
  // certificate. Returns the reason when the block is bad.
  std::string Finalize(BlockWork& w) {
    const std::optional<std::vector<Hash32>>& stored_nodes = w.block.stored_nodes;
    size_t next_node = 0;
    for (size_t i = 0; i < w.block.entries.size(); ++i) {
      const AuditEntry& e = w.block.entries[i];
      const uint64_t index = frontier_.size();
      std::string reason;
      if (e.index != index) {
        reason = "filed under log index " + std::to_string(e.index);
      } else if (e.claimed_height && *e.claimed_height != w.height) {
        reason = "filed under block " + std::to_string(*e.claimed_height);
      } else if (i == w.first_bad_entry) {
        reason = w.entry_reason;
      } else {
        frontier_.AppendLeafHash(
            w.checked[i].leaf_hash, [&](const crypto::NodeId& node, const Hash32& hash) {
              if (!stored_nodes || !reason.empty()) return;
              if (next_node >= stored_nodes->size() || (*stored_nodes)[next_node] != hash) {
                reason = "its stored Merkle node of level " + std::to_string(node.level) +
                         " differs from the one the leaves give";
              }
              ++next_node;
            });
        if (reason.empty()) reason = source_.CheckEntryIndexes(w.checked[i].facts);
      }
      if (!reason.empty()) return "entry " + std::to_string(index) + ": " + reason;
    }
    if (stored_nodes && next_node != stored_nodes->size()) {
      return "the source stores " + std::to_string(stored_nodes->size()) +
             " Merkle nodes for this block's entries, they complete " + std::to_string(next_node);
    }
    const ledger::BlockHeader& h = w.block.header;
    if (frontier_.size() != h.log_size) {
      return "header says log size " + std::to_string(h.log_size) + ", entries give " +
             std::to_string(frontier_.size());
    }
    if (frontier_.Root() != h.log_root) {
      return "header's log root differs from the root recomputed from the leaves";
    }
    return w.certificate_reason;
  }

  const crypto::MerkleFrontier& frontier() const { return frontier_; }

 private:
  BlockSource& source_;
  const genesis::Genesis& genesis_;
  Hash32 prev_hash_;
  UnixMillis prev_time_ = 0;
  uint64_t entries_read_ = 0;  // entries in the blocks whose headers passed
  crypto::MerkleFrontier frontier_;
};

void Wait(BlockWork& w) {
  std::unique_lock<std::mutex> lock(w.mu);
  w.done.wait(lock, [&] { return w.pending_tasks == 0; });
}

// Splits `w` into tasks (the certificate, then runs of entries) and queues them.
void Dispatch(const std::shared_ptr<BlockWork>& w, TaskQueue& queue) {
  const size_t n = w->block.entries.size();
  w->checked.resize(n);
  const size_t entry_tasks = (n + kEntriesPerTask - 1) / kEntriesPerTask;
  {
    std::lock_guard<std::mutex> lock(w->mu);
    w->pending_tasks = 1 + entry_tasks;
  }
  queue.Push(Task{w, 0, 0, true});
  for (size_t begin = 0; begin < n; begin += kEntriesPerTask) {
    queue.Push(Task{w, begin, std::min(n, begin + kEntriesPerTask), false});
  }
}

}  // namespace

AuditReport RunAudit(BlockSource& source, const genesis::Genesis& genesis,
                     const AuditOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  AuditReport report;
  report.threads =
      options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  TaskQueue queue;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> signatures{0};
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < report.threads; ++i) {
    workers.emplace_back(Worker, std::ref(queue), std::cref(genesis), std::cref(stop),
                         std::ref(signatures));
  }

  Auditor auditor(source, genesis);
  std::optional<Progress> progress;
  if (options.progress) {
    progress.emplace("auditing", source.ExpectedEntries(), Progress::Unit::kItems, "entries");
  }
  // The last block finalised (every check passed) and the first block's time: what the report
  // needs, in O(1) memory whatever the chain's length.
  struct Finalized {
    uint64_t height = 0;
    uint64_t entries = 0;  // entries up to and including it
    UnixMillis time = 0;
  } last;
  UnixMillis first_time = 0;
  std::deque<std::shared_ptr<BlockWork>> in_flight;
  uint64_t entries_in_flight = 0;
  std::optional<Failure> failure;
  // Finalises the oldest block in flight; false once a block fails.
  auto finalize_oldest = [&]() {
    std::shared_ptr<BlockWork> w = std::move(in_flight.front());
    in_flight.pop_front();
    entries_in_flight -= w->block.entries.size();
    Wait(*w);
    std::string reason = auditor.Finalize(*w);
    if (!reason.empty()) {
      failure = Failure{w->height, std::move(reason)};
      return false;
    }
    last = Finalized{w->height, auditor.frontier().size(), w->block.header.time};
    if (w->height == 1) first_time = last.time;
    if (progress) progress->Add(w->block.entries.size());
    return true;
  };

  // A problem found while reading (at a height above every block in flight); it is the answer
  // only if every block in flight passes.
  std::optional<Failure> read_failure;
  bool finished = false;
  for (uint64_t height = 1; !failure; ++height) {
    BlockSource::Read read = source.ReadBlock(height);
    if (read.kind == BlockSource::Read::Kind::kEnd) {
      finished = true;
      break;
    }
    if (read.kind == BlockSource::Read::Kind::kIoError) {
      report.io_error = true;
      report.reason = read.reason;
      break;
    }
    auto w = std::make_shared<BlockWork>();
    w->height = height;
    w->first_index = auditor.frontier().size() + entries_in_flight;
    std::string reason = read.kind == BlockSource::Read::Kind::kBad
                             ? read.reason
                             : auditor.CheckHeader(height, read.block, &w->hash);
    if (!reason.empty()) {
      read_failure = Failure{height, std::move(reason)};
      break;
    }
    w->block = std::move(read.block);
    Dispatch(w, queue);
    entries_in_flight += w->block.entries.size();
    in_flight.push_back(std::move(w));
    while (!in_flight.empty() &&
           (in_flight.size() > kMaxBlocksInFlight || entries_in_flight > kMaxEntriesInFlight)) {
      if (!finalize_oldest()) break;
    }
  }
  while (!failure && !in_flight.empty()) finalize_oldest();
  if (!failure) failure = std::move(read_failure);
  stop = true;
  for (const auto& w : in_flight) Wait(*w);  // workers hold references to the blocks
  queue.Close();
  for (auto& t : workers) t.join();
  if (progress) progress->Finish();

  // Blocks 1..last.height passed; their entries' index keys are checked in one deferred pass,
  // and a problem there wins over any later one.
  if (!report.io_error) {
    const bool complete = !failure && finished;
    std::optional<Progress> index_progress;
    if (options.progress && source.DeferredIndexKeys() > 0) {
      index_progress.emplace("checking indexes", source.DeferredIndexKeys(), Progress::Unit::kItems,
                             "keys");
    }
    std::optional<BlockSource::IndexProblem> p =
        source.CheckDeferredIndexes(last.entries, complete, [&](uint64_t n) {
          if (index_progress) index_progress->Add(n);
        });
    if (index_progress) index_progress->Finish();
    if (p) {
      if (p->io_error) {
        report.io_error = true;
        report.reason = std::move(p->reason);
      } else {
        const uint64_t height = p->height != 0 ? p->height : last.height;
        if (!failure || height < failure->height) failure = Failure{height, std::move(p->reason)};
      }
    }
  }
  if (!failure && finished && !report.io_error) {
    std::string reason = source.CheckTotals(last.height, last.entries, auditor.frontier().Root());
    if (!reason.empty()) failure = Failure{last.height, std::move(reason)};
  }

  if (failure) {
    report.first_bad_height = failure->height;
    report.reason = std::move(failure->reason);
  }
  // The clean prefix: blocks below the first bad height (a failure of the totals checks is
  // filed under the last block). A deferred index problem may name a block well below the last
  // one finalised: its predecessor is read again for the totals.
  uint64_t clean = last.height;
  if (failure) clean = std::min<uint64_t>(clean, failure->height - 1);
  report.blocks = clean;
  if (clean > 0) {
    report.first_time = first_time;
    if (clean == last.height) {
      report.entries = last.entries;
      report.last_time = last.time;
    } else if (BlockSource::Read r = source.ReadBlock(clean);
               r.kind == BlockSource::Read::Kind::kBlock) {
      report.entries = r.block.header.log_size;  // checked against the entries when finalised
      report.last_time = r.block.header.time;
    }
  }
  report.signatures_checked = signatures.load();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace evchain::cli
