// Read-only view of the committed log the replica uses to refuse duplicate deposits and reused
// nonces. The node backs it with storage (EvidenceLog::FindByEvidenceId, FindByNonce), the
// simulator with in-memory maps.
#pragma once

#include <optional>
#include <string>

#include "common/bytes.h"

namespace evchain::consensus {

class CommittedIndex {
 public:
  virtual ~CommittedIndex() = default;
  // Returns true iff an entry with this evidence id (raw SHA-256 of its statement) is in a block
  // the host has appended. Called on the replica's thread; must not block for long.
  virtual bool Contains(const Hash32& evidence_id) const = 0;
  // The evidence id of the appended entry with this depositor and nonce, if any (a nonce names
  // one deposit: a second statement with it is refused, docs/formats.md). Same thread and
  // speed contract as Contains.
  virtual std::optional<Hash32> NonceOwner(const std::string& depositor,
                                           const std::string& nonce) const = 0;
};

}  // namespace evchain::consensus
