// Crash recovery of the two-store layout (docs/storage-format.md "Atomicity and crash recovery"):
// the companion's records and the index keys are written before the commit, so a crash can leave
// records past the committed size; Open drops them. A torn tail of the companion's write-ahead
// log is one such unfinished write. A companion that lost committed records is corruption, not a
// crash.
#include <doctest/doctest.h>

#include <filesystem>

#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "ledger/leaf.h"
#include "storage/evidence_log.h"
#include "storage/keys.h"
#include "storage/records.h"
#include "tests/storage/backends.h"
#include "tests/storage/chain_builder.h"
#include "tests/storage/forwarding_store.h"

namespace evchain::storage {
namespace {

using testing::AppendTwoBlocks;
using testing::ChainBuilder;
using testing::Dump;
using testing::LevelDbBackend;
using testing::MemoryBackend;
using testing::MustOpen;
using testing::StoredBlockRecord;

// What the first (companion) write of the block after `chain`'s last one puts there, as if the
// process died before the commit.
void WriteUncommittedBlock(KvStore& store, const ChainBuilder& chain, size_t n) {
  const BlockToAppend next = chain.Make(n);
  const uint64_t first = chain.leaf_hashes().size();
  WriteBatch batch;
  for (uint64_t i = 0; i < n; ++i) {
    batch.Put(keys::Entry(first + i), "uncommitted entry record");
    if ((first + i) % 2 == 1) batch.Put(keys::Node(1, (first + i) / 2), std::string(32, 'x'));
  }
  REQUIRE(store.Sequential()->Write(batch, true).ok());
}

// What the index-key write of that block puts in the index store: keys, then the marker.
void WriteUncommittedIndexKeys(KvStore& store, const ChainBuilder& chain, size_t n) {
  const uint64_t first = chain.leaf_hashes().size();
  WriteBatch batch;
  for (uint64_t i = 0; i < n; ++i) {
    const Hash32 h = ChainBuilder::TestDigest(500 + i);
    for (char kind : {keys::kDigest, keys::kEvidenceId, keys::kNonce}) {
      batch.Put(keys::Index(kind, h, first + i), "");
    }
  }
  batch.Put(keys::Pending(), "");
  REQUIRE(store.Write(batch, false).ok());
}

// A store whose writes fail on demand (a full or failing disk), over another store.
class FaultyStore : public ForwardingStore {
 public:
  FaultyStore(KvStore* target, std::unique_ptr<FaultyStore> companion)
      : ForwardingStore(target), companion_(std::move(companion)) {}
  Status Write(const WriteBatch& batch, bool sync) override {
    if (fail_writes) return Status::Error("io_error", "injected write failure");
    return ForwardingStore::Write(batch, sync);
  }
  KvStore* Sequential() override { return companion_.get(); }
  FaultyStore* companion() { return companion_.get(); }

  bool fail_writes = false;

