// Receipts: the worked example of docs/receipts.md (checked against the doc's literals), JSON
// strictness, and verification failing at the right step for every kind of tampering.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/ledger/example_chain.h"

namespace evchain::ledger {
namespace {

using testing::ChainBuilder;
using testing::KeyFromByte;
using testing::SignedEntry;

std::string ReceiptsDoc() {
  std::ifstream in(std::string(EVCHAIN_SOURCE_DIR) + "/docs/receipts.md");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void CheckInReceiptsDoc(const std::string& literal) {
  static const std::string doc = ReceiptsDoc();
  INFO("not found in docs/receipts.md: ", literal);
  CHECK(doc.find(literal) != std::string::npos);
}

DepositStatement Statement(int i) {
  DepositStatement s;
  s.chain_id = "evchain-example";
  s.depositor = "demo-platform";
  s.digest = crypto::Sha256("evchain example evidence " + std::to_string(i) + "\n");
  s.nonce = "n-000" + std::to_string(i);
  if (i == 1) {
    s.kind = "webpage";
    s.source = "https://forum.example.com/t/42?page=3";
    s.captured_at = "2026-11-28T11:10:27.123Z";
    s.case_ref = "（2026）浙0192民初81号";
    s.related = {EvidenceId(Statement(0).Canonical())};
  }
  if (i == 2) s.kind = "screenshot";
  return s;
}

// docs/receipts.md: block 1 holds entry 0, block 2 entries 1 and 2; the receipt is entry 1's.
ChainBuilder ReceiptExampleChain() {
  const auto depositor = KeyFromByte(0x11);
  ChainBuilder chain(testing::ExampleGenesis(), testing::ExampleValidatorKeys());
  chain.AddBlock({SignedEntry(Statement(0), depositor)}, *ParseRfc3339("2026-11-28T11:30:26.456Z"));
  chain.AddBlock({SignedEntry(Statement(1), depositor), SignedEntry(Statement(2), depositor)},
                 *ParseRfc3339("2026-11-28T11:30:27.123Z"));
  return chain;
}

constexpr std::string_view kExampleReceipt = R"({
  "format": "evchain-receipt/1",
  "chain_id": "evchain-example",
  "genesis_hash": "e59b5cc2b07292f383b904dae8a45ba713a32857c83ecee75f68f191205d3853",
  "evidence_id": "9f8d23c58879b5f441f1d96e3adc105024b00b9e20ddeb1a3a8de5653e7d8b05",
  "statement": "evchain-deposit/1\nchain_id: evchain-example\ndepositor: demo-platform\ndigest: 50e89c84209605caabdffd0a643a68dec4256af2d097d56880a75a6e983837d8\nkind: webpage\nsource: https://forum.example.com/t/42?page=3\ncaptured_at: 2026-11-28T11:10:27.123Z\ncase_ref: （2026）浙0192民初81号\nrelated: d901b640fdd30140d16f0508e773bb45676f44ff6224e9b885925d1817a418a6\nnonce: n-0001\n",
  "signature": "65489a70b1609eb7b47c72d8e018a4851900bacf91c75c464db6b108f595627753cbcfe83c212da77893df4d4513a87eda6226f238794c13cbfdcc5d54c03704",
  "depositor_key": "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737",
  "leaf": "AZ+NI8WIebX0QfHZbjrcEFAksAueIN3rGjqN5WU+fYsFUOichCCWBcqr3/0KZDpo3sQlavLQl9VogKdabpg4N9jQSrIydCu0qzoTaL1GFeTm0CJKtxoBa6+FIKMyyXeHNwAAAAAAAAACAAABoiHrvLM=",
  "leaf_index": 1,
  "tree_size": 3,
  "inclusion_proof": [
    "637fede1135e9cdcee65035878ed83989d8afafb04a6d5be3eaba26e67eba44a",
    "90586a04366094c45e7b397aa781c05dc306fd8934b131ec77d0bfa25b6110dd"
  ],
  "checkpoint": "evchain/evchain-example\n3\n7VwilxlD5eCbZlg8tshFvdqu8lc6b7rtRwWVpB0R3Vk=\nheight 2\nblock 467798dbf377eda8d13f68af51b393e030e4f98c643276ee2ad7caa42c6a12d6\ntime 2026-11-28T11:30:27.123Z\n\n— court-1 Cg/eTgAAAABrCrtU4wwVTDG2vVLqZKX/df9AH/bCW3uNhGfTPdbHB5V8/IEnN7n0EHKXh739o1wW9KasUQlrmXgI9oayqEj3xNVlAQ==\n— court-2 sx2lGgAAAABrCrtUN6lJbwgzenDTgpGIQ4dNBrkHkIZxdCMXXsSzgm6tWGgUv+lWRI1VdkQPRn4RWA1P8Bj0nZgjrVeZX/uCq7u3Cw==\n— notary-1 Xwbt9wAAAABrCrtU4Zo/D/j/WMDzUAgVJ/nEpnBbTSnBmzbQh6XudvJeM0OrHxhj2ZJ7lFXBhBvCE/Y588gcM00vOYf/qcZYkgKUDA==\n— time-1 Sp6GAQAAAABrCrtUZtN5v1dpMS62SKXf2zQqihd5U1v0agZC+fUrbvvXEnYd4X4lrtMPb0roEp0hfjEOe9ppBAzamcqokP5YIWkCAw==\n",
  "block": {
    "height": 2,
    "hash": "467798dbf377eda8d13f68af51b393e030e4f98c643276ee2ad7caa42c6a12d6",
    "time": "2026-11-28T11:30:27.123Z"
  }
}
)";

// The intermediate values docs/receipts.md derives by hand.
constexpr std::string_view kFileDigest =
    "50e89c84209605caabdffd0a643a68dec4256af2d097d56880a75a6e983837d8";
constexpr std::string_view kRoot =
    "ed5c22971943e5e09b66583cb6c845bddaaef2573a6fbaed470595a41d11dd59";

std::vector<std::string> StepNames(const ReceiptVerification& v) {
  std::vector<std::string> names;
  for (const VerifyStep& s : v.steps) names.push_back(s.name);
  return names;
}

// The name of the failing step, or "" when all pass.
std::string FailedStep(const Receipt& r, const genesis::Genesis& g,
                       const std::optional<Hash32>& file = std::nullopt) {
  const ReceiptVerification v = VerifyReceipt(r, g, file);
  if (v.ok) return "";
  REQUIRE_FALSE(v.steps.empty());
  CHECK_FALSE(v.steps.back().ok);
  return v.steps.back().name;
}

TEST_CASE("worked example: the receipt of docs/receipts.md, byte for byte") {
  const Receipt r = ReceiptExampleChain().ReceiptFor(1);
  CHECK(r.ToJson() == kExampleReceipt);
  CheckInReceiptsDoc(std::string(kExampleReceipt));
  const auto g = testing::ExampleGenesis();
  const Hash32 file = crypto::Sha256("evchain example evidence 1\n");
  CHECK(ToHex(file) == kFileDigest);
  const ReceiptVerification v = VerifyReceipt(r, g, file);
  CHECK(v.ok);
  CHECK(StepNames(v) == std::vector<std::string>{"file", "digest", "statement",
                                                 "depositor_signature", "leaf", "inclusion_proof",
                                                 "checkpoint_root", "quorum", "time_attestation"});
  CHECK(v.depositor_id == "demo-platform");
  REQUIRE(v.signers.size() == 4);
  CHECK(v.signers[3].validator_id == "time-1");
  CHECK(v.signers[3].role == genesis::Role::kTime);
  CHECK(v.signers[3].timestamp == 1795865428);
  // Intermediate values the doc computes step by step.
  const Hash32 leaf_hash = crypto::LeafHash(r.leaf);
  const Hash32 left = crypto::NodeHash(r.inclusion_proof[0], leaf_hash);
  CHECK(ToHex(crypto::NodeHash(left, r.inclusion_proof[1])) == kRoot);
  for (const std::string& literal : {std::string(kFileDigest), ToHex(leaf_hash), ToHex(left),
                                     std::string(kRoot), ToHex(g.hash)}) {
    CheckInReceiptsDoc(literal);
  }
}

TEST_CASE("receipt JSON round-trips and FromJson is strict") {
  const Receipt r = ReceiptExampleChain().ReceiptFor(1);
  const auto back = Receipt::FromJson(r.ToJson());
  REQUIRE(back.ok());
  CHECK(back->ToJson() == r.ToJson());
  // The value API answers embed is the file form's object, field for field.
  CHECK(r.ToJsonValue() == nlohmann::json::parse(r.ToJson()));
  auto code = [](std::string_view json) { return Receipt::FromJson(json).status().code(); };
  auto edit = [&](std::string_view from, std::string_view to) {
    std::string json(kExampleReceipt);
    const size_t at = json.find(from);
    REQUIRE(at != std::string::npos);
    return json.replace(at, from.size(), to);
  };
  CHECK(code("not json") == "bad_receipt");
  CHECK(code("[]") == "bad_receipt");
  CHECK(code(edit("evchain-receipt/1", "evchain-receipt/2")) == "bad_receipt");
  CHECK(code(edit("\"leaf_index\": 1", "\"leaf_index\": -1")) == "bad_receipt");
  CHECK(code(edit("\"leaf_index\": 1", "\"leaf_index\": \"1\"")) == "bad_receipt");
  CHECK(code(edit("\"tree_size\": 3,\n", "")) == "bad_receipt");
  CHECK(code(edit("\"tree_size\": 3,", "\"tree_size\": 3, \"extra\": 1,")) == "bad_receipt");
  CHECK(code(edit("\"tree_size\": 3,", "\"tree_size\": 3, \"tree_size\": 3,")) == "bad_receipt");
  CHECK(Receipt::FromJson(edit("\"height\": 2,", "\"height\": 2, \"height\": 3,"))
            .status()
            .message() == "duplicate key \"height\"");
  CHECK(code(edit("\"signature\": \"65", "\"signature\": \"")) == "bad_receipt");
  CHECK(code(edit("\"depositor_key\": \"d0", "\"depositor_key\": \"D0")) == "bad_receipt");
  CHECK(code(edit("\"leaf\": \"AZ", "\"leaf\": \"A Z")) == "bad_receipt");
  CHECK(code(edit("\"637fede1", "\"637FEDE1")) == "bad_receipt");
  CHECK(code(edit("\"time\": \"2026-11-28T11:30:27.123Z\"", "\"time\": \"noon\"")) ==
        "bad_receipt");
  CHECK(code(edit("\"height\": 2,", "\"height\": 2, \"view\": 0,")) == "bad_receipt");
  // A genesis file given as the receipt is named as not a receipt, not by its first field
  // (until 2026-12-07: "genesis_time: unknown field").
  const Status genesis_given =
      Receipt::FromJson(R"({"chain_id": "x", "genesis_time": "2026-11-28T00:00:00Z"})").status();
  CHECK(genesis_given.code() == "bad_receipt");
  CHECK(genesis_given.message().find("not an evchain receipt") != std::string::npos);
}

struct Tamper {
  Receipt receipt = ReceiptExampleChain().ReceiptFor(1);
  genesis::Genesis genesis = testing::ExampleGenesis();
};

TEST_CASE("verification fails at the right step for each tampering") {
  const Hash32 file = crypto::Sha256("evchain example evidence 1\n");
  {
    Tamper t;
    CHECK(FailedStep(t.receipt, t.genesis, file) == "");
    CHECK(FailedStep(t.receipt, t.genesis, crypto::Sha256("another file\n")) == "file");
  }
  {  // Statement edit that keeps it canonical: the evidence id no longer matches.
    Tamper t;
    t.receipt.statement.replace(t.receipt.statement.find("n-0001"), 6, "n-0009");
    CHECK(FailedStep(t.receipt, t.genesis, file) == "statement");
  }
  {  // Statement edit that breaks the canonical form.
    Tamper t;
    t.receipt.statement.replace(t.receipt.statement.find("kind: webpage"), 13, "kind:  webpage");
    CHECK(FailedStep(t.receipt, t.genesis) == "statement");
  }
  {  // Edited digest in the statement: no longer the file's, nor the leaf's.
    Tamper t;
    t.receipt.statement.replace(t.receipt.statement.find("digest: 50"), 10, "digest: 51");
    CHECK(FailedStep(t.receipt, t.genesis, file) == "file");
    CHECK(FailedStep(t.receipt, t.genesis) == "digest");
  }
  {
    Tamper t;
    t.receipt.signature[10] ^= 0x01;
    CHECK(FailedStep(t.receipt, t.genesis) == "depositor_signature");
  }
  {  // Leaf byte flips: in the block time, the statement hash, the digest, the version.
    Tamper t;
    t.receipt.leaf.back() ^= 0x01;
    CHECK(FailedStep(t.receipt, t.genesis) == "leaf");
    Tamper u;
    u.receipt.leaf[1] ^= 0x01;
    CHECK(FailedStep(u.receipt, u.genesis) == "leaf");
    Tamper w;
    w.receipt.leaf[40] ^= 0x01;
    CHECK(FailedStep(w.receipt, w.genesis) == "digest");
    Tamper x;
    x.receipt.leaf.pop_back();
    CHECK(FailedStep(x.receipt, x.genesis) == "digest");
  }
  {
    Tamper t;
    t.receipt.inclusion_proof[1][0] ^= 0x80;
    CHECK(FailedStep(t.receipt, t.genesis) == "inclusion_proof");
    Tamper u;
    u.receipt.inclusion_proof.pop_back();
    CHECK(FailedStep(u.receipt, u.genesis) == "inclusion_proof");
  }
  {
    Tamper t;
    t.receipt.leaf_index = 2;
    CHECK(FailedStep(t.receipt, t.genesis) == "inclusion_proof");
    Tamper u;
    u.receipt.leaf_index = 3;
    CHECK(FailedStep(u.receipt, u.genesis) == "inclusion_proof");
    Tamper w;
    w.receipt.tree_size = 4;
    CHECK(FailedStep(w.receipt, w.genesis) == "inclusion_proof");
  }
  {  // Checkpoint body edits: block height, then time.
    Tamper t;
    t.receipt.checkpoint.replace(t.receipt.checkpoint.find("height 2"), 8, "height 3");
    CHECK(FailedStep(t.receipt, t.genesis) == "checkpoint_root");
    Tamper u;
    u.receipt.checkpoint.replace(u.receipt.checkpoint.find("27.123Z"), 7, "27.124Z");
    CHECK(FailedStep(u.receipt, u.genesis) == "checkpoint_root");
    Tamper w;  // the receipt's block claim, not the checkpoint
    w.receipt.block_hash[0] ^= 1;
    CHECK(FailedStep(w.receipt, w.genesis) == "checkpoint_root");
  }
}

// Rebuilds the example checkpoint note of the receipt with only some cosignatures, plus extras.
std::string Recosign(const Receipt& r, std::initializer_list<size_t> validators,
                     const std::vector<crypto::NoteSignature>& extra) {
  auto note = *crypto::ParseNote(r.checkpoint);
  std::vector<crypto::NoteSignature> kept;
  for (size_t i : validators) kept.push_back(note.signatures[i]);
  kept.insert(kept.end(), extra.begin(), extra.end());
  note.signatures = kept;
  return crypto::FormatNote(note);
}

TEST_CASE("quorum: removed cosignatures, outsiders, and a different genesis") {
  {
    Tamper t;
    t.receipt.checkpoint = Recosign(t.receipt, {0, 2, 3}, {});
    CHECK(FailedStep(t.receipt, t.genesis) == "");
    Tamper u;
    u.receipt.checkpoint = Recosign(u.receipt, {0, 3}, {});
    CHECK(FailedStep(u.receipt, u.genesis) == "quorum");
    t.receipt.checkpoint = Recosign(t.receipt, {0, 2}, {});
    CHECK(FailedStep(t.receipt, t.genesis) == "quorum");
  }
  {  // Two genesis validators plus an outsider are not a quorum.
    Tamper t;
    const auto body = crypto::ParseNote(t.receipt.checkpoint)->text;
    const auto outsider = crypto::CosignCheckpoint(body, "court-9", KeyFromByte(0x99), 1795865428);
    t.receipt.checkpoint = Recosign(t.receipt, {0, 1}, {outsider});
    const ReceiptVerification v = VerifyReceipt(t.receipt, t.genesis, std::nullopt);
    CHECK_FALSE(v.ok);
    CHECK(v.steps.back().name == "quorum");
    CHECK(v.steps.back().detail.find("no_quorum") != std::string::npos);
  }
  {  // The same chain id with other validators: a different genesis.
    Tamper t;
    std::string json(testing::kExampleGenesisJson);
    json.replace(json.find("8a88e3dd"), 64, ToHex(ByteView(KeyFromByte(0x21).public_key())));
    auto other = genesis::ParseGenesis(json);
    REQUIRE(other.ok());
    CHECK(FailedStep(t.receipt, *other) == "statement");
  }
}

// docs/receipts.md "9. time_attestation": the time service's cosignature against the block time.
TEST_CASE("time_attestation: a time-service cosignature far from the block time is flagged") {
  auto with_time_cosignature = [](Tamper& t, int64_t offset_seconds) {
    const auto body = crypto::ParseNote(t.receipt.checkpoint)->text;
    const auto seconds = static_cast<uint64_t>(t.receipt.block_time / 1000 + offset_seconds);
    const auto time1 = crypto::CosignCheckpoint(body, "time-1", KeyFromByte(4), seconds);
    t.receipt.checkpoint = Recosign(t.receipt, {0, 1, 2}, {time1});
    return VerifyReceipt(t.receipt, t.genesis, std::nullopt);
  };
  {  // The example: time-1 cosigned within the skew (1 s).
    Tamper t;
    const ReceiptVerification v = VerifyReceipt(t.receipt, t.genesis, std::nullopt);
    REQUIRE(v.ok);
    CHECK(v.steps.back().name == "time_attestation");
    CHECK_FALSE(v.steps.back().warning);
    CHECK(v.steps.back().detail.find("time-1 cosigned at") != std::string::npos);
  }
  {  // The time service's clock was 5 s behind the block time: the block is dated in the future.
    Tamper t;
    const ReceiptVerification v = with_time_cosignature(t, -5);
    CHECK_FALSE(v.ok);
    CHECK(v.steps.back().name == "time_attestation");
    CHECK(v.steps.back().detail.find("before the block time") != std::string::npos);
  }
  {  // Cosigned 10 s after: a slow commit or a backdated block. Valid, with a warning.
    Tamper t;
    const ReceiptVerification v = with_time_cosignature(t, 10);
    CHECK(v.ok);
    CHECK(v.steps.back().warning);
    CHECK(v.steps.back().detail.find("after the block time") != std::string::npos);
  }
  {  // Without the time service's cosignature the block time rests on the quorum's checks.
    Tamper t;
    t.receipt.checkpoint = Recosign(t.receipt, {0, 1, 2}, {});
    const ReceiptVerification v = VerifyReceipt(t.receipt, t.genesis, std::nullopt);
    CHECK(v.ok);
    CHECK(v.steps.back().detail.find("no time-service cosignature") != std::string::npos);
  }
}

// docs/crypto.md "Signed notes": as in Go's note.Open, only the first line of each genesis
// validator's key is verified and counted; later lines of the same key are ignored, and the
// time check of step 9 reads the first time-service line.
TEST_CASE("repeated cosignature lines: the first line of each key decides") {
  const auto body = [](const Receipt& r) { return crypto::ParseNote(r.checkpoint)->text; };
  auto forged_court1 = [&](const Receipt& r) {
    crypto::NoteSignature s = crypto::CosignCheckpoint(body(r), "court-1", KeyFromByte(1),
                                                       static_cast<uint64_t>(r.block_time / 1000));
    s.signature.back() ^= 0x01;
    return s;
  };
  {  // A valid court-1 line, then an invalid one: verifies, court-1 counted once.
    Tamper t;
    const auto original = crypto::ParseNote(t.receipt.checkpoint)->signatures;
    t.receipt.checkpoint = Recosign(t.receipt, {0, 1, 2, 3}, {forged_court1(t.receipt)});
    const ReceiptVerification v = VerifyReceipt(t.receipt, t.genesis, std::nullopt);
    CHECK_MESSAGE(v.ok, v.steps.back().detail);
    CHECK(v.signers.size() == 4);
    // And through the JSON file form, as `evchain verify` reads it.
    auto back = Receipt::FromJson(t.receipt.ToJson());
    REQUIRE(back.ok());
    CHECK(FailedStep(*back, t.genesis) == "");
  }
  {  // The invalid line first: the note is rejected (bad_signature), whatever follows.
    Tamper t;
    auto note = *crypto::ParseNote(t.receipt.checkpoint);
    note.signatures.insert(note.signatures.begin(), forged_court1(t.receipt));
    t.receipt.checkpoint = crypto::FormatNote(note);
    const ReceiptVerification v = VerifyReceipt(t.receipt, t.genesis, std::nullopt);
    CHECK_FALSE(v.ok);
    CHECK(v.steps.back().name == "quorum");
    CHECK(v.steps.back().detail.find("bad_signature") != std::string::npos);
  }
  const auto time1 = [&](const Receipt& r, int64_t offset_seconds) {
    return crypto::CosignCheckpoint(body(r), "time-1", KeyFromByte(4),
                                    static_cast<uint64_t>(r.block_time / 1000 + offset_seconds));
  };
  {  // time-1 first within the skew, then validly 5 s before the block: the first line counts.
    Tamper t;
    t.receipt.checkpoint =
        Recosign(t.receipt, {0, 1, 2}, {time1(t.receipt, 0), time1(t.receipt, -5)});
    const ReceiptVerification v = VerifyReceipt(t.receipt, t.genesis, std::nullopt);
    CHECK_MESSAGE(v.ok, v.steps.back().detail);
    CHECK(v.steps.back().name == "time_attestation");
    CHECK_FALSE(v.steps.back().warning);
  }
  {  // The same two lines the other way round: the early one is first, and step 9 fails.
    Tamper t;
    t.receipt.checkpoint =
        Recosign(t.receipt, {0, 1, 2}, {time1(t.receipt, -5), time1(t.receipt, 0)});
    const ReceiptVerification v = VerifyReceipt(t.receipt, t.genesis, std::nullopt);
    CHECK_FALSE(v.ok);
    CHECK(v.steps.back().name == "time_attestation");
    CHECK(v.steps.back().detail.find("before the block time") != std::string::npos);
  }
  {  // A late first line warns even when a later line is within the skew.
    Tamper t;
    t.receipt.checkpoint =
        Recosign(t.receipt, {0, 1, 2}, {time1(t.receipt, 10), time1(t.receipt, 0)});
    const ReceiptVerification v = VerifyReceipt(t.receipt, t.genesis, std::nullopt);
    CHECK(v.ok);
    CHECK(v.steps.back().warning);
  }
}

// Signature lines are read as Go's note.Open reads them (base64.StdEncoding: non-zero padding
// bits ignored), so a receipt that standard tools accept is not made to fail by re-spelling a
// line; the checkpoint root keeps its one canonical spelling (inclusion_proof otherwise).
TEST_CASE("a cosignature line with non-zero base64 padding bits does not void the receipt") {
  {  // An unknown witness's line, AQIDBAV= instead of the canonical AQIDBAU=.
    Tamper t;
    t.receipt.checkpoint += "\xe2\x80\x94 witness.example AQIDBAV=\n";
    CHECK(FailedStep(t.receipt, t.genesis) == "");
  }
  {  // A validator's own line spelled with a padding bit set: the same signature bytes.
    Tamper t;
    std::string& note = t.receipt.checkpoint;
    const size_t line = note.find("\xe2\x80\x94 court-2 ");
    const size_t eol = note.find('\n', line);
    REQUIRE(note.substr(eol - 4, 4) == "Cw==");
    note[eol - 3] = 'x';  // 'w' = 110000, 'x' = 110001: only a padding bit differs
    CHECK(FailedStep(t.receipt, t.genesis) == "");
  }
  {  // Truly malformed lines still fail: missing padding, a space inside.
    Tamper t;
    t.receipt.checkpoint += "\xe2\x80\x94 witness.example AQIDBAU\n";
    CHECK(FailedStep(t.receipt, t.genesis) == "inclusion_proof");
    Tamper u;
    u.receipt.checkpoint += "\xe2\x80\x94 witness.example AQID BAU=\n";
    CHECK(FailedStep(u.receipt, u.genesis) == "inclusion_proof");
  }
  {  // The root, with its padding bits set, is still refused.
    Tamper t;
    const size_t at = t.receipt.checkpoint.find("3Vk=\n");
    REQUIRE(at != std::string::npos);
    t.receipt.checkpoint[at + 2] = 'l';  // 'k' = 100100, 'l' = 100101
    CHECK(FailedStep(t.receipt, t.genesis) == "inclusion_proof");
  }
}

// docs/receipts.md step 7: the checkpoint's lines are exactly the receipt's block, so block.time
// must be the canonical rendering (RFC 3339 UTC, exactly 3 fractional digits, "Z"), the string
// the node writes and the checkpoint carries, not merely the same instant.
TEST_CASE("block.time other than the canonical rendering fails at checkpoint_root") {
  const genesis::Genesis g = testing::ExampleGenesis();
  const std::string canonical = "2026-11-28T11:30:27.123Z";
  {
    auto r = Receipt::FromJson(kExampleReceipt);
    REQUIRE(r.ok());
    CHECK(FailedStep(*r, g) == "");
  }
  for (const std::string time :
       {"2026-11-28T19:30:27.123+08:00", "2026-11-28t11:30:27.123z", "2026-11-28T11:30:27.123z",
        "2026-11-28t11:30:27.123Z", "2026-11-28T11:30:27.1239Z", "2026-11-28T11:30:27.123000Z",
        "2026-11-28T11:30:27.123+00:00", "2026-11-28T11:30:27.123-00:00"}) {
    CAPTURE(time);
    std::string json(kExampleReceipt);
    json.replace(json.find("\"time\": \"" + canonical), 9 + canonical.size(),
                 "\"time\": \"" + time);
    auto r = Receipt::FromJson(json);
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    const ReceiptVerification v = VerifyReceipt(*r, g, std::nullopt);
    CHECK_FALSE(v.ok);
    REQUIRE_FALSE(v.steps.empty());
    CHECK(v.steps.back().name == "checkpoint_root");
    CHECK(v.steps.back().detail.find("not in canonical form") != std::string::npos);
  }
}

TEST_CASE("batch item receipts prove membership in the signed batch") {
  const auto depositor = KeyFromByte(0x11);
  std::vector<std::string> items;
  for (int i = 0; i < 3; ++i) {
    DepositStatement s = Statement(0);
    s.digest = crypto::Sha256("batch item " + std::to_string(i) + "\n");
    s.kind = "log";
    s.nonce = "b-0001." + std::to_string(i);
    items.push_back(s.Canonical());
  }
  const BatchStatement batch{"evchain-example", "demo-platform", 3, BatchRoot(items), "b-0001"};
  const std::string batch_text = batch.Canonical();
  const crypto::Signature sig = depositor.Sign(AsBytes(batch_text));
  const std::vector<Entry> entries = BatchEntries(batch_text, sig, items);
  ChainBuilder chain(testing::ExampleGenesis(), testing::ExampleValidatorKeys());
  chain.AddBlock(entries, *ParseRfc3339("2026-11-28T12:00:00.000Z"));
  const auto g = testing::ExampleGenesis();
  for (uint64_t i = 0; i < items.size(); ++i) {
    const Receipt r = chain.ReceiptFor(i);
    CHECK(FailedStep(r, g) == "");
    const auto back = Receipt::FromJson(r.ToJson());
    REQUIRE(back.ok());
    REQUIRE(back->batch.has_value());
    CHECK(back->batch->item_index == i);
    CHECK(FailedStep(*back, g) == "");
    CHECK(r.ToJsonValue() == nlohmann::json::parse(r.ToJson()));
  }
  Receipt r = chain.ReceiptFor(1);
  r.batch->item_proof[0][3] ^= 1;
  CHECK(FailedStep(r, g) == "depositor_signature");
  r = chain.ReceiptFor(1);
  r.batch->item_index = 2;
  CHECK(FailedStep(r, g) == "depositor_signature");
  r = chain.ReceiptFor(1);
  r.batch->signature[0] ^= 1;
  r.signature = r.batch->signature;
  CHECK(FailedStep(r, g) == "depositor_signature");
  r = chain.ReceiptFor(1);
  r.batch->statement.replace(r.batch->statement.find("items: 3"), 8, "items: 4");
  CHECK(FailedStep(r, g) == "depositor_signature");
}

}  // namespace
}  // namespace evchain::ledger
