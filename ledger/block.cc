// Block header encoding and checkpoint body: docs/formats.md "Block header", "Checkpoint".
#include "ledger/block.h"

#include <algorithm>

#include "common/encoding.h"
#include "crypto/sha256.h"
#include "genesis/genesis.h"

namespace evchain::ledger {
namespace {

constexpr uint8_t kBlockVersion = 1;
constexpr std::string_view kOriginPrefix = "evchain/";

void PutString16(Bytes& out, std::string_view s) {
  PutU16BE(out, static_cast<uint16_t>(s.size()));
  Append(out, s);
}

// Reads the header fields in order, failing once and for all on the first short read.
class Reader {
 public:
  explicit Reader(ByteView bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == bytes_.size(); }
  uint64_t U64() {
    if (!Need(8)) return 0;
    const uint64_t v = GetU64BE(bytes_.data() + pos_);
    pos_ += 8;
    return v;
  }
  uint8_t U8() {
    if (!Need(1)) return 0;
    return bytes_[pos_++];
  }
  Hash32 H32() {
    Hash32 h{};
    if (!Need(32)) return h;
    std::copy_n(bytes_.data() + pos_, 32, h.begin());
    pos_ += 32;
    return h;
  }
  std::string String16() {
    if (!Need(2)) return {};
    const size_t len = (size_t{bytes_[pos_]} << 8) | bytes_[pos_ + 1];
    pos_ += 2;
    if (!Need(len)) return {};
    std::string s(AsChars(bytes_.subspan(pos_, len)));
    pos_ += len;
    return s;
  }

