#include "node/block_transfer.h"

#include <algorithm>

#include "consensus/message.h"

namespace evchain::node {

Result<pb::Blocks> ReadBlocksForPeer(const storage::EvidenceLog& log, uint64_t from_height,
                                     uint32_t max_blocks) {
  pb::Blocks reply;
  uint64_t height = log.height();
  reply.set_responder_height(height);
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
                                                           const pb::Blocks& blocks) {
  std::vector<consensus::CommittedBlock> out;
  for (const auto& b : blocks.blocks()) {
    auto header = consensus::FromProto(genesis.chain_id, b.header());
    if (!header.ok() || b.entries_size() != b.leaves_size()) break;
    consensus::CommittedBlock block;
    block.header = std::move(*header);
    block.hash = block.header.Hash();
    bool ok = true;
    for (int i = 0; i < b.entries_size() && ok; ++i) {
      auto entry = consensus::FromProto(b.entries(i));
      if (!entry.ok()) {
        ok = false;
        break;
      }
      block.entries.push_back(std::move(*entry));
      const std::string& leaf = b.leaves(i);
      block.leaves.emplace_back(leaf.begin(), leaf.end());
    }
    if (!ok) break;
    block.certificate = b.certificate();
    out.push_back(std::move(block));
  }
  return out;
}

}  // namespace evchain::node
