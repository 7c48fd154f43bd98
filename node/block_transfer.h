// State transfer between nodes: serving committed blocks from the evidence log, decoding fetched
// ones, and the fetch pipeline that keeps several requests in flight and hands the replica the
// verified blocks strictly in height order (docs/node.md "State transfer").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "consensus/replica.h"
#include "genesis/genesis.h"
#include "proto/node.pb.h"
#include "storage/evidence_log.h"

namespace evchain::node {

// Most blocks and bytes one reply carries (frames are limited to 16 MiB).
constexpr uint32_t kMaxBlocksPerFetch = 64;
constexpr size_t kMaxFetchReplyBytes = 8u << 20;
// Requests of one peer (blocks and snapshot chunks) served at once, queued or being read; more
// are dropped unserved (evchain_peer_payloads_rejected_total{reason="serve_busy"}). The workers
// that serve peers also check the blocks this validator fetches: without a share per peer, one
// Byzantine validator sending requests as fast as its link carries them kept their queue full,
// and a validator catching up could check no fetched block. A correct validator has at most 3
// block requests (FetchPipelineOptions::max_outstanding) or 4 chunk requests
// (SnapshotFetchOptions::window) outstanding with a peer.
constexpr size_t kMaxServingPerPeer = 8;

// Checks a peer's payload (a serialized PeerPayload) on the wire format, before it is parsed,
// building nothing: its `blocks` hold at most kMaxBlocksPerFetch blocks, and the blocks, entries,
// batch proofs and leaves in them (each one object when parsed) number at most one per 32
// bytes of the payload. A correct reply is far inside both (an entry is ~360 bytes); without
// them a 16 MiB frame of empty blocks or entries, 2 bytes each, parses into ~800 MB of objects
// and seconds of the links' thread. Returns "" when within bounds, else the reason to refuse
// it: "too_many_blocks" or "malformed" (what libprotobuf would also refuse, or what no correct
// validator sends).
std::string CheckBlocksPayload(std::string_view payload);

// Reads blocks [from_height, ...] from `log` into a reply bounded by the limits above.
Result<pb::Blocks> ReadBlocksForPeer(const storage::EvidenceLog& log, uint64_t from_height,
                                     uint32_t max_blocks);

// Decodes blocks [begin, end) of a peer's reply (nothing is trusted: the replica verifies each
// block). A malformed block ends the list (the ones before are returned).
std::vector<consensus::CommittedBlock> DecodeFetchedBlocks(const genesis::Genesis& genesis,
                                                           const pb::Blocks& blocks, int begin,
                                                           int end);
inline std::vector<consensus::CommittedBlock> DecodeFetchedBlocks(const genesis::Genesis& genesis,
                                                                  const pb::Blocks& blocks) {
  return DecodeFetchedBlocks(genesis, blocks, 0, blocks.blocks_size());
}

// One FetchBlocks message to send.
struct FetchOrder {
  int peer = -1;
  uint64_t from_height = 0;
  uint32_t max_blocks = 0;
};

struct FetchPipelineOptions {
  size_t max_outstanding = 3;                // requests in flight at once
  uint32_t initial_window = 8;               // blocks asked for per request at first
  uint32_t max_window = kMaxBlocksPerFetch;  // at most
  UnixMillis timeout_ms = 2000;              // a request unanswered this long goes to another peer
  UnixMillis penalty_ms = 5000;              // a peer that failed is asked last for this long
  // A height at least this many peers' replies report (Blocks.responder_height) extends the
  // replica's to_height: with f + 1, at least one correct peer holds it, so f Byzantine peers
  // cannot make us chase heights nobody has.
  size_t hint_quorum = 2;
};

// The host side of state transfer, pure and single-threaded (the validator drives it on its
// consensus strand; tests drive it directly). It splits [from_height, to_height] of the replica's
// FetchRequest into windows, keeps at most `max_outstanding` of them requested (each from the
// least-loaded peer not recently failed), buffers verified replies, and releases blocks only
// contiguously from the replica's tip + 1. Heights requested stay below
// tip + 1 + max_outstanding * window, so a slow window bounds memory; the window starts at
// initial_window, shrinks to the number of blocks a reply carries (the responder's byte limit)
// and doubles (up to max_window) after a full reply. A
// window whose reply is empty, unverified or late, or whose blocks the replica rejects, is asked
// again from another peer: a Byzantine peer can only delay the transfer.
class FetchPipeline {
 public:
  explicit FetchPipeline(FetchPipelineOptions options = {});