 private:
  bool Need(size_t n) {
    if (!ok_ || bytes_.size() - pos_ < n) ok_ = false;
    return ok_;
  }
  ByteView bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

Status BadCheckpoint(const std::string& why) { return Status::Error("bad_checkpoint", why); }

}  // namespace

// REQUIRES: chain_id and proposer are valid ids (at most 64 bytes), so the u16 lengths hold.
Bytes BlockHeader::Encode() const {
  Bytes out;
  out.reserve(1 + 2 + chain_id.size() + 8 + 32 + 8 + 8 + 32 + 2 + proposer.size() + 8);
  out.push_back(kBlockVersion);
  PutString16(out, chain_id);
  PutU64BE(out, height);
  Append(out, ByteView(prev_hash));
  PutU64BE(out, static_cast<uint64_t>(time));
  PutU64BE(out, log_size);
  Append(out, ByteView(log_root));
  PutString16(out, proposer);
  PutU64BE(out, view);
  return out;
}

Result<BlockHeader> BlockHeader::Decode(ByteView bytes) {
  Reader r(bytes);
  const uint8_t version = r.U8();
  BlockHeader h;
  h.chain_id = r.String16();
  h.height = r.U64();
  h.prev_hash = r.H32();
  h.time = static_cast<UnixMillis>(r.U64());
  h.log_size = r.U64();
  h.log_root = r.H32();
  h.proposer = r.String16();
  h.view = r.U64();
  if (!r.ok()) return Status::Error("bad_block", "block header truncated");
  if (!r.AtEnd()) return Status::Error("bad_block", "trailing bytes after the block header");
  if (version != kBlockVersion) {
    return Status::Error("bad_block", "unknown block header version " + std::to_string(version));
  }
  if (!genesis::IsValidId(h.chain_id) || !genesis::IsValidId(h.proposer)) {
    return Status::Error("bad_block", "chain_id or proposer is not a valid id");
  }
  return h;
}

Hash32 BlockHeader::Hash() const { return crypto::Sha256(ByteView(Encode())); }

std::string CheckpointText(const BlockHeader& header) {
  std::string out;
  out.append(kOriginPrefix).append(header.chain_id).append("\n");
  out.append(std::to_string(header.log_size)).append("\n");
  out.append(ToBase64(ByteView(header.log_root))).append("\n");
  out.append("height ").append(std::to_string(header.height)).append("\n");
  out.append("block ").append(ToHex(header.Hash())).append("\n");
  out.append("time ").append(FormatRfc3339Millis(header.time)).append("\n");
  return out;
}

Result<CheckpointInfo> ParseCheckpointText(std::string_view text) {
  if (text.empty() || text.back() != '\n') return BadCheckpoint("must end with a newline");
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < text.size();) {
    const size_t end = text.find('\n', pos);
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  if (lines.size() != 6)
    return BadCheckpoint("expected 6 lines, found " + std::to_string(lines.size()));
  CheckpointInfo info;
  if (!lines[0].starts_with(kOriginPrefix))
    return BadCheckpoint("origin must be evchain/<chain_id>");
  info.chain_id = lines[0].substr(kOriginPrefix.size());
  if (!genesis::IsValidId(info.chain_id)) return BadCheckpoint("origin names an invalid chain id");
  const auto size = ParseCanonicalDecimal(lines[1]);
  if (!size) return BadCheckpoint("tree size is not a decimal number");
  info.tree_size = *size;
  const auto root = FromBase64(lines[2]);
  if (!root || root->size() != 32) return BadCheckpoint("root is not base64 of 32 bytes");
  std::copy(root->begin(), root->end(), info.root.begin());
  const auto height =
      lines[3].starts_with("height ") ? ParseCanonicalDecimal(lines[3].substr(7)) : std::nullopt;
  if (!height) return BadCheckpoint("expected \"height <decimal>\"");
  info.height = *height;
  const auto block =
      lines[4].starts_with("block ") ? Hash32FromHex(lines[4].substr(6)) : std::nullopt;
  if (!block) return BadCheckpoint("expected \"block <64 lowercase hex>\"");
  info.block_hash = *block;
  const auto time = lines[5].starts_with("time ") ? ParseRfc3339(lines[5].substr(5)) : std::nullopt;
  // Only the canonical rendering is accepted, so that one block has one checkpoint body.
  if (!time || FormatRfc3339Millis(*time) != lines[5].substr(5)) {
    return BadCheckpoint("expected \"time <RFC 3339 UTC with milliseconds>\"");
  }
  info.time = *time;
  return info;
}

std::vector<Entry> BatchEntries(const std::string& batch_statement,
                                const crypto::Signature& signature, std::vector<std::string> items,
                                Hash32* root) {
  crypto::TreeWithProofs tree = BatchTree(items);
  if (root != nullptr) *root = tree.root;
  std::vector<Entry> entries;
  entries.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    entries.push_back(Entry{std::move(items[i]), signature,
                            BatchProof{batch_statement, signature, i, std::move(tree.proofs[i])}});
  }
  return entries;
}

Result<Leaf> LeafOfEntry(const genesis::Genesis& genesis, const Entry& entry, uint64_t height,
                         UnixMillis time, DepositStatement* parsed) {
  Result<DepositStatement> st = ParseDepositStatement(entry.statement);
  if (!st.ok()) return Status::Error("bad_deposit", st.status().ToString());
  if (st->chain_id != genesis.chain_id) return Status::Error("bad_deposit", "other chain");
  const genesis::Depositor* depositor = genesis.FindDepositor(st->depositor);
  if (depositor == nullptr) return Status::Error("bad_deposit", "unknown depositor");
  Leaf leaf;
  leaf.statement_hash = crypto::Sha256(entry.statement);
  leaf.digest = st->digest;
  leaf.depositor_key = depositor->public_key;
  leaf.block_height = height;
  leaf.block_time = time;
  if (parsed != nullptr) *parsed = std::move(*st);
  return leaf;
}

Result<EntryFacts> FactsOfEntry(const genesis::Genesis& genesis, const Entry& entry) {
  DepositStatement st;
  Result<Leaf> leaf = LeafOfEntry(genesis, entry, 0, 0, &st);
  if (!leaf.ok()) return leaf.status();
  return EntryFacts{leaf->statement_hash, leaf->digest, std::move(st.depositor),
                    std::move(st.nonce)};
}

Result<Leaf> LeafOfFacts(const genesis::Genesis& genesis, const EntryFacts& facts, uint64_t height,
                         UnixMillis time) {
  const genesis::Depositor* depositor = genesis.FindDepositor(facts.depositor);
  if (depositor == nullptr) return Status::Error("bad_deposit", "unknown depositor");
  Leaf leaf;
  leaf.statement_hash = facts.statement_hash;
  leaf.digest = facts.digest;
  leaf.depositor_key = depositor->public_key;
  leaf.block_height = height;
  leaf.block_time = time;
  return leaf;
}

}  // namespace evchain::ledger
