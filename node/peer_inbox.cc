#include "node/peer_inbox.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <iterator>

#include "node/block_transfer.h"
#include "node/clocks.h"
#include "node/validator_internal.h"

namespace evchain::node {

using namespace internal;  // NOLINT(google-build-using-namespace): this module's own names

namespace {

// Consensus messages at most this large are verified on their own pool: votes, status and
// checkpoints never wait behind pre-prepares carrying whole blocks.
constexpr size_t kSmallMessageBytes = size_t{16} * 1024;

// Client traffic yields the CPU to protocol messages: FORWARD verification runs on threads the
// kernel schedules after the others of this process (nice +10), so under a burst the cores go
// to pre-prepares and votes first and the chain keeps committing. Called from the worker itself.
void LowerThisThreadsPriorityOnce() {
  thread_local bool lowered = false;
  if (lowered) return;
  lowered = true;
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
}

}  // namespace

PeerInbox::PeerInbox(const genesis::Genesis& genesis, Host* host, Strand* consensus, Pools pools,
                     api::Metrics* metrics, consensus::DepositCheckCache* verified,
                     net::MisbehaviourOptions misbehaviour, InlineVoteBudget::Options inline_votes)
    : genesis_(genesis),
      host_(host),
      consensus_(consensus),
      pools_(pools),
      metrics_(metrics),
      verified_(verified),
      misbehaviour_(misbehaviour),
      inline_votes_(inline_votes),
      clock_skew_log_(static_cast<int64_t>(genesis.params.max_clock_skew_ms)) {}

void PeerInbox::DescribeMetrics(api::Metrics& metrics) {
  metrics.Describe(kPeerRejectedMetric, "counter",
                   "Peer payloads rejected before consensus (bad signature, malformed...).");
  metrics.Describe(kPeerMisbehaviourMetric, "counter",
                   "Payloads from a peer that no correct validator sends (bad signature, "
                   "invalid deposit or certificate, malformed...), by peer and reason.");
  metrics.Describe(kPeerVotesOverBudgetMetric, "counter",
                   "Votes from a peer beyond its budget for checks on the link thread, checked "
                   "on a pool instead (a correct validator stays far below it).");
  metrics.Describe(kPeerSuspensionsMetric, "counter",
                   "Times a peer was disconnected and kept off for misbehaving too often.");
}

void PeerInbox::OnPayload(int peer, const std::string& payload, net::ReceiveBudget::Credit credit) {
  if (host_->Stopping()) return;
  // The payload counts against the peer's receive budget until its work is done: the verifier
  // task and the consensus step share the credit.
  auto held = std::make_shared<net::ReceiveBudget::Credit>(std::move(credit));
  // A block reply is checked on the wire format first: parsing builds an object per block,
  // entry and leaf, and a frame of empty ones would cost ~50 times its size (block_transfer.h).
  if (const std::string refused = CheckBlocksPayload(payload); !refused.empty()) {
    Reject(refused);
    return Offence(peer, refused);
  }
  auto parsed = std::make_shared<pb::PeerPayload>();
  if (!parsed->ParseFromString(payload)) {
    Reject("malformed");
    return Offence(peer, "malformed");
  }
  switch (parsed->kind_case()) {
    case pb::PeerPayload::kConsensus:
      return OnConsensus(peer, parsed, held);
    case pb::PeerPayload::kFetch:
      return host_->ServeFetch(peer, parsed->fetch());
    case pb::PeerPayload::kFetchSnapshot:
      return host_->ServeSnapshot(peer, parsed->fetch_snapshot());
    case pb::PeerPayload::kSnapshotChunk:
      // A running node fetches no snapshot: a late answer to `evchain snapshot fetch`, run as
      // this validator before the node started. Not an offence.
      return Reject("unsolicited_snapshot");
    case pb::PeerPayload::kBlocks:
      // Only a reply to a fetch this node has outstanding is worth checking (the pipeline lives
      // on the consensus strand): unsolicited blocks are dropped before any signature check,
      // and no more blocks are checked than were asked for.
      boost::asio::post(*consensus_, [this, peer, parsed, held] {
        if (host_->Stopping()) return;
        const std::optional<uint32_t> asked = host_->Asked(parsed->blocks().from_height());
        if (!asked) return Reject("unsolicited_blocks");  // a late reply: not an offence
        if (static_cast<uint32_t>(parsed->blocks().blocks_size()) > *asked) {
          Reject("too_many_blocks");
          Offence(peer, "too_many_blocks");
        }
        OnBlocks(peer, parsed, held,
                 static_cast<int>(std::min<uint32_t>(*asked, parsed->blocks().blocks_size())));
      });
      return;
    default:
      Reject("malformed");
      Offence(peer, "malformed");
  }
}

void PeerInbox::OnConsensus(int peer, const std::shared_ptr<pb::PeerPayload>& parsed,
                            const Credit& held) {
  // The skew rule judges a PRE-PREPARE by when it arrived, not by when a worker reached it.
  const UnixMillis arrived = WallNow();
  const consensus::pb::Body::KindCase kind = consensus::PeekKind(parsed->consensus());
  const bool forward = kind == consensus::pb::Body::kForward;
  const bool small = parsed->consensus().size() <= kSmallMessageBytes;
  auto verify = [this, parsed, arrived, forward, kind]() -> Result<consensus::Message> {
    if (forward) LowerThisThreadsPriorityOnce();
    auto envelope = consensus::VerifyEnvelope(genesis_, parsed->consensus());
    if (!envelope.ok()) return envelope;
    // The message was routed by the kind its body starts with. A correct sender's body holds
    // one field; a body that parses as another kind (protobuf keeps a oneof's last field) was
    // made to pass for a vote, or a FORWARD, and costs more than its route allows.
    if (envelope->body().kind_case() != kind) {
      return Status::Error("malformed", "the body holds more than one message kind");
    }
    // What the replica would drop unseen (or a transfer makes useless) is dropped before its
    // deposits are checked: a restarted replica's peers flush it a backlog of old blocks and
    // forwards, and checking them all would slow its catch-up.
    Status keep = consensus::Prefilter(genesis_, *envelope, host_->Snapshot(), arrived);
    if (keep.code() == "clock_skew") {
      // The status carries no figures (consensus is pure): the operator's line needs them.
      const consensus::pb::Header& header = envelope->body().pre_prepare().header();
      clock_skew_.Add({genesis_.validators[envelope->sender()].id, header.height(),
                       static_cast<int64_t>(header.time()) - static_cast<int64_t>(arrived)});
    }
    if (!keep.ok()) return keep;
    envelope->set_received_at(arrived);
    return consensus::VerifyContents(genesis_, std::move(*envelope), verified_);
  };
  auto step = [this, peer, held](Result<consensus::Message> message) {
    if (host_->Stopping()) return;
    if (!message.ok()) {
      const std::string& code = message.status().code();
      Reject(code);
      if (!consensus::IsPrefilterCode(code)) Offence(peer, code);
      return;
    }
    host_->Step(*message);
  };
  // A PREPARE or COMMIT costs one or two signature checks, a fixed amount: within its sender's
  // budget it is checked here, on the links' thread, and goes straight to the consensus strand
  // (node/inline_vote_budget.h says why). Everything else, whose checks grow with what it
  // carries, goes to a pool.
  if ((kind == consensus::pb::Body::kPrepare || kind == consensus::pb::Body::kCommit) && small) {
    if (inline_votes_.Take(peer, std::chrono::steady_clock::now())) {
      boost::asio::post(*consensus_, [step = std::move(step), message = verify()]() mutable {
        step(std::move(message));
      });
      return;
    }
    metrics_->Increment(kPeerVotesOverBudgetMetric,
                        "peer=\"" + genesis_.validators[peer].id + "\"");
  }
  net::ThreadPool& pool = forward ? *pools_.forwards : small ? *pools_.small : *pools_.large;
  if (!pool.Submit(*consensus_, std::move(verify), std::move(step))) Reject("overloaded");
}

// A reply to a fetch: split across the transfer workers, each slice decoded and its certificates
// and deposit signatures verified (consensus::VerifyFetchedBlocks) off the consensus strand; the
// slices are joined on the strand and handed on.
void PeerInbox::OnBlocks(int peer, const std::shared_ptr<const pb::PeerPayload>& payload,
                         const Credit& held, int total) {
  struct Join {
    std::vector<std::vector<consensus::CommittedBlock>> parts;
    std::vector<bool> dropped;  // the slice was not checked: the pool was full (on consensus_)
    size_t remaining = 0;
  };
  const auto received = std::chrono::steady_clock::now();
  const int slices =
      std::clamp<int>(static_cast<int>(pools_.transfer_slices), 1, std::max(total, 1));
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
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - received)
                        .count());
      host_->FetchedReply(peer, payload->blocks().from_height(),
                          payload->blocks().responder_height(), std::move(all), cut);
    };
    const int begin = total * k / slices;
    const int end = total * (k + 1) / slices;
    const bool accepted = pools_.transfer->Submit(
        *consensus_,
        [this, payload, begin, end] {
          std::vector<consensus::CommittedBlock> blocks =
              DecodeFetchedBlocks(genesis_, payload->blocks(), begin, end);
          consensus::VerifyFetchedBlocks(genesis_, &blocks, verified_);
          return blocks;
        },
        done);
    if (!accepted) {
      // The pipeline keeps the blocks before this slice and asks for the rest again.
      Reject("overloaded");
      boost::asio::post(*consensus_, [join, k, done] {
        join->dropped[k] = true;
        done({});
      });
    }
  }
}

