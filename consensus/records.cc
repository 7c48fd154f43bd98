#include "consensus/records.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/encoding.h"
#include "crypto/sha256.h"

namespace evchain::consensus {
namespace {

constexpr std::string_view kStateKey = "state";
constexpr std::string_view kMsgPrefix = "msg/";
// Pool records written before the host's pending journal became the one durable pool
// (2026-12-04): deleted on load.
constexpr std::string_view kPoolPrefix = "pool/";

std::string MsgKey(uint64_t seq, const std::string& wire) {
  char num[24];
  std::snprintf(num, sizeof(num), "%020llu", static_cast<unsigned long long>(seq));
  return std::string(kMsgPrefix) + num + "/" + ToHex(crypto::Sha256(wire)).substr(0, 32);
}

}  // namespace

ConsensusRecords::Restored ConsensusRecords::Load(
    const std::map<std::string, std::string>& records) {
  Restored out;
  for (const auto& [key, value] : records) {
    if (key == kStateKey) {
      pb::ReplicaState state;
      if (state.ParseFromString(value)) out.state = std::move(state);
    } else if (key.starts_with(kPoolPrefix)) {
      out.obsolete.push_back(PersistOp{key, std::nullopt});
    } else if (key.starts_with(kMsgPrefix)) {
      const uint64_t seq = std::strtoull(key.c_str() + kMsgPrefix.size(), nullptr, 10);
      message_keys_[seq].insert(key);
      out.messages.emplace_back(seq, value);
    }
  }
  return out;
}

std::optional<PersistOp> ConsensusRecords::AddMessage(uint64_t seq, const std::string& wire) {
  std::string key = MsgKey(seq, wire);
  if (!message_keys_[seq].insert(key).second) return std::nullopt;
  return PersistOp{std::move(key), wire};
}

std::vector<PersistOp> ConsensusRecords::DropThrough(uint64_t seq) {
  std::vector<PersistOp> ops;
  for (auto it = message_keys_.begin(); it != message_keys_.end() && it->first <= seq;) {
    for (const std::string& key : it->second) ops.push_back(PersistOp{key, std::nullopt});
    it = message_keys_.erase(it);
  }
  return ops;
}

PersistOp ConsensusRecords::StateRecord(const pb::ReplicaState& state) {
  return PersistOp{std::string(kStateKey), state.SerializeAsString()};
}

size_t ConsensusRecords::message_records() const {
  size_t n = 0;
  for (const auto& [seq, keys] : message_keys_) n += keys.size();
  return n;
}

}  // namespace evchain::consensus
