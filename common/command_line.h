// Command-line parsing for evchain-node and the tools built on CLI11 (`evchain` itself reports
// through its verbs' own Fail, tools/cli/cli_common.h). Header-only: only programs include
// CLI11. --help prints and exits 0; a usage error prints one line naming --help and exits 2, the
// status `evchain` and `evchain-node` document for it (CLI11's own are 105 for a missing file,
// 106 for a missing option, 109 for an unknown one...).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>

namespace evchain {

// Parses argv into `app`. Returns nullopt when the program should go on, otherwise the exit
// status to return from main (0 after --help, 2 after a usage error, reported on stderr).
inline std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    // CLI11 names an unnamed app after argv[0], a path: the program's file name reads better.
    std::string name = app.get_name();
    if (name.empty() && argc > 0) name = argv[0];
    if (const size_t slash = name.rfind('/'); slash != std::string::npos) {
      name = name.substr(slash + 1);
    }
    std::fprintf(stderr, "%s: %s (see %s --help)\n", name.c_str(), e.what(), name.c_str());
    return 2;
  }
}

}  // namespace evchain
