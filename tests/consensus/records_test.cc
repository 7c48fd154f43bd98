#include "consensus/records.h"

#include <doctest/doctest.h>

namespace evchain::consensus {
namespace {

TEST_CASE("each message record is written once and deleted with its seq") {
  ConsensusRecords records;
  const auto a = records.AddMessage(3, "pre-prepare at 3");
  REQUIRE(a);
  CHECK(a->key.starts_with("msg/00000000000000000003/"));
  CHECK(a->value == "pre-prepare at 3");
  CHECK_FALSE(records.AddMessage(3, "pre-prepare at 3"));  // recorded already
  REQUIRE(records.AddMessage(3, "prepare at 3"));
  REQUIRE(records.AddMessage(4, "prepare at 4"));
  CHECK(records.message_records() == 3);

  const std::vector<PersistOp> deletes = records.DropThrough(3);
  REQUIRE(deletes.size() == 2);
  for (const PersistOp& op : deletes) {
    CHECK(op.key.starts_with("msg/00000000000000000003/"));
    CHECK_FALSE(op.value);
  }
  CHECK(records.message_records() == 1);
  CHECK(records.DropThrough(3).empty());
}

TEST_CASE("a reload knows its message records, reads the state, and deletes pool records") {
  ConsensusRecords before;
  std::map<std::string, std::string> stored;
  for (const auto& [seq, wire] :
       std::vector<std::pair<uint64_t, std::string>>{{7, "commit at 7"}, {5, "prepare at 5"}}) {
    const auto op = before.AddMessage(seq, wire);
    stored[op->key] = *op->value;
  }
  pb::ReplicaState state;
  state.set_view(4);
  state.set_stable_seq(2);
  const PersistOp state_op = ConsensusRecords::StateRecord(state);
  stored[state_op.key] = *state_op.value;
  stored["pool/00ff"] = "a deposit of the old layout";

  ConsensusRecords after;
  const ConsensusRecords::Restored loaded = after.Load(stored);
  REQUIRE(loaded.state);
  CHECK(loaded.state->view() == 4);
  CHECK(loaded.state->stable_seq() == 2);
  REQUIRE(loaded.messages.size() == 2);
  CHECK(loaded.messages[0] == std::pair<uint64_t, std::string>{5, "prepare at 5"});  // by seq
  CHECK(loaded.messages[1] == std::pair<uint64_t, std::string>{7, "commit at 7"});
  REQUIRE(loaded.obsolete.size() == 1);
  CHECK(loaded.obsolete[0].key == "pool/00ff");
  CHECK_FALSE(loaded.obsolete[0].value);
  CHECK_FALSE(after.AddMessage(7, "commit at 7"));  // known from the reload
  CHECK(after.DropThrough(10).size() == 2);

  stored["state"] = "not a ReplicaState \xff\xff";
  CHECK_FALSE(ConsensusRecords().Load(stored).state);
}

}  // namespace
}  // namespace evchain::consensus
