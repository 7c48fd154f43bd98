// The validator's peer inbox: payloads from peer links, verified off the consensus strand,
// stepped on it; offences counted per peer (docs/node.md "Peer payloads").
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

void Validator::OnPeerPayload(int peer, const std::string& payload,
                              net::ReceiveBudget::Credit credit) {
  if (stopping_) return;
  // The payload counts against the peer's receive budget until its work is done: the verifier
  // task and the consensus step below share the credit (docs/transport.md "Receive budgets").
  auto held = std::make_shared<net::ReceiveBudget::Credit>(std::move(credit));
  auto parsed = std::make_shared<pb::PeerPayload>();
  if (!parsed->ParseFromString(payload)) {
    metrics_.Increment(kPeerRejectedMetric, "reason=\"malformed\"");
    Offence(peer, "malformed");
    return;
  }
  switch (parsed->kind_case()) {
    case pb::PeerPayload::kConsensus: {
      // The skew rule judges a PRE-PREPARE by when it arrived, not by when a worker reached it.
      const UnixMillis arrived = WallNow();
      // Three queues, so protocol messages never wait behind client traffic: FORWARDs (deposits
      // relayed by peers, as many as clients send) have their own workers; small messages
      // (votes, status, checkpoints) too, so they do not wait behind pre-prepares carrying whole
      // blocks. Workers finish in any order anyway: the replica does not rely on it.
      const bool forward = consensus::IsForward(parsed->consensus());
      net::ThreadPool& pool = forward ? *forward_verifiers_
                              : parsed->consensus().size() <= kSmallMessageBytes ? *small_verifiers_
                                                                                 : *verifiers_;
      bool accepted = pool.Submit(
          consensus_,
          [this, parsed, arrived, forward, held]() -> Result<consensus::Message> {
            if (forward) LowerThisThreadsPriorityOnce();
            // What the replica would drop unseen (or a transfer makes useless) is dropped
            // before its deposits are checked: a restarted replica's peers flush it a backlog of
            // old blocks and forwards, and checking them all would slow its catch-up.
            auto envelope = consensus::VerifyEnvelope(genesis_, parsed->consensus());
            if (!envelope.ok()) return envelope;
            const consensus::ReplicaSnapshot snapshot{
                committed_height_.load(), transfer_.catching_up(),
                replica_pending_.load() >= config_.max_pending};
            evchain::Status keep = consensus::Prefilter(genesis_, *envelope, snapshot, arrived);
            if (!keep.ok()) return keep;
            envelope->set_received_at(arrived);
            return consensus::VerifyContents(genesis_, std::move(*envelope),
                                             verified_deposits_.get());
          },
          [this, peer, held](Result<consensus::Message> message) {
            if (stopping_) return;
            if (!message.ok()) {
              const std::string& code = message.status().code();
              metrics_.Increment(kPeerRejectedMetric, "reason=\"" + code + "\"");
              if (!consensus::IsPrefilterCode(code)) Offence(peer, code);
              return;
            }
            replica_->Step(*message, Clocks());
            ScheduleDrain();
          });
      if (!accepted) metrics_.Increment(kPeerRejectedMetric, "reason=\"overloaded\"");
      break;
    }
    case pb::PeerPayload::kFetch:
      OnFetchRequest(peer, parsed->fetch());
      break;
    case pb::PeerPayload::kBlocks:
      // Only a reply to a fetch this node has outstanding is worth checking (the pipeline lives
      // on the consensus strand): unsolicited blocks are dropped before any signature check,
      // and no more blocks are checked than were asked for.
      boost::asio::post(consensus_, [this, peer, parsed, held] {
        if (stopping_) return;
        const std::optional<uint32_t> asked = transfer_.Asked(parsed->blocks().from_height());
        if (!asked) {
          metrics_.Increment(kPeerRejectedMetric, "reason=\"unsolicited_blocks\"");
          return;
        }
        if (static_cast<uint32_t>(parsed->blocks().blocks_size()) > *asked) {
          metrics_.Increment(kPeerRejectedMetric, "reason=\"too_many_blocks\"");
          Offence(peer, "too_many_blocks");
        }
        OnBlocks(peer, parsed, held,
                 static_cast<int>(std::min<uint32_t>(*asked, parsed->blocks().blocks_size())));
      });
      break;
    default:
      metrics_.Increment(kPeerRejectedMetric, "reason=\"malformed\"");
      Offence(peer, "malformed");
  }
}

