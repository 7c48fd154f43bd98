// evchain audit over an offline chain, clean and after tampering with copies of its data
// directory: each tampering must be reported at exactly the first bad height.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "common/time.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "genesis/genesis.h"
#include "ledger/leaf.h"
#include "storage/keys.h"
#include "storage/records.h"
#include "tests/tools/chain_fixture.h"
#include "tools/cli/audit_core.h"
#include "tools/cli/audit_sources.h"
#include "tools/cli/cli_common.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::cli::testing {

using synthetic::ChainBuilder;
using synthetic::MakeTestNetwork;
using synthetic::TestNetwork;
namespace {

// Edits records of a data directory's two stores (docs/storage-format.md): the index store
// (blocks, indexes) and its companion (entry records, Merkle nodes).
struct Tampered {
  OpenLog opened;
  storage::KvStore& kv() { return *opened.store; }
  storage::KvStore& entries() { return *opened.store->Sequential(); }
  static std::string Get(storage::KvStore& store, const std::string& key) {
    auto v = store.Get(key);
    REQUIRE(v.ok());
    REQUIRE(v->has_value());
    return **v;
  }
  std::string Get(const std::string& key) { return Get(kv(), key); }
  std::string GetEntry(uint64_t index) { return Get(entries(), storage::keys::Entry(index)); }
  static void Put(storage::KvStore& store, const std::string& key, const std::string& value) {
    storage::WriteBatch batch;
    batch.Put(key, value);
    REQUIRE(store.Write(batch, true).ok());
  }
  void Put(const std::string& key, const std::string& value) { Put(kv(), key, value); }
  void PutEntry(uint64_t index, const std::string& value) {
    Put(entries(), storage::keys::Entry(index), value);
  }
  void Delete(const std::string& key) {
    storage::WriteBatch batch;
    batch.Delete(key);
    REQUIRE(kv().Write(batch, true).ok());
  }
  // Decodes the entry record at `index`, lets `edit` change it, re-encodes it.
  template <typename Edit>
  void EditEntry(uint64_t index, Edit edit) {
    ledger::Entry entry;
    Bytes leaf;
    REQUIRE(storage::DecodeEntryRecord(GetEntry(index), &entry, &leaf).ok());
    edit(entry, leaf);
    PutEntry(index, storage::EncodeEntryRecord(entry, leaf));
  }
  Hash32 EvidenceId(uint64_t index) {
    ledger::Entry e;
    Bytes leaf;
    REQUIRE(storage::DecodeEntryRecord(GetEntry(index), &e, &leaf).ok());
    return crypto::Sha256(e.statement);
  }
  template <typename Edit>
  void EditBlock(uint64_t height, Edit edit) {
    auto record = storage::DecodeBlockRecord(Get(storage::keys::Block(height)));
    REQUIRE(record.ok());
    edit(*record);
    Put(storage::keys::Block(height), storage::EncodeBlockRecord(*record));
  }
};

Tampered OpenCopy(const std::string& dir) { return Tampered{OpenLogAt(dir)}; }

// Runs the CLI's audit and returns the first bad height it names (0 when clean).
uint64_t AuditBadHeight(const ChainFixture& fx, const std::string& data_dir,
                        std::string* reason = nullptr) {
  CliRun run = RunCli({"audit", "--data-dir", data_dir, "--genesis", fx.genesis_path, "--json"});
  auto json = nlohmann::json::parse(run.out, nullptr, false);
  REQUIRE_MESSAGE(json.is_object(), (run.out + run.err));
  if (reason != nullptr) *reason = json["reason"].get<std::string>();
  if (json["first_bad_height"].is_null()) {
    CHECK(run.exit_code == 0);
    CHECK(json["ok"] == true);
    return 0;
  }
  CHECK(run.exit_code == 1);
  CHECK(run.err.rfind("evchain audit: first bad height ", 0) == 0);
  return json["first_bad_height"].get<uint64_t>();
}

TEST_CASE("a clean chain audits clean, from the CLI and in-process on 1 and 3 threads") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  CliRun run = RunCli({"audit", "--data-dir", fx.data_dir, "--genesis", fx.genesis_path});
  CHECK_MESSAGE(run.exit_code == 0, (run.out + run.err));
  CHECK(run.out.find("CLEAN") != std::string::npos);
  CHECK(run.out.find("blocks      6") != std::string::npos);
  CHECK(run.out.find("entries     13") != std::string::npos);

