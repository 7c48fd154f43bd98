#include "storage/records.h"

#include "storage/codec.h"

namespace evchain::storage {
namespace {

constexpr uint8_t kFlagBatch = 0x01;
constexpr uint64_t kMaxProofLength = 64;  // an RFC 9162 path in a tree of < 2^64 leaves

}  // namespace

Status Corruption(std::string_view what) {
  return Status::Error("corruption", "stored " + std::string(what) + " is malformed");
}

Status Missing(std::string_view what) {
  return Status::Error("corruption", "stored " + std::string(what) + " is missing");
}

std::string EncodeEntryRecord(const ledger::Entry& entry, ByteView leaf) {
  std::string out;
  EncodeEntryRecord(entry, leaf, &out);
  return out;
}

void EncodeEntryRecord(const ledger::Entry& entry, ByteView leaf, std::string* record) {
  std::string& out = *record;
  out.clear();
  out.reserve(1 + 2 + leaf.size() + 64 + 2 + entry.statement.size());
  out.push_back(static_cast<char>(entry.batch ? kFlagBatch : 0));
  PutVarint(out, leaf.size());
  PutRaw(out, leaf);
  PutRaw(out, entry.signature);
  PutVarint(out, entry.statement.size());
  out.append(entry.statement);
  if (entry.batch) {
    const ledger::BatchProof& b = *entry.batch;
    PutVarint(out, b.statement.size());
    out.append(b.statement);
    PutRaw(out, b.signature);
    PutVarint(out, b.item_index);
    PutVarint(out, b.item_proof.size());
    for (const Hash32& h : b.item_proof) PutRaw(out, h);
  }
}

Result<std::string_view> EntryRecordLeaf(std::string_view value) {
  Reader r(value);
  uint8_t flags = 0;
  std::string_view leaf;
  if (!r.Byte(&flags) || (flags & ~kFlagBatch) != 0 || !r.LengthPrefixed(&leaf)) {
    return Corruption("entry");
  }
  return leaf;
}

Status DecodeEntryRecord(std::string_view value, ledger::Entry* entry, Bytes* leaf) {
  Reader r(value);
  uint8_t flags = 0;
  std::string_view leaf_bytes, statement;
  if (!r.Byte(&flags) || (flags & ~kFlagBatch) != 0 || !r.LengthPrefixed(&leaf_bytes) ||
      !r.Array(&entry->signature) || !r.LengthPrefixed(&statement)) {
    return Corruption("entry");
  }
  leaf->assign(leaf_bytes.begin(), leaf_bytes.end());
  entry->statement.assign(statement);
  entry->batch.reset();
  if (flags & kFlagBatch) {
    ledger::BatchProof b;
    std::string_view batch_statement;
    uint64_t proof_length = 0;
    if (!r.LengthPrefixed(&batch_statement) || !r.Array(&b.signature) || !r.Varint(&b.item_index) ||
        !r.Varint(&proof_length) || proof_length > kMaxProofLength) {
      return Corruption("entry");
    }
    b.statement.assign(batch_statement);
    b.item_proof.resize(proof_length);
    for (Hash32& h : b.item_proof) {
      if (!r.Array(&h)) return Corruption("entry");
    }
    entry->batch = std::move(b);
  }
  if (!r.empty()) return Corruption("entry");
  return Status::Ok();
}

std::string EncodeBlockRecord(const BlockRecord& record) {
  std::string out;
  PutVarint(out, record.header.size());
  PutRaw(out, record.header);
  PutRaw(out, record.hash);
  PutFixed64(out, record.first_index);
  PutFixed64(out, record.entry_count);
  out.append(record.certificate);
  return out;
}

Result<BlockRecord> DecodeBlockRecord(std::string_view value) {
  Reader r(value);
  BlockRecord record;
  std::string_view header;
  if (!r.LengthPrefixed(&header) || !r.Array(&record.hash) || !r.Fixed64(&record.first_index) ||
      !r.Fixed64(&record.entry_count)) {
    return Corruption("block");
  }
  record.header.assign(header.begin(), header.end());
  record.certificate.assign(r.rest());
  return record;
}

std::string EncodeLogState(const LogState& state) {
  std::string out;
  PutFixed64(out, state.height);
  PutFixed64(out, state.size);
  PutRaw(out, state.last_block_hash);
  return out;
}

Result<LogState> DecodeLogState(std::string_view value) {
  Reader r(value);
  LogState state;
  if (!r.Fixed64(&state.height) || !r.Fixed64(&state.size) || !r.Array(&state.last_block_hash) ||
      !r.empty()) {
    return Corruption("log state");
  }
  return state;
}

}  // namespace evchain::storage
