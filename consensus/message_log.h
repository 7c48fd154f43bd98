// The replica's message log (Castro & Liskov §4.2): for each sequence number n in (h, h + L]
// and each view v, the accepted PRE-PREPARE and the PREPARE and COMMIT votes received for it,
// and the prepared predicate over them. Pure and single-threaded, like the replica that owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/time.h"
#include "consensus/block_check.h"
#include "ledger/block.h"
#include "proto/consensus.pb.h"

namespace evchain::consensus {

// An accepted PRE-PREPARE: the block, its leaves, and (once known) the chain point after it.
struct Proposal {
  std::string wire;  // the primary's signed envelope
  ledger::BlockHeader header;
  Hash32 digest{};
  std::string checkpoint_text;  // ledger::CheckpointText(header): what COMMIT cosigns
  std::vector<ledger::Entry> entries;
  std::optional<ChainPoint> after;  // set when accepted on top of a known base
  std::vector<Bytes> leaves;        // with `after`: each entry's leaf on that base
  std::vector<Hash32> evidence_ids;
  std::vector<DepositorNonce> nonces;  // of each entry, in order
};

struct Vote {
  Hash32 digest{};
  std::string wire;
  std::string checkpoint_text;  // commits only
  uint64_t timestamp = 0;       // commits only
  std::string cosignature;      // commits only
};

// Everything the log holds for one (view, seq).
struct ViewSlot {
  std::optional<Proposal> pre_prepare;
  std::map<int, Vote> prepares;  // by sender (backups only)
  std::map<int, Vote> commits;   // by sender
  // When TryCommit first saw a quorum of matching commits without a time validator's (0: not yet).
  UnixMillis quorum_at = 0;
};

class MessageLog {
 public:
  // The slot of (seq, v), created empty when absent.
  ViewSlot& Slot(uint64_t seq, uint64_t v) { return slots_[seq][v]; }
  const ViewSlot* Find(uint64_t seq, uint64_t v) const;
  ViewSlot* Find(uint64_t seq, uint64_t v) {
    return const_cast<ViewSlot*>(static_cast<const MessageLog*>(this)->Find(seq, v));
  }
  // The accepted pre-prepare of (seq, v), if any.
  const Proposal* FindProposal(uint64_t seq, uint64_t v) const;
  // Every view's slot at `seq` (nullptr: none), lowest view first.
  std::map<uint64_t, ViewSlot>* ViewsAt(uint64_t seq);
  // prepared(m, v, n): the pre-prepare plus quorum - 1 matching PREPAREs from distinct backups
  // (`primary`, the primary of v, never counts as a backup).
  bool Prepared(uint64_t seq, uint64_t v, int primary, size_t quorum) const;
  // Discards every seq at or below `seq` (the stable checkpoint proves them).
  void TruncateThrough(uint64_t seq) { slots_.erase(slots_.begin(), slots_.upper_bound(seq)); }
  // seq -> view -> slot, ascending: for VIEW-CHANGE's prepared certificates.
  const std::map<uint64_t, std::map<uint64_t, ViewSlot>>& by_seq() const { return slots_; }

 private:
  std::map<uint64_t, std::map<uint64_t, ViewSlot>> slots_;
};

}  // namespace evchain::consensus