  // The replica's latest FetchRequest (its tip is from_height - 1).
  std::vector<FetchOrder> OnRequest(const consensus::FetchRequest& request, UnixMillis now);
  // A reply from `peer` (at `responder_height`) to the request for `from_height`, with the
  // blocks the host decoded and
  // ran consensus::VerifyFetchedBlocks on. Only the leading blocks marked `verified` with
  // consecutive heights from `from_height` are kept. A reply for heights no longer wanted is
  // ignored; a late one (its request went to another peer meanwhile) is used if it is good.
  // `cut_locally`: this host dropped the reply's tail unchecked (its verification pool was full),
  // so `blocks` is only a prefix of what the peer sent: the rest of the window is asked again
  // and the peer is neither penalised nor taken to be byte-limited.
  std::vector<FetchOrder> OnReply(int peer, uint64_t from_height, uint64_t responder_height,
                                  std::vector<consensus::CommittedBlock> blocks, UnixMillis now,
                                  bool cut_locally = false);
  // Buffered blocks from tip + 1 on, in height order, for Replica::StepFetchedBlocks.
  std::vector<consensus::CommittedBlock> TakeApplicable(uint64_t tip);
  // After StepFetchedBlocks: `tip` is the replica's committed height now. Blocks handed out by
  // TakeApplicable but not applied were rejected: their peer is penalised, the heights refetched.
  std::vector<FetchOrder> OnApplied(uint64_t tip, UnixMillis now);
  // Timer: requests unanswered for timeout_ms go to another peer; stops once tip >= to_height.
  std::vector<FetchOrder> Tick(uint64_t tip, UnixMillis now);

  bool active() const { return target_ > tip_; }
  // How many blocks the window starting at `from_height` asked for, if that window is still
  // wanted: a reply to anything else is ignored by OnReply, so the host need not check it.
  std::optional<uint32_t> Asked(uint64_t from_height) const {
    auto it = windows_.find(from_height);
    if (it == windows_.end()) return std::nullopt;
    return it->second.count;
  }
  size_t outstanding() const;
  size_t buffered() const { return buffer_.size(); }
  uint64_t target() const { return target_; }
  uint32_t window() const { return window_; }

 private:
  struct Window {
    uint32_t count = 0;
    int peer = -1;  // -1: not requested yet
    UnixMillis sent_at = 0;
    int avoid = -1;  // the peer that last failed this window
  };
  struct Held {
    consensus::CommittedBlock block;
    int peer = -1;
  };

  void AdvanceTip(uint64_t tip);
  void Fail(uint64_t start, UnixMillis now);
  int PickPeer(int avoid, UnixMillis now);
  std::vector<FetchOrder> Dispatch(UnixMillis now);
  uint64_t QuorumHeight() const;  // the hint_quorum-th highest reported height

  const FetchPipelineOptions options_;
  uint64_t tip_ = 0;
  uint64_t target_ = 0;
  uint64_t planned_to_ = 0;  // heights <= planned_to_ are applied, buffered or in a window
  std::vector<int> peers_;
  std::map<uint64_t, Window> windows_;  // by first height
  std::map<uint64_t, Held> buffer_;     // verified blocks by height
  std::map<uint64_t, int> handed_out_;  // height -> peer, since the last TakeApplicable
  std::map<int, UnixMillis> penalised_until_;
  std::map<int, uint64_t> reported_;  // peer -> responder_height of its last reply
  size_t rotation_ = 0;
  uint32_t window_;  // blocks per request: max_window, shrunk to what replies actually carry
};

}  // namespace evchain::node
