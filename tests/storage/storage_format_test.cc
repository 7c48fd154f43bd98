// docs/storage-format.md's test vector: the exact keys (hex) a one-entry first block writes in
// the index store and then in its companion, read from the document itself so the document and
// the code cannot drift apart.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "crypto/sha256.h"
#include "storage/codec.h"
#include "storage/evidence_log.h"
#include "storage/keys.h"
#include "storage/records.h"
#include "tests/storage/chain_builder.h"

namespace evchain::storage {
namespace {

// The first words of the lines between the test-vector markers of docs/storage-format.md, one
// per line.
std::string DocumentedKeys() {
  std::ifstream in(std::string(EVCHAIN_SOURCE_DIR) + "/docs/storage-format.md");
  REQUIRE(in.good());
  std::string keys;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "<!-- test-vector-keys:end -->") break;
    if (inside && !line.empty() && line != "```") keys += line.substr(0, line.find(' ')) + "\n";
    if (line == "<!-- test-vector-keys:begin -->") inside = true;
  }
  return keys;
}

std::string Hex(std::string_view s) { return ToHex(AsBytes(s)); }

TEST_CASE("a one-entry first block writes exactly the documented keys") {
  std::unique_ptr<KvStore> store = NewMemoryStore();
  Result<std::unique_ptr<EvidenceLog>> log = EvidenceLog::Open(store.get());
  REQUIRE(log.ok());
  testing::ChainBuilder chain;
  REQUIRE(chain.Append(**log, {crypto::Sha256("evidence")}).ok());

  std::string written;  // compared as text so a mismatch prints both lists
  for (const auto& [key, value] : testing::Dump(*store)) written += Hex(key) + "\n";
  for (const auto& [key, value] : testing::Dump(*store->Sequential())) written += Hex(key) + "\n";
  CHECK(written == DocumentedKeys());

  // Spot checks of the layout the document describes.
  const Hash32 evidence_id = crypto::Sha256((*log)->GetEntry(0)->entry.statement);
  CHECK(*store->Get(keys::Index(keys::kEvidenceId, evidence_id, 0)) == "");
  CHECK(*store->Get(keys::Index(
            keys::kNonce, crypto::Sha256(std::string("\x0d") + "demo-platform" + "n-0"), 0)) == "");
  CHECK(*store->Get(keys::BlockEnd(0)) == std::string(7, '\0') + '\x01');
  CHECK(*store->Get(keys::Index(keys::kDigest, crypto::Sha256("evidence"), 0)) == "");
  CHECK(store->Sequential()->Get(keys::Entry(0))->has_value());
  const std::string state = **store->Get(keys::State());
  CHECK(state.size() == 48);
  CHECK(Hex(state.substr(0, 16)) == "00000000000000010000000000000001");
}

}  // namespace
}  // namespace evchain::storage

namespace evchain::storage {
namespace {

bool DecodesVarint(std::string_view bytes, uint64_t* v) {
  Reader r(bytes);
  return r.Varint(v) && r.empty();
}

TEST_CASE("a varint has one encoding: overlong forms are corruption") {
  // Found by fuzz/fuzz_records.cc: a statement length 127 stored as 0xff 0x00 decoded like 0x7f,
  // so two different records decoded to the same entry.
  uint64_t v = 99;
  CHECK((DecodesVarint(std::string_view("\x00", 1), &v) && v == 0));
  CHECK((DecodesVarint("\x7f", &v) && v == 127));
  CHECK((DecodesVarint("\x80\x01", &v) && v == 128));
  CHECK_FALSE(DecodesVarint(std::string_view("\x80\x00", 2), &v));
  CHECK_FALSE(DecodesVarint(std::string_view("\xff\x00", 2), &v));
  CHECK_FALSE(DecodesVarint(std::string_view("\x80\x80\x00", 3), &v));
  std::string max;
  PutVarint(max, UINT64_MAX);
  CHECK((DecodesVarint(max, &v) && v == UINT64_MAX));

  ledger::Entry entry;
  entry.statement = std::string(127, 's');
  const Bytes leaf(113, 0x01);
  std::string record = EncodeEntryRecord(entry, leaf);
  ledger::Entry decoded;
  Bytes decoded_leaf;
  REQUIRE(DecodeEntryRecord(record, &decoded, &decoded_leaf).ok());
  // flags (1) || varint 113 (1) || leaf (113) || signature (64) || varint 127 (1) || statement
  const size_t at = 1 + 1 + 113 + 64;
  REQUIRE(static_cast<uint8_t>(record[at]) == 0x7f);
  record.replace(at, 1, std::string("\xff\x00", 2));
  CHECK(DecodeEntryRecord(record, &decoded, &decoded_leaf).code() == "corruption");
}

}  // namespace
}  // namespace evchain::storage
