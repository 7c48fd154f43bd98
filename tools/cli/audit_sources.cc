#include "tools/cli/audit_sources.h"

#include <bit>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/time.h"
#include "crypto/sha256.h"
#include "storage/evidence_log.h"
#include "storage/keys.h"
#include "storage/kv_store.h"
#include "tools/cli/http_client.h"

namespace evchain::cli {
namespace {

using Read = BlockSource::Read;

Read Bad(std::string reason) { return {Read::Kind::kBad, {}, std::move(reason)}; }

// The first keys::kIndexHashBytes (8) bytes of a hash, as index keys carry them.
uint64_t HashPrefix(const Hash32& h) { return GetU64BE(h.data()); }

// Every index key of one kind (docs/storage-format.md "Keys"), read with one sequential scan:
// for each log index below the log's size, how many keys name it and the hash prefix of the
// (last) one. Per entry the audit then compares in O(1) instead of doing random point reads.
class IndexSlots {
 public:
  IndexSlots(const storage::KvStore& store, char kind, uint64_t size)
      : prefix_(size), count_(size) {
    auto it = store.NewIterator();
    for (it->Seek(std::string(1, kind)); it->Valid() && it->key().front() == kind; it->Next()) {
      ++total_;  // malformed keys and keys past the log count too: CheckTotals then fails
      const std::string_view key = it->key();
      if (key.size() != storage::keys::kIndexKeyBytes || !it->value().empty()) continue;
      const uint8_t* bytes = AsBytes(key).data();
      const uint64_t index = GetU64BE(bytes + 1 + storage::keys::kIndexHashBytes);
      if (index >= size) continue;
      prefix_[index] = GetU64BE(bytes + 1);
      if (count_[index] < 2) ++count_[index];
    }
  }
  // Empty when exactly one key names `index` and it carries `hash`'s prefix.
  std::string Check(uint64_t index, const Hash32& hash, const char* what) const {
    if (index >= count_.size()) return std::string(what) + " index: entry beyond the log's size";
    if (count_[index] == 0) return std::string(what) + " index misses this entry";
    if (count_[index] > 1) return std::string(what) + " index names this entry more than once";
    if (prefix_[index] != HashPrefix(hash)) {
      return std::string(what) + " index does not point at this entry";
    }
    return "";
  }
  uint64_t total() const { return total_; }

 private:
  std::vector<uint64_t> prefix_;  // keys::kIndexHashBytes == 8: one u64 each
  std::vector<uint8_t> count_;    // saturates at 2
  uint64_t total_ = 0;
};

class DataDirSource : public BlockSource {
 public:
  DataDirSource(std::string dir, std::unique_ptr<storage::KvStore> store,
                std::unique_ptr<storage::EvidenceLog> log)
      : dir_(std::move(dir)), store_(std::move(store)), log_(std::move(log)) {}

  std::string Describe() const override { return "data directory " + dir_; }
  uint64_t ExpectedBlocks() const override { return log_->height(); }
  uint64_t ExpectedEntries() const override { return log_->size(); }

  Read ReadBlock(uint64_t height) override {
    if (height > log_->height()) return {Read::Kind::kEnd, {}, ""};
    auto stored = log_->GetBlock(height);
    if (!stored.ok()) return Bad("block record: " + stored.status().ToString());
    Read read;
    read.kind = Read::Kind::kBlock;
    AuditBlock& block = read.block;
    block.header = std::move(stored->header);
    block.claimed_hash = stored->hash;
    block.certificate = std::move(stored->certificate);
    block.first_index = stored->first_index;
    if (stored->entry_count > 0) {
      auto entries = log_->GetEntries(stored->first_index, stored->entry_count);
      if (!entries.ok()) return Bad("entries: " + entries.status().ToString());
      block.entries.reserve(entries->size());
      for (auto& e : *entries) {
        block.entries.push_back(
            {e.index, std::move(e.entry), std::move(e.leaf), "", e.block_height});
      }
      // The "last entry -> block" index must lead back here.
      auto owner = log_->GetBlockForEntry(stored->first_index + stored->entry_count - 1);
      if (!owner.ok() || owner->header.height != height) {
        return Bad("block-end index does not lead to this block");
      }
    }
    blocks_with_entries_ += stored->entry_count > 0 ? 1 : 0;
    return read;
  }

  std::string CheckEntryIndexes(const EntryFacts& f) override {
    ScanIndexes();
    std::string reason = by_id_->Check(f.index, f.evidence_id, "evidence_id");
    if (reason.empty()) reason = by_digest_->Check(f.index, f.digest, "digest");
    if (reason.empty()) {
      storage::keys::NonceName(f.depositor, f.nonce, &nonce_name_);
      reason = by_nonce_->Check(f.index, crypto::Sha256(nonce_name_), "nonce");
    }
    return reason;
  }

