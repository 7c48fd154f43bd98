#include "tools/cli/audit_core.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "common/encoding.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "ledger/certificate.h"
#include "ledger/leaf.h"
#include "ledger/statement.h"
#include "tools/cli/merkle_frontier.h"
#include "tools/cli/progress.h"

namespace evchain::cli {
namespace {

// Signature checks per worker task: large enough to amortise the queue, small enough to spread
// one big block over every thread.
constexpr size_t kChecksPerTask = 256;
constexpr size_t kMaxQueuedTasks = 64;

struct SigCheck {
  crypto::PublicKey key{};
  std::string message;
  crypto::Signature signature{};
  uint64_t index = 0;
  bool batch = false;
};

struct CertCheck {
  std::string note;
  ledger::BlockHeader header;
  Hash32 hash{};
};

struct Task {
  uint64_t height = 0;
  std::vector<SigCheck> checks;
  std::optional<CertCheck> cert;
};

// The lowest failing height seen by any thread, with its reason.
class FirstFailure {
 public:
  void Report(uint64_t height, std::string reason) {
    std::lock_guard<std::mutex> lock(mu_);
    if (height_ && *height_ <= height) return;
    height_ = height;
    reason_ = std::move(reason);
    min_height_.store(height);
  }
  // True iff a failure at a height below `height` is known (so `height` no longer matters).
  bool Below(uint64_t height) const { return min_height_.load() < height; }
  std::optional<uint64_t> height() const {
    std::lock_guard<std::mutex> lock(mu_);
    return height_;
  }
  std::string reason() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reason_;
  }

 private:
  mutable std::mutex mu_;
  std::optional<uint64_t> height_;
  std::string reason_;
  std::atomic<uint64_t> min_height_{std::numeric_limits<uint64_t>::max()};
};

// A bounded FIFO: the reader blocks when the workers are behind, so memory stays bounded.
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

std::string CheckCertificate(const CertCheck& c, const genesis::Genesis& genesis,
                             std::atomic<uint64_t>& signatures) {
  auto cert = ledger::VerifyCertificate(c.note, genesis);
  if (!cert.ok()) return "certificate: " + cert.status().ToString();
  signatures += cert->signers.size();
  const auto& cp = cert->checkpoint;
  if (cp.chain_id != c.header.chain_id) return "certificate names chain " + cp.chain_id;
  if (cp.height != c.header.height) {
    return "certificate commits height " + std::to_string(cp.height);
  }
  if (cp.block_hash != c.hash) return "certificate commits a different block hash";
  if (cp.tree_size != c.header.log_size) {
    return "certificate commits log size " + std::to_string(cp.tree_size) + ", header says " +
           std::to_string(c.header.log_size);
  }
  if (cp.root != c.header.log_root) return "certificate commits a different log root";
  if (cp.time != c.header.time) return "certificate commits a different block time";
  return "";
}

void Worker(TaskQueue& queue, const genesis::Genesis& genesis, FirstFailure& failure,
            std::atomic<uint64_t>& signatures) {
  while (auto task = queue.Pop()) {
    if (failure.Below(task->height)) continue;
    if (task->cert) {
      std::string reason = CheckCertificate(*task->cert, genesis, signatures);
      if (!reason.empty()) failure.Report(task->height, reason);
    }
    for (const auto& check : task->checks) {
      if (!crypto::Verify(check.key, AsBytes(check.message), check.signature)) {
        failure.Report(task->height, "entry " + std::to_string(check.index) + ": " +
                                         (check.batch ? "batch signature" : "depositor signature") +
                                         " does not verify");
        break;
      }
    }
    signatures += task->checks.size();
  }
}

// Sequential state of the audit: what the next block must link to.
class Auditor {
 public:
  Auditor(BlockSource& source, const genesis::Genesis& genesis)
      : source_(source), genesis_(genesis), prev_hash_(genesis.hash), prev_time_(0) {}

