// Names and helpers shared by the files of node/validator (validator.cc: lifecycle, status and
// metrics; validator_peers.cc: the peer inbox; validator_transfer.cc: the state-transfer
// driver; validator_ready.cc: the Ready applier). Not for use outside them.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <cstddef>
#include <string>

#include "proto/node.pb.h"

namespace evchain::node::internal {

// Consensus messages at most this large are verified on their own pool: votes, status and
// checkpoints never wait behind pre-prepares carrying whole blocks.
constexpr size_t kSmallMessageBytes = size_t{16} * 1024;

inline constexpr char kDroppedMetric[] = "evchain_consensus_dropped_total";
inline constexpr char kPeerRejectedMetric[] = "evchain_peer_payloads_rejected_total";
inline constexpr char kViewChangesMetric[] = "evchain_view_changes_total";
inline constexpr char kEquivocationsMetric[] = "evchain_equivocations_total";
inline constexpr char kViewChangesStartedMetric[] = "evchain_view_changes_started_total";
inline constexpr char kReplicaPendingMetric[] = "evchain_replica_pending_deposits";
inline constexpr char kDepositChecksMetric[] = "evchain_deposit_checks_total";
inline constexpr char kPeerMisbehaviourMetric[] = "evchain_peer_misbehaviour_total";
inline constexpr char kPeerSuspensionsMetric[] = "evchain_peer_suspensions_total";

// Client traffic yields the CPU to protocol messages: FORWARD verification runs on threads the
// kernel schedules after the others of this process (nice +10), so under a burst the cores go to
// pre-prepares and votes first and the chain keeps committing. Called from the worker itself.
inline void LowerThisThreadsPriorityOnce() {
  thread_local bool lowered = false;
  if (lowered) return;
  lowered = true;
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
}

inline std::string PayloadBytes(const pb::PeerPayload& payload) {
  std::string out;
  payload.SerializeToString(&out);
  return out;
}

}  // namespace evchain::node::internal
