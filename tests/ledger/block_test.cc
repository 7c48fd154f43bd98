// Leaf and block header decoding, checkpoint bodies and commit certificates: every rejection.
#include <doctest/doctest.h>

#include "ledger/certificate.h"
#include "tests/ledger/example_chain.h"

namespace evchain::ledger {
namespace {

using testing::KeyFromByte;

TEST_CASE("leaf decode rejects other sizes and versions") {
  Leaf leaf{crypto::Sha256("s"), crypto::Sha256("d"), KeyFromByte(7).public_key(), 9, -1};
  Bytes bytes = leaf.Encode();
  const auto decoded = Leaf::Decode(bytes);
  REQUIRE(decoded.ok());
  CHECK(decoded->block_time == -1);  // i64 round trip
  CHECK(decoded->block_height == 9);
  CHECK(Leaf::Decode(ByteView(bytes).first(112)).status().code() == "bad_leaf");
  Bytes longer = bytes;
  longer.push_back(0);
  CHECK(Leaf::Decode(longer).status().code() == "bad_leaf");
  CHECK(Leaf::Decode(Bytes{}).status().code() == "bad_leaf");
  bytes[0] = 2;
  CHECK(Leaf::Decode(bytes).status().code() == "bad_leaf");
}

BlockHeader Header() {
  BlockHeader h;
  h.chain_id = "evchain-example";
  h.height = 7;
  h.prev_hash = crypto::Sha256("prev");
  h.time = 1795865427123;
  h.log_size = 40;
  h.log_root = crypto::Sha256("root");
  h.proposer = "notary-1";
  h.view = 3;
  return h;
}

TEST_CASE("block header decode is strict") {
  const Bytes bytes = Header().Encode();
  CHECK(bytes.size() == 1 + 2 + 15 + 8 + 32 + 8 + 8 + 32 + 2 + 8 + 8);
  const auto decoded = BlockHeader::Decode(bytes);
  REQUIRE(decoded.ok());
  CHECK(decoded->Hash() == Header().Hash());
  CHECK(decoded->view == 3);
  for (size_t len = 0; len < bytes.size(); ++len) {
    CHECK(BlockHeader::Decode(ByteView(bytes).first(len)).status().code() == "bad_block");
  }
  Bytes trailing = bytes;
  trailing.push_back(0);
  CHECK(BlockHeader::Decode(trailing).status().code() == "bad_block");
  Bytes version = bytes;
  version[0] = 2;
  CHECK(BlockHeader::Decode(version).status().code() == "bad_block");
  BlockHeader bad_id = Header();
  bad_id.proposer = "Notary 1";
  CHECK(BlockHeader::Decode(bad_id.Encode()).status().code() == "bad_block");
  // Every field is covered by the hash.
  BlockHeader other = Header();
  other.view = 4;
  CHECK(other.Hash() != Header().Hash());
}

TEST_CASE("checkpoint text round trip and rejections") {
  const BlockHeader h = Header();
  const std::string text = CheckpointText(h);
  const auto info = ParseCheckpointText(text);
  REQUIRE(info.ok());
  CHECK(info->chain_id == "evchain-example");
  CHECK(info->tree_size == 40);
  CHECK(info->root == h.log_root);
  CHECK(info->height == 7);
  CHECK(info->block_hash == h.Hash());
  CHECK(info->time == h.time);
  auto code = [](std::string_view t) { return ParseCheckpointText(t).status().code(); };
  auto replace = [&](std::string_view from, std::string_view to) {
    std::string t = text;
    const size_t at = t.find(from);
    REQUIRE(at != std::string::npos);
    return t.replace(at, from.size(), to);
  };
  CHECK(code(text.substr(0, text.size() - 1)) == "bad_checkpoint");
  CHECK(code(text + "extra\n") == "bad_checkpoint");
  CHECK(code(replace("evchain/", "other/")) == "bad_checkpoint");
  CHECK(code(replace("\n40\n", "\n040\n")) == "bad_checkpoint");
  CHECK(code(replace("height 7", "height x")) == "bad_checkpoint");
  CHECK(code(replace("block ", "blk ")) == "bad_checkpoint");
  CHECK(code(replace(".123Z", "Z")) == "bad_checkpoint");  // not the canonical rendering
  CHECK(code(replace("=\n", "\n")) == "bad_checkpoint");   // root not padded base64
}

struct Fixture {
  genesis::Genesis genesis = testing::ExampleGenesis();
  std::vector<crypto::SecretKey> keys = testing::ExampleValidatorKeys();
  std::string body = CheckpointText(Header());

