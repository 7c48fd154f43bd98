#include "consensus/message_log.h"

namespace evchain::consensus {

const ViewSlot* MessageLog::Find(uint64_t seq, uint64_t v) const {
  auto it = slots_.find(seq);
  if (it == slots_.end()) return nullptr;
  auto jt = it->second.find(v);
  return jt == it->second.end() ? nullptr : &jt->second;
}

const Proposal* MessageLog::FindProposal(uint64_t seq, uint64_t v) const {
  const ViewSlot* slot = Find(seq, v);
  return slot != nullptr && slot->pre_prepare ? &*slot->pre_prepare : nullptr;
}

std::map<uint64_t, ViewSlot>* MessageLog::ViewsAt(uint64_t seq) {
  auto it = slots_.find(seq);
  return it == slots_.end() ? nullptr : &it->second;
}

bool MessageLog::Prepared(uint64_t seq, uint64_t v, int primary, size_t quorum) const {
  const ViewSlot* slot = Find(seq, v);
  if (slot == nullptr || !slot->pre_prepare) return false;
  size_t matching = 0;
  for (const auto& [sender, vote] : slot->prepares) {
    if (sender != primary && vote.digest == slot->pre_prepare->digest) ++matching;
  }
  return matching + 1 >= quorum;
}

}  // namespace evchain::consensus
