// Byte-for-byte test vectors of docs/formats.md. Each literal here also appears verbatim in the
// doc (checked below), so the doc cannot drift from the code.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "tests/ledger/example_chain.h"

namespace evchain::ledger {
namespace {

using testing::ChainBuilder;
using testing::KeyFromByte;
using testing::SignedEntry;

std::string ReadDoc(const std::string& name) {
  std::ifstream in(std::string(EVCHAIN_SOURCE_DIR) + "/docs/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void CheckInFormatsDoc(const std::string& literal) {
  static const std::string doc = ReadDoc("formats.md");
  INFO("not found in docs/formats.md: ", literal);
  CHECK(doc.find(literal) != std::string::npos);
}

DepositStatement Minimal() {
  DepositStatement s;
  s.chain_id = "evchain-example";
  s.depositor = "demo-platform";
  s.digest = crypto::Sha256("evchain example evidence 0\n");
  s.nonce = "n-0000";
  return s;
}

DepositStatement Full() {
  DepositStatement s = Minimal();
  s.digest = crypto::Sha256("evchain example evidence 1\n");
  s.kind = "webpage";
  s.source = "https://forum.example.com/t/42?page=3";
  s.captured_at = "2026-11-28T11:10:27.123Z";
  s.case_ref = "（2026）浙0192民初81号";
  s.related = {EvidenceId(Minimal().Canonical())};
  s.nonce = "n-0001";
  return s;
}

DepositStatement Third() {
  DepositStatement s = Minimal();
  s.digest = crypto::Sha256("evchain example evidence 2\n");
  s.kind = "screenshot";
  s.nonce = "n-0002";
  return s;
}

constexpr std::string_view kMinimalText =
    "evchain-deposit/1\n"
    "chain_id: evchain-example\n"
    "depositor: demo-platform\n"
    "digest: ba4b51b40c6b508b47528d590cea810464f5a3d3dc6cf831bcb467283beb9d8b\n"
    "nonce: n-0000\n";
constexpr std::string_view kMinimalId =
    "d901b640fdd30140d16f0508e773bb45676f44ff6224e9b885925d1817a418a6";

constexpr std::string_view kFullText =
    "evchain-deposit/1\n"
    "chain_id: evchain-example\n"
    "depositor: demo-platform\n"
    "digest: 50e89c84209605caabdffd0a643a68dec4256af2d097d56880a75a6e983837d8\n"
    "kind: webpage\n"
    "source: https://forum.example.com/t/42?page=3\n"
    "captured_at: 2026-11-28T11:10:27.123Z\n"
    "case_ref: （2026）浙0192民初81号\n"
    "related: d901b640fdd30140d16f0508e773bb45676f44ff6224e9b885925d1817a418a6\n"
    "nonce: n-0001\n";
constexpr std::string_view kFullId =
    "9f8d23c58879b5f441f1d96e3adc105024b00b9e20ddeb1a3a8de5653e7d8b05";
constexpr std::string_view kFullSignature =
    "65489a70b1609eb7b47c72d8e018a4851900bacf91c75c464db6b108f595627753cbcfe83c212da77893df4d4513a8"
    "7eda6226f238794c13cbfdcc5d54c03704";

TEST_CASE("deposit statement vectors: canonical text, evidence id, signature") {
  CHECK(Minimal().Canonical() == kMinimalText);
  CHECK(EvidenceId(kMinimalText) == kMinimalId);
  CHECK(Full().Canonical() == kFullText);
  CHECK(EvidenceId(kFullText) == kFullId);
  const auto depositor = KeyFromByte(0x11);
  CHECK(ToHex(ByteView(depositor.Sign(AsBytes(kFullText)))) == kFullSignature);
  // Round trip through the strict parser.
  const auto parsed = ParseDepositStatement(kFullText);
  REQUIRE(parsed.ok());
  CHECK(parsed->Canonical() == kFullText);
  CHECK(parsed->case_ref == "（2026）浙0192民初81号");
  for (std::string_view literal : {kMinimalText, kMinimalId, kFullText, kFullId, kFullSignature}) {
    CheckInFormatsDoc(std::string(literal));
  }
}

std::vector<std::string> BatchItems() {
  std::vector<std::string> items;
  for (int i = 0; i < 3; ++i) {
    DepositStatement s = Minimal();
    s.digest = crypto::Sha256("batch item " + std::to_string(i) + "\n");
    s.kind = "log";
    s.nonce = "b-0001." + std::to_string(i);
    items.push_back(s.Canonical());
  }
  return items;
}

constexpr std::string_view kBatchText =
    "evchain-batch/1\n"
    "chain_id: evchain-example\n"
    "depositor: demo-platform\n"
    "items: 3\n"
    "root: 7240accd920f6b12a0a584fe87eefca4a47797a16b487b2596ae72987dbb10e8\n"
    "nonce: b-0001\n";
constexpr std::string_view kBatchSignature =
    "e47ed1b879e34f05d310df865d0f66dc73499701cbec648fbac6d284e6d3e151bfe6f1da2f4152798b816d981e0acb"
    "c795ae22273bfa97ba2dae825260e86204";
constexpr std::string_view kBatchItem1Text =
    "evchain-deposit/1\n"
    "chain_id: evchain-example\n"
    "depositor: demo-platform\n"
    "digest: 99d01b179b0df7ec263a71a0dca49d7929eeb57d18e9bf7a614659bd35a674d4\n"
    "kind: log\n"
    "nonce: b-0001.1\n";

TEST_CASE("batch statement vector: items, ids, root, batch text, signature") {
  const auto items = BatchItems();
  CHECK(items[1] == kBatchItem1Text);
  CHECK(EvidenceId(items[0]) == "822dd32de0cf5bf614400152b1cf368904e4708fb018d4c67bcc74858b175260");
  CHECK(EvidenceId(items[1]) == "cc2fb100be0730f9d2a636b434a1a21b85537c763daa6833a1667c5a3726330d");
  CHECK(EvidenceId(items[2]) == "a935cb4d5bcce74e92fe882ff046225c055df1c7ad3005f10ce4253718ae90e5");
  BatchStatement b{"evchain-example", "demo-platform", 3, BatchRoot(items), "b-0001"};
  CHECK(b.Canonical() == kBatchText);
  const auto parsed = ParseBatchStatement(kBatchText);
  REQUIRE(parsed.ok());
  CHECK(ValidateBatchItems(*parsed, items).ok());
  CHECK(ToHex(ByteView(KeyFromByte(0x11).Sign(AsBytes(kBatchText)))) == kBatchSignature);
  for (std::string_view literal :
       {kBatchText, kBatchSignature, kBatchItem1Text,
        std::string_view("822dd32de0cf5bf614400152b1cf368904e4708fb018d4c67bcc74858b175260"),
        std::string_view("cc2fb100be0730f9d2a636b434a1a21b85537c763daa6833a1667c5a3726330d"),
        std::string_view("a935cb4d5bcce74e92fe882ff046225c055df1c7ad3005f10ce4253718ae90e5")}) {
    CheckInFormatsDoc(std::string(literal));
  }
}

// The example chain of docs/formats.md and docs/receipts.md: block 1 holds Minimal(), block 2
// holds Full() and Third().
ChainBuilder ExampleChain() {
  const auto depositor = KeyFromByte(0x11);
  ChainBuilder chain(testing::ExampleGenesis(), testing::ExampleValidatorKeys());
  chain.AddBlock({SignedEntry(Minimal(), depositor)}, *ParseRfc3339("2026-11-28T11:30:26.456Z"));
  chain.AddBlock({SignedEntry(Full(), depositor), SignedEntry(Third(), depositor)},
                 *ParseRfc3339("2026-11-28T11:30:27.123Z"));
  return chain;
}

constexpr std::string_view kLeafHex =
    "019f8d23c58879b5f441f1d96e3adc105024b00b9e20ddeb1a3a8de5653e7d8b0550e89c84209605caabdffd0a64"
    "3a68dec4256af2d097d56880a75a6e983837d8d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a3"
    "32c97787370000000000000002000001a221ebbcb3";

TEST_CASE("leaf vector") {
  Leaf leaf{crypto::Sha256(kFullText), Full().digest, KeyFromByte(0x11).public_key(), 2,
            *ParseRfc3339("2026-11-28T11:30:27.123Z")};
  const Bytes encoded = leaf.Encode();
  CHECK(encoded.size() == kLeafSize);
  CHECK(ToHex(encoded) == kLeafHex);
  const auto decoded = Leaf::Decode(encoded);
  REQUIRE(decoded.ok());
  CHECK(decoded->Encode() == encoded);
  CheckInFormatsDoc(std::string(kLeafHex.substr(0, 64)));
}

constexpr std::string_view kBlock2Hex =
    "01000f6576636861696e2d6578616d706c650000000000000002ca414c62d0a610229d1e7de3fe6fb85b14ab5270"
    "3c00ea119b9738ba84ea16b7000001a221ebbcb30000000000000003ed5c22971943e5e09b66583cb6c845bddaae"
    "f2573a6fbaed470595a41d11dd590007636f7572742d310000000000000000";
constexpr std::string_view kBlock1Hash =
    "ca414c62d0a610229d1e7de3fe6fb85b14ab52703c00ea119b9738ba84ea16b7";
constexpr std::string_view kBlock2Hash =
    "467798dbf377eda8d13f68af51b393e030e4f98c643276ee2ad7caa42c6a12d6";
constexpr std::string_view kBlock2Checkpoint =
    "evchain/evchain-example\n"
    "3\n"
    "7VwilxlD5eCbZlg8tshFvdqu8lc6b7rtRwWVpB0R3Vk=\n"
    "height 2\n"
    "block 467798dbf377eda8d13f68af51b393e030e4f98c643276ee2ad7caa42c6a12d6\n"
    "time 2026-11-28T11:30:27.123Z\n"
    "\n"
    "— court-1 "
    "Cg/eTgAAAABrCrtU4wwVTDG2vVLqZKX/df9AH/bCW3uNhGfTPdbHB5V8/IEnN7n0EHKXh739o1wW9KasUQlrm"
    "XgI9oayqEj3xNVlAQ==\n"
    "— court-2 "
    "sx2lGgAAAABrCrtUN6lJbwgzenDTgpGIQ4dNBrkHkIZxdCMXXsSzgm6tWGgUv+lWRI1VdkQPRn4RWA1P8Bj0n"
    "ZgjrVeZX/uCq7u3Cw==\n"
    "— notary-1 "
    "Xwbt9wAAAABrCrtU4Zo/D/j/WMDzUAgVJ/nEpnBbTSnBmzbQh6XudvJeM0OrHxhj2ZJ7lFXBhBvCE/Y588gc"
    "M00vOYf/qcZYkgKUDA==\n"
    "— time-1 "
    "Sp6GAQAAAABrCrtUZtN5v1dpMS62SKXf2zQqihd5U1v0agZC+fUrbvvXEnYd4X4lrtMPb0roEp0hfjEOe9ppBA"
    "zamcqokP5YIWkCAw==\n";

TEST_CASE("block header and checkpoint vectors") {
  const ChainBuilder chain = ExampleChain();
  CHECK(ToHex(chain.header(1).Hash()) == kBlock1Hash);
  CHECK(chain.header(1).prev_hash == testing::ExampleGenesis().hash);
  CHECK(ToHex(chain.header(2).Encode()) == kBlock2Hex);
  CHECK(ToHex(chain.header(2).Hash()) == kBlock2Hash);
  CHECK(ToHex(chain.header(2).prev_hash) == kBlock1Hash);
  CHECK(chain.certificate(2) == kBlock2Checkpoint);
  const auto decoded = BlockHeader::Decode(*FromHex(kBlock2Hex));
  REQUIRE(decoded.ok());
  CHECK(decoded->Encode() == *FromHex(kBlock2Hex));
  CHECK(decoded->proposer == "court-1");
  const auto cert = VerifyCertificate(kBlock2Checkpoint, testing::ExampleGenesis());
  REQUIRE(cert.ok());
  CHECK(cert->signers.size() == 4);
  CHECK(cert->signers[3].role == genesis::Role::kTime);
  CHECK(cert->signers[3].timestamp == 1795865428);
  for (std::string_view literal : {kBlock1Hash, kBlock2Hash, kBlock2Checkpoint}) {
    CheckInFormatsDoc(std::string(literal));
  }
  CheckInFormatsDoc(std::string(kBlock2Hex.substr(0, 64)));
}

TEST_CASE("validator vkeys (C2SP tlog-cosignature, type 0x04)") {
  const std::vector<std::string> expected = {
      "court-1+0a0fde4e+BIqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c",
      "court-2+b31da51a+BIE5dw6ofRdfVqNUZsNMfszLjYqRtO43ol32D1uPybOU",
      "notary-1+5f06edf7+BO1JKMYo0cLG6ukDOJBZlWEpWSc6XGP5NjbBRhSshzfR",
      "time-1+4a9e8601+BMqTrBcFGHBx1nuDx/8O/oEI6OxFMFdddyaHkzPb2r58",
  };
  const auto verifiers = ValidatorVerifiers(testing::ExampleGenesis());
  REQUIRE(verifiers.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(verifiers[i].ToVkey() == expected[i]);
    CheckInFormatsDoc(expected[i]);
  }
}

constexpr std::string_view kGenesisHash =
    "e59b5cc2b07292f383b904dae8a45ba713a32857c83ecee75f68f191205d3853";

TEST_CASE("genesis vector: canonical JSON and hash, defaults hash like explicit values") {
  const auto g = testing::ExampleGenesis();
  CHECK(ToHex(g.hash) == kGenesisHash);
  const std::string canonical = genesis::CanonicalGenesisJson(g);
  CHECK(canonical.starts_with(
      R"({"chain_id":"evchain-example","depositors":[{"id":"demo-platform")"));
  CHECK(ToHex(crypto::Sha256(canonical)) == kGenesisHash);
  // The pretty form (params written out) and a reformatted time hash the same.
  auto pretty = genesis::ParseGenesis(genesis::GenesisToJson(g));
  REQUIRE(pretty.ok());
  CHECK(pretty->hash == g.hash);
  for (uint8_t b = 1; b <= 4; ++b) {
    CHECK(g.validators[b - 1].public_key == KeyFromByte(b).public_key());
  }
  CHECK(g.depositors[0].public_key == KeyFromByte(0x11).public_key());
  CheckInFormatsDoc(std::string(kGenesisHash));
  CheckInFormatsDoc(canonical);
}

TEST_CASE("key file vector") {
  const std::string path = std::string(EVCHAIN_BINARY_DIR) + "/ledger_formats_test.key";
  std::remove(path.c_str());
  REQUIRE(KeyFromByte(0x11).SaveFile(path).ok());
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string expected =
      "evchain-ed25519-seed:1111111111111111111111111111111111111111111111111111111111111111\n";
  CHECK(text.str() == expected);
  CheckInFormatsDoc(expected);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace evchain::ledger
