// The validator's state-transfer driver: serving blocks to peers, and the fetch pipeline that
// catches this validator up (docs/node.md "State transfer").
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <iterator>

#include "api/metric_names.h"
#include "consensus/message.h"
#include "crypto/sha256.h"
#include "node/block_transfer.h"
#include "node/consensus_store.h"
#include "node/validator.h"
#include "node/validator_internal.h"

namespace evchain::node {

using namespace internal;  // NOLINT(google-build-using-namespace): this module's own helpers

void Validator::OnFetchedReply(int peer, uint64_t from_height, uint64_t responder_height,
                               std::vector<consensus::CommittedBlock> blocks, bool cut_locally) {
  if (stopping_) return;
  SendFetches(fetch_.OnReply(peer, from_height, responder_height, std::move(blocks), MonoNow(),
                             cut_locally));
  ApplyFetched();
}

// Hands the replica the verified blocks that extend its tip, in height order.
void Validator::ApplyFetched() {
  std::vector<consensus::CommittedBlock> run = fetch_.TakeApplicable(replica_->committed_height());
  if (run.empty()) return;
  const consensus::Now now = Clocks();
  const size_t applied = replica_->StepFetchedBlocks(run, now);
  fetch_blocks_ += applied;
  for (size_t i = 0; i < applied; ++i) fetch_entries_ += run[i].entries.size();
  spdlog::debug("state transfer: applied {} of {} blocks, height={}", applied, run.size(),
                replica_->committed_height());
  SendFetches(fetch_.OnApplied(replica_->committed_height(), now.mono));
  Drain();
  NoteCaughtUp();
}

void Validator::SendFetches(const std::vector<FetchOrder>& orders) {
  for (const FetchOrder& order : orders) {
    if (fetch_started_at_ == 0) {
      fetch_started_at_ = MonoNow();
      catching_up_ = true;
      fetch_blocks_ = fetch_entries_ = 0;
      spdlog::info("state transfer: behind at height={}, peers report {}: first fetch",
                   replica_->committed_height(), fetch_.target());
    }
    pb::PeerPayload payload;
    payload.mutable_fetch()->set_from_height(order.from_height);
    payload.mutable_fetch()->set_max_blocks(order.max_blocks);
    spdlog::debug("state transfer: fetching {} blocks from height={} from {}", order.max_blocks,
                  order.from_height, genesis_.validators[order.peer].id);
    transport_->Send(order.peer, PayloadBytes(payload));
  }
}

// Logs the end of a transfer (the benchmark reads this line: docs/benchmarks.md).
void Validator::NoteCaughtUp() {
  if (fetch_started_at_ == 0 || fetch_.active()) return;
  const UnixMillis took = std::max<UnixMillis>(MonoNow() - fetch_started_at_, 1);
  spdlog::info(
      "state transfer: caught up at height={}: {} blocks, {} entries in {} ms since the first "
      "fetch ({} entries/s)",
      replica_->committed_height(), fetch_blocks_, fetch_entries_, took,
      fetch_entries_ * 1000 / took);
  fetch_started_at_ = 0;
  catching_up_ = false;
}

void Validator::OnFetchRequest(int peer, const pb::FetchBlocks& request) {
  uint64_t from = request.from_height();
  uint32_t max_blocks = request.max_blocks();
  // Reading and serializing (up to ~8 MiB) happen on a worker, off the io threads.
  bool accepted = transfer_workers_->Submit(
      io_.get_executor(),
      [this, from, max_blocks]() -> Result<std::pair<int, std::string>> {
        auto blocks = ReadBlocksForPeer(*log_, from, max_blocks);
        if (!blocks.ok()) return blocks.status();
        pb::PeerPayload reply;
        *reply.mutable_blocks() = std::move(*blocks);
        return std::make_pair(reply.blocks().blocks_size(), PayloadBytes(reply));
      },
      [this, peer, from](Result<std::pair<int, std::string>> reply) {
        if (stopping_) return;
        if (!reply.ok()) {
          spdlog::warn("cannot serve blocks to {}: {}", genesis_.validators[peer].id,
                       reply.status().ToString());
          return;
        }
        spdlog::debug("serving {} blocks from height={} to {} ({} bytes)", reply->first, from,
                      genesis_.validators[peer].id, reply->second.size());
        transport_->Send(peer, std::move(reply->second));
      });
  if (!accepted) metrics_.Increment(kPeerRejectedMetric, "reason=\"overloaded\"");
}

}  // namespace evchain::node