  auto genesis = LoadGenesis(fx.genesis_path);
  REQUIRE(genesis.ok());
  for (unsigned threads : {1u, 3u}) {
    auto source = OpenDataDirSource(fx.data_dir);
    REQUIRE(source.ok());
    AuditReport report = RunAudit(**source, *genesis, {threads, false});
    CHECK(report.ok());
    CHECK(report.blocks == 6);
    CHECK(report.entries == 13);
    // 9 single signatures + 1 batch signature + 6 certificates x 3 cosignatures.
    CHECK(report.signatures_checked == 9 + 1 + 18);
    CHECK(report.first_time == genesis->genesis_time + 1000);
    CHECK(report.last_time == genesis->genesis_time + 6000);
  }
}

TEST_CASE("audit refuses a directory that is not a data directory and never creates one") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  CliRun run = RunCli({"audit", "--data-dir", dir / "nope", "--genesis", fx.genesis_path});
  CHECK(run.exit_code == 3);
  CHECK_FALSE(std::filesystem::exists(dir / "nope"));
  CHECK(RunCli({"audit", "--genesis", fx.genesis_path}).exit_code == 2);
}

TEST_CASE("audit names the first bad height of each tampering") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  std::string reason;

  SUBCASE("one raw byte of a stored entry") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "raw-entry");
    {
      Tampered t = OpenCopy(copy);
      std::string value = t.GetEntry(fx.first_index[3] + 1);
      value[value.size() / 2] ^= 0x01;
      t.PutEntry(fx.first_index[3] + 1, value);
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 3);
  }
  SUBCASE("a re-encoded statement (one character changed)") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "statement");
    {
      Tampered t = OpenCopy(copy);
      t.EditEntry(fx.first_index[5], [](ledger::Entry& e, Bytes&) {
        e.statement.replace(e.statement.find("document"), 8, "webpage!");
      });
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 5);
  }
  SUBCASE("a depositor signature") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "signature");
    {
      Tampered t = OpenCopy(copy);
      t.EditEntry(fx.first_index[4], [](ledger::Entry& e, Bytes&) { e.signature[10] ^= 0x80; });
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 4);
    CHECK(reason.find("signature") != std::string::npos);
  }
  SUBCASE("a batch signature") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "batch");
    {
      Tampered t = OpenCopy(copy);
      t.EditEntry(fx.first_index[2] + 2, [](ledger::Entry& e, Bytes&) {
        e.batch->signature[0] ^= 0x01;
        e.signature = e.batch->signature;
      });
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 2);
  }
  SUBCASE("a certificate signature") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "certificate");
    {
      Tampered t = OpenCopy(copy);
      t.EditBlock(4, [](storage::BlockRecord& r) {
        auto note = crypto::ParseNote(r.certificate);
        REQUIRE(note.ok());
        note->signatures[1].signature.back() ^= 0x01;
        r.certificate = crypto::FormatNote(*note);
      });
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 4);
    CHECK(reason.find("certificate") != std::string::npos);
  }
  SUBCASE("a certificate with too few cosignatures") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "quorum");
    {
      Tampered t = OpenCopy(copy);
      t.EditBlock(3, [](storage::BlockRecord& r) {
        auto note = crypto::ParseNote(r.certificate);
        REQUIRE(note.ok());
        note->signatures.pop_back();
        r.certificate = crypto::FormatNote(*note);
      });
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 3);
  }
  SUBCASE("a block's previous hash, with the block hash recomputed") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "prev-hash");
    {
      Tampered t = OpenCopy(copy);
      t.EditBlock(2, [](storage::BlockRecord& r) {
        auto header = ledger::BlockHeader::Decode(r.header);
        REQUIRE(header.ok());
        header->prev_hash[0] ^= 0x01;
        r.header = header->Encode();
        r.hash = header->Hash();
      });
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 2);
    CHECK(reason.find("prev_hash") != std::string::npos);
  }
  SUBCASE("two blocks swapped") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "swap");
    {
      Tampered t = OpenCopy(copy);
      const std::string b3 = t.Get(storage::keys::Block(3));
      const std::string b4 = t.Get(storage::keys::Block(4));
      t.Put(storage::keys::Block(3), b4);
      t.Put(storage::keys::Block(4), b3);
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 3);
  }
  SUBCASE("an evidence_id index entry pointing at another entry") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "index");
    {
      Tampered t = OpenCopy(copy);
      // Entry first_index[5] + 1's key now names the block's other entry, first_index[5].
      const uint64_t index = fx.first_index[5] + 1;
      const Hash32 id = t.EvidenceId(index);
      t.Delete(storage::keys::Index(storage::keys::kEvidenceId, id, index));
      t.Put(storage::keys::Index(storage::keys::kEvidenceId, id, fx.first_index[5]), "");
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 5);
    CHECK(reason.find("evidence_id index") != std::string::npos);
  }
  SUBCASE("an extra nonce index entry naming an existing entry") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "extra");
    {
      Tampered t = OpenCopy(copy);
      t.Put(
          storage::keys::Index(storage::keys::kNonce, crypto::Sha256("forged"), fx.first_index[4]),
          "");
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 4);
    CHECK(reason.find("nonce index") != std::string::npos);
  }
  SUBCASE("a digest index entry for an entry that does not exist") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "orphan");
    {
      Tampered t = OpenCopy(copy);
      t.Put(storage::keys::Index(storage::keys::kDigest, crypto::Sha256("never deposited"), 99),
            "");
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 6);
    CHECK(reason.find("digest index") != std::string::npos);
  }
  SUBCASE("an extra Merkle node record in the companion") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "node");
    {
      Tampered t = OpenCopy(copy);
      // Among the committed records (Open would drop one past the committed size).
      Tampered::Put(t.entries(), storage::keys::Entry(2) + std::string(1, '\x05'),
                    std::string(32, 'x'));
    }
    // Found where it sits: reading entry 3, which block 2 holds.
    CHECK(AuditBadHeight(fx, copy, &reason) == 2);
    CHECK(reason.find("entry 3 is missing (a record the log does not have") != std::string::npos);
  }
  SUBCASE("a Merkle node's stored hash") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "nodehash");
    {
      Tampered t = OpenCopy(copy);
      Tampered::Put(t.entries(), storage::keys::Node(1, 0), std::string(32, 'x'));
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 1);
    CHECK(reason.find("entry 1: its stored Merkle node of level 1 differs") != std::string::npos);
  }
  SUBCASE("a Merkle node record missing from the companion") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "nonode");
    {
      Tampered t = OpenCopy(copy);
      storage::WriteBatch batch;
      batch.Delete(storage::keys::Node(1, 0));  // completed by entry 1, in block 1
      REQUIRE(t.entries().Write(batch, true).ok());
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 1);
    CHECK(reason.find("Merkle node of level 1 ending at entry 1 is missing") != std::string::npos);
  }
  SUBCASE("a record after the last entry's in the companion") {
    const std::string copy = CopyDataDir(fx.data_dir, dir, "tail");
    {
      Tampered t = OpenCopy(copy);
      Tampered::Put(t.entries(), "z", "stray");
    }
    CHECK(AuditBadHeight(fx, copy, &reason) == 6);
    CHECK(reason.find("a record the log does not have, after its last entry") != std::string::npos);
  }
  INFO(reason);
}

