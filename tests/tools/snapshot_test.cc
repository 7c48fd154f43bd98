// Chain snapshots (storage/snapshot.h, evchain snapshot): a round trip gives back the very
// records the log wrote, and every kind of bad file is refused by name, leaving nothing behind.
#include "storage/snapshot.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "crypto/sha256.h"
#include "genesis/genesis.h"
#include "storage/backup.h"
#include "storage/evidence_log.h"
#include "storage/keys.h"
#include "tests/tools/chain_fixture.h"
#include "tests/tools/cli_test_util.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::cli::testing {

using synthetic::ChainBuilder;
using synthetic::MakeTestNetwork;
using synthetic::TestNetwork;
namespace {

constexpr UnixMillis kCreated = 1764100000000;

using Records = std::vector<std::pair<std::string, std::string>>;

Records DumpStore(const storage::KvStore& store) {
  Records out;
  std::unique_ptr<storage::Iterator> it = store.NewIterator();
  for (it->Seek(""); it->Valid(); it->Next()) {
    out.emplace_back(std::string(it->key()), std::string(it->value()));
  }
  return out;
}

// The records a snapshot carries over: all but node metadata `m` and the restore marker `r`.
Records Chain(const storage::KvStore& store) {
  Records out;
  for (auto& kv : DumpStore(store)) {
    if (kv.first[0] != storage::keys::kMeta && kv.first[0] != storage::keys::kRestoreMarker) {
      out.push_back(std::move(kv));
    }
  }
  return out;
}

std::string SnapshotBytes(const storage::KvStore& store) {
  char* buf = nullptr;
  size_t size = 0;
  std::FILE* f = open_memstream(&buf, &size);
  REQUIRE(f != nullptr);
  auto info = storage::WriteSnapshot(store, f, kCreated);
  REQUIRE_MESSAGE(info.ok(), info.status().ToString());
  std::fclose(f);
  std::string out(buf, size);
  std::free(buf);
  return out;
}

Result<storage::SnapshotInfo> Load(std::string bytes, const genesis::Genesis& genesis,
                                   storage::KvStore& store, const std::string& sort_dir = "") {
  std::FILE* f = fmemopen(bytes.data(), bytes.size(), "rb");
  REQUIRE(f != nullptr);
  auto info = storage::LoadSnapshot(f, genesis, store, nullptr, sort_dir);
  std::fclose(f);
  return info;
}

Status LoadFresh(const std::string& bytes, const genesis::Genesis& genesis) {
  auto store = storage::NewMemoryStore();
  return Load(bytes, genesis, *store).status();
}

genesis::Genesis ReadGenesis(const std::string& path) {
  auto g = genesis::ParseGenesis(ReadText(path));
  REQUIRE_MESSAGE(g.ok(), g.status().ToString());
  return *g;
}

// A varint-prefixed frame at `pos`: returns its payload's [begin, end).
std::pair<size_t, size_t> FrameAt(const std::string& bytes, size_t pos) {
  uint64_t n = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<uint8_t>(bytes[pos++]);
    n |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
  }
  return {pos, pos + n};
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// `bytes` with the tip certificate in its header replaced by `certificate`.
std::string WithTipCertificate(const std::string& bytes, const std::string& certificate) {
  const size_t fixed = storage::kSnapshotMagic.size() + 4 + 8;
  const auto header = FrameAt(bytes, fixed);
  const auto cert = FrameAt(bytes, header.second);
  std::string out = bytes.substr(0, header.second);
  PutVarint(out, certificate.size());
  out += certificate;
  out += bytes.substr(cert.second);
  return out;
}

struct Opened {
  std::unique_ptr<storage::KvStore> store;
};

TEST_CASE("a snapshot loads back into exactly the records the log wrote, with a restore marker") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);  // a batch, single deposits and an empty block
  const genesis::Genesis genesis = ReadGenesis(fx.genesis_path);
  auto source = storage::OpenLevelDb(fx.data_dir);
  REQUIRE(source.ok());
  const std::string bytes = SnapshotBytes(**source);
  CHECK(bytes.substr(0, storage::kSnapshotMagic.size()) == storage::kSnapshotMagic);
  {
    // docs/snapshots.md "Test vector": the first word of each line between the markers, hex.
    const std::string doc = ReadText(std::string(EVCHAIN_SOURCE_DIR) + "/docs/snapshots.md");
    const size_t begin = doc.find("<!-- snapshot-vector:begin -->");
    const size_t end = doc.find("<!-- snapshot-vector:end -->");
    REQUIRE(begin != std::string::npos);
    REQUIRE(end != std::string::npos);
    std::istringstream lines(doc.substr(begin, end - begin));
    std::string line, hex;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == '<' || line[0] == '`') continue;
      hex += line.substr(0, line.find(' '));
    }
    REQUIRE(hex.size() == 2 * (17 + 4 + 8));
    CHECK(ToHex(AsBytes(bytes.substr(0, hex.size() / 2))) == hex);
  }

  auto target = storage::NewMemoryStore();
  auto info = Load(bytes, genesis, *target);
  REQUIRE_MESSAGE(info.ok(), info.status().ToString());
  CHECK(info->tip.height == 6);
  CHECK(info->created_at == kCreated);
  CHECK(Chain(**source) == Chain(*target));
  CHECK(Chain(*(*source)->Sequential()) == Chain(*target->Sequential()));

  auto marker = storage::ReadRestoreMarker(*target);
  REQUIRE(marker.ok());
  REQUIRE(marker->has_value());
  CHECK((*marker)->height == 6);
  CHECK((*marker)->log_size == info->tip.log_size);
  CHECK((*marker)->last_block_hash == info->tip_hash);
  CHECK((*marker)->consensus_view == 0);  // a snapshot carries no votes
  CHECK((*marker)->consensus_seq == 0);
  CHECK((*marker)->created_at == kCreated);

  auto log = storage::EvidenceLog::Open(target.get());
  REQUIRE(log.ok());
  CHECK((*log)->Root() == info->tip.log_root);
  auto found = (*log)->FindByDigest(crypto::Sha256(EvidenceContent(5)));
  REQUIRE(found.ok());
  CHECK(found->size() == 1);

  SUBCASE("into a store that is not empty: refused") {
    CHECK(Load(bytes, genesis, *target).status().code() == "not_empty");
  }
  SUBCASE("the index keys are sorted in the directory given, which is left empty") {
    TempDir sort_dir;
    auto again = storage::NewMemoryStore();
    REQUIRE(Load(bytes, genesis, *again, sort_dir.path().string()).ok());
    CHECK(Chain(**source) == Chain(*again));
    CHECK(std::filesystem::is_empty(sort_dir.path()));
  }
  SUBCASE("a sort directory that cannot be written: an io_error, not a crash") {
    auto again = storage::NewMemoryStore();
    CHECK(Load(bytes, genesis, *again, "/nonexistent-evchain-dir").status().code() == "io_error");
  }
}

