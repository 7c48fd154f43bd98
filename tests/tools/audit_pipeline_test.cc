// The audit pipeline (tools/cli/audit_core.cc) over an in-memory block source: the first bad
// height and its reason must not depend on the number of worker threads or on which block a
// worker finishes first, and read errors, index problems and totals are ordered with them.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "crypto/sha256.h"
#include "storage/evidence_log.h"
#include "storage/kv_store.h"
#include "tools/cli/audit_core.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::cli {
namespace {

using synthetic::ChainBuilder;
using synthetic::MakeTestNetwork;
using synthetic::TestNetwork;

constexpr UnixMillis kGenesisTime = 1795865400000;

// Blocks held in memory, with hooks to make a height unreadable or an index check fail.
class MemorySource : public BlockSource {
 public:
  std::string Describe() const override { return "memory"; }
  uint64_t ExpectedBlocks() const override { return blocks.size(); }
  uint64_t ExpectedEntries() const override { return 0; }
  Read ReadBlock(uint64_t height) override {
    if (auto it = read_results.find(height); it != read_results.end()) {
      return {it->second, {}, "cannot read block " + std::to_string(height)};
    }
    if (height > blocks.size()) return {Read::Kind::kEnd, {}, ""};
    return {Read::Kind::kBlock, blocks[height - 1], ""};
  }
  std::string CheckEntryIndexes(const EntryFacts& facts) override {
    index_checks.insert(facts.index);
    return bad_index == facts.index ? "digest index misses this entry" : "";
  }
  std::string CheckTotals(uint64_t, uint64_t, const Hash32&) override { return totals_reason; }

  std::vector<AuditBlock> blocks;
  std::map<uint64_t, Read::Kind> read_results;
  std::optional<uint64_t> bad_index;
  std::string totals_reason;
  std::set<uint64_t> index_checks;
};

std::unique_ptr<storage::EvidenceLog> OpenLog(storage::KvStore* store) {
  auto log = storage::EvidenceLog::Open(store);
  REQUIRE(log.ok());
  return std::move(*log);
}

// A chain of `sizes.size()` blocks with sizes[h-1] single-signed entries in block h, cosigned by
// 3 of 4 validators.
struct Chain {
  explicit Chain(const std::vector<size_t>& sizes)
      : net(MakeTestNetwork("audit-pipeline", kGenesisTime)),
        store(storage::NewMemoryStore()),
        log(OpenLog(store.get())) {
    ChainBuilder builder(net, log.get(), 3);
    uint64_t n = 0;
    for (size_t h = 0; h < sizes.size(); ++h) {
      std::vector<ledger::Entry> entries;
      for (size_t i = 0; i < sizes[h]; ++i, ++n) {
        entries.push_back(
            builder.Deposit(crypto::Sha256("e" + std::to_string(n)), "n-" + std::to_string(n)));
      }
      REQUIRE(builder.AppendBlock(std::move(entries), kGenesisTime + 1000 * (h + 1)).ok());
    }
  }

  // The blocks as a data directory source states them.
  MemorySource Source() const {
    MemorySource source;
    for (uint64_t h = 1; h <= log->height(); ++h) {
      auto stored = log->GetBlock(h);
      REQUIRE(stored.ok());
      AuditBlock block;
      block.header = stored->header;
      block.claimed_hash = stored->hash;
      block.certificate = stored->certificate;
      block.first_index = stored->first_index;
      auto entries = log->GetEntries(stored->first_index, stored->entry_count);
      REQUIRE(entries.ok());
      for (auto& e : *entries) {
        block.entries.push_back({e.index, e.entry, e.leaf, "", e.block_height});
      }
      source.blocks.push_back(std::move(block));
    }
    return source;
  }

