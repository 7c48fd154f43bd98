// evchain testnet: a ready-to-run local network (keys, genesis, one config per validator).
// Node config keys: docs/operations.md; genesis format: docs/formats.md "Genesis".

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/free_ports.h"
#include "crypto/ed25519.h"
#include "genesis/genesis.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/verbs.h"

namespace evchain::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTestnetVerb = "testnet";

struct TestnetOptions {
  int validators = 4;
  std::string out;
  std::string chain_id = "evchain-testnet";
  int base_port = 0;  // 0: pick free ports
};

// Roles in validator order: courts, then notaries, then time services; at least one time
// service (two from 10 validators on), the rest split between courts and notaries. For n = 4
// this is court, court, notary, time.
std::vector<genesis::Role> Roles(int n) {
  const int times = n >= 10 ? 2 : 1;
  const int courts = (n - times + 1) / 2;
  const int notaries = n - times - courts;
  std::vector<genesis::Role> roles;
  roles.insert(roles.end(), courts, genesis::Role::kCourt);
  roles.insert(roles.end(), notaries, genesis::Role::kNotary);
  roles.insert(roles.end(), times, genesis::Role::kTime);
  return roles;
}

// A bearer token for block listing, which validators refuse without one (docs/api.md).
std::string NewToken() {
  std::random_device rd;
  Bytes b(16);
  for (auto& x : b) x = static_cast<uint8_t>(rd());
  return ToHex(ByteView(b));
}

// The config holds bearer tokens: the node refuses a config that others may read (0600).
Status WriteConfig(const fs::path& path, const genesis::Validator& v, const std::string& token) {
  nlohmann::ordered_json config = {{"validator_id", v.id},        {"genesis", "../genesis.json"},
                                   {"key_file", "validator.key"}, {"data_dir", "data"},
                                   {"p2p_listen", v.p2p},         {"http_listen", v.http},
                                   {"log_level", "info"},         {"block_list_tokens", {token}}};
  EVCHAIN_RETURN_IF_ERROR(WriteFile(path.string(), config.dump(2) + "\n"));
  std::error_code ec;
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace,
                  ec);
  if (ec) return Status::Error("io", "cannot chmod 600 " + path.string() + ": " + ec.message());
  return Status::Ok();
}