// 2,600 entries: two complete chunks of 1,024 leaves, whose proof-chunk records
// (storage/proof_chunk.h) the loader writes as the log does, and an open one.
TEST_CASE("a snapshot of complete chunks loads back into the same proof-chunk records") {
  TestNetwork net = MakeTestNetwork("audit-test", 1764000000000);
  auto source = storage::NewMemoryStore();
  {
    auto log = storage::EvidenceLog::Open(source.get());
    REQUIRE(log.ok());
    ChainBuilder builder(net, log->get(), 3);
    for (int block = 0; block < 2; ++block) {
      const std::string nonce = "b" + std::to_string(block);
      std::vector<Hash32> digests;
      digests.reserve(1300);
      for (int i = 0; i < 1300; ++i) digests.push_back(crypto::Sha256(nonce + std::to_string(i)));
      REQUIRE(builder.AppendBlock(builder.Batch(digests, nonce), 1764000001000 + block).ok());
    }
  }
  REQUIRE(source->Sequential()->Get(storage::keys::Chunk(1))->has_value());
  auto target = storage::NewMemoryStore();
  auto info = Load(SnapshotBytes(*source), net.genesis, *target);
  REQUIRE_MESSAGE(info.ok(), info.status().ToString());
  CHECK(info->tip.log_size == 2600);
  CHECK(Chain(*source->Sequential()) == Chain(*target->Sequential()));
}

