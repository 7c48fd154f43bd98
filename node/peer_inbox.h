// The validator's inbox for what peers send on their links (docs/node.md "Peer payloads"):
// consensus messages are verified on worker pools — the envelope, then what the replica would
// drop unseen (consensus::Prefilter), then the deposits and certificates they carry — and the
// good ones stepped on the consensus strand; block replies are checked only if they answer an
// outstanding fetch; every payload no correct validator sends is an offence of its peer,
// counted in /metrics, and past its allowance the peer is suspended (node/net/misbehaviour.h,
// docs/transport.md "Misbehaving peers").
//
// Votes (PREPARE, COMMIT) are checked on the thread that received them, within each peer's
// InlineVoteBudget (node/inline_vote_budget.h), and go straight to the consensus strand. The
// rest goes to three verifier pools, so protocol messages never wait behind client traffic:
// FORWARDs (deposits relayed by peers, as many as clients send) have their own workers at a
// lower CPU priority; small messages (status, checkpoints, view changes, votes over a peer's
// budget) too, so they do not wait behind pre-prepares carrying whole blocks. Workers finish in
// any order: the replica does not rely on it. Thread-safe: payloads arrive on the transport
// strand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/metrics.h"
#include "consensus/deposit_check_cache.h"
#include "consensus/message.h"
#include "consensus/replica.h"
#include "genesis/genesis.h"
#include "node/clock_skew_log.h"
#include "node/inline_vote_budget.h"
#include "node/log_line.h"
#include "node/net/misbehaviour.h"
#include "node/net/receive_budget.h"
#include "node/net/thread_pool.h"
#include "node/net/transport.h"
#include "node/peer_link_log.h"
#include "proto/node.pb.h"

namespace evchain::node {

class PeerInbox {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

  class Host {
   public:
    virtual ~Host() = default;
    virtual bool Stopping() const = 0;  // thread-safe
    // What Prefilter needs to know of the replica (thread-safe; may be a little stale).
    virtual consensus::ReplicaSnapshot Snapshot() const = 0;
    // On the consensus strand: a verified message for the replica.
    virtual void Step(const consensus::Message& message) = 0;
    // On the consensus strand: how many blocks the fetch for `from_height` asked for, if it is
    // outstanding (TransferDriver::Asked).
    virtual std::optional<uint32_t> Asked(uint64_t from_height) const = 0;
    // On the consensus strand: a checked reply (TransferDriver::OnReply).
    virtual void FetchedReply(int peer, uint64_t from_height, uint64_t responder_height,
                              std::vector<consensus::CommittedBlock> blocks, bool cut_locally) = 0;
    // A peer asks for blocks (served off the consensus strand by the host).
    virtual void ServeFetch(int peer, const pb::FetchBlocks& request) = 0;
    // A peer asks for a chunk of a snapshot (node/snapshot_server.h; served off the strand).
    virtual void ServeSnapshot(int peer, const pb::FetchSnapshot& request) = 0;
    // Close the peer out (net::Transport::Suspend).
    virtual void Suspend(int peer, std::chrono::milliseconds duration) = 0;
  };

  struct Pools {
    net::ThreadPool* large = nullptr;     // consensus messages over kSmallMessageBytes
    net::ThreadPool* small = nullptr;     // the others but FORWARDs
    net::ThreadPool* forwards = nullptr;  // FORWARDs
    net::ThreadPool* transfer = nullptr;  // checking fetched blocks
    size_t transfer_slices = 1;           // a reply is split over this many transfer workers
  };

  // Everything passed outlives the inbox; `metrics` gets the counters described by
  // DescribeMetrics.
  PeerInbox(const genesis::Genesis& genesis, Host* host, Strand* consensus, Pools pools,
            api::Metrics* metrics, consensus::DepositCheckCache* verified,
            net::MisbehaviourOptions misbehaviour = {},
            InlineVoteBudget::Options inline_votes = {});

  static void DescribeMetrics(api::Metrics& metrics);

  // A payload from `peer`'s link, with its share of the peer's receive budget: held until the
  // payload's work is done (docs/transport.md "Receive budgets").
  void OnPayload(int peer, const std::string& payload, net::ReceiveBudget::Credit credit);

  // The operator's lines about trouble with peers: links refused or flapping, from the
  // transport's tallies (node/peer_link_log.h), and proposals this inbox rejected for clock
  // skew (node/clock_skew_log.h). Call from one thread at a time, about twice a second;
  // `now_ms`: a monotonic clock in milliseconds.
  std::vector<LogLine> ReportTrouble(int64_t now_ms,
                                     const std::vector<net::HandshakeRefusal>& refusals,
                                     const std::vector<net::LinkFlapping>& flapping);

 private:
  using Credit = std::shared_ptr<net::ReceiveBudget::Credit>;
  void OnConsensus(int peer, const std::shared_ptr<pb::PeerPayload>& parsed, const Credit& held);
  void OnBlocks(int peer, const std::shared_ptr<const pb::PeerPayload>& payload, const Credit& held,
                int total);
  void Reject(const std::string& reason);
  void Offence(int peer, const std::string& reason);

  const genesis::Genesis& genesis_;
  Host* host_;
  Strand* consensus_;
  Pools pools_;
  api::Metrics* metrics_;
  consensus::DepositCheckCache* verified_;
  net::MisbehaviourLedger misbehaviour_;
  InlineVoteBudget inline_votes_;
  ClockSkewSamples clock_skew_;  // added to by the verifiers
  // ReportTrouble's.
  ClockSkewLog clock_skew_log_;
  PeerLinkLog link_log_;
};

}  // namespace evchain::node
