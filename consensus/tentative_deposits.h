// The deposits of the blocks a replica accepted above its committed tip in one view (the
// tentative chain), for the block cut and the block check to skip or refuse
// (docs/protocol.md "Block validity").
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "consensus/block_check.h"
#include "consensus/message_log.h"

namespace evchain::consensus {

// Built per call as sorted vectors: a few thousand entries, searched in place, where trees of
// them cost a node allocation and a string copy per deposit. It holds views into the proposals
// it was built from: valid while they are not changed.
class TentativeDeposits {
 public:
  using NonceView = std::pair<std::string_view, std::string_view>;  // (depositor, nonce)
  void Add(const Proposal& p);
  void Seal();  // sorts; call after the last Add, before any lookup
  bool HasId(const Hash32& id) const;
  // The evidence id of the lowest entry holding `nonce`, or null.
  const Hash32* NonceHolder(const NonceView& nonce) const;

 private:
  std::vector<Hash32> ids_;
  std::vector<std::pair<NonceView, Hash32>> nonces_;
};

inline TentativeDeposits::NonceView ViewOf(const DepositorNonce& nonce) {
  return {nonce.first, nonce.second};
}

}  // namespace evchain::consensus
