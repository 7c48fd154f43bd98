// evchain keygen and testnet, run as the built binary.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "genesis/genesis.h"
#include "tests/tools/cli_test_util.h"

namespace evchain::cli::testing {
namespace {

namespace fs = std::filesystem;

unsigned Mode(const std::string& path) {
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

TEST_CASE("keygen writes a 0600 key, prints its public key and refuses to overwrite") {
  TempDir dir;
  const std::string key_path = dir / "a.key";
  CliRun run = RunCli({"keygen", "--out", key_path});
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  CHECK(Mode(key_path) == 0600);
  auto key = crypto::SecretKey::LoadFile(key_path);
  REQUIRE(key.ok());
  CHECK(run.out == ToHex(ByteView(key->public_key())) + "\n");

  const std::string before = ReadText(key_path);
  CliRun again = RunCli({"keygen", "--out", key_path});
  CHECK(again.exit_code == 2);
  CHECK(again.err.rfind("evchain keygen: ", 0) == 0);
  CHECK(again.err.find("already exists") != std::string::npos);
  CHECK(ReadText(key_path) == before);
}

TEST_CASE("usage errors exit 2 with one prefixed line, --help shows an example") {
  CliRun missing = RunCli({"keygen"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.rfind("evchain keygen: ", 0) == 0);
  CHECK(std::count(missing.err.begin(), missing.err.end(), '\n') == 1);
  for (const char* verb : {"keygen", "testnet", "deposit", "verify", "audit", "checkpoint",
                           "consistency", "page", "backup", "snapshot"}) {
    CliRun help = RunCli({verb, "--help"});
    CHECK_MESSAGE(help.exit_code == 0, verb);
    CHECK_MESSAGE(help.out.find("Example") != std::string::npos, verb);
  }
  // Each sub-verb's own help shows its own use, not only its parent's.
  for (const auto& verb_sub :
       {std::pair{"backup", "create"}, std::pair{"backup", "restore"}, std::pair{"backup", "show"},
        std::pair{"snapshot", "create"}, std::pair{"snapshot", "fetch"},
        std::pair{"snapshot", "restore"}, std::pair{"snapshot", "show"}}) {
    const std::string verb = verb_sub.first;
    const std::string sub = verb_sub.second;
    CliRun help = RunCli({verb, sub, "--help"});
    INFO(verb, " ", sub, "\n", help.out);
    CHECK(help.exit_code == 0);
    std::string want = "Example:\n  evchain " + verb;
    want += " " + sub + " ";
    CHECK(help.out.find(want) != std::string::npos);
  }
  CHECK(RunCli({"no-such-verb"}).exit_code == 2);
}

TEST_CASE("testnet writes keys, a loadable genesis and node configs") {
  TempDir dir;
  const std::string net = dir / "net";
  CliRun run = RunCli({"testnet", "--validators", "4", "--out", net, "--chain-id", "test-chain"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  CHECK(run.out.find("Next steps") != std::string::npos);

  auto g = genesis::LoadGenesisFile(net + "/genesis.json");
  REQUIRE_MESSAGE(g.ok(), g.status().ToString());
  CHECK(g->chain_id == "test-chain");
  REQUIRE(g->validators.size() == 4);
  const char* ids[] = {"court-1", "court-2", "notary-1", "time-1"};
  const genesis::Role roles[] = {genesis::Role::kCourt, genesis::Role::kCourt,
                                 genesis::Role::kNotary, genesis::Role::kTime};
  std::set<std::string> addresses;
  for (int i = 0; i < 4; ++i) {
    const auto& v = g->validators[i];
    CHECK(v.id == ids[i]);
    CHECK(v.role == roles[i]);
    addresses.insert(v.p2p);
    addresses.insert(v.http);
    const fs::path node = fs::path(net) / ("node" + std::to_string(i));
    // The config parses and its relative paths resolve beside it.
    auto config = nlohmann::json::parse(ReadText((node / "config.json").string()));
    CHECK(config["validator_id"] == v.id);
    CHECK(config["p2p_listen"] == v.p2p);
    CHECK(config["http_listen"] == v.http);
    CHECK(config["log_level"] == "info");
    CHECK(fs::equivalent(node / config["genesis"].get<std::string>(),
                         fs::path(net) / "genesis.json"));
    CHECK(fs::is_directory(node / config["data_dir"].get<std::string>()));
    // The node refuses a data directory others may read (docs/operations.md).
    CHECK(Mode((node / config["data_dir"].get<std::string>()).string()) == 0700);
    const std::string key_path = (node / config["key_file"].get<std::string>()).string();
    CHECK(Mode(key_path) == 0600);
    auto key = crypto::SecretKey::LoadFile(key_path);
    REQUIRE(key.ok());
    CHECK(key->public_key() == v.public_key);
  }
  CHECK(addresses.size() == 8);  // distinct ports
  const genesis::Depositor* depositor = g->FindDepositor("demo-platform");
  REQUIRE(depositor != nullptr);
  CHECK(depositor->name == "Demo Evidence Platform");
  auto depositor_key = crypto::SecretKey::LoadFile(net + "/depositor.key");
  REQUIRE(depositor_key.ok());
  CHECK(depositor_key->public_key() == depositor->public_key);

  // A non-empty directory is refused.
  CliRun again = RunCli({"testnet", "--out", net});
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("not an empty directory") != std::string::npos);
}

TEST_CASE("testnet accepts 3f+1 up to 16 with a time validator and rejects other sizes") {
  TempDir dir;
  for (const char* bad : {"5", "3", "1", "19", "0"}) {
    CliRun run = RunCli({"testnet", "--validators", bad, "--out", dir / (std::string("n") + bad)});
    CHECK_MESSAGE(run.exit_code == 2, bad);
    CHECK(run.err.find("3f+1") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / (std::string("n") + bad)));
  }
  CliRun seven =
      RunCli({"testnet", "--validators", "7", "--out", dir / "n7", "--base-port", "24000"});
  REQUIRE_MESSAGE(seven.exit_code == 0, seven.err);
  auto g = genesis::LoadGenesisFile(dir / "n7/genesis.json");
  REQUIRE(g.ok());
  REQUIRE(g->validators.size() == 7);
  int counts[3] = {0, 0, 0};
  for (const auto& v : g->validators) ++counts[static_cast<int>(v.role)];
  CHECK(counts[0] >= 1);
  CHECK(counts[1] >= 1);
  CHECK(counts[2] >= 1);
  CHECK(g->validators[0].p2p == "127.0.0.1:24000");
  CHECK(g->validators[6].http == "127.0.0.1:24013");
  CHECK(g->FindValidator("time-1") != nullptr);
}

}  // namespace
}  // namespace evchain::cli::testing
