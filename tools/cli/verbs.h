// The verbs of `evchain`. Each Add* registers one subcommand whose callback runs the verb and
// stores its exit code (cli_common.h) in *exit_code. docs/cli.md documents every verb.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/status.h"
#include "genesis/genesis.h"

namespace evchain::cli {

void AddKeygen(CLI::App& app, int* exit_code);
void AddTestnet(CLI::App& app, int* exit_code);
void AddDeposit(CLI::App& app, int* exit_code);
void AddVerify(CLI::App& app, int* exit_code);
void AddAudit(CLI::App& app, int* exit_code);
void AddCheckpoint(CLI::App& app, int* exit_code);
void AddConsistency(CLI::App& app, int* exit_code);
void AddBackup(CLI::App& app, int* exit_code);
void AddSnapshot(CLI::App& app, int* exit_code);

void AddPage(CLI::App& app, int* exit_code);

// The court's offline page (`evchain page`): api/web/index.html with its style, scripts and
// this genesis inlined.
Result<std::string> RenderOfflinePage(const genesis::Genesis& genesis);

}  // namespace evchain::cli
