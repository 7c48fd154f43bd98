// The CHECKPOINT votes a replica holds (Castro & Liskov §4.3), bounded so that a Byzantine
// validator cannot crowd out the honest ones (docs/protocol.md "Checkpoints"):
//   - for seqs in (h, h + 2L] ("near"): at most one vote per sender and seq, so one validator
//     holds at most 2L entries and never evicts another's;
//   - beyond ("far"): only each sender's highest vote, n entries at most. Alone a far vote proves
//     nothing, but f + 1 senders that far ahead include a correct one (FarTarget).
// A seq is stable once `quorum` votes agree on its digest; the votes are its proof.
//
// Pure and single-threaded, like the replica that owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace evchain::consensus {

class CheckpointVotes {
 public:
  struct Stable {
    uint64_t seq = 0;
    Hash32 digest{};
    std::vector<std::string> proof;  // the agreeing votes' signed envelopes
  };

  CheckpointVotes(size_t quorum, size_t f) : quorum_(quorum), f_(f) {}

  // `sender`'s vote for (seq, digest), signed as `wire`, where seq lies in (h, h + 2L]. A second
  // vote of one sender for one seq is ignored. Returns the checkpoint this vote made stable.
  std::optional<Stable> AddNear(uint64_t seq, const Hash32& digest, int sender,
                                const std::string& wire);
  // A vote beyond h + 2L: replaces the sender's far vote if it is higher. Returns the checkpoint
  // made stable when a quorum of senders' far votes agree on it.
  std::optional<Stable> AddFar(uint64_t seq, const Hash32& digest, int sender,
                               const std::string& wire);
  // The highest seq f + 1 senders' far votes reach (0: fewer than f + 1 far senders).
  uint64_t FarTarget() const;
  // The low watermark moved to `low`, so near votes now reach `near_limit` (= low + 2L): votes at
  // or below `low` are dropped, and far votes within the new limit become near votes.
  void Advance(uint64_t low, uint64_t near_limit);

  size_t near_entries() const;  // for tests: votes held for seqs in the window

 private:
  struct Vote {
    Hash32 digest{};
    std::string wire;
  };
  struct FarVote {
    uint64_t seq = 0;
    Vote vote;
  };

  const size_t quorum_, f_;
  std::map<uint64_t, std::map<int, Vote>> near_;  // by seq, then sender
  std::map<int, FarVote> far_;                    // by sender
};

}  // namespace evchain::consensus
