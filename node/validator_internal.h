// Names and helpers shared by the files of node/validator (validator.cc: lifecycle, status and
// metrics; validator_transfer.cc: state transfer; validator_ready.cc: the Ready applier). Not for
// use outside them.
#pragma once

#include <cstddef>
#include <string>

#include "proto/node.pb.h"

namespace evchain::node::internal {

inline constexpr char kDroppedMetric[] = "evchain_consensus_dropped_total";
inline constexpr char kPeerRejectedMetric[] = "evchain_peer_payloads_rejected_total";
inline constexpr char kViewChangesMetric[] = "evchain_view_changes_total";
inline constexpr char kEquivocationsMetric[] = "evchain_equivocations_total";
inline constexpr char kViewChangesStartedMetric[] = "evchain_view_changes_started_total";
inline constexpr char kReplicaPendingMetric[] = "evchain_replica_pending_deposits";
inline constexpr char kDepositChecksMetric[] = "evchain_deposit_checks_total";

inline std::string PayloadBytes(const pb::PeerPayload& payload) {
  std::string out;
  payload.SerializeToString(&out);
  return out;
}

}  // namespace evchain::node::internal