TEST_CASE("a snapshot is refused, by name, when anything in it does not verify") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const genesis::Genesis genesis = ReadGenesis(fx.genesis_path);
  std::string bytes;
  std::string block5_certificate;
  Bytes leaf3;
  {
    auto source = storage::OpenLevelDb(fx.data_dir);
    REQUIRE(source.ok());
    bytes = SnapshotBytes(**source);
    auto log = storage::EvidenceLog::Open(source->get());
    REQUIRE(log.ok());
    block5_certificate = (*log)->GetBlock(5)->certificate;
    leaf3 = (*log)->GetEntry(3)->leaf;
  }
  REQUIRE(LoadFresh(bytes, genesis).ok());

  SUBCASE("a tampered statement") {
    const size_t at = bytes.find(ToHex(crypto::Sha256(EvidenceContent(2))));
    REQUIRE(at != std::string::npos);
    bytes[at] = bytes[at] == 'a' ? 'b' : 'a';
    Status s = LoadFresh(bytes, genesis);
    CHECK(s.code() == "bad_leaf");
    CHECK(s.message().find("entry 2") != std::string::npos);
  }
  SUBCASE("a tampered leaf: its hash is not in the certified root") {
    const std::string needle(AsChars(leaf3));
    const size_t at = bytes.find(needle);
    REQUIRE(at != std::string::npos);
    bytes[at + needle.size() - 1] ^= 1;  // the last byte of the leaf's block time
    Status s = LoadFresh(bytes, genesis);
    CHECK(s.code() == "root_mismatch");
    CHECK(s.message().find("block 2") != std::string::npos);
  }
  SUBCASE("the tip carries another block's certificate") {
    Status s = LoadFresh(WithTipCertificate(bytes, block5_certificate), genesis);
    CHECK(s.code() == "chain_mismatch");
  }
  SUBCASE("a certificate without a quorum") {
    TestNetwork net = MakeTestNetwork("audit-test", genesis.genesis_time);
    REQUIRE(net.genesis.hash == genesis.hash);
    auto store = storage::NewMemoryStore();
    auto log = storage::EvidenceLog::Open(store.get());
    REQUIRE(log.ok());
    ChainBuilder builder(net, log->get(), 2);  // 2 of 4 cosign: no quorum
    REQUIRE(builder.AppendBlock({builder.Deposit(crypto::Sha256("x"), "n-x")}, 1764000001000).ok());
    Status s = LoadFresh(SnapshotBytes(*store), genesis);
    CHECK(s.code() == "bad_certificate");
    CHECK(s.message().find("no_quorum") != std::string::npos);
  }
  SUBCASE("a snapshot of another chain") {
    TestNetwork other = MakeTestNetwork("other-chain", genesis.genesis_time);
    CHECK(LoadFresh(bytes, other.genesis).code() == "wrong_chain");
  }
  SUBCASE("another chain with the same validators and chain id (another genesis time)") {
    TestNetwork other = MakeTestNetwork("audit-test", genesis.genesis_time + 1);
    Status s = LoadFresh(bytes, other.genesis);
    CHECK(s.code() == "chain_mismatch");
    CHECK(s.message().find("genesis hash") != std::string::npos);
  }
  SUBCASE("a truncated file, wherever it is cut") {
    for (size_t cut : {size_t{5}, size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
      Status s = LoadFresh(bytes.substr(0, cut), genesis);
      CHECK(s.code() == "bad_snapshot");
      CHECK(s.message().find("truncated") != std::string::npos);
    }
  }
  SUBCASE("bytes after the end mark") {
    CHECK(LoadFresh(bytes + "x", genesis).code() == "bad_snapshot");
  }
  SUBCASE("another format version") {
    bytes[storage::kSnapshotMagic.size() + 3] = 2;
    Status s = LoadFresh(bytes, genesis);
    CHECK(s.code() == "bad_snapshot");
    CHECK(s.message().find("version 2") != std::string::npos);
  }
}

// docs/cli.md: exit 3 when a file cannot be read. A directory (or a FIFO) given as the
// snapshot failed as 'io_error: cannot read the snapshot file' with exit 1, the code of a
// snapshot that does not verify; a FIFO with no writer held the tool for ever.
TEST_CASE("evchain snapshot show and restore: a directory or FIFO given as the file exits 3") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string folder = dir / "folder";
  std::filesystem::create_directory(folder);
  const std::string fifo = dir / "chain.fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  for (const auto& [in, why] : {std::pair{folder, std::string(": is a directory")},
                                std::pair{fifo, std::string(": not a regular file")}}) {
    std::string want = "cannot read " + in;
    want += why;
    CliRun show = RunProgram("/usr/bin/timeout", {"20", CliPath(), "snapshot", "show", "--in", in});
    CHECK_MESSAGE(show.exit_code == 3, (show.out + show.err));
    CHECK_MESSAGE(show.err.find(want) != std::string::npos, show.err);
    CliRun restore =
        RunProgram("/usr/bin/timeout", {"20", CliPath(), "snapshot", "restore", "--genesis",
                                        fx.genesis_path, "--in", in, "--data", dir / "restored"});
    CHECK_MESSAGE(restore.exit_code == 3, (restore.out + restore.err));
    CHECK_MESSAGE(restore.err.find(want) != std::string::npos, restore.err);
    CHECK_FALSE(std::filesystem::exists(dir / "restored"));
  }
}

