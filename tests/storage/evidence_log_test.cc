// The evidence log's entries, indexes, blocks, atomicity, persistence and handling of corrupted
// stored bytes, on both backends. Crash recovery: crash_recovery_test.cc.
#include "storage/evidence_log.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "ledger/leaf.h"
#include "ledger/statement.h"
#include "storage/codec.h"
#include "storage/keys.h"
#include "storage/records.h"
#include "tests/storage/backends.h"
#include "tests/storage/chain_builder.h"

namespace evchain::storage {
namespace {

using testing::AppendTwoBlocks;
using testing::ChainBuilder;
using testing::Dump;
using testing::LevelDbBackend;
using testing::MemoryBackend;
using testing::MustOpen;
using testing::StoredBlockRecord;

void Overwrite(KvStore& store, const std::string& key, const std::string& value) {
  WriteBatch batch;
  batch.Put(key, value);
  REQUIRE(store.Write(batch, true).ok());
}

TEST_CASE_TEMPLATE("entries and blocks read back exactly", B, MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  ChainBuilder chain;
  for (size_t n : {3, 0, 1, 4}) REQUIRE(chain.Append(*log, n).ok());
  CHECK(log->size() == 8);
  CHECK(log->height() == 4);

  uint64_t index = 0;
  for (const BlockToAppend& appended : chain.blocks()) {
    Result<StoredBlock> block = log->GetBlock(appended.header.height);
    REQUIRE(block.ok());
    CHECK(block->header.Encode() == appended.header.Encode());
    CHECK(block->hash == appended.header.Hash());
    CHECK(block->certificate == appended.certificate);
    CHECK(block->first_index == index);
    CHECK(block->entry_count == appended.entries.size());
    for (size_t i = 0; i < appended.entries.size(); ++i, ++index) {
      Result<StoredEntry> e = log->GetEntry(index);
      REQUIRE(e.ok());
      CHECK(e->index == index);
      CHECK(e->entry.statement == appended.entries[i].statement);
      CHECK(e->entry.signature == appended.entries[i].signature);
      CHECK_FALSE(e->entry.batch.has_value());
      CHECK(e->leaf == appended.leaves[i]);
      CHECK(e->block_height == appended.header.height);
      Result<StoredBlock> holder = log->GetBlockForEntry(index);
      REQUIRE(holder.ok());
      CHECK(holder->header.height == appended.header.height);
    }
  }
  Result<std::vector<StoredEntry>> range = log->GetEntries(2, 5);
  REQUIRE(range.ok());
  REQUIRE(range->size() == 5);
  for (uint64_t i = 0; i < 5; ++i) CHECK((*range)[i].leaf == log->GetEntry(2 + i)->leaf);
  CHECK(log->GetEntries(8, 0).ok());
  CHECK(log->GetEntries(4, 5).status().code() == "not_found");
  CHECK(log->GetEntries(9, 0).status().code() == "not_found");
  CHECK(log->GetEntry(8).status().code() == "not_found");
  CHECK(log->GetBlock(0).status().code() == "not_found");
  CHECK(log->GetBlock(5).status().code() == "not_found");
  CHECK(log->GetBlockForEntry(8).status().code() == "not_found");
}

// The log keeps its latest blocks in memory for receipt lookups: what it answers from there must
// be what the stores say, for blocks still in memory and for those that have left it.
TEST_CASE_TEMPLATE("lookups of recent blocks answer as the stores do", B, MemoryBackend,
                   LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  ChainBuilder chain;
  for (size_t k = 0; k < 45; ++k) REQUIRE(chain.Append(*log, k % 5 == 3 ? 0 : 1 + k % 4).ok());
  struct Answers {
    std::vector<std::string> blocks;  // header ‖ certificate ‖ first index, by height
    std::vector<uint64_t> holders;    // height of the block holding each entry
    std::vector<std::optional<uint64_t>>
        found;  // FindByEvidenceId of each entry, then of one absent
  };
  const auto ask = [&](const EvidenceLog& l) {
    Answers a;
    for (const BlockToAppend& appended : chain.blocks()) {
      Result<StoredBlock> b = l.GetBlock(appended.header.height);
      REQUIRE(b.ok());
      a.blocks.push_back(std::string(AsChars(b->header.Encode())) + "|" + b->certificate + "|" +
                         std::to_string(b->first_index) + "/" + std::to_string(b->entry_count));
      for (const ledger::Entry& e : appended.entries) {
        Result<std::optional<uint64_t>> index = l.FindByEvidenceId(crypto::Sha256(e.statement));
        REQUIRE(index.ok());
        a.found.push_back(*index);
        REQUIRE(index->has_value());
        Result<StoredBlock> holder = l.GetBlockForEntry(**index);
        REQUIRE(holder.ok());
        a.holders.push_back(holder->header.height);
      }
    }
    Result<std::optional<uint64_t>> absent = l.FindByEvidenceId(crypto::Sha256("absent"));
    REQUIRE(absent.ok());
    a.found.push_back(*absent);
    return a;
  };
  const Answers live = ask(*log);
  log.reset();
  const Answers reopened = ask(*MustOpen(store.get()));  // nothing in memory
  CHECK(live.blocks == reopened.blocks);
  CHECK(live.holders == reopened.holders);
  CHECK(live.found == reopened.found);
  CHECK_FALSE(live.found.back().has_value());
  for (size_t i = 0; i + 1 < live.found.size(); ++i) CHECK(live.found[i] == i);
}

TEST_CASE_TEMPLATE("one cursor reads every entry in order and every companion record on the way", B,
                   MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  ChainBuilder chain;
  // 13 entries: nodes of levels 1..3 among them (entry 7 completes levels 1, 2 and 3).
  for (size_t n : {3, 0, 5, 4, 1}) REQUIRE(chain.Append(*log, n).ok());
  REQUIRE(log->size() == 13);

  SUBCASE("a clean log, read in ranges of any length") {
    EvidenceLog::EntryCursor cursor = log->ReadAllEntries();
    CHECK(cursor.CheckNothingElse().code() == "invalid_argument");  // entries not read yet
    uint64_t index = 0;
    for (uint64_t count : {3, 0, 5, 4, 1}) {
      Result<std::vector<StoredEntry>> got = cursor.Next(count);
      REQUIRE(got.ok());
      REQUIRE(got->size() == count);
      for (const StoredEntry& e : *got) {
        Result<StoredEntry> single = log->GetEntry(index);
        REQUIRE(single.ok());
        CHECK(e.index == index);
        CHECK(e.leaf == single->leaf);
        CHECK(e.entry.statement == single->entry.statement);
        CHECK(e.block_height == single->block_height);
        ++index;
      }
    }
    CHECK(cursor.position() == 13);
    CHECK(cursor.Next(1).status().code() == "not_found");
    CHECK(cursor.CheckNothingElse().ok());
  }
  SUBCASE("the stored nodes are the ones the leaves complete, in order") {
    EvidenceLog::EntryCursor cursor = log->ReadAllEntries();
    std::vector<Hash32> nodes;
    Result<std::vector<StoredEntry>> got = cursor.Next(13, &nodes);
    REQUIRE(got.ok());
    crypto::MerkleFrontier frontier;
    std::vector<Hash32> recomputed;
    for (const StoredEntry& e : *got) {
      frontier.AppendLeafHash(
          crypto::LeafHash(e.leaf),
          [&](const crypto::NodeId&, const Hash32& h) { recomputed.push_back(h); });
    }
    CHECK(recomputed.size() == 13 - 3);  // n - popcount(n)
    CHECK(nodes == recomputed);
  }
  SUBCASE("a node record that is not a hash") {
    Overwrite(*store->Sequential(), keys::Node(1, 0), "not 32 bytes");
    std::vector<Hash32> nodes;
    const Status s = log->ReadAllEntries().Next(2, &nodes).status();
    CHECK(s.code() == "corruption");
    CHECK(s.message().find("is not 32 bytes") != std::string::npos);
    // Without `nodes` too: the cursor reads every node for the proof chunks' check.
    CHECK(log->ReadAllEntries().Next(2).status().code() == "corruption");
  }
  SUBCASE("an empty log") {
    B empty_backend;
    std::unique_ptr<KvStore> empty_store = empty_backend.Open();
    std::unique_ptr<EvidenceLog> empty = MustOpen(empty_store.get());
    EvidenceLog::EntryCursor cursor = empty->ReadAllEntries();
    CHECK(cursor.Next(0).ok());
    CHECK(cursor.CheckNothingElse().ok());
    Overwrite(*empty_store->Sequential(), "x", "stray");
    CHECK(empty->ReadAllEntries().CheckNothingElse().code() == "corruption");
  }

  KvStore& entries = *store->Sequential();
  // Every entry through a new cursor, then the check of what follows them.
  auto read_all = [&] {
    EvidenceLog::EntryCursor cursor = log->ReadAllEntries();
    Status s = cursor.Next(13).status();
    return s.ok() ? cursor.CheckNothingElse() : s;
  };
  auto erase = [&](const std::string& key) {
    WriteBatch batch;
    batch.Delete(key);
    REQUIRE(entries.Write(batch, true).ok());
  };
  SUBCASE("a record before the first entry") {
    Overwrite(entries, "a", "stray");
    EvidenceLog::EntryCursor cursor = log->ReadAllEntries();
    const Status s = cursor.Next(1).status();
    CHECK(s.code() == "corruption");
    CHECK(s.message().find("entry 0 is missing") != std::string::npos);
    CHECK(cursor.Next(1).status().code() == "corruption");  // stays broken
  }
  SUBCASE("a node record of a level the entry does not complete") {
    Overwrite(entries, keys::Entry(2) + std::string(1, '\x05'), std::string(32, 'x'));
    EvidenceLog::EntryCursor cursor = log->ReadAllEntries();
    CHECK(cursor.Next(3).ok());  // entries 0, 1 and 2 and node (1, 0) come before it
    const Status s = cursor.Next(1).status();
    CHECK(s.code() == "corruption");
    CHECK(s.message().find("entry 3 is missing") != std::string::npos);
  }
  SUBCASE("a missing node record") {
    erase(keys::Node(3, 0));  // completed by entry 7
    const Status s = read_all();
    CHECK(s.code() == "corruption");
    CHECK(s.message().find("level 3 ending at entry 7") != std::string::npos);
  }
  SUBCASE("a missing entry record") {
    erase(keys::Entry(12));
    const Status s = read_all();
    CHECK(s.code() == "corruption");
    CHECK(s.message().find("entry 12 is missing (the end of the store") != std::string::npos);
  }
  SUBCASE("a record after the last entry") {
    Overwrite(entries, keys::Entry(20), "stray");
    const Status s = read_all();
    CHECK(s.code() == "corruption");
    CHECK(s.message().find("after its last entry") != std::string::npos);
  }
}

TEST_CASE_TEMPLATE("batch entries keep their batch proof", B, MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  ChainBuilder chain;
  BlockToAppend block = chain.Make(2);
  ledger::BatchProof proof;
  proof.statement = "evchain-batch/1\nany batch statement text\n";
  proof.signature.fill(0x5a);
  proof.item_index = 1;
  proof.item_proof = {crypto::Sha256("a"), crypto::Sha256("b")};
  block.entries[1].batch = proof;
  REQUIRE(log->AppendBlock(block).ok());
  Result<StoredEntry> e = log->GetEntry(1);
  REQUIRE(e.ok());
  REQUIRE(e->entry.batch.has_value());
  CHECK(e->entry.batch->statement == proof.statement);
  CHECK(e->entry.batch->signature == proof.signature);
  CHECK(e->entry.batch->item_index == 1);
  CHECK(e->entry.batch->item_proof == proof.item_proof);
  CHECK_FALSE(log->GetEntry(0)->entry.batch.has_value());
}

TEST_CASE_TEMPLATE("the lookup filter answers as LevelDB does, built while appends go on", B,
                   MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  ChainBuilder chain;
  {
    std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
    for (int b = 0; b < 20; ++b) REQUIRE(chain.Append(*log, 50).ok());
  }
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  CHECK(log->LookupFilterBytes() == 0);
  // The build runs beside appends, as in the node: what either adds is found.
  std::thread builder([&] { CHECK(log->BuildLookupFilter().ok()); });
  for (int b = 0; b < 20; ++b) REQUIRE(chain.Append(*log, 50).ok());
  builder.join();
  CHECK(log->LookupFilterBytes() > 0);
  CHECK(log->BuildLookupFilter().code() == "busy");
  for (int b = 0; b < 5; ++b) REQUIRE(chain.Append(*log, 50).ok());
  uint64_t index = 0;
  for (const BlockToAppend& block : chain.blocks()) {
    for (const ledger::Entry& e : block.entries) {
      Result<std::optional<uint64_t>> found = log->FindByEvidenceId(crypto::Sha256(e.statement));
      REQUIRE(found.ok());
      REQUIRE(*found == index);
      Result<std::optional<Hash32>> owner =
          log->FindByNonce("demo-platform", "n-" + std::to_string(index));
      REQUIRE(owner.ok());
      REQUIRE(*owner == crypto::Sha256(e.statement));
      ++index;
    }
  }
  CHECK(index == 45 * 50);
  for (uint64_t k = 0; k < 1000; ++k) {
    CHECK_FALSE(log->FindByEvidenceId(crypto::Sha256("absent " + std::to_string(k)))->has_value());
    CHECK_FALSE(log->FindByNonce("demo-platform", "absent-" + std::to_string(k))->has_value());
  }
  // A cancelled build leaves the lookups on LevelDB.
  std::unique_ptr<EvidenceLog> other = MustOpen(store.get());
  const std::atomic<bool> cancel{true};
  CHECK(other->BuildLookupFilter(&cancel).code() == "cancelled");
  CHECK(other->LookupFilterBytes() == 0);
  CHECK(
      other->FindByEvidenceId(crypto::Sha256(chain.blocks()[0].entries[0].statement))->has_value());
}

TEST_CASE_TEMPLATE("index lookups", B, MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  ChainBuilder chain;
  const Hash32 repeated = ChainBuilder::TestDigest(7);
  const Hash32 other = ChainBuilder::TestDigest(8);
  // The repeated digest lands at indexes 1, 2 and 5, in different blocks.
  REQUIRE(chain.Append(*log, {other, repeated, repeated}).ok());
  REQUIRE(chain.Append(*log, 2).ok());
  REQUIRE(chain.Append(*log, {repeated}).ok());

  Result<std::vector<uint64_t>> found = log->FindByDigest(repeated);
  REQUIRE(found.ok());
  CHECK(*found == std::vector<uint64_t>{1, 2, 5});
  CHECK(*log->FindByDigest(other) == std::vector<uint64_t>{0});
  CHECK(log->FindByDigest(ChainBuilder::TestDigest(9))->empty());

  for (uint64_t i = 0; i < log->size(); ++i) {
    Result<StoredEntry> entry = log->GetEntry(i);
    REQUIRE(entry.ok());
    const Hash32 evidence_id = crypto::Sha256(entry->entry.statement);
    Result<std::optional<uint64_t>> by_id = log->FindByEvidenceId(evidence_id);
    REQUIRE(by_id.ok());
    CHECK(*by_id == i);
    Result<std::optional<Hash32>> by_nonce =
        log->FindByNonce("demo-platform", "n-" + std::to_string(i));
    REQUIRE(by_nonce.ok());
    CHECK(*by_nonce == evidence_id);
  }
  CHECK(*log->FindByEvidenceId(crypto::Sha256("unknown")) == std::nullopt);
  CHECK(*log->FindByNonce("demo-platform", "n-6") == std::nullopt);
  CHECK(*log->FindByNonce("other-platform", "n-0") == std::nullopt);
}

TEST_CASE_TEMPLATE("index keys whose hash prefix collides never give a wrong answer", B,
                   MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  ChainBuilder chain;
  const Hash32 digest = ChainBuilder::TestDigest(3);
  REQUIRE(chain.Append(*log, {ChainBuilder::TestDigest(1), ChainBuilder::TestDigest(2)}).ok());
  REQUIRE(chain.Append(*log, {digest}).ok());
  const Hash32 id = crypto::Sha256(log->GetEntry(2)->entry.statement);
  // Keys with the same hash prefixes as entry 2's, naming entries 0 and 1 (as a prefix
  // collision would), and one naming an index past the log (an unfinished append).
  WriteBatch batch;
  for (uint64_t index : {0, 1, 7}) {
    batch.Put(keys::Index(keys::kEvidenceId, id, index), "");
    batch.Put(keys::Index(keys::kDigest, digest, index), "");
    batch.Put(
        keys::Index(keys::kNonce, crypto::Sha256(keys::NonceName("demo-platform", "n-2")), index),
        "");
  }
  REQUIRE(store->Write(batch, true).ok());
  CHECK(*log->FindByEvidenceId(id) == 2);
  CHECK(*log->FindByDigest(digest) == std::vector<uint64_t>{2});
  CHECK(*log->FindByNonce("demo-platform", "n-2") == id);
  CHECK(*log->FindByEvidenceId(crypto::Sha256(log->GetEntry(0)->entry.statement)) == 0);
}

TEST_CASE_TEMPLATE("a bad block writes nothing", B, MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  ChainBuilder chain;
  REQUIRE(chain.Append(*log, 3).ok());
  const auto before = Dump(*store);
  const auto before_entries = Dump(*store->Sequential());
  const Hash32 root = log->Root();

  auto expect_rejected = [&](const BlockToAppend& bad, const std::string& code) {
    Status s = log->AppendBlock(bad);
    CHECK(s.code() == code);
    CHECK(Dump(*store) == before);
    CHECK(Dump(*store->Sequential()) == before_entries);
    CHECK(log->size() == 3);
    CHECK(log->height() == 1);
    CHECK(log->Root() == root);
  };
  const BlockToAppend good = chain.Make(4);
  BlockToAppend bad = good;
  bad.header.height = 3;
  expect_rejected(bad, "height_gap");
  bad = good;
  bad.header.height = 1;
  expect_rejected(bad, "height_gap");
  bad = good;
  bad.header.prev_hash[0] ^= 1;
  expect_rejected(bad, "prev_mismatch");
  bad = good;
  bad.header.log_size += 1;
  expect_rejected(bad, "size_mismatch");
  bad = good;
  bad.header.log_root[31] ^= 1;
  expect_rejected(bad, "root_mismatch");
  bad = good;
  bad.leaves.pop_back();
  expect_rejected(bad, "bad_block");
  bad = good;
  bad.leaves[3].push_back(0);
  expect_rejected(bad, "bad_leaf");
  bad = good;
  bad.leaves[2][40] ^= 1;  // the digest no longer matches the statement's
  expect_rejected(bad, "bad_leaf");
  bad = good;
  bad.entries[1].statement += "trailing: junk\n";
  expect_rejected(bad, "bad_statement");

  REQUIRE(log->AppendBlock(good).ok());
  CHECK(log->size() == 7);
}

TEST_CASE("block 1's prev_hash is left to the node") {
  std::unique_ptr<KvStore> store = NewMemoryStore();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  ChainBuilder chain;
  BlockToAppend first = chain.Make(1);
  first.header.prev_hash.fill(0xee);
  CHECK(log->AppendBlock(first).ok());
}

TEST_CASE("a damaged index table makes lookups errors, never a wrong \"absent\"") {
  LevelDbBackend backend;
  ChainBuilder chain;
  {
    std::unique_ptr<KvStore> store = backend.Open();
    std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
    // More blocks than the log keeps in memory for lookups: these go to the index store.
    for (int b = 0; b < 60; ++b) REQUIRE(chain.Append(*log, 100).ok());
    REQUIRE(store->CompactAll().ok());
  }
  testing::DamageLargestTable(backend.dir.path());
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  int errors = 0;
  for (uint64_t i = 0; i < log->size(); ++i) {
    INFO("entry " << i);
    Result<StoredEntry> entry = log->GetEntry(i);  // the companion is intact
    REQUIRE(entry.ok());
    const Hash32 evidence_id = crypto::Sha256(entry->entry.statement);
    Result<std::optional<uint64_t>> by_id = log->FindByEvidenceId(evidence_id);
    if (by_id.ok()) {
      CHECK(*by_id == i);
    } else {
      ++errors;
    }
    Result<ledger::DepositStatement> statement =
        ledger::ParseDepositStatement(entry->entry.statement);
    REQUIRE(statement.ok());
    Result<std::vector<uint64_t>> by_digest = log->FindByDigest(statement->digest);
    if (by_digest.ok()) {
      CHECK(*by_digest == std::vector<uint64_t>{i});
    } else {
      ++errors;
    }
    Result<std::optional<Hash32>> by_nonce =
        log->FindByNonce("demo-platform", "n-" + std::to_string(i));
    if (by_nonce.ok()) {
      CHECK(*by_nonce == evidence_id);
    } else {
      ++errors;
    }
  }
  CHECK(errors > 0);
  // The lookup filter is built from the same keys: not from part of them.
  CHECK_FALSE(log->BuildLookupFilter(nullptr).ok());
}

TEST_CASE("a reopened LevelDB log has the same state and keeps growing") {
  LevelDbBackend backend;
  ChainBuilder chain;
  Hash32 root{};
  std::vector<Hash32> frontier;
  {
    std::unique_ptr<KvStore> store = backend.Open();
    std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
    for (size_t n : {5, 0, 11}) REQUIRE(chain.Append(*log, n).ok());
    root = log->Root();
    frontier = *log->Frontier();
  }
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  CHECK(log->size() == 16);
  CHECK(log->height() == 3);
  CHECK(log->Root() == root);
  CHECK(*log->Frontier() == frontier);
  CHECK(*log->InclusionProof(3, 16) == crypto::InclusionProof(chain.leaf_hashes(), 3));
  REQUIRE(chain.Append(*log, 9).ok());  // checks prev_hash against the reloaded last block
  CHECK(log->Root() == crypto::RootFromLeafHashes(chain.leaf_hashes()));
}

TEST_CASE_TEMPLATE("corrupted stored values are errors, not crashes", B, MemoryBackend,
                   LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  {
    std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
    ChainBuilder chain;
    REQUIRE(chain.Append(*log, {ChainBuilder::TestDigest(1), ChainBuilder::TestDigest(2)}).ok());
    REQUIRE(chain.Append(*log, {ChainBuilder::TestDigest(1)}).ok());
  }
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  const std::string garbage = "\xff\xff\xff";

  KvStore& entries = *store->Sequential();
  SUBCASE("entry") {
    Overwrite(entries, keys::Entry(0), garbage);
    CHECK(log->GetEntry(0).status().code() == "corruption");
    CHECK(log->GetEntries(0, 2).status().code() == "corruption");
    CHECK(log->InclusionProof(1, 3).status().code() == "corruption");  // needs leaf 0
    const std::string short_leaf =
        std::string("\x00\x05", 2) + "short" + std::string(64, 's') + std::string(1, '\0');
    Overwrite(entries, keys::Entry(0), short_leaf);
    CHECK(log->GetEntry(0).status().code() == "corruption");  // leaf is not 113 bytes
  }
  SUBCASE("Merkle node") {
    Overwrite(entries, keys::Node(1, 0), "not 32 bytes");
    CHECK(log->InclusionProof(2, 3).status().code() == "corruption");
    CHECK(log->RootAt(2).status().code() == "corruption");
  }
  SUBCASE("block") {
    Overwrite(*store, keys::Block(2), garbage);
    CHECK(log->GetBlock(2).status().code() == "corruption");
    CHECK(log->GetBlockForEntry(2).status().code() == "corruption");
  }
  SUBCASE("indexes") {
    // A key one byte short, a value where there is none. Damage found on disk when the log
    // opens: evidence-id and nonce lookups of keys the log never wrote are answered by its
    // in-memory filter (storage/index_filter.h), built from what is on disk at open.
    Overwrite(*store, keys::Index(keys::kEvidenceId, crypto::Sha256("x"), 0).substr(0, 16), "");
    Overwrite(*store, keys::Index(keys::kDigest, ChainBuilder::TestDigest(2), 1), garbage);
    const Hash32 nonce = crypto::Sha256(keys::NonceName("demo-platform", "n-1"));
    Overwrite(*store, keys::IndexPrefix(keys::kNonce, nonce) + "\x01", "");
    log = MustOpen(store.get());
    CHECK(log->FindByEvidenceId(crypto::Sha256("x")).status().code() == "corruption");
    CHECK(log->FindByDigest(ChainBuilder::TestDigest(2)).status().code() == "corruption");
    CHECK(log->FindByNonce("demo-platform", "n-1").status().code() == "corruption");
  }
  SUBCASE("an index naming an entry whose record is garbage") {
    Overwrite(entries, keys::Entry(1), garbage);
    CHECK(log->FindByDigest(ChainBuilder::TestDigest(2)).status().code() == "corruption");
  }
  SUBCASE("state") {
    Overwrite(*store, keys::State(), garbage);
    Result<std::unique_ptr<EvidenceLog>> reopened = EvidenceLog::Open(store.get());
    CHECK(reopened.status().code() == "corruption");
  }
}

TEST_CASE_TEMPLATE("a lost or wrong block-end key is corruption, never another block", B,
                   MemoryBackend, LevelDbBackend) {
  // Block 1 holds entries 0-1 (block end l‖1 → 1), block 2 entries 2-4 (l‖4 → 2). The seek for
  // entry 0 lands on the first block end at or after it: without l‖1, that is block 2's.
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  AppendTwoBlocks(store.get());
  SUBCASE("block 1's block end lost") {
    WriteBatch batch;
    batch.Delete(keys::BlockEnd(1));
    REQUIRE(store->Write(batch, true).ok());
  }
  SUBCASE("block 1's block end names block 2") {
    std::string height;
    PutFixed64(height, 2);
    Overwrite(*store, keys::BlockEnd(1), height);
  }
  // Reopened: the recent-block cache would answer without reading the block ends.
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  CHECK(log->GetBlockForEntry(0).status().code() == "corruption");
  CHECK(log->GetBlockForEntry(1).status().code() == "corruption");
  CHECK(log->GetBlockForEntry(2)->header.height == 2);
}

TEST_CASE_TEMPLATE("a block record that disagrees with its own header is corruption", B,
                   MemoryBackend, LevelDbBackend) {
  // Each record decodes; only its redundant fields contradict the header they are stored with:
  // its hash (receipts and the node's tip would carry it), or its entries (the header's
  // log_size is where they end).
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  AppendTwoBlocks(store.get());
  BlockRecord record = StoredBlockRecord(*store, 2);
  SUBCASE("another hash") { record.hash[0] ^= 1; }
  SUBCASE("another first entry") { record.first_index = 1; }
  SUBCASE("another entry count") { record.entry_count = 4; }
  SUBCASE("a first entry and count that wrap to the header's size") {
    record.first_index = ~uint64_t{0};
    record.entry_count = 6;
  }
  Overwrite(*store, keys::Block(2), EncodeBlockRecord(record));
  // Reopened: the recent-block cache would answer from memory.
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  CHECK(log->GetBlock(2).status().code() == "corruption");
  CHECK(log->GetBlockForEntry(3).status().code() == "corruption");
  CHECK(log->GetBlock(1).ok());
}

TEST_CASE_TEMPLATE("node metadata lives beside the log", B, MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  CHECK(*log->GetMeta("view") == std::nullopt);
  REQUIRE(log->PutMeta("view", std::string("\x00\x07", 2), true).ok());
  CHECK(*log->GetMeta("view") == std::string("\x00\x07", 2));
  CHECK(*store->Get(keys::Meta("view")) == std::string("\x00\x07", 2));
  ChainBuilder chain;
  REQUIRE(chain.Append(*log, 2).ok());  // metadata does not disturb the log
  CHECK(*log->GetMeta("view") == std::string("\x00\x07", 2));
}

TEST_CASE_TEMPLATE("readers see a consistent prefix while the writer appends", B, MemoryBackend,
                   LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  ChainBuilder chain;
  REQUIRE(chain.Append(*log, 1).ok());
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    // Whatever size the reader sees, the root at that size and a proof against it agree.
    while (!done.load()) {
      const uint64_t size = log->size();
      Result<Hash32> root = log->RootAt(size);
      Result<std::vector<Hash32>> proof = log->InclusionProof(size - 1, size);
      Result<StoredEntry> last = log->GetEntry(size - 1);
      if (!root.ok() || !proof.ok() || !last.ok() ||
          !crypto::VerifyInclusion(crypto::LeafHash(last->leaf), size - 1, size, *proof, *root)
               .ok()) {
        bad.fetch_add(1);
      }
    }
  });
  for (int i = 0; i < 40; ++i) REQUIRE(chain.Append(*log, 1 + i % 5).ok());
  done.store(true);
  reader.join();
  CHECK(bad.load() == 0);
}

}  // namespace
}  // namespace evchain::storage
