// Read-only view of the committed log the replica uses to refuse duplicate deposits. The node
// backs it with storage (EvidenceLog::FindByEvidenceId), the simulator with a set.
#pragma once

#include "common/bytes.h"

namespace evchain::consensus {

class CommittedIndex {
 public:
  virtual ~CommittedIndex() = default;
  // Returns true iff an entry with this evidence id (raw SHA-256 of its statement) is in a block
  // the host has appended. Called on the replica's thread; must not block for long.
  virtual bool Contains(const Hash32& evidence_id) const = 0;
};

}  // namespace evchain::consensus
