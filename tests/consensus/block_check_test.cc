// CheckBlock with the facts VerifyContents made of each entry (ledger::EntryFacts): the same
// block as without them, and the entry is neither parsed nor hashed again (issue 11: a deposit
// is parsed and hashed once per validator).
#include "consensus/block_check.h"

#include <doctest/doctest.h>

#include <optional>
#include <vector>

#include "ledger/block.h"
#include "tests/consensus/sim.h"

namespace evchain::consensus {
namespace {

using EntryFactsList = std::vector<std::optional<ledger::EntryFacts>>;

bool NoDuplicateInChain(const Hash32&) { return false; }

struct BlockCheckFixture {
  sim::Simulation sim{sim::QuietOptions(7, 1000)};
  const genesis::Genesis& g = sim.genesis();
  const ChainPoint base{0, g.hash, g.genesis_time, crypto::MerkleFrontier()};
  std::vector<ledger::Entry> entries{sim.SignedDeposit("n-a", "evidence A"),
                                     sim.SignedDeposit("n-b", "evidence B")};
  const CheckedBlock built =
      BuildBlock(g, base, entries, g.genesis_time + 10, g.validators[0].id, 0);

  Result<CheckedBlock> Check(const EntryFactsList* facts) const {
    return CheckBlock(g, base, built.header, entries, NoDuplicateInChain, NoNonceTaken, facts);
  }
  EntryFactsList FactsOfAll() const {
    EntryFactsList facts;
    for (const ledger::Entry& e : entries) facts.emplace_back(*ledger::FactsOfEntry(g, e));
    return facts;
  }
};

}  // namespace

TEST_CASE("CheckBlock with the entries' facts gives the block it gives without them") {
  BlockCheckFixture f;
  Result<CheckedBlock> plain = f.Check(nullptr);
  REQUIRE(plain.ok());
  CHECK(plain->hash == f.built.hash);
  EntryFactsList facts = f.FactsOfAll();
  facts[1].reset();  // an entry without facts (a cache had verified it) is parsed as before
  Result<CheckedBlock> with = f.Check(&facts);
  REQUIRE(with.ok());
  CHECK(with->hash == plain->hash);
  CHECK(with->leaves == plain->leaves);
  CHECK(with->evidence_ids == plain->evidence_ids);
  CHECK(with->nonces == plain->nonces);
  CHECK(with->after.frontier.Root() == plain->after.frontier.Root());
  // What each parsed (the replica's evchain_consensus_statement_parses_total).
  CHECK(plain->parsed == 2);
  CHECK(with->parsed == 1);
  CHECK(f.built.parsed == 2);
}

TEST_CASE("CheckBlock takes an entry's facts instead of parsing it again") {
  BlockCheckFixture f;
  EntryFactsList facts = f.FactsOfAll();
  // EntryFactsList that disagree with the statement, which only a test can hand it (VerifyContents
  // makes them from the very entries): CheckBlock uses them, so it did not parse the entry.
  facts[0]->nonce = "from-the-facts";
  Result<CheckedBlock> used = f.Check(&facts);
  REQUIRE(used.ok());
  CHECK(used->nonces[0].second == "from-the-facts");
  CHECK(used->parsed == 0);
  // EntryFactsList for other entries (another count) are not used.
  EntryFactsList wrong_count = f.FactsOfAll();
  wrong_count.pop_back();
  wrong_count[0]->nonce = "from-the-facts";
  Result<CheckedBlock> ignored = f.Check(&wrong_count);
  REQUIRE(ignored.ok());
  CHECK(ignored->nonces[0].second == "n-a");
}

TEST_CASE("BuildBlock takes the pool's facts instead of parsing the entries again") {
  BlockCheckFixture f;
  EntryFactsList facts = f.FactsOfAll();
  const CheckedBlock same =
      BuildBlock(f.g, f.base, f.entries, f.g.genesis_time + 10, f.g.validators[0].id, 0, &facts);
  CHECK(same.hash == f.built.hash);
  CHECK(same.leaves == f.built.leaves);
  CHECK(same.parsed == 0);
  facts[1]->nonce = "from-the-facts";
  const CheckedBlock used =
      BuildBlock(f.g, f.base, f.entries, f.g.genesis_time + 10, f.g.validators[0].id, 0, &facts);
  REQUIRE(used.nonces.size() == 2);
  CHECK(used.nonces[1].second == "from-the-facts");
}

}  // namespace evchain::consensus
