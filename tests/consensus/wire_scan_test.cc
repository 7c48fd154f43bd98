// consensus::ScanWire: the objects a message would parse into, counted on the wire.
#include "consensus/wire_scan.h"

#include <doctest/doctest.h>

#include <string>

#include "proto/consensus.pb.h"

namespace evchain::consensus {
namespace {

// PrePrepare (message 0) → entries (Deposit, 1) → batch (BatchProof, 2) → item_proof_list.
constexpr WireRule kRules[] = {
    {.message = 0, .field = 3, .child = 1, .element = true},
    {.message = 1, .field = 3, .child = 2, .element = true},
    {.message = 2, .field = 4, .element = true, .max_occurrences = 3},
};

pb::PrePrepare WithEntries(int entries) {
  pb::PrePrepare pp;
  pp.set_view(7);                      // a varint field: skipped
  pp.mutable_header()->set_height(1);  // a message without a rule: skipped unread
  for (int i = 0; i < entries; ++i) pp.add_entries()->set_statement("statement");
  return pp;
}

TEST_CASE("wire scan: counts each element of the fields its rules name, descending into them") {
  pb::PrePrepare pp = WithEntries(4);
  pp.mutable_entries(0)->mutable_batch()->add_item_proof_list("p");
  const std::string wire = pp.SerializeAsString();
  CHECK(ScanWire(wire, kRules, 6) == WireScan::kOk);  // 4 entries + 1 batch + 1 proof hash
  CHECK(ScanWire(wire, kRules, 5) == WireScan::kTooManyElements);
  CHECK(ScanWire("", kRules, 0) == WireScan::kOk);
}

TEST_CASE("wire scan: a field past its rule's most occurrences, across the whole message") {
  pb::PrePrepare pp = WithEntries(2);
  for (int i = 0; i < 2; ++i) pp.mutable_entries(0)->mutable_batch()->add_item_proof_list("p");
  pp.mutable_entries(1)->mutable_batch()->add_item_proof_list("p");
  CHECK(ScanWire(pp.SerializeAsString(), kRules, 100) == WireScan::kOk);  // 3 in all
  pp.mutable_entries(1)->mutable_batch()->add_item_proof_list("p");
  CHECK(ScanWire(pp.SerializeAsString(), kRules, 100) == WireScan::kTooManyOccurrences);
}

TEST_CASE("wire scan: what libprotobuf would refuse is malformed") {
  const std::string wire = WithEntries(2).SerializeAsString();
  CHECK(ScanWire(wire.substr(0, wire.size() - 1), kRules, 100) == WireScan::kMalformed);
  // A length past the end of the bytes, inside a field the scan descends into and one it skips.
  CHECK(ScanWire(std::string("\x1a\x05\x0a\x01", 4), kRules, 100) == WireScan::kMalformed);
  CHECK(ScanWire(std::string("\x12\x7f", 2), kRules, 100) == WireScan::kMalformed);
  // An inner length that runs past its outer one, though not past the bytes: an entry of 2
  // bytes holding a batch of 5, then bytes that read as the pre-prepare's view (field 1).
  const std::string overlong("\x1a\x02\x1a\x05\x08\x01\x08\x01\x08\x01", 10);
  pb::PrePrepare parsed;
  CHECK_FALSE(parsed.ParseFromString(overlong));  // libprotobuf refuses it
  CHECK(ScanWire(overlong, kRules, 100) == WireScan::kMalformed);
  CHECK(ScanWire(std::string("\x00", 1), kRules, 100) == WireScan::kMalformed);      // tag 0
  CHECK(ScanWire(std::string("\x08\xff", 2), kRules, 100) == WireScan::kMalformed);  // varint
}

TEST_CASE("wire scan: rules that nest a message in itself stop at a fixed depth") {
  constexpr WireRule kSelf[] = {{.message = 0, .field = 1, .child = 0}};
  std::string wire;
  for (int depth = 0; depth < 40; ++depth) {
    wire = std::string(1, '\x0a') + static_cast<char>(wire.size()) + wire;
  }
  CHECK(ScanWire(wire, kSelf, 100) == WireScan::kMalformed);
  std::string shallow;
  for (int depth = 0; depth < 8; ++depth) {
    shallow = std::string(1, '\x0a') + static_cast<char>(shallow.size()) + shallow;
  }
  CHECK(ScanWire(shallow, kSelf, 100) == WireScan::kOk);
}

}  // namespace
}  // namespace evchain::consensus
