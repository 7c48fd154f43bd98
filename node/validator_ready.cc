// The validator's Ready applier: persist, send, append, fetch, events, in that order
// (docs/node.md "Ready processing").
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <iterator>

#include "api/metric_names.h"
#include "consensus/message.h"
#include "ledger/leaf.h"
#include "node/block_transfer.h"
#include "node/consensus_store.h"
#include "node/empty_data_dir.h"
#include "node/ready_applier.h"
#include "node/validator.h"
#include "node/validator_internal.h"
#include "storage/keys.h"

namespace evchain::node {

using namespace internal;  // NOLINT(google-build-using-namespace): this module's own helpers

// Under load many verified messages and admitted deposits are queued on consensus_ at once;
// stepping them all and then processing one Ready costs one synced write for the lot instead of
// one per message. The drain is posted behind what is already queued, so it runs after them.
void Validator::ScheduleDrain() {
  if (drain_scheduled_) return;
  drain_scheduled_ = true;
  boost::asio::post(consensus_, [this] {
    drain_scheduled_ = false;
    Drain();
  });
}

void Validator::Drain() {
  while (!stopping_ && replica_->HasReady()) {
    ProcessReady(replica_->TakeReady());
    if (stopping_) return;
    replica_->Advance();
  }
  RefreshStatus();
  ArmCutTimer();
}

void Validator::ProcessReady(consensus::Ready ready) {
  if (evchain::Status s = ready_applier_.Apply(std::move(ready)); !s.ok()) {
    Fatal("cannot carry out the replica's Ready: " + s.ToString());
  }
}

evchain::Status Validator::Persist(const std::vector<consensus::PersistOp>& ops) {
  return PersistConsensus(*store_, ops);
}

void Validator::Send(int to, std::string wire) {
  pb::PeerPayload payload;
  payload.set_consensus(std::move(wire));
  if (to == consensus::kBroadcast) {
    transport_->Broadcast(PayloadBytes(payload));
  } else {
    transport_->Send(to, PayloadBytes(payload));
  }
}

void Validator::Fetch(const consensus::FetchRequest& fetch) {
  // The replica names the peers it knows to be ahead; the others may be too (their status can
  // be queued behind a backlog on their link): ask them as well, the pipeline spreads the load.
  consensus::FetchRequest request = fetch;
  for (int i = 0; i < static_cast<int>(genesis_.n()); ++i) {
    if (i != self_ &&
        std::find(request.peers.begin(), request.peers.end(), i) == request.peers.end()) {
      request.peers.push_back(i);
    }
  }
  transfer_.OnRequest(request, MonoNow());
}

namespace {

// The empty data directory's check is over (node/empty_data_dir.h): its record goes.
void ForgetEmptyDataDir(storage::KvStore& store) {
  if (auto cleared = ClearEmptyDataDirRecord(store); !cleared.ok()) {
    spdlog::error("cannot clear the empty data directory's record: {}", cleared.ToString());
  }
}

}  // namespace

void Validator::Report(const consensus::Event& e) {
  using Kind = consensus::Event::Kind;
  switch (e.kind) {
    case Kind::kViewChangeStarted:
      metrics_.Increment(kViewChangesStartedMetric, "reason=\"" + e.detail + "\"");
      spdlog::warn("view change started: to view={} height={} ({})", e.view,
                   replica_->committed_height(), e.detail);
      break;
    case Kind::kRestoredBoundsKnown:
      // Persisted in this Ready (step 1): the marker has done its job.
      spdlog::warn(
          "restored from a backup: withholding votes up to seq={} and view-changes up "
          "to view={}; clearing the restore marker",
          e.seq, e.view);
      if (auto cleared = storage::ClearRestoreMarker(*store_); !cleared.ok()) {
        spdlog::error("cannot clear the restore marker: {}", cleared.ToString());
      }
      ForgetEmptyDataDir(*store_);
      break;
    case Kind::kEmptyDataDirChecked:
      spdlog::info(
          "the empty data directory is checked: caught up at height={} view={} with f+1 others, "
          "and no block carries this validator's signature: it votes",
          e.seq, e.view);
      ForgetEmptyDataDir(*store_);
      break;
    case Kind::kOwnVotesFound:
      spdlog::error(
          "{}: it voted before its data directory was emptied. It withholds its votes, as one "
          "restored from a backup of nothing, until the others tell it how far they are "
          "(docs/operations.md \"An empty data directory\")",
          e.detail);
      if (auto s = RecordVotedBefore(*store_); !s.ok()) {
        spdlog::error("cannot record that this validator voted before: {}", s.ToString());
      }
      break;
    case Kind::kViewChanged:
      metrics_.Increment(kViewChangesMetric);
      spdlog::warn("entered view={} primary={} height={}", e.view,
                   genesis_.validators[e.view % genesis_.n()].id, replica_->committed_height());
      break;
    case Kind::kEquivocation: {
      metrics_.Increment(kEquivocationsMetric);
      spdlog::error("equivocation by the primary of view={} at seq={}: evidence kept", e.view,
                    e.seq);
      storage::WriteBatch batch;
      for (size_t i = 0; i < e.evidence.size(); ++i) {
        batch.Put(storage::keys::Meta("evidence/equivocation/" + std::to_string(e.view) + "/" +
                                      std::to_string(e.seq) + "/" + std::to_string(i)),
                  e.evidence[i]);
      }
      if (auto s = store_->Write(batch, true); !s.ok()) {
        spdlog::error("cannot store equivocation evidence: {}", s.ToString());
      }
      break;
    }
    case Kind::kDropped:
      metrics_.Increment(kDroppedMetric, "reason=\"" + e.detail + "\"");
      spdlog::debug("dropped message from peer {}: {} (view={} seq={})", e.peer, e.detail, e.view,
                    e.seq);
      break;
    case Kind::kStableCheckpoint:
      spdlog::debug("stable checkpoint at seq={}", e.seq);
      break;
    case Kind::kStateTransfer:
      spdlog::info("state transfer: {} height={}", e.detail, replica_->committed_height());
      break;
  }
}

evchain::Status Validator::Append(const consensus::CommittedBlock& block) {
  storage::BlockToAppend append{block.header, block.certificate, block.entries, block.leaves};
  if (block.header.height == 1 && block.header.prev_hash != genesis_.hash) {
    return evchain::Status::Error("wrong_chain", "block 1 does not follow the genesis");
  }
  EVCHAIN_RETURN_IF_ERROR(log_->AppendBlock(append));
  // Each leaf holds its entry's evidence id, computed when the block was checked (AppendBlock
  // has just compared the two): carried along, not hashed again.
  std::vector<Hash32> ids;
  ids.reserve(block.leaves.size());
  for (const Bytes& bytes : block.leaves) {
    Result<ledger::Leaf> leaf = ledger::Leaf::Decode(bytes);
    if (!leaf.ok()) return leaf.status();  // cannot happen: AppendBlock decoded it
    ids.push_back(leaf->statement_hash);
  }
  const std::vector<double> latencies = admission_->Settle(ids);
  for (double seconds : latencies) metrics_.Observe(api::metric::kCommitLatency, seconds);
  metrics_.Increment(api::metric::kBlocksCommitted);
  {
    // Completes the HTTP requests parked on ?wait=commit (the listener only queues work).
    std::lock_guard<std::mutex> lock(commit_listener_mu_);
    if (commit_listener_) commit_listener_(ids);
  }
  spdlog::info("committed height={} entries={} log_size={} view={} proposer={}",
               block.header.height, block.entries.size(), block.header.log_size, block.header.view,
               block.header.proposer);
  return evchain::Status::Ok();
}

}  // namespace evchain::node