  std::string CheckTotals(uint64_t blocks, uint64_t entries, const Hash32& root) override {
    if (log_->size() != entries || log_->Root() != root) {
      return "the log's recorded size/root differ from its blocks";
    }
    // Each entry's own index keys were checked above; equal counts mean there are no others
    // (no index key naming a missing entry, no malformed key).
    ScanIndexes();
    const auto [entry_count, node_count] = CountCompanion();
    const struct {
      uint64_t count;
      uint64_t expected;
      const char* what;
    } ranges[] = {
        {entry_count, entries, "entry"},
        {by_id_->total(), entries, "evidence_id index"},
        {by_digest_->total(), entries, "digest index"},
        {by_nonce_->total(), entries, "nonce index"},
        {CountPrefix(*store_, storage::keys::kBlock), blocks, "block"},
        // A tree of n leaves has n - popcount(n) perfect subtrees of level >= 1.
        {node_count, entries - std::popcount(entries), "Merkle node"},
        {CountPrefix(*store_, storage::keys::kBlockEnd), blocks_with_entries_, "block-end index"},
        // The companion holds nothing else.
        {CountPrefix(*store_->Sequential(), 0) - entry_count - node_count, 0, "companion"}};
    for (const auto& r : ranges) {
      if (r.count != r.expected) {
        return std::string(r.what) + " records: " + std::to_string(r.count) + " stored, " +
               std::to_string(r.expected) + " expected";
      }
    }
    return "";
  }

 private:
  // Keys of `store` starting with `prefix`; every key when `prefix` is 0.
  static uint64_t CountPrefix(const storage::KvStore& store, char prefix) {
    auto it = store.NewIterator();
    uint64_t count = 0;
    for (it->Seek(prefix == 0 ? std::string() : std::string(1, prefix));
         it->Valid() && (prefix == 0 || it->key().front() == prefix); it->Next()) {
      ++count;
    }
    return count;
  }

  // Entry records and Merkle nodes in the companion (told apart by key length).
  std::pair<uint64_t, uint64_t> CountCompanion() const {
    auto it = store_->Sequential()->NewIterator();
    uint64_t entries = 0, nodes = 0;
    for (it->Seek(std::string(1, storage::keys::kEntry));
         it->Valid() && it->key().front() == storage::keys::kEntry; it->Next()) {
      if (it->key().size() == storage::keys::kEntryKeyBytes) ++entries;
      if (it->key().size() == storage::keys::kNodeKeyBytes) ++nodes;
    }
    return {entries, nodes};
  }

  void ScanIndexes() {
    if (by_id_) return;
    by_id_.emplace(*store_, storage::keys::kEvidenceId, log_->size());
    by_digest_.emplace(*store_, storage::keys::kDigest, log_->size());
    by_nonce_.emplace(*store_, storage::keys::kNonce, log_->size());
  }

