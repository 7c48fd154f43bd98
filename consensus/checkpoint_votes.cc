#include "consensus/checkpoint_votes.h"

#include <algorithm>
#include <functional>

namespace evchain::consensus {

std::optional<CheckpointVotes::Stable> CheckpointVotes::AddNear(uint64_t seq, const Hash32& digest,
                                                                int sender,
                                                                const std::string& wire) {
  auto& votes = near_[seq];
  if (!votes.emplace(sender, Vote{digest, wire}).second) return std::nullopt;
  Stable stable{seq, digest, {}};
  for (const auto& [from, vote] : votes) {
    if (vote.digest == digest) stable.proof.push_back(vote.wire);
  }
  if (stable.proof.size() < quorum_) return std::nullopt;
  return stable;
}

std::optional<CheckpointVotes::Stable> CheckpointVotes::AddFar(uint64_t seq, const Hash32& digest,
                                                               int sender,
                                                               const std::string& wire) {
  FarVote& far = far_[sender];
  if (seq <= far.seq) return std::nullopt;
  far = FarVote{seq, Vote{digest, wire}};
  Stable stable{seq, digest, {}};
  for (const auto& [from, other] : far_) {
    if (other.seq == seq && other.vote.digest == digest) stable.proof.push_back(other.vote.wire);
  }
  if (stable.proof.size() < quorum_) return std::nullopt;
  return stable;
}

uint64_t CheckpointVotes::FarTarget() const {
  std::vector<uint64_t> seqs;
  for (const auto& [sender, far] : far_) seqs.push_back(far.seq);
  if (seqs.size() < f_ + 1) return 0;
  std::sort(seqs.begin(), seqs.end(), std::greater<>());
  return seqs[f_];
}

void CheckpointVotes::Advance(uint64_t low, uint64_t near_limit) {
  near_.erase(near_.begin(), near_.upper_bound(low));
  for (auto it = far_.begin(); it != far_.end();) {
    const auto& [sender, far] = *it;
    if (far.seq > near_limit) {
      ++it;
      continue;
    }
    if (far.seq > low) near_[far.seq].emplace(sender, far.vote);
    it = far_.erase(it);
  }
}

size_t CheckpointVotes::near_entries() const {
  size_t n = 0;
  for (const auto& [seq, votes] : near_) n += votes.size();
  return n;
}

}  // namespace evchain::consensus