TEST_CASE("an index problem below a later bad block wins, and the clean prefix ends before it") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string copy = CopyDataDir(fx.data_dir, dir, "both");
  {
    Tampered t = OpenCopy(copy);
    // Block 3 loses an index key; block 5's entry gets a bad signature.
    const uint64_t index = fx.first_index[3];
    t.Delete(storage::keys::Index(storage::keys::kEvidenceId, t.EvidenceId(index), index));
    t.EditEntry(fx.first_index[5], [](ledger::Entry& e, Bytes&) { e.signature[0] ^= 0x01; });
  }
  CliRun run = RunCli({"audit", "--data-dir", copy, "--genesis", fx.genesis_path, "--json"});
  auto json = nlohmann::json::parse(run.out, nullptr, false);
  REQUIRE_MESSAGE(json.is_object(), (run.out + run.err));
  CHECK(json["first_bad_height"] == 3);
  CHECK(json["reason"] ==
        "entry " + std::to_string(fx.first_index[3]) + ": evidence_id index misses this entry");
  CHECK(json["blocks"] == 2);
  CHECK(json["entries"] == fx.first_index[3]);
  CHECK(json["last_time"] == FormatRfc3339Millis(1764000000000 + 2000));
}

// A statement whose leaf was re-made to match it (so the statement is what fails) and that holds
// an escape sequence and a byte that is not UTF-8 in a field name: the reason quotes the name,
// and neither may reach the terminal or break the JSON summary (nlohmann refuses to dump a string
// that is not UTF-8).
TEST_CASE("audit reports a statement's control and non-UTF-8 bytes escaped, in text and JSON") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string copy = CopyDataDir(fx.data_dir, dir, "escape");
  {
    Tampered t = OpenCopy(copy);
    t.EditEntry(fx.first_index[5], [](ledger::Entry& e, Bytes& leaf_bytes) {
      e.statement.insert(e.statement.find('\n') + 1, "\x1b[2J\xff: x\n");
      auto leaf = ledger::Leaf::Decode(leaf_bytes);
      REQUIRE(leaf.ok());
      leaf->statement_hash = crypto::Sha256(e.statement);
      leaf_bytes = leaf->Encode();
    });
  }
  CliRun json_run = RunCli({"audit", "--data-dir", copy, "--genesis", fx.genesis_path, "--json"});
  auto json = nlohmann::json::parse(json_run.out, nullptr, false);
  REQUIRE_MESSAGE(json.is_object(), (json_run.out + json_run.err));
  CHECK(json_run.exit_code == 1);
  CHECK(json["first_bad_height"] == 5);
  CHECK(json["reason"].get<std::string>().find("unknown field \"\\x1b[2J\\xff\"") !=
        std::string::npos);
  CliRun text_run = RunCli({"audit", "--data-dir", copy, "--genesis", fx.genesis_path});
  CHECK(text_run.exit_code == 1);
  CHECK(text_run.out.find("FAILED at height 5") != std::string::npos);
  for (const std::string& out : {json_run.out, json_run.err, text_run.out, text_run.err}) {
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(out.find('\xff') == std::string::npos);
  }
}