  std::string dir_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<storage::EvidenceLog> log_;
  uint64_t blocks_with_entries_ = 0;
  std::optional<IndexSlots> by_id_, by_digest_, by_nonce_;  // read on first use
  std::string nonce_name_;
};

// Decoding helpers: anything malformed makes the block bad (the node sent it).
std::optional<Hash32> HashField(const nlohmann::json& j, const char* name) {
  if (!j.contains(name) || !j[name].is_string()) return std::nullopt;
  return Hash32FromHex(j[name].get<std::string>());
}

std::string DecodeBlock(const nlohmann::json& j, AuditBlock& block) {
  if (!j.is_object() || !j.contains("header") || !j["header"].is_object()) return "no header";
  const auto& h = j["header"];
  auto& header = block.header;
  auto prev = HashField(h, "prev_hash");
  auto root = HashField(h, "log_root");
  auto hash = HashField(j, "hash");
  if (!prev || !root || !hash) return "header hashes are not 64 hex characters";
  if (!h.contains("time") || !h["time"].is_string()) return "header has no time";
  auto time = ParseRfc3339(h["time"].get<std::string>());
  if (!time) return "header time is not RFC 3339";
  for (const char* field : {"height", "log_size", "view"}) {
    if (!h.contains(field) || !h[field].is_number_unsigned()) {
      return std::string("header ") + field + " is not a number";
    }
  }
  for (const char* field : {"chain_id", "proposer"}) {
    if (!h.contains(field) || !h[field].is_string()) {
      return std::string("header ") + field + " is not a string";
    }
  }
  header.chain_id = h["chain_id"].get<std::string>();
  header.height = h["height"].get<uint64_t>();
  header.prev_hash = *prev;
  header.time = *time;
  header.log_size = h["log_size"].get<uint64_t>();
  header.log_root = *root;
  header.proposer = h["proposer"].get<std::string>();
  header.view = h["view"].get<uint64_t>();
  block.claimed_hash = *hash;
  if (!j.contains("certificate") || !j["certificate"].is_string()) return "no certificate";
  block.certificate = j["certificate"].get<std::string>();
  if (!j.contains("entries") || !j["entries"].is_array()) return "no entries array";
  for (const auto& e : j["entries"]) {
    AuditEntry entry;
    if (!e.is_object() || !e.contains("index") || !e["index"].is_number_unsigned() ||
        !e.contains("statement") || !e["statement"].is_string() || !e.contains("leaf") ||
        !e["leaf"].is_string() || !e.contains("signature") || !e["signature"].is_string()) {
      return "malformed entry";
    }
    entry.index = e["index"].get<uint64_t>();
    entry.entry.statement = e["statement"].get<std::string>();
    auto leaf = FromBase64(e["leaf"].get<std::string>());
    auto sig = FromHex(e["signature"].get<std::string>());
    if (!leaf || !sig || sig->size() != 64) return "entry leaf or signature malformed";
    entry.leaf = std::move(*leaf);
    std::copy(sig->begin(), sig->end(), entry.entry.signature.begin());
    if (e.contains("evidence_id") && e["evidence_id"].is_string()) {
      entry.claimed_evidence_id = e["evidence_id"].get<std::string>();
    }
    if (e.contains("batch")) {
      const auto& b = e["batch"];
      ledger::BatchProof proof;
      if (!b.is_object() || !b.contains("statement") || !b["statement"].is_string() ||
          !b.contains("item_index") || !b["item_index"].is_number_unsigned() ||
          !b.contains("item_proof") || !b["item_proof"].is_array()) {
        return "malformed batch proof";
      }
      auto bsig = b.contains("signature") && b["signature"].is_string()
                      ? FromHex(b["signature"].get<std::string>())
                      : std::nullopt;
      if (!bsig || bsig->size() != 64) return "malformed batch signature";
      proof.statement = b["statement"].get<std::string>();
      std::copy(bsig->begin(), bsig->end(), proof.signature.begin());
      proof.item_index = b["item_index"].get<uint64_t>();
      for (const auto& p : b["item_proof"]) {
        auto node = p.is_string() ? Hash32FromHex(p.get<std::string>()) : std::nullopt;
        if (!node) return "malformed batch item proof";
        proof.item_proof.push_back(*node);
      }
      entry.entry.batch = std::move(proof);
    }
    block.entries.push_back(std::move(entry));
  }
  return "";
}

class NodeSource : public BlockSource {
 public:
  explicit NodeSource(std::unique_ptr<NodeClient> client) : client_(std::move(client)) {
    // Totals only feed the progress bar; a node that hides them is still audited.
    auto status = client_->GetJson("/v1/status");
    if (status.ok() && status->is_object()) {
      if ((*status)["height"].is_number_unsigned()) blocks_ = (*status)["height"].get<uint64_t>();
      if ((*status)["log_size"].is_number_unsigned()) {
        entries_ = (*status)["log_size"].get<uint64_t>();
      }
    }
  }
  std::string Describe() const override { return "node " + client_->base_url(); }
  uint64_t ExpectedBlocks() const override { return blocks_; }
  uint64_t ExpectedEntries() const override { return entries_; }

  Read ReadBlock(uint64_t height) override {
    if (height < page_first_ || height >= page_first_ + page_.size()) {
      auto json = client_->GetJson("/v1/blocks?from=" + std::to_string(height) + "&limit=100");
      if (!json.ok()) return {Read::Kind::kIoError, {}, json.status().message()};
      if (!json->contains("blocks") || !(*json)["blocks"].is_array()) {
        return Bad("node's block list is malformed");
      }
      page_ = (*json)["blocks"].get<std::vector<nlohmann::json>>();
      page_first_ = height;
      if (page_.empty()) return {Read::Kind::kEnd, {}, ""};
    }
    Read read;
    read.kind = Read::Kind::kBlock;
    std::string reason = DecodeBlock(page_[height - page_first_], read.block);
    if (!reason.empty()) return Bad("block does not decode: " + reason);
    return read;
  }

  std::string CheckEntryIndexes(const EntryFacts&) override { return ""; }
  std::string CheckTotals(uint64_t, uint64_t, const Hash32&) override { return ""; }

 private:
  std::unique_ptr<NodeClient> client_;
  uint64_t blocks_ = 0;
  uint64_t entries_ = 0;
  std::vector<nlohmann::json> page_;
  uint64_t page_first_ = 0;
};

}  // namespace

Result<std::unique_ptr<BlockSource>> OpenDataDirSource(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // OpenLevelDb creates missing databases: never let a typo create an empty "clean" chain.
  if (!fs::exists(fs::path(dir) / "CURRENT", ec)) {
    return Status::Error("io", dir + " is not a node data directory (no LevelDB CURRENT file)");
  }
  auto store = storage::OpenLevelDb(dir);
  if (!store.ok()) {
    return Status::Error("io", "cannot open " + dir + ": " + store.status().message() +
                                   " (stop the node or audit a copy of its data directory)");
  }
  auto log = storage::EvidenceLog::Open(store->get());
  if (!log.ok()) return Status::Error("io", "cannot load the log: " + log.status().ToString());
  return std::unique_ptr<BlockSource>(
      new DataDirSource(dir, std::move(store).value(), std::move(log).value()));
}

Result<std::unique_ptr<BlockSource>> OpenNodeSource(const std::string& url,
                                                    const std::string& token) {
  auto client = NodeClient::Create(url, token);
  if (!client.ok()) return client.status();
  return std::unique_ptr<BlockSource>(new NodeSource(std::move(client).value()));
}

}  // namespace evchain::cli