  TestNetwork net;
  std::unique_ptr<storage::KvStore> store;
  std::unique_ptr<storage::EvidenceLog> log;
};

void FlipSignature(MemorySource& s, uint64_t height, size_t entry) {
  s.blocks[height - 1].entries[entry].entry.signature[5] ^= 0x01;
}

struct Outcome {
  std::optional<uint64_t> first_bad_height;
  std::string reason;
  uint64_t blocks = 0;
  uint64_t entries = 0;
  bool io_error = false;
};

// Audits `source` with each thread count and requires the same outcome from all of them.
Outcome AuditAll(const Chain& chain, const MemorySource& source) {
  std::optional<Outcome> first;
  for (unsigned threads : {1u, 2u, 8u}) {
    MemorySource copy = source;
    AuditReport r = RunAudit(copy, chain.net.genesis, {threads, false});
    Outcome o{r.first_bad_height, r.reason, r.blocks, r.entries, r.io_error};
    if (!first) {
      first = o;
      continue;
    }
    INFO("threads " << threads);
    CHECK(o.first_bad_height == first->first_bad_height);
    CHECK(o.reason == first->reason);
    CHECK(o.blocks == first->blocks);
    CHECK(o.entries == first->entries);
    CHECK(o.io_error == first->io_error);
  }
  return *first;
}

TEST_CASE("a clean chain longer than the pipeline window audits clean on 1, 2 and 8 threads") {
  Chain chain(std::vector<size_t>(40, 5));
  MemorySource source = chain.Source();
  for (unsigned threads : {1u, 2u, 8u}) {
    MemorySource copy = source;
    AuditReport r = RunAudit(copy, chain.net.genesis, {threads, false});
    CHECK(r.ok());
    CHECK(r.blocks == 40);
    CHECK(r.entries == 200);
    CHECK(r.signatures_checked == 200 + 40 * 3);
    CHECK(r.first_time == kGenesisTime + 1000);
    CHECK(r.last_time == kGenesisTime + 40000);
    CHECK(copy.index_checks.size() == 200);  // every entry's indexes, once
  }
}

TEST_CASE("the lowest bad height wins whatever the workers finish first") {
  Chain chain(std::vector<size_t>(40, 5));
  MemorySource source = chain.Source();
  FlipSignature(source, 9, 2);
  source.blocks[19].certificate[10] ^= 0x01;      // block 20: certificate
  source.blocks[29].header.prev_hash[0] ^= 0x01;  // block 30: hash link (read-time check)
  Outcome o = AuditAll(chain, source);
  REQUIRE(o.first_bad_height == 9);
  CHECK(o.reason == "entry 42: depositor signature does not verify");
  CHECK(o.blocks == 8);
  CHECK(o.entries == 40);
}

TEST_CASE("within a block the earliest bad entry is named, across worker tasks") {
  // One block of 300 entries: more than one worker task.
  Chain chain({3, 300, 3});
  MemorySource source = chain.Source();
  FlipSignature(source, 2, 250);
  source.blocks[1].entries[10].entry.statement += "x";  // no longer matches its leaf
  Outcome o = AuditAll(chain, source);
  REQUIRE(o.first_bad_height == 2);
  CHECK(o.reason == "entry 13: leaf's statement hash != its statement");
  CHECK(o.blocks == 1);
  CHECK(o.entries == 3);
}

TEST_CASE("a block's content is checked before its certificate, its root before both orders") {
  Chain chain(std::vector<size_t>(4, 5));
  MemorySource source = chain.Source();
  source.blocks[2].certificate[10] ^= 0x01;
  FlipSignature(source, 3, 4);
  Outcome o = AuditAll(chain, source);
  REQUIRE(o.first_bad_height == 3);
  CHECK(o.reason == "entry 14: depositor signature does not verify");

  MemorySource cert_only = chain.Source();
  cert_only.blocks[2].certificate[10] ^= 0x01;
  o = AuditAll(chain, cert_only);
  REQUIRE(o.first_bad_height == 3);
  CHECK(o.reason.rfind("certificate: ", 0) == 0);
}

TEST_CASE("a read problem counts only if every block before it passes") {
  Chain chain(std::vector<size_t>(30, 4));
  MemorySource source = chain.Source();
  source.read_results[25] = BlockSource::Read::Kind::kBad;
  Outcome o = AuditAll(chain, source);
  CHECK(o.first_bad_height == 25);
  CHECK(o.reason == "cannot read block 25");
  CHECK(o.blocks == 24);

  FlipSignature(source, 22, 0);  // inside the pipeline window when block 25 is read
  o = AuditAll(chain, source);
  CHECK(o.first_bad_height == 22);
  CHECK(o.blocks == 21);
}

TEST_CASE("an I/O error stops the audit after the blocks read before it are checked") {
  Chain chain(std::vector<size_t>(20, 4));
  MemorySource source = chain.Source();
  source.read_results[15] = BlockSource::Read::Kind::kIoError;
  Outcome o = AuditAll(chain, source);
  CHECK(o.io_error);
  CHECK_FALSE(o.first_bad_height);
  CHECK(o.blocks == 14);
  CHECK(o.entries == 56);

  FlipSignature(source, 12, 1);
  o = AuditAll(chain, source);
  CHECK(o.io_error);
  CHECK(o.first_bad_height == 12);
  CHECK(o.blocks == 11);
}

TEST_CASE("index problems and totals are filed under their block") {
  Chain chain(std::vector<size_t>(10, 4));
  MemorySource source = chain.Source();
  source.bad_index = 17;  // block 5 holds entries 16..19
  Outcome o = AuditAll(chain, source);
  CHECK(o.first_bad_height == 5);
  CHECK(o.reason == "entry 17: digest index misses this entry");

  MemorySource totals = chain.Source();
  totals.totals_reason = "digest index records: 41 stored, 40 expected";
  o = AuditAll(chain, totals);
  CHECK(o.first_bad_height == 10);
  CHECK(o.reason == totals.totals_reason);
  CHECK(o.blocks == 9);
}

TEST_CASE("block 1 must be later than the genesis time, as consensus requires") {
  for (const UnixMillis offset : {0, 1}) {
    TestNetwork net = MakeTestNetwork("audit-pipeline", kGenesisTime);
    auto store = storage::NewMemoryStore();
    auto log = OpenLog(store.get());
    ChainBuilder builder(net, log.get(), 3);
    REQUIRE(builder.AppendBlock({builder.Deposit(crypto::Sha256("x"), "n")}, kGenesisTime + offset)
                .ok());
    MemorySource source;
    auto stored = log->GetBlock(1);
    REQUIRE(stored.ok());
    AuditBlock block{stored->header,      stored->hash, stored->certificate,
                     stored->first_index, {},           std::nullopt};
    auto entries = log->GetEntries(0, 1);
    REQUIRE(entries.ok());
    block.entries.push_back({0, (*entries)[0].entry, (*entries)[0].leaf, "", 1});
    source.blocks.push_back(block);
    AuditReport r = RunAudit(source, net.genesis, {2, false});
    INFO("block 1 at genesis time + " << offset << " ms: " << r.reason);
    if (offset == 0) {
      CHECK(r.first_bad_height == 1);
      CHECK(r.reason.find("is not after the genesis time") != std::string::npos);
    } else {
      CHECK(r.ok());
    }
  }
}

}  // namespace
}  // namespace evchain::cli
