// evchain: the command-line tool for depositors, judges and auditors (docs/cli.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "tools/cli/cli_common.h"
#include "tools/cli/verbs.h"

namespace {

int Run(int argc, char** argv) {
  using namespace evchain::cli;
  CLI::App app{"evchain: deposit, verify and audit evidence on an evchain network"};
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 verification/audit failure, 2 usage error, 3 I/O or network "
      "error.\nRun 'evchain <verb> --help' for each verb's options and an example.");
  int exit_code = kExitOk;
  AddKeygen(app, &exit_code);
  AddTestnet(app, &exit_code);
  AddDeposit(app, &exit_code);
  AddVerify(app, &exit_code);
  AddAudit(app, &exit_code);
  AddCheckpoint(app, &exit_code);
  AddConsistency(app, &exit_code);
  AddPage(app, &exit_code);
  AddBackup(app, &exit_code);
  AddSnapshot(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::string verb;
    if (argc > 1) {
      for (const auto* sub : app.get_subcommands({})) {
        if (sub->get_name() == argv[1]) verb = argv[1];
      }
    }
    if (verb.empty() && argc > 1 && argv[1][0] != '-') {
      return Fail("", kExitUsage,
                  std::string("unknown verb '") + argv[1] + "' (see evchain --help)");
    }
    const std::string help = verb.empty() ? "evchain --help" : "evchain " + verb + " --help";
    return Fail(verb, kExitUsage, std::string(e.what()) + " (see " + help + ")");
  } catch (const std::exception& e) {
    // Exceptions stop here: the libraries report expected failures as Status values.
    return Fail(argc > 1 ? argv[1] : "", kExitIo, std::string("internal error: ") + e.what());
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // Run reports what goes wrong, parse errors and exceptions of the verbs included; this keeps an
  // exception from setting the verbs up (an allocation failure) from ending the process unsaid.
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "evchain: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "evchain: internal error\n");
  }
  return evchain::cli::kExitIo;
}
