// evchain-node: runs one validator from its config file (docs/operations.md).
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <thread>

#include "common/command_line.h"
#include "node/allocator.h"
#include "node/backup_service.h"
#include "node/config.h"
#include "node/logging.h"
#include "node/protobuf_log.h"
#include "node/start_failure.h"
#include "node/validator.h"

namespace {

// Every HTTP connection is a descriptor (max_connections, default 10,000), and so is every table
// file LevelDB keeps open (up to 1,000 per database; the companion alone has ~850 tables at 50M
// entries, and loading the log at open reads them all): raises the soft limit, usually 1,024,
// to the hard one before the databases open, and warns when even that is short. Past the limit a
// table that cannot be opened fails the read that needed it (docs/operations.md "Open files").
void RaiseOpenFileLimit(uint64_t max_connections) {
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) != 0) return;
  if (nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) getrlimit(RLIMIT_NOFILE, &nofile);
  }
  // storage::LevelDbOptions::max_open_files, twice.
  constexpr uint64_t kTableFiles = uint64_t{2} * 1000;
  constexpr uint64_t kOtherFiles = 512;  // peer links, logs, LevelDB's own files
  const uint64_t wanted = max_connections + kTableFiles + kOtherFiles;
  if (nofile.rlim_cur != RLIM_INFINITY && nofile.rlim_cur < wanted) {
    spdlog::warn(
        "the descriptor limit ({}) is below the {} that max_connections ({}) and the databases' "
        "open tables may use: raise the hard RLIMIT_NOFILE (LimitNOFILE= in the systemd unit) or "
        "lower max_connections",
        static_cast<uint64_t>(nofile.rlim_cur), wanted, max_connections);
  }
}

int RunNode(int argc, char** argv) {
  CLI::App app{
      "evchain-node: one evchain validator (PBFT among courts, notaries and a time service).\n"
      "Everything it needs is in its config file: genesis, key file, data directory, listen\n"
      "addresses. SIGTERM or Ctrl-C shuts it down cleanly.\n\n"
      "Example:\n"
      "  evchain testnet --validators 4 --out net && evchain-node --config net/node0/config.json",
      "evchain-node"};
  app.footer(
      "Exit status: 0 after a clean shutdown; 1 when the validator cannot start with its config\n"
      "(genesis, key, data directory, ports) or stopped on a fatal error (its log says which);\n"
      "2 when the command line or the config file is wrong.");
  std::string config_path;
  app.add_option("--config", config_path, "node config file (JSON; see docs/operations.md)")
      ->required()
      ->check(CLI::ExistingFile);
  if (std::optional<int> exit_status = evchain::ParseCommandLine(app, argc, argv)) {
    return *exit_status;
  }

  auto config = evchain::node::LoadNodeConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "evchain-node: %s\n", config.status().message().c_str());
    return 2;
  }
  if (auto s = evchain::node::SetupLogging(config->log_level, config->validator_id); !s.ok()) {
    std::fprintf(stderr, "evchain-node: %s\n", s.message().c_str());
    return 2;
  }
  evchain::node::RouteProtobufLogs();
  spdlog::info("memory allocator: {}", evchain::node::AllocatorName());
  RaiseOpenFileLimit(config->max_connections);
  auto validator = evchain::node::Validator::Open(*config);
  if (!validator.ok()) {
    spdlog::critical("{}", evchain::node::StartFailureText(validator.status(), config->data_dir));
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a peer closing mid-write is an error code, not a signal
  if (auto s = (*validator)->Start(); !s.ok()) {
    spdlog::critical("{}", evchain::node::StartFailureText(s, config->data_dir));
    return 1;
  }
  // Online backups (docs/operations.md); the node runs without them if the socket cannot be made.
  auto backups = evchain::node::BackupService::Start(config->data_dir, (*validator)->Log());
  if (!backups.ok()) spdlog::warn("online backups unavailable: {}", backups.status().ToString());
  // SIGTERM / SIGINT are handled inside (boost::asio::signal_set) with a clean shutdown.
  const int exit_code = (*validator)->Run(std::max(2u, std::thread::hardware_concurrency()));
  if (backups.ok()) backups->reset();  // before the validator and its log go
  return exit_code;
}

}  // namespace

// An exception escaping the node (none is expected: errors are Status values) is reported, not
// left to std::terminate's bare abort.
int main(int argc, char** argv) {
  try {
    return RunNode(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "evchain-node: fatal: %s\n", e.what());
    return 1;
  }
}
