#include "node/transfer_driver.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace evchain::node {

void TransferDriver::OnRequest(const consensus::FetchRequest& request, UnixMillis now) {
  Send(pipeline_.OnRequest(request, now), now);
}

void TransferDriver::OnReply(int peer, uint64_t from_height, uint64_t responder_height,
                             std::vector<consensus::CommittedBlock> blocks, bool cut_locally,
                             UnixMillis now) {
  Send(pipeline_.OnReply(peer, from_height, responder_height, std::move(blocks), now, cut_locally),
       now);
  ApplyReady(now);
}

void TransferDriver::Tick(UnixMillis now) {
  Send(pipeline_.Tick(host_->CommittedHeight(), now), now);
  NoteCaughtUp(now);
}

// Hands the replica the verified blocks that extend its tip, in height order.
void TransferDriver::ApplyReady(UnixMillis now) {
  std::vector<consensus::CommittedBlock> run = pipeline_.TakeApplicable(host_->CommittedHeight());
  if (run.empty()) return;
  const size_t applied = host_->ApplyBlocks(run);
  blocks_ += applied;
  for (size_t i = 0; i < applied; ++i) entries_ += run[i].entries.size();
  spdlog::debug("state transfer: applied {} of {} blocks, height={}", applied, run.size(),
                host_->CommittedHeight());
  Send(pipeline_.OnApplied(host_->CommittedHeight(), now), now);
  NoteCaughtUp(now);
}

void TransferDriver::Send(const std::vector<FetchOrder>& orders, UnixMillis now) {
  for (const FetchOrder& order : orders) {
    if (started_at_ == 0) {
      started_at_ = now;
      catching_up_ = true;
      blocks_ = entries_ = 0;
      spdlog::info("state transfer: behind at height={}, peers report {}: first fetch",
                   host_->CommittedHeight(), pipeline_.target());
    }
    spdlog::debug("state transfer: fetching {} blocks from height={} from validator {}",
                  order.max_blocks, order.from_height, order.peer);
    host_->SendFetch(order.peer, order.from_height, order.max_blocks);
  }
}

std::optional<std::string> TransferDriver::VotingAgain(bool abstaining) {
  const bool ended = abstaining_ && !abstaining;
  abstaining_ = abstaining;
  if (!ended) return std::nullopt;
  return "restored from a backup: voting again at height=" +
         std::to_string(host_->CommittedHeight()) +
         ", past every sequence number and view it may have voted on before the restore";
}

// Logs the end of a transfer (the benchmark reads this line: docs/benchmarks.md).
void TransferDriver::NoteCaughtUp(UnixMillis now) {
  if (started_at_ == 0 || pipeline_.active()) return;
  const UnixMillis took = std::max<UnixMillis>(now - started_at_, 1);
  spdlog::info(
      "state transfer: caught up at height={}: {} blocks, {} entries in {} ms since the first "
      "fetch ({} entries/s)",
      host_->CommittedHeight(), blocks_, entries_, took, entries_ * 1000 / took);
  started_at_ = 0;
  catching_up_ = false;
}

}  // namespace evchain::node
