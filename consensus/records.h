// The replica's durable records and their keys (docs/protocol.md "Persistence"):
//   "state"                      pb::ReplicaState: view, view change, pacemaker level, stable
//                                checkpoint and proof, the NEW-VIEW that installed the view,
//                                the restored-from-backup bounds;
//   "msg/<seq:020>/<hash hex32>" a signed envelope the replica accepted into its log for seq
//                                (pre-prepares, prepares, commits), deleted once seq falls to or
//                                below the stable checkpoint.
// It knows which message records exist, so each is written once and deleted with its seq.
// Pure: the replica puts the ops it returns into its Ready.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "consensus/replica.h"
#include "proto/consensus.pb.h"

namespace evchain::consensus {

class ConsensusRecords {
 public:
  struct Restored {
    std::optional<pb::ReplicaState> state;                   // none, or it does not parse
    std::vector<std::pair<uint64_t, std::string>> messages;  // (seq, envelope), by key
    std::vector<PersistOp> obsolete;  // records of an older layout: deletes to persist
  };

  // Reads what the host restored and remembers the message records among them. Envelopes are
  // returned as stored: the replica verifies them before use.
  Restored Load(const std::map<std::string, std::string>& records);
  // The op recording `wire`, a message for `seq`; nullopt when it is recorded already.
  std::optional<PersistOp> AddMessage(uint64_t seq, const std::string& wire);
  // Deletes of every message record for a seq at or below `seq`.
  std::vector<PersistOp> DropThrough(uint64_t seq);
  static PersistOp StateRecord(const pb::ReplicaState& state);

  size_t message_records() const;  // for tests

 private:
  std::map<uint64_t, std::set<std::string>> message_keys_;  // seq -> record keys
};

}  // namespace evchain::consensus