TEST_CASE("evchain snapshot create and restore, and a refused snapshot leaves no data directory") {
  TempDir dir;
  ChainFixture fx = MakeChain(dir);
  const std::string file = dir / "chain.evsnap";
  CliRun created = RunCli({"snapshot", "create", "--data", fx.data_dir, "--out", file, "--json"});
  REQUIRE_MESSAGE(created.exit_code == 0, (created.out + created.err));
  CHECK(created.out.find("\"height\": 6") != std::string::npos);
  CHECK(RunCli({"snapshot", "create", "--data", fx.data_dir, "--out", file}).exit_code == 2);

  const std::string restored = dir / "restored";
  CliRun run = RunCli(
      {"snapshot", "restore", "--genesis", fx.genesis_path, "--in", file, "--data", restored});
  REQUIRE_MESSAGE(run.exit_code == 0, (run.out + run.err));
  CHECK(run.out.find("verified and restored") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(restored + ".restoring"));
  CliRun audit = RunCli({"audit", "--data-dir", restored, "--genesis", fx.genesis_path});
  CHECK_MESSAGE(audit.exit_code == 0, (audit.out + audit.err));
  CliRun show = RunCli({"backup", "show", "--data-dir", restored});
  CHECK(show.out.find("\"consensus_seq\": 0") != std::string::npos);

  // Not empty without --replace: refused, untouched.
  CHECK(RunCli(
            {"snapshot", "restore", "--genesis", fx.genesis_path, "--in", file, "--data", restored})
            .exit_code == 2);
  // With --replace: the old directory is kept beside it, and the deposits it acknowledged and
  // had not committed (its pending journal) are carried over (lost until 2026-12-07).
  const std::string journal_key = "pending/" + std::string(32, '\x5b');
  {
    OpenLog old = OpenLogAt(restored);
    REQUIRE(old.log->PutMeta(journal_key, "an acknowledged deposit", true).ok());
  }
  CliRun replaced = RunCli({"snapshot", "restore", "--genesis", fx.genesis_path, "--in", file,
                            "--data", restored, "--replace"});
  REQUIRE_MESSAGE(replaced.exit_code == 0, (replaced.out + replaced.err));
  CHECK(replaced.out.find("1 acknowledged deposit not yet committed carried over") !=
        std::string::npos);
  {
    OpenLog now = OpenLogAt(restored);
    auto carried = now.log->GetMeta(journal_key);
    REQUIRE(carried.ok());
    CHECK(carried->value_or("") == "an acknowledged deposit");
  }

  // A truncated copy: refused by name, no directory at all.
  std::string bytes = ReadText(file);
  const std::string cut = dir / "cut.evsnap";
  WriteText(cut, bytes.substr(0, bytes.size() - 100));
  const std::string target = dir / "target";
  CliRun refused =
      RunCli({"snapshot", "restore", "--genesis", fx.genesis_path, "--in", cut, "--data", target});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("truncated") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(target));
  CHECK_FALSE(std::filesystem::exists(target + ".restoring"));

  // A short file that is no snapshot is named as such, not as a truncated one (until
  // 2026-12-07: "the file ends at byte 0 inside the header: truncated"); a short start of a
  // snapshot is truncated, at the byte where it ends.
  const std::string tiny = dir / "tiny.evsnap";
  WriteText(tiny, "hello\n");
  CliRun not_snapshot = RunCli({"snapshot", "show", "--in", tiny});
  CHECK(not_snapshot.exit_code != 0);
  CHECK(not_snapshot.err.find("not an evchain snapshot") != std::string::npos);
  WriteText(tiny, "EVCHAIN-SNAP");
  CliRun short_start = RunCli({"snapshot", "show", "--in", tiny});
  CHECK(short_start.err.find("ends at byte 12 inside the header: truncated") != std::string::npos);

  CliRun header = RunCli({"snapshot", "show", "--in", file});
  CHECK(header.exit_code == 0);
  CHECK(header.out.find("\"log_size\"") != std::string::npos);
}

}  // namespace
}  // namespace evchain::cli::testing
