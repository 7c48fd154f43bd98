// Writes the seed corpora under fuzz/corpus/<target>/ (README.md). Every seed is built from the
// example network's published test keys, so running it again gives the same files:
//   build-fuzz/fuzz/fuzz_make_corpus fuzz/corpus
// Seeds are valid inputs reaching deep into each parser (a complete signed handshake, a receipt
// that verifies, ...); libFuzzer mutates from there.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "consensus/message.h"
#include "crypto/merkle.h"
#include "fuzz/fuzz_util.h"
#include "ledger/leaf.h"
#include "node/net/handshake.h"
#include "node/net/secure_channel.h"
#include "storage/records.h"

namespace evchain::fuzz {
namespace {

namespace fs = std::filesystem;
fs::path g_root;

void Write(const std::string& target, const std::string& name, std::string_view bytes) {
  const fs::path dir = g_root / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", (dir / name).c_str());
    std::exit(1);
  }
}
std::string Str(const Bytes& b) { return std::string(AsChars(b)); }
std::string Frame(std::string_view body) {
  Bytes out;
  net::AppendFrame(out, body);
  return Str(out);
}

ledger::DepositStatement Statement(const std::string& nonce, bool provenance) {
  ledger::DepositStatement s;
  s.chain_id = Genesis().chain_id;
  s.depositor = "demo-platform";
  s.digest = crypto::Sha256("evidence " + nonce);
  s.nonce = nonce;
  if (provenance) {
    s.kind = "webpage";
    s.source = "https://example.com/page?id=7";
    s.captured_at = "2026-11-28T10:00:00.123Z";
    s.case_ref = "(2026) Jing 0491 Min Chu 123";
    s.related = {ledger::EvidenceId("x"), ledger::EvidenceId("y")};
  }
  return s;
}

// A batch of `n` items signed by demo-platform, as block entries.
std::vector<ledger::Entry> Batch(size_t n, ledger::BatchStatement* batch_out,
                                 std::vector<std::string>* items_out) {
  std::vector<std::string> items;
  for (size_t i = 0; i < n; ++i) {
    items.push_back(Statement("batch-item-" + std::to_string(i), i == 0).Canonical());
  }
  ledger::BatchStatement b;
  b.chain_id = Genesis().chain_id;
  b.depositor = "demo-platform";
  b.items = n;
  b.root = ledger::BatchRoot(items);
  b.nonce = "batch-1";
  const std::string text = b.Canonical();
  const crypto::Signature sig = DepositorKey().Sign(AsBytes(text));
  std::vector<ledger::Entry> entries = ledger::BatchEntries(text, sig, items);
  if (batch_out) *batch_out = b;
  if (items_out) *items_out = items;
  return entries;
}

ledger::Entry Single(const std::string& nonce, bool provenance) {
  return ledger::testing::SignedEntry(Statement(nonce, provenance), DepositorKey());
}

constexpr UnixMillis kTime = 1795910400000;  // fuzz_consensus_message's kNow

void FrameReaderSeeds() {
  const std::string t = "fuzz_frame_reader";
  const std::string frames = Frame("hello") + Frame("") + Frame(std::string(300, 'x'));
  Write(t, "frames_whole_reads", std::string("\x04\x00\xff", 3) + frames);
  Write(t, "frames_small_reads", std::string("\x04\x00\x00\x02\x06\xff", 6) + frames);
  Write(t, "oversized",
        std::string("\x00\x10\x03\xff", 4) + Frame("ok") + Frame(std::string(17, 'y')));
  Write(t, "partial_tail",
        std::string("\x01\x00\xff", 3) + Frame("abc") + "\x00\x00\x00\x09" + "par");
}

void HandshakeSeeds() {
  const std::string t = "fuzz_handshake";
  for (uint8_t flags : {0x00, 0x01, 0x02, 0x05}) {
    // Our side, exactly as fuzz_handshake builds it.
    const net::Role role = (flags & 1) ? net::Role::kResponder : net::Role::kInitiator;
    const int self = (flags >> 1) & 3;
    const int expected = role == net::Role::kInitiator ? (self + 1) % 4 : -1;
    net::Key32 seed{};
    seed.fill(static_cast<uint8_t>(0x40 + flags % 8));
    net::HandshakeContext ours{&Genesis(), self, &ValidatorKeys()[self]};
    net::Handshake us(ours, role, expected, net::Ephemeral::FromSeed(seed));
    // The peer: the one we dialed, or for an inbound link the one after us.
    const int peer = (self + 1) % 4;
    net::Key32 peer_seed{};
    peer_seed.fill(0x77);
    net::HandshakeContext theirs{&Genesis(), peer, &ValidatorKeys()[peer]};
    const net::Role peer_role =
        role == net::Role::kInitiator ? net::Role::kResponder : net::Role::kInitiator;
    net::Handshake them(theirs, peer_role, peer_role == net::Role::kInitiator ? self : -1,
                        net::Ephemeral::FromSeed(peer_seed));
    if (them.OnPeerHello(us.hello()) || us.OnPeerHello(them.hello()) ||
        them.OnPeerAuth(us.auth()) || us.OnPeerAuth(them.auth())) {
      std::fprintf(stderr, "handshake seed %d failed\n", flags);
      std::exit(1);
    }
    net::FrameSealer sealer(them.keys().tx);
    Bytes sealed;
    sealer.Seal("first payload", sealed);
    sealer.Seal("", sealed);
    sealer.Seal(std::string(200, 'p'), sealed);
    const std::string name = "complete_" + std::to_string(flags);
    Write(t, name,
          std::string(1, static_cast<char>(flags)) + Frame(them.hello()) + Frame(them.auth()) +
              Str(sealed));
    Write(t, "hello_only_" + std::to_string(flags),
          std::string(1, static_cast<char>(flags)) + Frame(them.hello()));
  }
}

void SecureChannelSeeds() {
  const std::string t = "fuzz_secure_channel";
  auto op = [](uint8_t code, std::string_view bytes) {
    std::string out(1, static_cast<char>(code));
    out += static_cast<char>(bytes.size() >> 8);
    out += static_cast<char>(bytes.size() & 0xff);
    out += bytes;
    return out;
  };
  Write(t, "seal_open", op(1, "payload one") + op(1, "") + op(1, std::string(400, 'z')));
  Write(t, "forged_then_sealed",
        op(0, std::string(16, '\0')) + op(0, "short") + op(1, "after forgeries") + op(0, ""));
}

void ConsensusSeeds() {
  const std::string t = "fuzz_consensus_message";
  const genesis::Genesis& g = Genesis();
  auto body_seed = [&](const std::string& name, uint8_t flags, uint8_t committed,
                       const consensus::pb::Body& body) {
    std::string s{static_cast<char>(flags), static_cast<char>(committed)};
    s += body.SerializeAsString();
    Write(t, name, s);
  };
  ledger::BlockHeader h;
  h.chain_id = g.chain_id;
  h.height = 3;
  h.prev_hash = crypto::Sha256("block 2");
  h.time = kTime;
  h.log_size = 5;
  h.log_root = crypto::Sha256("root");
  h.proposer = g.validators[0].id;

  consensus::pb::Body pre;
  consensus::ToProto(h, pre.mutable_pre_prepare()->mutable_header());
  for (const ledger::Entry& e : {Single("n-1", true), Single("n-2", false)}) {
    consensus::ToProto(e, pre.mutable_pre_prepare()->add_entries());
  }
  for (const ledger::Entry& e : Batch(3, nullptr, nullptr)) {
    consensus::ToProto(e, pre.mutable_pre_prepare()->add_entries());
  }
  body_seed("pre_prepare", 0, 2, pre);
  body_seed("pre_prepare_view_changing", 4, 2, pre);
  body_seed("pre_prepare_committed", 0, 3, pre);

  consensus::pb::Body fwd;
  consensus::ToProto(Single("n-3", false), fwd.mutable_forward()->add_entries());
  body_seed("forward", 1, 0, fwd);
  body_seed("forward_catching_up", 9, 0, fwd);

  consensus::pb::Body prep;
  prep.mutable_prepare()->set_view(0);
  prep.mutable_prepare()->set_seq(3);
  const Hash32 digest = h.Hash();
  prep.mutable_prepare()->set_digest(std::string(digest.begin(), digest.end()));
  body_seed("prepare", 2, 2, prep);

  consensus::pb::Body commit;
  auto* c = commit.mutable_commit();
  c->set_view(0);
  c->set_seq(3);
  c->set_digest(std::string(digest.begin(), digest.end()));
  c->set_checkpoint_text(ledger::CheckpointText(h));
  c->set_timestamp(static_cast<uint64_t>(kTime / 1000));
  const crypto::NoteSignature cosig = crypto::CosignCheckpoint(
      c->checkpoint_text(), g.validators[3].id, ValidatorKeys()[3], c->timestamp());
  // The note signature is key id || time || signature; COMMIT carries the signature alone.
  c->set_cosignature(std::string(cosig.signature.end() - 64, cosig.signature.end()));
  body_seed("commit", 3, 2, commit);

  consensus::pb::Body cp;
  cp.mutable_checkpoint()->set_seq(16);
  cp.mutable_checkpoint()->set_digest(std::string(digest.begin(), digest.end()));
  body_seed("checkpoint", 1, 16, cp);

  consensus::pb::Body vc;
  vc.mutable_view_change()->set_new_view(1);
  vc.mutable_view_change()->set_stable_seq(0);
  vc.mutable_view_change()->set_stable_digest(std::string(g.hash.begin(), g.hash.end()));
  auto* prepared = vc.mutable_view_change()->add_prepared();
  prepared->set_pre_prepare(consensus::SignEnvelope(g, 0, ValidatorKeys()[0], pre));
  prepared->add_prepares(consensus::SignEnvelope(g, 2, ValidatorKeys()[2], prep));
  body_seed("view_change", 1, 0, vc);

  consensus::pb::Body nv;
  nv.mutable_new_view()->set_view(1);
  for (int i = 0; i < 3; ++i) {
    nv.mutable_new_view()->add_view_changes(consensus::SignEnvelope(g, i, ValidatorKeys()[i], vc));
  }
  consensus::pb::Body pre1 = pre;
  pre1.mutable_pre_prepare()->set_view(1);
  nv.mutable_new_view()->add_pre_prepares(consensus::SignEnvelope(g, 1, ValidatorKeys()[1], pre1));
  body_seed("new_view", 5, 2, nv);

  consensus::pb::Body status;
  status.mutable_status()->set_view(2);
  status.mutable_status()->set_committed_height(7);
  body_seed("status", 2, 7, status);

  // Whole envelopes as a peer sends them.
  std::string wire{static_cast<char>(16), 2};
  wire += consensus::SignEnvelope(g, 1, ValidatorKeys()[1], fwd);
  Write(t, "wire_forward", wire);
  wire = std::string{static_cast<char>(16), 2} +
         consensus::SignEnvelope(g, 0, ValidatorKeys()[0], pre);
  Write(t, "wire_pre_prepare", wire);
}

std::string DepositBody(const ledger::Entry& e) {
  nlohmann::json j = {{"statement", e.statement}, {"signature", ToHex(ByteView(e.signature))}};
  return j.dump();
}

void RequestSeeds() {
  const std::string t = "fuzz_request_parsing";
  Write(t, "deposit", std::string(1, '\0') + DepositBody(Single("req-1", true)));
  Write(t, "deposit_plain", std::string(1, '\0') + DepositBody(Single("req-2", false)));
  ledger::BatchStatement b;
  std::vector<std::string> items;
  const auto entries = Batch(3, &b, &items);
  nlohmann::json batch = {{"statement", b.Canonical()},
                          {"signature", ToHex(ByteView(entries[0].signature))},
                          {"items", items}};
  Write(t, "batch", "\x01" + batch.dump());
  Write(t, "verify", "\x02{\"digest\": \"" + ToHex(crypto::Sha256("file")) + "\"}");
  Write(t, "query",
        "\x03"
        "commit\n2500\nBearer token-1\n" +
            ToHex(crypto::Sha256("id")) + "\n42");
  Write(t, "query_bad",
        "\x03"
        "later\n-1\nBearer \nABCDEF\n18446744073709551616");
  Write(t, "upload",
        "\x04multipart/form-data; boundary=XyZ\n--XyZ\r\n"
        "Content-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"e.bin\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n--Xy\r\n-\r\n--XyZ--\r\n");
}

void StatementSeeds() {
  const std::string t = "fuzz_statement";
  Write(t, "deposit_plain", Statement("st-1", false).Canonical());
  Write(t, "deposit_provenance", Statement("st-2", true).Canonical());
  ledger::BatchStatement b;
  std::vector<std::string> items;
  Batch(3, &b, &items);
  Write(t, "batch", b.Canonical());
  std::string with_items = b.Canonical();
  for (const std::string& item : items) with_items += std::string(1, '\0') + item;
  Write(t, "batch_with_items", with_items);
}

void ReceiptNoteRecordSeeds() {
  ledger::testing::ChainBuilder chain(Genesis(), ledger::testing::ExampleValidatorKeys());
  chain.AddBlock({Single("r-1", true), Single("r-2", false)}, kTime);
  chain.AddBlock(Batch(3, nullptr, nullptr), kTime + 1500);
  const ledger::Receipt single = chain.ReceiptFor(1);
  const ledger::Receipt batched = chain.ReceiptFor(3);
  for (const auto& [name, r] : {std::pair{"single", single}, std::pair{"batch_item", batched}}) {
    if (!ledger::VerifyReceipt(r, Genesis(), std::nullopt).ok) {
      std::fprintf(stderr, "receipt seed %s does not verify\n", name);
      std::exit(1);
    }
    Write("fuzz_receipt", std::string(name), std::string(1, '\0') + r.ToJson());
    Write("fuzz_receipt", std::string(name) + "_with_file", "\x03" + r.ToJson());
  }
  Write("fuzz_note", "certificate_1", std::string(1, '\0') + chain.certificate(1));
  Write("fuzz_note", "certificate_2", std::string(1, '\0') + chain.certificate(2));
  crypto::Note note{"a plain note\nsecond line\n", {}};
  note.signatures.push_back(crypto::SignNoteEd25519(note.text, "court-1", ValidatorKeys()[0]));
  note.signatures.push_back({"someone-else", 0x12345678, Bytes(64, 7), ""});
  Write("fuzz_note", "ed25519_note", std::string(1, '\0') + crypto::FormatNote(note));
  const auto verifiers = ledger::ValidatorVerifiers(Genesis());
  Write("fuzz_note", "vkey_cosignature", "\x01" + verifiers[0].ToVkey());
  crypto::NoteVerifier ed{"court-1", crypto::kSigTypeEd25519, ValidatorKeys()[0].public_key()};
  Write("fuzz_note", "vkey_ed25519", "\x01" + ed.ToVkey());

  // Stored records: what the evidence log writes for the same chain.
  const std::string t = "fuzz_records";
  const ledger::Entry e = Single("rec-1", true);
  ledger::Leaf leaf{crypto::Sha256(e.statement), Statement("rec-1", true).digest,
                    DepositorKey().public_key(), 1, kTime};
  Write(t, "entry", std::string(1, '\0') + storage::EncodeEntryRecord(e, leaf.Encode()));
  const auto batch_entries = Batch(2, nullptr, nullptr);
  Write(t, "entry_batch_item",
        std::string(1, '\0') + storage::EncodeEntryRecord(batch_entries[1], leaf.Encode()));
  storage::BlockRecord block;
  block.header = chain.header(2).Encode();
  block.hash = chain.header(2).Hash();
  block.first_index = 2;
  block.entry_count = 3;
  block.certificate = chain.certificate(2);
  Write(t, "block", "\x01" + storage::EncodeBlockRecord(block));
  storage::LogState state{2, 5, chain.header(2).Hash()};
  Write(t, "log_state", "\x02" + storage::EncodeLogState(state));
}

void GenesisSeeds() {
  const std::string t = "fuzz_genesis";
  Write(t, "example", ledger::testing::kExampleGenesisJson);
  genesis::Genesis g = Genesis();
  g.params.max_batch = 500;
  g.params.watermark_window = 32;
  g.validators.push_back({"time-2", genesis::Role::kTime,
                          ledger::testing::KeyFromByte(5).public_key(), "[::1]:7005",
                          "localhost:8005"});
  Write(t, "five_validators_params", genesis::GenesisToJson(g));
  Write(t, "canonical", genesis::CanonicalGenesisJson(Genesis()));
}

}  // namespace
}  // namespace evchain::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus root, e.g. fuzz/corpus>\n", argv[0]);
    return 2;
  }
  evchain::fuzz::g_root = argv[1];
  evchain::fuzz::FrameReaderSeeds();
  evchain::fuzz::HandshakeSeeds();
  evchain::fuzz::SecureChannelSeeds();
  evchain::fuzz::ConsensusSeeds();
  evchain::fuzz::RequestSeeds();
  evchain::fuzz::StatementSeeds();
  evchain::fuzz::ReceiptNoteRecordSeeds();
  evchain::fuzz::GenesisSeeds();
  return 0;
}