// A data directory whose name is not UTF-8 (a GBK-encoded "证据" from a Chinese Windows share,
// copied as is) is audited like any other; its name in the summary is escaped, since JSON
// (and nlohmann's dump) holds only UTF-8.
TEST_CASE("audit --json of a data directory whose name is not UTF-8") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string copy = CopyDataDir(fx.data_dir, dir, "\xd6\xa4\xbe\xdd");
  CliRun run = RunCli({"audit", "--data-dir", copy, "--genesis", fx.genesis_path, "--json"});
  auto json = nlohmann::json::parse(run.out, nullptr, false);
  REQUIRE_MESSAGE(json.is_object(), (run.out + run.err));
  CHECK(run.exit_code == 0);
  CHECK(json["ok"] == true);
  // D6 A4 happens to be UTF-8 (U+05A4); BE and DD are not.
  CHECK(json["source"].get<std::string>().find("\xd6\xa4\\xbe\\xdd") != std::string::npos);
}

// A chain whose deposits are given by (digest seed, nonce) per block.
std::string MakeChainOf(const TempDir& dir, const std::string& name,
                        const std::vector<std::vector<std::pair<std::string, std::string>>>& blocks,
                        std::string* genesis_path) {
  const UnixMillis t0 = 1764000000000;
  TestNetwork net = MakeTestNetwork("audit-test", t0);
  *genesis_path = dir / (name + "-genesis.json");
  WriteText(*genesis_path, genesis::GenesisToJson(net.genesis));
  std::string data = dir / name;
  OpenLog opened = OpenLogAt(data);
  ChainBuilder builder(net, opened.log.get(), 3);
  for (size_t b = 0; b < blocks.size(); ++b) {
    std::vector<ledger::Entry> entries;
    for (const auto& [seed, nonce] : blocks[b]) {
      entries.push_back(builder.Deposit(crypto::Sha256(seed), nonce));
    }
    REQUIRE(
        builder.AppendBlock(std::move(entries), t0 + 1000 * static_cast<UnixMillis>(b + 1)).ok());
  }
  return data;
}

