// evchain backup: an online backup through a serving node's socket, then the restore of that
// (by then old) backup: the data directory goes back to the backup's height and consensus
// records, and carries the restore marker naming them, so the node can tell at start.
#include "storage/backup.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "crypto/sha256.h"
#include "genesis/genesis.h"
#include "node/backup_service.h"
#include "proto/consensus.pb.h"
#include "storage/keys.h"
#include "tests/tools/cli_test_util.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::cli::testing {

using synthetic::ChainBuilder;
using synthetic::MakeTestNetwork;
using synthetic::TestNetwork;
namespace {

constexpr UnixMillis kT0 = 1764000000000;

void PutConsensus(storage::EvidenceLog& log, uint64_t view, uint64_t seq) {
  consensus::pb::ReplicaState state;
  state.set_view(view);
  REQUIRE(log.PutMeta("c/state", state.SerializeAsString(), true).ok());
  char key[64];
  std::snprintf(key, sizeof(key), "c/msg/%020llu/00ff", static_cast<unsigned long long>(seq));
  REQUIRE(log.PutMeta(key, "vote", true).ok());
}

void Append(ChainBuilder& builder, storage::EvidenceLog& log, int n) {
  for (int i = 0; i < n; ++i) {
    const uint64_t h = log.height() + 1;
    REQUIRE(builder
                .AppendBlock({builder.Deposit(crypto::Sha256("e" + std::to_string(h)),
                                              "n-" + std::to_string(h))},
                             kT0 + 1000 * static_cast<UnixMillis>(h))
                .ok());
  }
}

TEST_CASE("an old online backup restores with its marker, and restore refuses what is unsafe") {
  TempDir dir;
  const std::string data = dir / "data";
  const std::string backup = dir / "backup";
  const std::string genesis_path = dir / "genesis.json";
  TestNetwork net = MakeTestNetwork("backup-test", kT0);
  WriteText(genesis_path, genesis::GenesisToJson(net.genesis));
  {
    OpenLog opened = OpenLogAt(data);
    ChainBuilder builder(net, opened.log.get(), 3);
    Append(builder, *opened.log, 3);
    PutConsensus(*opened.log, 5, 3);
    auto service = node::BackupService::Start(data, *opened.log);
    REQUIRE_MESSAGE(service.ok(), service.status().ToString());
    // The store is open in this process, as in a running node: only the socket can serve.
    CliRun run = RunCli({"backup", "create", "--data-dir", data, "--out", backup, "--json"});
    REQUIRE_MESSAGE(run.exit_code == 0, (run.out + run.err));
    auto reply = nlohmann::json::parse(run.out, nullptr, false);
    REQUIRE(reply.is_object());
    CHECK(reply["ok"] == true);
    CHECK(reply["height"] == 3);
    CHECK(reply["consensus_view"] == 5);
    CHECK(reply["consensus_seq"] == 3);
    CHECK(RunCli({"backup", "create", "--data-dir", data, "--out", backup}).exit_code == 2);
    // The node goes on: two more blocks, a later view and votes.
    Append(builder, *opened.log, 2);
    PutConsensus(*opened.log, 9, 5);
  }
  CHECK_FALSE(std::filesystem::exists(std::filesystem::path(data) / "backup.sock"));

  CliRun refused = RunCli({"backup", "restore", "--from", backup, "--data-dir", data});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("--replace") != std::string::npos);
  {
    OpenLog live = OpenLogAt(data);  // holds the LevelDB lock, as a running node does
    CliRun busy = RunCli({"backup", "restore", "--from", backup, "--data-dir", data, "--replace"});
    CHECK(busy.exit_code == 3);
    CHECK(busy.err.find("stop the node") != std::string::npos);
  }
  CliRun restored =
      RunCli({"backup", "restore", "--from", backup, "--data-dir", data, "--replace"});
  REQUIRE_MESSAGE(restored.exit_code == 0, (restored.out + restored.err));