int RunTestnet(const TestnetOptions& o) {
  const int n = o.validators;
  if (n < 4 || n > 16 || (n - 1) % 3 != 0) {
    return Fail(kTestnetVerb, kExitUsage,
                "--validators must be 3f+1 between 4 and 16 (4, 7, 10, 13 or 16), got " +
                    std::to_string(n));
  }
  if (o.base_port < 0 || o.base_port + 2 * n - 1 > 65535) {
    return Fail(kTestnetVerb, kExitUsage, "--base-port out of range");
  }
  const fs::path dir(o.out);
  std::error_code ec;
  if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec))) {
    return Fail(kTestnetVerb, kExitUsage, o.out + " exists and is not an empty directory");
  }
  fs::create_directories(dir, ec);
  if (ec) return Fail(kTestnetVerb, kExitIo, "cannot create " + o.out + ": " + ec.message());

  std::vector<int> ports;
  if (o.base_port != 0) {
    for (int i = 0; i < 2 * n; ++i) ports.push_back(o.base_port + i);
  } else {
    auto free_ports = FreeLoopbackPorts(2 * n);
    if (!free_ports.ok()) return Fail(kTestnetVerb, kExitIo, free_ports.status().message());
    ports.assign(free_ports->begin(), free_ports->end());
  }

  genesis::Genesis g;
  g.chain_id = o.chain_id;
  g.genesis_time = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::vector<genesis::Role> roles = Roles(n);
  int per_role[3] = {0, 0, 0};
  for (int i = 0; i < n; ++i) {
    const fs::path node_dir = dir / ("node" + std::to_string(i));
    fs::create_directories(node_dir / "data", ec);
    // The chain's data is the node's alone (docs/operations.md): 0700, whatever the umask.
    if (!ec)
      fs::permissions(node_dir / "data", fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) return Fail(kTestnetVerb, kExitIo, "cannot create " + node_dir.string());
    crypto::SecretKey key = crypto::SecretKey::Generate();
    if (Status s = key.SaveFile((node_dir / "validator.key").string()); !s.ok()) {
      return Fail(kTestnetVerb, kExitIo, s.message());
    }
    genesis::Validator v;
    v.role = roles[i];
    v.id = std::string(genesis::RoleName(v.role)) + "-" +
           std::to_string(++per_role[static_cast<int>(v.role)]);
    v.public_key = key.public_key();
    const size_t first_port = 2 * static_cast<size_t>(i);  // p2p, then HTTP
    v.p2p = "127.0.0.1:" + std::to_string(ports[first_port]);
    v.http = "127.0.0.1:" + std::to_string(ports[first_port + 1]);
    // Display names for judges' reports (docs/formats.md "Display names").
    const std::string number = std::to_string(per_role[static_cast<int>(v.role)]);
    switch (v.role) {
      case genesis::Role::kCourt:
        v.names = {"测试网第" + number + "法院", "Testnet Court " + number};
        break;
      case genesis::Role::kNotary:
        v.names = {"测试网第" + number + "公证处", "Testnet Notary Office " + number};
        break;
      case genesis::Role::kTime:
        v.names = {"测试网授时中心" + number, "Testnet Time Service " + number};
        break;
    }
    g.validators.push_back(v);
  }
  crypto::SecretKey depositor_key = crypto::SecretKey::Generate();
  if (Status s = depositor_key.SaveFile((dir / "depositor.key").string()); !s.ok()) {
    return Fail(kTestnetVerb, kExitIo, s.message());
  }
  g.depositors.push_back({"demo-platform",
                          "Demo Evidence Platform",
                          depositor_key.public_key(),
                          {"演示存证平台", ""}});

  const std::string genesis_path = (dir / "genesis.json").string();
  if (Status s = WriteFile(genesis_path, genesis::GenesisToJson(g)); !s.ok()) {
    return Fail(kTestnetVerb, kExitIo, s.message());
  }
  // Round trip: a genesis the node would refuse must not leave here.
  auto loaded = LoadGenesis(genesis_path);
  if (!loaded.ok())
    return Fail(kTestnetVerb, kExitIo, "wrote an invalid genesis: " + loaded.status().message());
  const std::string block_token = NewToken();
  for (int i = 0; i < n; ++i) {
    const fs::path config = dir / ("node" + std::to_string(i)) / "config.json";
    if (Status s = WriteConfig(config, g.validators[i], block_token); !s.ok()) {
      return Fail(kTestnetVerb, kExitIo, s.message());
    }
  }

  std::cout << "testnet " << g.chain_id << ": " << n << " validators (f = " << loaded->f()
            << ", quorum " << loaded->quorum() << ") in " << o.out << "\n"
            << "genesis hash " << ToHex(loaded->hash) << "\n";
  for (int i = 0; i < n; ++i) {
    const auto& v = g.validators[i];
    std::cout << "  node" << i << "  " << v.id << "  p2p " << v.p2p << "  http http://" << v.http
              << "\n";
  }
  const std::string url = "http://" + g.validators[0].http;
  std::cout << "\nNext steps:\n";
  std::cout << "  1. start every validator (one terminal each):\n";
  for (int i = 0; i < n; ++i) {
    std::cout << "       evchain-node --config "
              << (dir / ("node" + std::to_string(i)) / "config.json").string() << "\n";
  }
  std::cout << "  2. deposit a file as the demo platform:\n"
            << "       evchain deposit FILE --key " << (dir / "depositor.key").string()
            << " --depositor demo-platform --node " << url << " --wait\n"
            << "  3. verify it offline:\n"
            << "       evchain verify FILE --receipt FILE.receipt.json --genesis " << genesis_path
            << "\n"
            << "  4. audit the chain (block listing needs the token in block_list_tokens):\n"
            << "       evchain audit --node " << url << " --genesis " << genesis_path << " --token "
            << block_token << "\n";
  return kExitOk;
}

}  // namespace

void AddTestnet(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<TestnetOptions>();
  auto* cmd = app.add_subcommand("testnet", "Create keys, genesis and configs for a local network");
  cmd->add_option("--validators", o->validators, "Number of validators: 3f+1, 4..16")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Directory to create (must be absent or empty)")->required();
  cmd->add_option("--chain-id", o->chain_id, "Chain id")->capture_default_str();
  cmd->add_option("--base-port", o->base_port,
                  "First port: node i gets p2p P+2i and http P+2i+1 (default: free ports)");
  cmd->footer(
      "Writes DIR/genesis.json, DIR/depositor.key and DIR/node<i>/{config.json,validator.key,"
      "data/}.\n\nExample:\n  evchain testnet --validators 4 --out ./net"
      "\n");
  cmd->callback([o, exit_code] { *exit_code = RunTestnet(*o); });
}

}  // namespace evchain::cli