std::vector<LogLine> PeerInbox::ReportTrouble(int64_t now_ms,
                                              const std::vector<net::HandshakeRefusal>& refusals,
                                              const std::vector<net::LinkFlapping>& flapping) {
  std::vector<LogLine> lines = link_log_.Update(now_ms, refusals, flapping);
  const auto [rejected, last] = clock_skew_.Get();
  if (std::optional<LogLine> line = clock_skew_log_.Update(now_ms, rejected, last)) {
    lines.push_back(std::move(*line));
  }
  return lines;
}

void PeerInbox::Reject(const std::string& reason) {
  metrics_->Increment(kPeerRejectedMetric, "reason=\"" + reason + "\"");
}

void PeerInbox::Offence(int peer, const std::string& reason) {
  const std::string& id = genesis_.validators[peer].id;
  metrics_->Increment(kPeerMisbehaviourMetric, "peer=\"" + id + "\",reason=\"" + reason + "\"");
  const std::optional<std::chrono::milliseconds> suspension =
      misbehaviour_.Record(peer, std::chrono::steady_clock::now());
  if (!suspension) return;
  metrics_->Increment(kPeerSuspensionsMetric, "peer=\"" + id + "\"");
  spdlog::warn(
      "peer {} suspended for {} s: it keeps sending what no correct validator sends "
      "(last: {}; evchain_peer_misbehaviour_total)",
      id, static_cast<double>(suspension->count()) / 1000.0, reason);
  host_->Suspend(peer, *suspension);
}

}  // namespace evchain::node