  // Checks everything about `block` (at `height`) that needs order, and queues its signature
  // checks. Returns the reason when the block is bad.
  std::string CheckBlock(uint64_t height, AuditBlock& block, TaskQueue& queue) {
    const auto& h = block.header;
    if (h.chain_id != genesis_.chain_id) {
      return "header names chain '" + h.chain_id + "', the genesis '" + genesis_.chain_id + "'";
    }
    if (h.height != height) {
      return "header says height " + std::to_string(h.height) + " at position " +
             std::to_string(height);
    }
    const Hash32 hash = h.Hash();
    if (block.claimed_hash != hash) return "stored block hash does not match its header";
    if (h.prev_hash != prev_hash_) {
      return height == 1 ? "prev_hash is not the genesis hash"
                         : "prev_hash does not link to block " + std::to_string(height - 1);
    }
    if (height == 1 ? h.time < genesis_.genesis_time : h.time <= prev_time_) {
      return "block time " + FormatRfc3339Millis(h.time) + " is not after " +
             (height == 1 ? "the genesis time" : "block " + std::to_string(height - 1));
    }
    if (block.first_index && *block.first_index != frontier_.size()) {
      return "block's entries start at log index " + std::to_string(*block.first_index) +
             ", expected " + std::to_string(frontier_.size());
    }
    Task task;
    task.height = height;
    task.cert = CertCheck{std::move(block.certificate), h, hash};
    std::set<std::pair<std::string, crypto::Signature>> batches_seen;
    for (auto& e : block.entries) {
      const uint64_t index = frontier_.size();
      std::string reason = CheckEntry(height, h, e, task, batches_seen);
      if (!reason.empty()) return "entry " + std::to_string(index) + ": " + reason;
      if (task.checks.size() >= kChecksPerTask) {
        queue.Push(std::move(task));
        task = Task{};
        task.height = height;
      }
    }
    if (task.cert || !task.checks.empty()) queue.Push(std::move(task));
    if (frontier_.size() != h.log_size) {
      return "header says log size " + std::to_string(h.log_size) + ", entries give " +
             std::to_string(frontier_.size());
    }
    if (frontier_.Root() != h.log_root) {
      return "header's log root differs from the root recomputed from the leaves";
    }
    prev_hash_ = hash;
    prev_time_ = h.time;
    return "";
  }

  const MerkleFrontier& frontier() const { return frontier_; }

 private:
  std::string CheckEntry(uint64_t height, const ledger::BlockHeader& h, AuditEntry& e, Task& task,
                         std::set<std::pair<std::string, crypto::Signature>>& batches_seen) {
    const uint64_t index = frontier_.size();
    if (e.index != index) return "filed under log index " + std::to_string(e.index);
    if (e.claimed_height && *e.claimed_height != height) {
      return "filed under block " + std::to_string(*e.claimed_height);
    }
    auto leaf = ledger::Leaf::Decode(e.leaf);
    if (!leaf.ok()) return "leaf: " + leaf.status().ToString();
    const Hash32 statement_hash = crypto::Sha256(e.entry.statement);
    if (leaf->statement_hash != statement_hash) return "leaf's statement hash != its statement";
    if (!e.claimed_evidence_id.empty() && e.claimed_evidence_id != ToHex(statement_hash)) {
      return "evidence_id is not the hash of its statement";
    }
    auto st = ledger::ParseDepositStatement(e.entry.statement);
    if (!st.ok()) return "statement: " + st.status().ToString();
    if (st->chain_id != genesis_.chain_id) return "statement names chain '" + st->chain_id + "'";
    const genesis::Depositor* depositor = genesis_.FindDepositor(st->depositor);
    if (depositor == nullptr) return "unknown depositor '" + st->depositor + "'";
    if (leaf->digest != st->digest) return "leaf's digest != statement's digest";
    if (leaf->depositor_key != depositor->public_key) return "leaf's depositor key != genesis'";
    if (leaf->block_height != height)
      return "leaf says block " + std::to_string(leaf->block_height);
    if (leaf->block_time != h.time) return "leaf's block time != header's";
    if (e.entry.batch) {
      const auto& b = *e.entry.batch;
      auto batch = ledger::ParseBatchStatement(b.statement);
      if (!batch.ok()) return "batch statement: " + batch.status().ToString();
      if (batch->chain_id != genesis_.chain_id || batch->depositor != st->depositor) {
        return "batch statement's chain or depositor differs from the item's";
      }
      Status in_batch =
          crypto::VerifyInclusion(crypto::LeafHash(AsBytes(e.entry.statement)), b.item_index,
                                  batch->items, b.item_proof, batch->root);
      if (!in_batch.ok()) return "batch item proof: " + in_batch.ToString();
      if (e.entry.signature != b.signature) return "signature differs from the batch signature";
      // Items of one batch share one signature: check it once per block.
      if (batches_seen.emplace(b.statement, b.signature).second) {
        task.checks.push_back({depositor->public_key, b.statement, b.signature, index, true});
      }
    } else {
      task.checks.push_back(
          {depositor->public_key, std::move(e.entry.statement), e.entry.signature, index, false});
    }
    frontier_.AppendLeafHash(crypto::LeafHash(e.leaf));
    EntryFacts facts{index, height, statement_hash, st->digest, st->depositor, st->nonce};
    return source_.CheckEntryIndexes(facts);
  }