TEST_CASE("audit finds a repeated nonce and a repeated statement through the index store") {
  TempDir dir;
  std::string genesis;
  SUBCASE("the same depositor and nonce for two different digests") {
    const std::string data = MakeChainOf(
        dir, "nonce", {{{"a", "n-0"}, {"b", "n-1"}}, {{"c", "n-2"}, {"d", "n-0"}}}, &genesis);
    CliRun run = RunCli({"audit", "--data-dir", data, "--genesis", genesis, "--json"});
    auto json = nlohmann::json::parse(run.out, nullptr, false);
    REQUIRE_MESSAGE(json.is_object(), (run.out + run.err));
    CHECK(run.exit_code == 1);
    CHECK(json["first_bad_height"] == 2);
    CHECK(json["reason"] == "entry 3: (depositor, nonce) repeats entry 0");
  }
  SUBCASE("the same statement twice") {
    const std::string data =
        MakeChainOf(dir, "statement", {{{"a", "n-0"}}, {{"b", "n-1"}}, {{"a", "n-0"}}}, &genesis);
    CliRun run = RunCli({"audit", "--data-dir", data, "--genesis", genesis, "--json"});
    auto json = nlohmann::json::parse(run.out, nullptr, false);
    REQUIRE_MESSAGE(json.is_object(), (run.out + run.err));
    CHECK(json["first_bad_height"] == 3);
    CHECK(json["reason"] == "entry 2: evidence_id repeats entry 0");
  }
  SUBCASE("the same digest under two nonces is legitimate") {
    const std::string data = MakeChainOf(dir, "digest", {{{"a", "n-0"}}, {{"a", "n-1"}}}, &genesis);
    CliRun run = RunCli({"audit", "--data-dir", data, "--genesis", genesis, "--json"});
    CHECK_MESSAGE(run.exit_code == 0, (run.out + run.err));
  }
}

TEST_CASE("audit --tmp-dir must exist") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  CliRun run = RunCli({"audit", "--data-dir", fx.data_dir, "--genesis", fx.genesis_path,
                       "--tmp-dir", dir / "missing"});
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("does not exist") != std::string::npos);
}

TEST_CASE("the frontier root equals the reference root for every size up to 70") {
  crypto::MerkleFrontier frontier;
  std::vector<Hash32> leaves;
  CHECK(frontier.Root() == crypto::RootFromLeafHashes(leaves));
  for (int i = 0; i < 70; ++i) {
    leaves.push_back(crypto::LeafHash(AsBytes(std::to_string(i))));
    frontier.AppendLeafHash(leaves.back());
    CHECK(frontier.size() == leaves.size());
    CHECK(frontier.Root() == crypto::RootFromLeafHashes(leaves));
  }
}

}  // namespace
}  // namespace evchain::cli::testing
