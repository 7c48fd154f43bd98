#include "node/block_transfer.h"

#include <algorithm>
#include <functional>
#include <tuple>
#include <utility>

#include "consensus/message.h"
#include "consensus/wire_scan.h"

namespace evchain::node {

namespace {

// The messages of proto/node.proto and proto/consensus.proto a block reply holds, numbered for
// consensus::ScanWire; every field but PeerPayload.blocks (one Blocks message) is one object per
// occurrence when parsed.
enum Message { kPayload, kBlocks, kFetchedBlock, kDeposit, kBatchProof };
constexpr consensus::WireRule kBlockReplyRules[] = {
    {.message = kPayload, .field = 3, .child = kBlocks},  // PeerPayload.blocks
    // Blocks.blocks
    {.message = kBlocks,
     .field = 1,
     .child = kFetchedBlock,
     .element = true,
     .max_occurrences = kMaxBlocksPerFetch},
    {.message = kFetchedBlock, .field = 2, .child = kDeposit, .element = true},  // entries
    {.message = kFetchedBlock, .field = 3, .element = true},                     // leaves
    {.message = kDeposit, .field = 3, .child = kBatchProof, .element = true},    // batch
    {.message = kBatchProof, .field = 4, .element = true},                       // item_proof_list
};

}  // namespace

std::string CheckBlocksPayload(std::string_view payload) {
  const uint64_t max_objects = payload.size() / 32 + kMaxBlocksPerFetch;
  switch (consensus::ScanWire(payload, kBlockReplyRules, max_objects)) {
    case consensus::WireScan::kOk:
      return "";
    case consensus::WireScan::kTooManyOccurrences:
      return "too_many_blocks";
    default:
      return "malformed";
  }
}

Result<pb::Blocks> ReadBlocksForPeer(const storage::EvidenceLog& log, uint64_t from_height,
                                     uint32_t max_blocks) {
  pb::Blocks reply;
  uint64_t height = log.height();
  reply.set_responder_height(height);
  reply.set_from_height(from_height);
  size_t bytes = 0;
  uint32_t limit = std::min(max_blocks, kMaxBlocksPerFetch);
  for (uint64_t h = std::max<uint64_t>(from_height, 1); h <= height && limit > 0; ++h, --limit) {
    auto block = log.GetBlock(h);
    if (!block.ok()) return block.status();
    auto entries = log.GetEntries(block->first_index, block->entry_count);
    if (!entries.ok()) return entries.status();
    pb::FetchedBlock* out = reply.add_blocks();
    consensus::ToProto(block->header, out->mutable_header());
    for (const auto& e : *entries) {
      consensus::ToProto(e.entry, out->add_entries());
      out->add_leaves(std::string(AsChars(e.leaf)));
    }
    out->set_certificate(block->certificate);
    bytes += out->ByteSizeLong();
    if (bytes >= kMaxFetchReplyBytes) break;
  }
  return reply;
}

std::vector<consensus::CommittedBlock> DecodeFetchedBlocks(const genesis::Genesis& genesis,
                                                           const pb::Blocks& blocks, int begin,
                                                           int end) {
  std::vector<consensus::CommittedBlock> out;
  end = std::min(end, blocks.blocks_size());
  for (int i = std::max(begin, 0); i < end; ++i) {
    const pb::FetchedBlock& b = blocks.blocks(i);
    auto header = consensus::FromProto(genesis.chain_id, b.header());
    if (!header.ok() || b.entries_size() != b.leaves_size()) break;
    consensus::CommittedBlock block;
    block.header = std::move(*header);
    block.hash = block.header.Hash();
    bool ok = true;
    block.entries.reserve(b.entries_size());
    block.leaves.reserve(b.leaves_size());
    for (int j = 0; j < b.entries_size(); ++j) {
      auto entry = consensus::FromProto(b.entries(j));
      if (!entry.ok()) {
        ok = false;
        break;
      }
      block.entries.push_back(std::move(*entry));
      const std::string& leaf = b.leaves(j);
      block.leaves.emplace_back(leaf.begin(), leaf.end());
    }
    if (!ok) break;
    block.certificate = b.certificate();
    out.push_back(std::move(block));
  }
  return out;
}

FetchPipeline::FetchPipeline(FetchPipelineOptions options)
    : options_(options),
      window_(std::clamp<uint32_t>(options.initial_window, 1,
                                   std::max<uint32_t>(options.max_window, 1))) {}

size_t FetchPipeline::outstanding() const {
  return std::count_if(windows_.begin(), windows_.end(),
                       [](const auto& w) { return w.second.peer >= 0; });
}

void FetchPipeline::AdvanceTip(uint64_t tip) {
  tip_ = std::max(tip_, tip);
  planned_to_ = std::max(planned_to_, tip_);
  if (tip_ >= target_) {  // caught up: nothing more to ask or hold
    windows_.clear();
    buffer_.clear();
    planned_to_ = tip_;
    return;
  }
  buffer_.erase(buffer_.begin(), buffer_.upper_bound(tip_));
  for (auto it = windows_.begin(); it != windows_.end() && it->first <= tip_;) {
    const uint64_t last = it->first + it->second.count - 1;
    if (last <= tip_) {
      it = windows_.erase(it);
    } else if (it->second.peer >= 0) {
      ++it;  // requested: its reply names it->first; heights <= tip are skipped then
    } else {
      Window rest = it->second;
      rest.count = static_cast<uint32_t>(last - tip_);
      it = windows_.erase(it);
      windows_.emplace(tip_ + 1, rest);
    }
  }
}

int FetchPipeline::PickPeer(int avoid, UnixMillis now) {
  int best = -1;
  std::tuple<bool, bool, size_t> best_key;
  for (size_t k = 0; k < peers_.size(); ++k) {
    const int peer = peers_[(rotation_ + k) % peers_.size()];
    auto penalty = penalised_until_.find(peer);
    const bool penalised = penalty != penalised_until_.end() && penalty->second > now;
    const size_t load = std::count_if(windows_.begin(), windows_.end(),
                                      [peer](const auto& w) { return w.second.peer == peer; });
    std::tuple<bool, bool, size_t> key{peer == avoid, penalised, load};
    if (best < 0 || key < best_key) {
      best = peer;
      best_key = key;
    }
  }
  ++rotation_;
  return best;
}

std::vector<FetchOrder> FetchPipeline::Dispatch(UnixMillis now) {
  std::vector<FetchOrder> orders;
  if (!active() || peers_.empty()) return orders;
  // Only whole windows up to a bounded lookahead past the tip are requested: a slow window cannot
  // make the buffer grow without bound, and the tip moving by a block or two does not cut the
  // range into tiny requests.
  const uint64_t horizon = tip_ + options_.max_outstanding * uint64_t{window_};
  while (planned_to_ < target_) {
    const uint64_t count = std::min<uint64_t>(window_, target_ - planned_to_);
    if (planned_to_ + count > horizon) break;
    windows_.emplace(planned_to_ + 1, Window{static_cast<uint32_t>(count)});
    planned_to_ += count;
  }
  size_t busy = outstanding();
  for (auto& [start, w] : windows_) {
    if (busy >= options_.max_outstanding || start > horizon) break;
    if (w.peer >= 0) continue;
    if (w.count > window_) {  // the rest becomes its own window, possibly for another peer
      Window rest = w;
      rest.count = w.count - window_;
      w.count = window_;
      windows_.emplace(start + window_, rest);
    }
    w.peer = PickPeer(w.avoid, now);
    w.sent_at = now;
    ++busy;
    orders.push_back(FetchOrder{w.peer, start, w.count});
  }
  return orders;
}

uint64_t FetchPipeline::QuorumHeight() const {
  std::vector<uint64_t> heights;
  for (const auto& [peer, height] : reported_) heights.push_back(height);
  if (options_.hint_quorum == 0 || heights.size() < options_.hint_quorum) return 0;
  std::nth_element(heights.begin(),
                   heights.begin() + static_cast<std::ptrdiff_t>(options_.hint_quorum - 1),
                   heights.end(), std::greater<>());
  return heights[options_.hint_quorum - 1];
}

std::vector<FetchOrder> FetchPipeline::OnRequest(const consensus::FetchRequest& request,
                                                 UnixMillis now) {
  // The replica's view of the heights can lag (its peers' status messages may be queued behind
  // a backlog on their links); the heights peers report in their replies fill in.
  target_ = std::max(request.to_height, QuorumHeight());
  peers_ = request.peers;
  AdvanceTip(request.from_height > 0 ? request.from_height - 1 : 0);
  return Dispatch(now);
}

void FetchPipeline::Fail(uint64_t start, UnixMillis now) {
  Window& w = windows_.at(start);
  penalised_until_[w.peer] = now + options_.penalty_ms;
  w.avoid = w.peer;
  w.peer = -1;
}

std::vector<FetchOrder> FetchPipeline::OnReply(int peer, uint64_t from_height,
                                               uint64_t responder_height,
                                               std::vector<consensus::CommittedBlock> blocks,
                                               UnixMillis now, bool cut_locally) {
  auto it = windows_.find(from_height);
  if (it == windows_.end()) return {};
  // A late reply (its request timed out and went to another peer) is still welcome if good.
  const bool late = it->second.peer != peer;
  reported_[peer] = responder_height;
  if (responder_height > tip_ && std::find(peers_.begin(), peers_.end(), peer) == peers_.end()) {
    peers_.push_back(peer);
  }
  target_ = std::max(target_, QuorumHeight());
  uint32_t kept = 0;
  for (consensus::CommittedBlock& b : blocks) {
    const uint64_t height = from_height + kept;
    if (kept >= it->second.count || !b.verified || b.header.height != height) break;
    ++kept;
    if (height > tip_) buffer_.emplace(height, Held{std::move(b), peer});
  }
  // Honest peers answer with at least one block, all verifiable, never more than asked.
  const uint32_t asked = it->second.count;
  const bool failed = kept < blocks.size() || (kept == 0 && !cut_locally);
  if (late && failed) return Dispatch(now);
  if (kept == 0 && !failed) {
    if (!late) it->second.peer = -1;  // nothing was checked: ask again, from any peer
    return Dispatch(now);
  }
  if (!failed && !cut_locally) {
    // A reply shorter than asked hit the responder's byte limit: ask for that many next time.
    if (kept < asked) {
      window_ = kept;
    } else {
      window_ = std::max(window_, std::min(options_.max_window, 2 * asked));
    }
  }
  if (kept > 0) {
    Window rest = it->second;
    windows_.erase(it);
    it = windows_.end();
    if (kept < rest.count) {
      rest.count -= kept;
      rest.peer = failed ? peer : -1;
      it = windows_.emplace(from_height + kept, rest).first;
    }
  }
  if (failed && it != windows_.end()) {
    Fail(it->first, now);
  } else if (failed) {
    penalised_until_[peer] = now + options_.penalty_ms;
  }
  return Dispatch(now);
}

std::vector<consensus::CommittedBlock> FetchPipeline::TakeApplicable(uint64_t tip) {
  AdvanceTip(tip);
  handed_out_.clear();
  std::vector<consensus::CommittedBlock> out;
  for (auto it = buffer_.begin(); it != buffer_.end() && it->first == tip_ + 1 + out.size();
       it = buffer_.erase(it)) {
    handed_out_[it->first] = it->second.peer;
    out.push_back(std::move(it->second.block));
  }
  return out;
}

std::vector<FetchOrder> FetchPipeline::OnApplied(uint64_t tip, UnixMillis now) {
  AdvanceTip(tip);
  // The replica stops at the first block it rejects: that block's peer served a bad one.
  auto first = handed_out_.upper_bound(tip_);
  if (active() && first != handed_out_.end()) {
    penalised_until_[first->second] = now + options_.penalty_ms;
    const uint64_t last = handed_out_.rbegin()->first;
    Window w{static_cast<uint32_t>(last - first->first + 1)};
    w.avoid = first->second;
    windows_.emplace(first->first, w);
  }
  handed_out_.clear();
  return Dispatch(now);
}

std::vector<FetchOrder> FetchPipeline::Tick(uint64_t tip, UnixMillis now) {
  AdvanceTip(tip);
  for (auto& [start, w] : windows_) {
    if (w.peer >= 0 && now - w.sent_at >= options_.timeout_ms) Fail(start, now);
  }
  return Dispatch(now);
}

}  // namespace evchain::node
