// Value encodings of the evidence log's records (docs/storage-format.md "Values"). Decoders never
// trust stored bytes: anything truncated, oversized or with unknown flags is "corruption".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "ledger/block.h"

namespace evchain::storage {

// Entry record: the entry and its exact leaf bytes.
std::string EncodeEntryRecord(const ledger::Entry& entry, ByteView leaf);
// The same, written into `*out` (replacing its contents) so a writer can reuse one buffer.
void EncodeEntryRecord(const ledger::Entry& entry, ByteView leaf, std::string* out);
Status DecodeEntryRecord(std::string_view value, ledger::Entry* entry, Bytes* leaf);
// Only the leaf bytes of an entry record (proofs need nothing else).
Result<std::string_view> EntryRecordLeaf(std::string_view value);

struct BlockRecord {
  Bytes header;  // ledger::BlockHeader::Encode()
  Hash32 hash{};
  uint64_t first_index = 0;
  uint64_t entry_count = 0;
  std::string certificate;
};
std::string EncodeBlockRecord(const BlockRecord& record);
Result<BlockRecord> DecodeBlockRecord(std::string_view value);

struct LogState {
  uint64_t height = 0;
  uint64_t size = 0;
  Hash32 last_block_hash{};
};
std::string EncodeLogState(const LogState& state);
Result<LogState> DecodeLogState(std::string_view value);

Status Corruption(std::string_view what);
// Error "corruption" for a stored record that should exist and does not ("stored entry 12 is
// missing"): the data directory lost committed records (a truncated or deleted file).
Status Missing(std::string_view what);

}  // namespace evchain::storage
