// State transfer between nodes: serving committed blocks from the evidence log and decoding
// fetched ones for Replica::StepFetchedBlocks (docs/node.md "State transfer").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "consensus/replica.h"
#include "genesis/genesis.h"
#include "proto/node.pb.h"
#include "storage/evidence_log.h"

namespace evchain::node {

// Most blocks and bytes one reply carries (frames are limited to 16 MiB).
constexpr uint32_t kMaxBlocksPerFetch = 64;
constexpr size_t kMaxFetchReplyBytes = 8u << 20;

// Reads blocks [from_height, ...] from `log` into a reply bounded by the limits above.
Result<pb::Blocks> ReadBlocksForPeer(const storage::EvidenceLog& log, uint64_t from_height,
                                     uint32_t max_blocks);

// Decodes a peer's reply (nothing is trusted: the replica verifies each block). Malformed
// blocks end the list (the ones before are returned).
std::vector<consensus::CommittedBlock> DecodeFetchedBlocks(const genesis::Genesis& genesis,
                                                           const pb::Blocks& blocks);

}  // namespace evchain::node
