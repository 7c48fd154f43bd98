#include "tools/cli/audit_sources.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/time.h"
#include "crypto/sha256.h"
#include "ledger/statement.h"
#include "storage/evidence_log.h"
#include "storage/key_sorter.h"
#include "storage/keys.h"
#include "storage/kv_store.h"
#include "tools/cli/http_client.h"

namespace evchain::cli {
namespace {

using storage::KeySorter;

using Read = BlockSource::Read;

Read Bad(std::string reason) { return {Read::Kind::kBad, {}, std::move(reason)}; }

// What an index key kind indexes, for messages.
const char* IndexName(char kind) {
  switch (kind) {
    case storage::keys::kDigest:
      return "digest";
    case storage::keys::kEvidenceId:
      return "evidence_id";
    default:
      return "nonce";
  }
}

uint64_t KeyIndex(const char* key) {
  return GetU64BE(reinterpret_cast<const uint8_t*>(key) + 1 + storage::keys::kIndexHashBytes);
}

// The index key kinds every entry needs, one sorter each so that the deferred check merges
// them in parallel, in the order their key ranges come in the index store.
constexpr std::array<char, 3> kIndexKinds = {storage::keys::kDigest, storage::keys::kEvidenceId,
                                             storage::keys::kNonce};
// Keys per sorted run of each kind: 3 x 699,050 keys of 17 bytes, 34 MiB in all.
constexpr size_t kSortRunKeys = (2 << 20) / kIndexKinds.size();

class DataDirSource : public BlockSource {
 public:
  DataDirSource(std::string dir, std::unique_ptr<storage::KvStore> store,
                std::unique_ptr<storage::EvidenceLog> log, const std::string& tmp_dir)
      : dir_(std::move(dir)),
        store_(std::move(store)),
        log_(std::move(log)),
        cursor_(log_->ReadAllEntries()) {
    for (auto& sorter : sorters_) sorter = std::make_unique<KeySorter>(tmp_dir, kSortRunKeys);
  }

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
      // Blocks read in order (the audit's pass) take their entries from the one companion scan,
      // which also checks every record between them; a block read again takes a range.
      const bool in_order = height == next_height_;
      if (in_order && stored->first_index != cursor_.position()) {
        return Bad("block record: its entries start at " + std::to_string(stored->first_index) +
                   ", the blocks before it end at " + std::to_string(cursor_.position()));
      }
      if (in_order) block.stored_nodes.emplace();
      auto entries = in_order ? cursor_.Next(stored->entry_count, &*block.stored_nodes)
                              : log_->GetEntries(stored->first_index, stored->entry_count);
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
    if (height == next_height_) {
      ++next_height_;
      blocks_with_entries_ += stored->entry_count > 0 ? 1 : 0;
    }
    return read;
  }

  // Records the three index keys the entry needs (docs/storage-format.md "Keys"); they are
  // compared with the index store in CheckDeferredIndexes.
  std::string CheckEntryIndexes(const EntryFacts& f) override {
    AddExpected(0, f.digest, f.index);
    AddExpected(1, f.evidence_id, f.index);
    storage::keys::NonceName(f.depositor, f.nonce, &nonce_name_);
    AddExpected(2, crypto::Sha256(nonce_name_), f.index);
    return "";
  }

  uint64_t DeferredIndexKeys() const override {
    uint64_t keys = 0;
    for (const auto& sorter : sorters_) keys += sorter->added();
    return keys;
  }