  {
    OpenLog opened = OpenLogAt(data);
    CHECK(opened.log->height() == 3);
    auto marker = storage::ReadRestoreMarker(*opened.store);
    REQUIRE(marker.ok());
    REQUIRE(marker->has_value());
    CHECK((*marker)->height == 3);
    CHECK((*marker)->log_size == 3);
    CHECK((*marker)->consensus_view == 5);
    CHECK((*marker)->consensus_seq == 3);
    auto block = opened.log->GetBlock(3);
    REQUIRE(block.ok());
    CHECK((*marker)->last_block_hash == block->hash);
    // The consensus records are the backup's: older than what the node signed since.
    CHECK(node::ConsensusHighWaterOf(*opened.store)->view == 5);
  }
  CliRun show = RunCli({"backup", "show", "--data-dir", data});
  REQUIRE(show.exit_code == 0);
  auto shown = nlohmann::json::parse(show.out, nullptr, false);
  REQUIRE(shown.is_object());
  CHECK(shown["restored_from_backup"]["height"] == 3);
  CHECK(shown["restored_from_backup"]["consensus_view"] == 5);

  // The restored directory audits clean; the directory it replaced is kept, at height 5.
  CliRun audit = RunCli({"audit", "--data-dir", data, "--genesis", genesis_path});
  CHECK_MESSAGE(audit.exit_code == 0, (audit.out + audit.err));
  std::string before;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().filename().string().starts_with("data.before-restore-")) before = e.path();
  }
  REQUIRE_FALSE(before.empty());
  {
    OpenLog old = OpenLogAt(before);
    CHECK(old.log->height() == 5);
  }
  // A directory without a marker is not a backup.
  CliRun not_backup = RunCli({"backup", "restore", "--from", before, "--data-dir", dir / "x"});
  CHECK(not_backup.exit_code == 3);
  CHECK(not_backup.err.find("restore marker") != std::string::npos);
}

TEST_CASE("an offline backup of a stopped node's directory") {
  TempDir dir;
  const std::string data = dir / "data";
  TestNetwork net = MakeTestNetwork("backup-test", kT0);
  {
    OpenLog opened = OpenLogAt(data);
    ChainBuilder builder(net, opened.log.get(), 3);
    Append(builder, *opened.log, 2);
  }
  CliRun run = RunCli({"backup", "create", "--data-dir", data, "--out", dir / "b", "--json"});
  REQUIRE_MESSAGE(run.exit_code == 0, (run.out + run.err));
  auto reply = nlohmann::json::parse(run.out, nullptr, false);
  CHECK(reply["height"] == 2);
  CHECK(reply["consensus_view"] == 0);
}

// A deposit the node acknowledged (202) after the backup lives only in its pending journal
// until it commits. Until 2026-12-07 `restore --replace` left it in the directory moved aside, and
// the restored validator never proposed it: an acknowledged deposit lost. It is carried over now;
// the node checks it again at start (committed ones leave the journal).
TEST_CASE("restore --replace carries the acknowledged deposits the old directory still held") {
  TempDir dir;
  const std::string data = dir / "data";
  const std::string backup = dir / "backup";
  TestNetwork net = MakeTestNetwork("backup-pending-test", kT0);
  const std::string journal_key = "pending/" + std::string(32, '\x5a');
  {
    OpenLog opened = OpenLogAt(data);
    ChainBuilder builder(net, opened.log.get(), 3);
    Append(builder, *opened.log, 2);
    auto service = node::BackupService::Start(data, *opened.log);
    REQUIRE_MESSAGE(service.ok(), service.status().ToString());
    CliRun run = RunCli({"backup", "create", "--data-dir", data, "--out", backup});
    REQUIRE_MESSAGE(run.exit_code == 0, (run.out + run.err));
    REQUIRE(opened.log->PutMeta(journal_key, "the acknowledged deposit", true).ok());
  }
  CliRun restored =
      RunCli({"backup", "restore", "--from", backup, "--data-dir", data, "--replace"});
  REQUIRE_MESSAGE(restored.exit_code == 0, (restored.out + restored.err));
  CHECK(restored.out.find("1 acknowledged deposit") != std::string::npos);
  OpenLog opened = OpenLogAt(data);
  CHECK(opened.log->height() == 2);
  auto carried = opened.log->GetMeta(journal_key);
  REQUIRE(carried.ok());
  REQUIRE(carried->has_value());
  CHECK(**carried == "the acknowledged deposit");
}

}  // namespace
}  // namespace evchain::cli::testing
