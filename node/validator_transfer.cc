// State transfer at the validator: serving blocks to peers, and the host side of the
// TransferDriver (node/transfer_driver.h) that catches this validator up (docs/node.md "State
// transfer").
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

namespace {

// A peer's request the transfer workers did not take: their queue was full, or the peer has its
// share of requests being served (kMaxServingPerPeer). Not an offence: the request is dropped
// and a correct peer asks again when it times out.
void CountRefusedServe(api::Metrics& metrics, net::Submitted submitted) {
  if (submitted == net::Submitted::kQueueFull) {
    metrics.Increment(kPeerRejectedMetric, "reason=\"overloaded\"");
  } else if (submitted == net::Submitted::kOwnerFull) {
    metrics.Increment(kPeerRejectedMetric, "reason=\"serve_busy\"");
  }
}

}  // namespace

void Validator::FetchedReply(int peer, uint64_t from_height, uint64_t responder_height,
                             std::vector<consensus::CommittedBlock> blocks, bool cut_locally) {
  if (stopping_) return;
  transfer_.OnReply(peer, from_height, responder_height, std::move(blocks), cut_locally, MonoNow());
  Drain();  // the Ready of the blocks applied: append them, and whatever follows
}

void Validator::SendFetch(int peer, uint64_t from_height, uint32_t max_blocks) {
  pb::PeerPayload payload;
  payload.mutable_fetch()->set_from_height(from_height);
  payload.mutable_fetch()->set_max_blocks(max_blocks);
  transport_->Send(peer, PayloadBytes(payload));
}

uint64_t Validator::CommittedHeight() const { return replica_->committed_height(); }

size_t Validator::ApplyBlocks(const std::vector<consensus::CommittedBlock>& blocks) {
  return replica_->StepFetchedBlocks(blocks, Clocks());
}

void Validator::ServeFetch(int peer, const pb::FetchBlocks& request) {
  uint64_t from = request.from_height();
  uint32_t max_blocks = request.max_blocks();
  // Reading and serializing (up to ~8 MiB) happen on a worker, off the io threads.
  const net::Submitted submitted = transfer_workers_->SubmitFor(
      peer, kMaxServingPerPeer, io_.get_executor(),
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
  CountRefusedServe(metrics_, submitted);
}

void Validator::ServeSnapshot(int peer, const pb::FetchSnapshot& request) {
  // A chunk is a 1 MiB read: on a worker, off the io threads.
  const net::Submitted submitted = transfer_workers_->SubmitFor(
      peer, kMaxServingPerPeer, io_.get_executor(),
      [this, request]() -> Result<std::string> {
        pb::PeerPayload reply;
        *reply.mutable_snapshot_chunk() = snapshot_server_->Serve(request);
        return PayloadBytes(reply);
      },
      [this, peer](Result<std::string> reply) {
        if (stopping_ || !reply.ok()) return;
        transport_->Send(peer, std::move(*reply));
      });
  CountRefusedServe(metrics_, submitted);
}

std::optional<uint32_t> Validator::Asked(uint64_t from_height) const {
  return transfer_.Asked(from_height);
}

// ---- PeerInbox::Host: the rest of the inbox's needs

consensus::ReplicaSnapshot Validator::Snapshot() const {
  return consensus::ReplicaSnapshot{committed_height_.load(), transfer_.catching_up(),
                                    replica_pending_.load() >= config_.max_pending};
}

void Validator::Step(const consensus::Message& message) {
  replica_->Step(message, Clocks());
  ScheduleDrain();
}

void Validator::Suspend(int peer, std::chrono::milliseconds duration) {
  transport_->Suspend(peer, duration);
}

}  // namespace evchain::node