// A reply to a fetch: split across the workers, each slice decoded and its certificates and
// deposit signatures verified (consensus::VerifyFetchedBlocks) off the consensus strand; the
// slices are joined on the strand and handed to the pipeline.
void Validator::OnBlocks(int peer, const std::shared_ptr<const pb::PeerPayload>& payload,
                         const std::shared_ptr<net::ReceiveBudget::Credit>& held, int total) {
  struct Join {
    std::vector<std::vector<consensus::CommittedBlock>> parts;
    std::vector<bool> dropped;  // the slice was not checked: the pool was full (on consensus_)
    size_t remaining = 0;
  };
  const UnixMillis received = MonoNow();
  const int slices = std::clamp<int>(static_cast<int>(verifier_threads_), 1, std::max(total, 1));
  auto join = std::make_shared<Join>();
  join->parts.resize(slices);
  join->dropped.resize(slices, false);
  join->remaining = slices;
  for (int k = 0; k < slices; ++k) {
    auto done = [this, peer, payload, join, k, slices, total, received,
                 held](std::vector<consensus::CommittedBlock> blocks) {
      join->parts[k] = std::move(blocks);
      if (--join->remaining > 0) return;
      // The blocks up to the first unchecked slice; the pipeline asks for the rest again
      // without blaming the peer. A checked slice that decoded short (malformed) or holds a
      // block that failed its checks is the peer's doing: correct peers serve committed blocks.
      std::vector<consensus::CommittedBlock> all;
      bool cut = false;
      bool bad = false;
      for (int i = 0; i < static_cast<int>(join->parts.size()) && !cut; ++i) {
        cut = join->dropped[i];
        const size_t expected = static_cast<size_t>(total * (i + 1) / slices - total * i / slices);
        bad = bad || (!cut && join->parts[i].size() < expected);
        for (const consensus::CommittedBlock& b : join->parts[i]) bad = bad || !b.verified;
        std::move(join->parts[i].begin(), join->parts[i].end(), std::back_inserter(all));
      }
      if (bad) Offence(peer, "bad_blocks");
      spdlog::debug("state transfer: {} blocks from {} for height={} checked in {} ms", all.size(),
                    genesis_.validators[peer].id, payload->blocks().from_height(),
                    MonoNow() - received);
      OnFetchedReply(peer, payload->blocks().from_height(), payload->blocks().responder_height(),
                     std::move(all), cut);
    };
    const int begin = total * k / slices;
    const int end = total * (k + 1) / slices;
    bool accepted = transfer_workers_->Submit(
        consensus_,
        [this, payload, begin, end] {
          std::vector<consensus::CommittedBlock> blocks =
              DecodeFetchedBlocks(genesis_, payload->blocks(), begin, end);
          consensus::VerifyFetchedBlocks(genesis_, &blocks);
          return blocks;
        },
        done);
    if (!accepted) {
      // The pipeline keeps the blocks before this slice and asks for the rest again.
      metrics_.Increment(kPeerRejectedMetric, "reason=\"overloaded\"");
      boost::asio::post(consensus_, [join, k, done] {
        join->dropped[k] = true;
        done({});
      });
    }
  }
}

void Validator::Offence(int peer, const std::string& reason) {
  const std::string& id = genesis_.validators[peer].id;
  metrics_.Increment(kPeerMisbehaviourMetric, "peer=\"" + id + "\",reason=\"" + reason + "\"");
  const std::optional<std::chrono::milliseconds> suspension =
      misbehaviour_.Record(peer, std::chrono::steady_clock::now());
  if (!suspension) return;
  metrics_.Increment(kPeerSuspensionsMetric, "peer=\"" + id + "\"");
  spdlog::warn(
      "peer {} suspended for {} s: it keeps sending what no correct validator sends "
      "(last: {}; evchain_peer_misbehaviour_total)",
      id, suspension->count() / 1000.0, reason);
  transport_->Suspend(peer, *suspension);
}

}  // namespace evchain::node