 private:
  std::unique_ptr<FaultyStore> companion_;
};

// The newest write-ahead log file of the companion database.
std::filesystem::path NewestCompanionLog(const std::string& dir) {
  std::filesystem::path newest;
  for (const auto& f :
       std::filesystem::directory_iterator(std::filesystem::path(dir) / "entries")) {
    if (f.path().extension() == ".log" && (newest.empty() || f.path() > newest)) newest = f.path();
  }
  REQUIRE(!newest.empty());
  return newest;
}

TEST_CASE_TEMPLATE("records past the committed size are dropped at Open", B, MemoryBackend,
                   LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  ChainBuilder chain;
  {
    std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
    for (size_t n : {3, 4}) REQUIRE(chain.Append(*log, n).ok());
  }
  const auto committed = Dump(*store->Sequential());
  WriteUncommittedBlock(*store, chain, 5);
  CHECK(Dump(*store->Sequential()).size() > committed.size());
  if constexpr (B::kPersistent) {
    store.reset();
    store = backend.Open();
  }
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  CHECK(log->size() == 7);
  CHECK(log->height() == 2);
  CHECK(Dump(*store->Sequential()) == committed);
  // The block that never committed can be appended again (smaller this time).
  REQUIRE(chain.Append(*log, 2).ok());
  CHECK(log->Root() == crypto::RootFromLeafHashes(chain.leaf_hashes()));
  CHECK(*log->InclusionProof(8, 9) == crypto::InclusionProof(chain.leaf_hashes(), 8));
  CHECK(log->GetEntries(0, 9)->size() == 9);
}

TEST_CASE_TEMPLATE("index keys of a block that never committed are dropped at Open", B,
                   MemoryBackend, LevelDbBackend) {
  B backend;
  std::unique_ptr<KvStore> store = backend.Open();
  ChainBuilder chain;
  {
    std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
    for (size_t n : {3, 4}) REQUIRE(chain.Append(*log, n).ok());
  }
  const auto committed = Dump(*store);
  CHECK_FALSE(store->Get(keys::Pending())->has_value());  // each commit deletes the marker
  WriteUncommittedBlock(*store, chain, 5);
  WriteUncommittedIndexKeys(*store, chain, 5);
  if constexpr (B::kPersistent) {
    store.reset();
    store = backend.Open();
  }
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  CHECK(log->size() == 7);
  CHECK(Dump(*store) == committed);
  REQUIRE(chain.Append(*log, 5).ok());
  for (uint64_t i = 0; i < log->size(); ++i) {
    const Hash32 id = crypto::Sha256(log->GetEntry(i)->entry.statement);
    CHECK(*log->FindByEvidenceId(id) == i);
  }
}

TEST_CASE("after a failed write the block is not committed and appends wait for a reopen") {
  std::unique_ptr<KvStore> memory = NewMemoryStore();
  FaultyStore store(memory.get(), std::make_unique<FaultyStore>(memory->Sequential(), nullptr));
  ChainBuilder chain;
  std::unique_ptr<EvidenceLog> log = MustOpen(&store);
  REQUIRE(chain.Append(*log, 4).ok());
  const auto committed = Dump(*memory);
  const auto committed_entries = Dump(*memory->Sequential());
  const Hash32 root = log->Root();

  FaultyStore* failing = nullptr;
  SUBCASE("companion") { failing = store.companion(); }
  SUBCASE("index store") { failing = &store; }
  failing->fail_writes = true;
  const BlockToAppend next = chain.Make(3);
  CHECK(log->AppendBlock(next).code() == "io_error");
  CHECK(log->size() == 4);
  CHECK(log->Root() == root);
  CHECK(log->FindByDigest(ledger::Leaf::Decode(next.leaves[0])->digest)->empty());
  failing->fail_writes = false;
  CHECK(log->AppendBlock(next).code() == "io_error");  // refused until reopened

  log = MustOpen(&store);
  CHECK(log->size() == 4);
  CHECK(Dump(*memory) == committed);
  CHECK(Dump(*memory->Sequential()) == committed_entries);
  REQUIRE(log->AppendBlock(next).ok());
  chain.Advance(next);
  CHECK(log->Root() == crypto::RootFromLeafHashes(chain.leaf_hashes()));
}

TEST_CASE("a crash before the first commit leaves an empty log") {
  std::unique_ptr<KvStore> store = NewMemoryStore();
  WriteUncommittedBlock(*store, ChainBuilder(), 3);
  WriteUncommittedIndexKeys(*store, ChainBuilder(), 3);
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  CHECK(log->size() == 0);
  CHECK(Dump(*store->Sequential()).empty());
  CHECK(Dump(*store).empty());
}

TEST_CASE("a torn tail of the companion's write-ahead log is an unfinished block") {
  LevelDbBackend backend;
  ChainBuilder chain;
  {
    std::unique_ptr<KvStore> store = backend.Open();
    std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
    for (size_t n : {4, 6}) REQUIRE(chain.Append(*log, n).ok());
    WriteUncommittedBlock(*store, chain, 8);
  }
  // The uncommitted write is the last record of the companion's log: tear it.
  const std::filesystem::path wal = NewestCompanionLog(backend.dir.path());
  std::filesystem::resize_file(wal, std::filesystem::file_size(wal) - 20);
  std::unique_ptr<KvStore> store = backend.Open();
  std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
  CHECK(log->size() == 10);
  CHECK(log->GetEntries(0, 10)->size() == 10);
  REQUIRE(chain.Append(*log, 8).ok());
  CHECK(log->Root() == crypto::RootFromLeafHashes(chain.leaf_hashes()));
}

TEST_CASE("a companion that lost committed records is corruption") {
  SUBCASE("memory: the last committed entry deleted") {
    std::unique_ptr<KvStore> store = NewMemoryStore();
    {
      std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
      REQUIRE(ChainBuilder().Append(*log, 3).ok());
    }
    WriteBatch batch;
    batch.Delete(keys::Entry(2));
    REQUIRE(store->Sequential()->Write(batch, true).ok());
    CHECK(EvidenceLog::Open(store.get()).status().code() == "corruption");
  }
  SUBCASE("LevelDB: the companion's write-ahead log cut in half") {
    LevelDbBackend backend;
    {
      std::unique_ptr<KvStore> store = backend.Open();
      std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
      ChainBuilder chain;
      for (int i = 0; i < 4; ++i) REQUIRE(chain.Append(*log, 50).ok());
    }
    const std::filesystem::path wal = NewestCompanionLog(backend.dir.path());
    std::filesystem::resize_file(wal, std::filesystem::file_size(wal) / 2);
    std::unique_ptr<KvStore> store = backend.Open();
    CHECK(EvidenceLog::Open(store.get()).status().code() == "corruption");
  }
}

TEST_CASE("a commit whose companion records never became durable is rolled back at Open") {
  // The index store's commit and the companion's records are written at the same time; here
  // the companion's write fails (as a crash before its fsync would lose it), at the first block
  // and at a later one.
  std::unique_ptr<KvStore> memory = NewMemoryStore();
  FaultyStore store(memory.get(), std::make_unique<FaultyStore>(memory->Sequential(), nullptr));
  ChainBuilder chain;
  std::unique_ptr<EvidenceLog> log = MustOpen(&store);
  store.companion()->fail_writes = true;
  const BlockToAppend first = chain.Make(2);
  CHECK(log->AppendBlock(first).code() == "io_error");
  CHECK(memory->Get(keys::State())->has_value());  // the commit itself was written
  store.companion()->fail_writes = false;

  log = MustOpen(&store);
  CHECK(log->size() == 0);
  CHECK(log->height() == 0);
  CHECK(Dump(*memory).empty());
  REQUIRE(log->AppendBlock(first).ok());
  chain.Advance(first);
  REQUIRE(chain.Append(*log, 3).ok());
  const auto committed = Dump(*memory);

  store.companion()->fail_writes = true;
  const BlockToAppend third = chain.Make(4);
  CHECK(log->AppendBlock(third).code() == "io_error");
  store.companion()->fail_writes = false;
  log = MustOpen(&store);
  CHECK(log->size() == 5);
  CHECK(log->height() == 2);
  CHECK(Dump(*memory) == committed);
  CHECK(log->FindByDigest(ledger::Leaf::Decode(third.leaves[0])->digest)->empty());
  REQUIRE(log->AppendBlock(third).ok());
  chain.Advance(third);
  CHECK(log->Root() == crypto::RootFromLeafHashes(chain.leaf_hashes()));
}

TEST_CASE("a roll-back refuses a block record whose entries do not end at the log size") {
  // A commit whose last entry is missing, with the marker: Open would roll the block back to
  // the record's first entry. Here the record's first entry and count wrap around to the log
  // size (2^64 - 1 + 6 = 5): no block starts at entry 2^64 - 1, so nothing is rolled back and
  // the state stays as it was, for whoever looks at the damage.
  std::unique_ptr<KvStore> store = NewMemoryStore();
  AppendTwoBlocks(store.get());
  BlockRecord record = StoredBlockRecord(*store, 2);
  record.first_index = ~uint64_t{0};
  record.entry_count = 6;
  WriteBatch index;
  index.Put(keys::Block(2), EncodeBlockRecord(record));
  index.Put(keys::Pending(), "");
  REQUIRE(store->Write(index, true).ok());
  WriteBatch entries;
  entries.Delete(keys::Entry(4));
  REQUIRE(store->Sequential()->Write(entries, true).ok());
  const auto before = Dump(*store);

  CHECK(EvidenceLog::Open(store.get()).status().code() == "corruption");
  CHECK(Dump(*store) == before);
}

TEST_CASE("a roll-back happens only when the block before is whole, so a retry changes nothing") {
  // Only the block being appended can lack its records. Here the companion lost the last two
  // blocks' entries, and the marker is there (its deletion is not synced, so a crash often
  // leaves it): that is lost committed data, not an append in flight. Open must say so and
  // leave the store as it was, not roll back one block per attempt until the log opens shorter.
  std::unique_ptr<KvStore> store = NewMemoryStore();
  {
    std::unique_ptr<EvidenceLog> log = MustOpen(store.get());
    ChainBuilder chain;
    for (int i = 0; i < 4; ++i) REQUIRE(chain.Append(*log, 3).ok());
  }
  WriteBatch marker;
  marker.Put(keys::Pending(), "");
  REQUIRE(store->Write(marker, true).ok());
  WriteBatch lost;
  for (uint64_t i = 6; i < 12; ++i) lost.Delete(keys::Entry(i));
  REQUIRE(store->Sequential()->Write(lost, true).ok());
  const auto index = Dump(*store);
  const auto entries = Dump(*store->Sequential());

  for (int attempt = 0; attempt < 3; ++attempt) {
    CAPTURE(attempt);
    CHECK(EvidenceLog::Open(store.get()).status().code() == "corruption");
    CHECK(Dump(*store) == index);
    CHECK(Dump(*store->Sequential()) == entries);
  }
}

}  // namespace
}  // namespace evchain::storage
