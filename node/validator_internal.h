// Names and helpers shared by the validator's files (validator.cc: lifecycle, status and metrics;
// validator_transfer.cc: state transfer; validator_ready.cc: the Ready applier) and its peer
// inbox (peer_inbox.cc). Not for use outside node/.
#pragma once

#include <cstddef>
#include <string>

#include "proto/node.pb.h"

namespace evchain::node::internal {

inline constexpr char kDroppedMetric[] = "evchain_consensus_dropped_total";
inline constexpr char kPeerRejectedMetric[] = "evchain_peer_payloads_rejected_total";
inline constexpr char kPeerMisbehaviourMetric[] = "evchain_peer_misbehaviour_total";
inline constexpr char kPeerSuspensionsMetric[] = "evchain_peer_suspensions_total";
inline constexpr char kPeerVotesOverBudgetMetric[] = "evchain_peer_votes_over_inline_budget_total";
inline constexpr char kViewChangesMetric[] = "evchain_view_changes_total";
inline constexpr char kEquivocationsMetric[] = "evchain_equivocations_total";
inline constexpr char kViewChangesStartedMetric[] = "evchain_view_changes_started_total";
inline constexpr char kReplicaPendingMetric[] = "evchain_replica_pending_deposits";
inline constexpr char kOverloadedMetric[] = "evchain_overloaded";
inline constexpr char kDepositChecksMetric[] = "evchain_deposit_checks_total";
inline constexpr char kStatementParsesMetric[] = "evchain_consensus_statement_parses_total";
inline constexpr char kIndexReadErrorsMetric[] = "evchain_committed_index_read_errors_total";

inline std::string PayloadBytes(const pb::PeerPayload& payload) {
  std::string out;
  payload.SerializeToString(&out);
  return out;
}

}  // namespace evchain::node::internal