  BlockSource& source_;
  const genesis::Genesis& genesis_;
  Hash32 prev_hash_;
  UnixMillis prev_time_;
  MerkleFrontier frontier_;
};

}  // namespace

AuditReport RunAudit(BlockSource& source, const genesis::Genesis& genesis,
                     const AuditOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  AuditReport report;
  report.threads =
      options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  TaskQueue queue;
  FirstFailure failure;
  std::atomic<uint64_t> signatures{0};
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < report.threads; ++i) {
    workers.emplace_back(Worker, std::ref(queue), std::cref(genesis), std::ref(failure),
                         std::ref(signatures));
  }

  Auditor auditor(source, genesis);
  std::optional<Progress> progress;
  if (options.progress) {
    progress.emplace("auditing", source.ExpectedEntries(), Progress::Unit::kItems, "entries");
  }
  // Per height: entries up to and including it, and its time (to report the clean prefix).
  std::vector<uint64_t> entries_after;
  std::vector<UnixMillis> times;
  uint64_t height = 1;
  bool finished = false;
  for (; !failure.Below(height); ++height) {
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
    if (read.kind == BlockSource::Read::Kind::kBad) {
      failure.Report(height, read.reason);
      break;
    }
    const size_t count = read.block.entries.size();
    const UnixMillis time = read.block.header.time;
    std::string reason = auditor.CheckBlock(height, read.block, queue);
    if (!reason.empty()) {
      failure.Report(height, reason);
      break;
    }
    entries_after.push_back(auditor.frontier().size());
    times.push_back(time);
    if (progress) progress->Add(count);
  }
  if (finished && !failure.Below(height)) {
    std::string reason =
        source.CheckTotals(height - 1, auditor.frontier().size(), auditor.frontier().Root());
    if (!reason.empty()) failure.Report(height - 1, reason);
  }
  queue.Close();
  for (auto& w : workers) w.join();
  if (progress) progress->Finish();

  report.first_bad_height = failure.height();
  if (report.first_bad_height) report.reason = failure.reason();
  uint64_t clean = entries_after.size();
  if (report.first_bad_height) clean = std::min<uint64_t>(clean, *report.first_bad_height - 1);
  report.blocks = clean;
  report.entries = clean > 0 ? entries_after[clean - 1] : 0;
  if (clean > 0) {
    report.first_time = times.front();
    report.last_time = times[clean - 1];
  }
  report.signatures_checked = signatures.load();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace evchain::cli