  // A merge of the expected keys (sorted on disk) with one scan of the index store's `d`, `i`
  // and `n` keys, both in key order, one thread per kind: every audited entry must have exactly
  // its three keys, and no key may name an entry that does not have it. Memory: one sorted run
  // per kind while adding, a small buffer per run while merging; disk: 17 bytes per key. Keys of
  // one evidence id or one (depositor, nonce) prefix sit next to each other, so a repeated
  // evidence id or nonce (which consensus never commits) is found on the way, at the cost of
  // reading the entries that share a key prefix.
  std::optional<IndexProblem> CheckDeferredIndexes(
      uint64_t limit, bool complete, const std::function<void(uint64_t)>& merged) override {
    for (auto& sorter : sorters_) {
      if (Status s = sorter->Finish(); !s.ok()) return IndexProblem{0, s.message(), true};
    }
    std::atomic<uint64_t> merged_keys{0};
    std::atomic<size_t> running{kIndexKinds.size()};
    std::vector<Merge> merges;
    merges.reserve(kIndexKinds.size());
    for (size_t k = 0; k < kIndexKinds.size(); ++k) {
      merges.emplace_back(*this, *sorters_[k], kIndexKinds[k], limit, complete, merged_keys);
    }
    std::vector<std::thread> threads;
    threads.reserve(merges.size());
    for (Merge& m : merges) {
      threads.emplace_back([&m, &running] {
        m.Run();
        --running;
      });
    }
    for (uint64_t reported = 0;;) {
      const bool done = running.load() == 0;
      const uint64_t now = merged_keys.load();
      if (now > reported) merged(now - reported);
      reported = now;
      if (done) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (auto& t : threads) t.join();

    // The problem at the lowest log index wins; else the first of the kinds in key order.
    std::optional<std::pair<uint64_t, std::string>> lowest;
    for (size_t k = 0; k < merges.size(); ++k) {
      if (!sorters_[k]->status().ok()) {
        return IndexProblem{0, sorters_[k]->status().message(), true};
      }
      if (!merges[k].io_problem.empty()) return IndexProblem{0, merges[k].io_problem, true};
      if (merges[k].lowest && (!lowest || merges[k].lowest->first < lowest->first)) {
        lowest = merges[k].lowest;
      }
    }
    if (lowest) {
      auto block = log_->GetBlockForEntry(lowest->first);
      if (!block.ok())
        return IndexProblem{0, "block-end index: " + block.status().ToString(), true};
      return IndexProblem{block->header.height,
                          "entry " + std::to_string(lowest->first) + ": " + lowest->second};
    }
    for (const Merge& m : merges) {
      if (m.untied) return IndexProblem{0, *m.untied};
    }
    return std::nullopt;
  }

  std::string CheckTotals(uint64_t blocks, uint64_t entries, const Hash32& root) override {
    if (log_->size() != entries || log_->Root() != root) {
      return "the log's recorded size/root differ from its blocks";
    }
    // The index keys were compared one by one in CheckDeferredIndexes, the entry records and
    // Merkle nodes by the companion scan that read the entries; here what remains of it.
    if (Status s = cursor_.CheckNothingElse(); !s.ok()) return s.ToString();
    const struct {
      Result<uint64_t> count;
      uint64_t expected;
      const char* what;
    } ranges[] = {
        {CountPrefix(*store_, storage::keys::kBlock), blocks, "block"},
        {CountPrefix(*store_, storage::keys::kBlockEnd), blocks_with_entries_, "block-end index"}};
    for (const auto& r : ranges) {
      if (!r.count.ok()) return std::string(r.what) + " records: " + r.count.status().ToString();
      if (*r.count != r.expected) {
        return std::string(r.what) + " records: " + std::to_string(*r.count) + " stored, " +
               std::to_string(r.expected) + " expected";
      }
    }
    return "";
  }

 private:
  // Keys of `store` starting with `prefix`; an error when the scan stepped over a block it
  // could not read.
  static Result<uint64_t> CountPrefix(const storage::KvStore& store, char prefix) {
    auto it = store.NewIterator();
    uint64_t count = 0;
    for (it->Seek(std::string(1, prefix)); it->Valid() && it->key().front() == prefix; it->Next()) {
      ++count;
    }
    EVCHAIN_RETURN_IF_ERROR(it->status());
    return count;
  }

  void AddExpected(size_t kind_slot, const Hash32& hash, uint64_t index) {
    storage::keys::Index(kIndexKinds[kind_slot], hash, index, &key_);
    KeySorter::Key k;
    std::copy(key_.begin(), key_.end(), k.begin());
    // A failure sticks in the sorter's status: CheckDeferredIndexes says it.
    (void)sorters_[kind_slot]->Add(k);
  }

  // The merge of CheckDeferredIndexes: remembers the problem at the lowest log index, and the
  // first one that names no audited entry.
  // Runs on a thread of its own; reads the log and the index store (safe concurrently).
  struct Merge {
    Merge(DataDirSource& source, KeySorter& sorter, char kind, uint64_t limit, bool complete,
          std::atomic<uint64_t>& merged)
        : src(source),
          sorter(sorter),
          kind(kind),
          limit(limit),
          complete(complete),
          merged(merged) {}

    void Problem(uint64_t index, std::string reason) {
      if (!lowest || index < lowest->first) lowest.emplace(index, std::move(reason));
    }
    void Untied(std::string reason) {
      if (complete && !untied) untied = std::move(reason);
    }
    // The next expected key naming an audited entry.
    void Advance() {
      have = false;
      while (sorter.Next(&expected)) {
        if (++unreported == kReportEvery) {
          merged += unreported;
          unreported = 0;
        }
        if (KeyIndex(expected.data()) < limit) {
          have = true;
          return;
        }
      }
    }
    bool ExpectedBefore(std::string_view key) const {
      return std::memcmp(expected.data(), key.data(), KeySorter::kKeyBytes) < 0;
    }
    void Missing() {
      Problem(KeyIndex(expected.data()),
              std::string(IndexName(expected[0])) + " index misses this entry");
    }

    void Run() {
      Advance();
      auto it = src.store_->NewIterator();
      {
        for (it->Seek(std::string(1, kind)); it->Valid() && it->key().front() == kind; it->Next()) {
          const std::string_view key = it->key();
          if (key.size() != storage::keys::kIndexKeyBytes || !it->value().empty()) {
            Untied(std::string("a malformed ") + IndexName(kind) + " index key");
            continue;
          }
          const uint64_t index = KeyIndex(key.data());
          if (index >= limit) {
            Untied(std::string(IndexName(kind)) + " index names entry " + std::to_string(index) +
                   ", beyond the log");
            continue;
          }
          while (have && ExpectedBefore(key)) {
            Missing();
            Advance();
          }
          if (have && std::memcmp(expected.data(), key.data(), key.size()) == 0) {
            Advance();
            if (kind != storage::keys::kDigest) CheckRepeats(kind, key, index);
          } else {
            Problem(index, std::string(IndexName(kind)) + " index does not point at this entry");
          }
        }
      }
      // A block the scan could not read was stepped over: say so, not "missing" keys.
      if (Status s = it->status(); !s.ok()) {
        io_problem = std::string(IndexName(kind)) + " index: " + s.ToString();
      }
      for (; have; Advance()) Missing();
      merged += unreported;
    }

    // Keys sharing a hash prefix are adjacent: compares the entry `index` with the earlier ones
    // of its prefix (`group`), and files a repeat under the later entry.
    void CheckRepeats(char kind, std::string_view key, uint64_t index) {
      const std::string_view prefix = key.substr(0, 1 + storage::keys::kIndexHashBytes);
      if (prefix != group_prefix) {
        group_prefix.assign(prefix);
        group.clear();
        group.push_back(index);
        return;
      }
      auto name = [&](uint64_t i) -> std::optional<std::string> {
        auto e = src.log_->GetEntry(i);
        if (!e.ok()) {
          io_problem = "entry " + std::to_string(i) + ": " + e.status().ToString();
          return std::nullopt;
        }
        if (kind == storage::keys::kEvidenceId) {
          return std::string(AsChars(ByteView(crypto::Sha256(e->entry.statement))));
        }
        auto fields = ledger::ParseDepositStatement(e->entry.statement);
        if (!fields.ok()) return std::nullopt;  // the entry's own check reports it
        return storage::keys::NonceName(fields->depositor, fields->nonce);
      };
      const std::optional<std::string> mine = name(index);
      for (uint64_t earlier : group) {
        if (mine && name(earlier) == mine) {
          Problem(
              std::max(index, earlier),
              kind == storage::keys::kEvidenceId
                  ? "evidence_id repeats entry " + std::to_string(std::min(index, earlier))
                  : "(depositor, nonce) repeats entry " + std::to_string(std::min(index, earlier)));
        }
      }
      group.push_back(index);
    }

    static constexpr uint64_t kReportEvery = 1 << 16;
    DataDirSource& src;
    KeySorter& sorter;
    const char kind;
    const uint64_t limit;
    const bool complete;
    std::atomic<uint64_t>& merged;  // keys merged, for the progress bar
    uint64_t unreported = 0;
    KeySorter::Key expected{};
    bool have = false;
    std::string group_prefix;
    std::vector<uint64_t> group;
    std::optional<std::pair<uint64_t, std::string>> lowest;
    std::optional<std::string> untied;
    std::string io_problem;
  };

  std::string dir_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<storage::EvidenceLog> log_;
  storage::EvidenceLog::EntryCursor cursor_;  // the audit's one pass over the companion
  uint64_t next_height_ = 1;                  // of that pass
  uint64_t blocks_with_entries_ = 0;
  std::array<std::unique_ptr<KeySorter>, kIndexKinds.size()> sorters_;  // by kIndexKinds
  std::string key_;
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

Result<std::unique_ptr<BlockSource>> OpenDataDirSource(const std::string& dir,
                                                       const std::string& tmp_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string tmp = storage::SortDirectory(tmp_dir);
  if (!fs::is_directory(tmp, ec)) {
    return Status::Error("io", "temporary directory " + tmp + " does not exist");
  }
  // OpenLevelDb creates missing databases: never let a typo create an empty "clean" chain.
  if (!fs::exists(fs::path(dir) / "CURRENT", ec)) {
    return Status::Error("io", dir + " is not a node data directory (no LevelDB CURRENT file)");
  }
  // Memory bounded whatever the chain's length: the audit scans both databases and reads blocks
  // by height, so it needs no Bloom filters and few open tables (docs/cli.md "audit").
  storage::LevelDbOptions reading;
  reading.index_filters = false;
  reading.max_open_files = 100;
  auto store = storage::OpenLevelDb(dir, reading);
  if (!store.ok()) {
    return Status::Error("io", "cannot open " + dir + ": " + store.status().message() +
                                   " (stop the node or audit a copy of its data directory)");
  }
  auto log = storage::EvidenceLog::Open(store->get());
  if (!log.ok()) return Status::Error("io", "cannot load the log: " + log.status().ToString());
  return std::unique_ptr<BlockSource>(
      new DataDirSource(dir, std::move(store).value(), std::move(log).value(), tmp));
}

Result<std::unique_ptr<BlockSource>> OpenNodeSource(const std::string& url,
                                                    const std::string& token) {
  auto client = NodeClient::Create(url, token);
  if (!client.ok()) return client.status();
  return std::unique_ptr<BlockSource>(new NodeSource(std::move(client).value()));
}

}  // namespace evchain::cli