  // Cosigned by the validators with the given indexes.
  std::string Note(std::initializer_list<size_t> signers) const {
    crypto::Note note{body, {}};
    for (size_t i : signers) {
      note.signatures.push_back(
          crypto::CosignCheckpoint(body, genesis.validators[i].id, keys[i], 1795865428));
    }
    return crypto::FormatNote(note);
  }
};

TEST_CASE("certificate needs a quorum (2f+1 for n = 4) of distinct genesis validators") {
  Fixture fx;
  const auto three = VerifyCertificate(fx.Note({0, 2, 3}), fx.genesis);
  REQUIRE(three.ok());
  CHECK(three->signers.size() == 3);
  CHECK(three->signers[0].validator_id == "court-1");
  CHECK(three->signers[1].role == genesis::Role::kNotary);
  CHECK(three->signers[2].timestamp == 1795865428);
  CHECK(VerifyCertificate(fx.Note({0, 1}), fx.genesis).status().code() == "no_quorum");
  // The same validator twice counts once.
  CHECK(VerifyCertificate(fx.Note({0, 1, 1}), fx.genesis).status().code() == "no_quorum");
  CHECK(VerifyCertificate(fx.Note({}), fx.genesis).status().code() == "bad_note");
}

TEST_CASE("with five validators a certificate needs four cosignatures, not 2f+1 = 3") {
  Fixture fx;
  fx.keys.push_back(testing::KeyFromByte(5));
  genesis::Validator extra = fx.genesis.validators[0];
  extra.id = "court-3";
  extra.public_key = fx.keys.back().public_key();
  fx.genesis.validators.push_back(extra);
  REQUIRE(fx.genesis.quorum() == 4);
  CHECK(VerifyCertificate(fx.Note({0, 1, 4}), fx.genesis).status().code() == "no_quorum");
  CHECK(VerifyCertificate(fx.Note({0, 1, 2, 4}), fx.genesis).ok());
}

TEST_CASE("certificate rejects outsiders, forgeries, other chains and bad notes") {
  Fixture fx;
  // An outsider's cosignature (a key not in genesis, even under a validator's name) is not
  // counted.
  crypto::Note note{fx.body, {}};
  for (size_t i : {0, 1}) {
    note.signatures.push_back(
        crypto::CosignCheckpoint(fx.body, fx.genesis.validators[i].id, fx.keys[i], 1795865428));
  }
  const auto outsider = KeyFromByte(0x99);
  note.signatures.push_back(crypto::CosignCheckpoint(fx.body, "court-3", outsider, 1795865428));
  note.signatures.push_back(crypto::CosignCheckpoint(fx.body, "time-1", outsider, 1795865428));
  CHECK(VerifyCertificate(crypto::FormatNote(note), fx.genesis).status().code() == "no_quorum");
  // A forged (bit-flipped) signature of a genesis validator poisons the note.
  note.signatures.push_back(
      crypto::CosignCheckpoint(fx.body, fx.genesis.validators[2].id, fx.keys[2], 1795865428));
  note.signatures.back().signature.back() ^= 1;
  CHECK(VerifyCertificate(crypto::FormatNote(note), fx.genesis).status().code() == "bad_signature");
  // Another chain's checkpoint.
  BlockHeader other = Header();
  other.chain_id = "other-chain";
  fx.body = CheckpointText(other);
  CHECK(VerifyCertificate(fx.Note({0, 1, 2}), fx.genesis).status().code() == "wrong_origin");
  // Not a signed note, or a note whose body is not an evchain checkpoint.
  CHECK(VerifyCertificate("hello", fx.genesis).status().code() == "bad_note");
  fx.body = "evchain/evchain-example\n1\n";
  CHECK(VerifyCertificate(fx.Note({0, 1, 2}), fx.genesis).status().code() == "bad_note");
}

}  // namespace
}  // namespace evchain::ledger
