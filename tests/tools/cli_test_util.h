// Helpers for the CLI tests: run the built `evchain` binary as a subprocess, temp directories,
// and an offline chain in LevelDB (tools/synthetic_chain/synthetic_chain.h).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/evidence_log.h"
#include "storage/kv_store.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace evchain::cli::testing {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the program at `path` with `args`; stdin is /dev/null. The exit code of a program killed
// by a signal is 128 + the signal's number, as a shell reports it.
CliRun RunProgram(const std::string& path, const std::vector<std::string>& args);
// EVCHAIN_BINARY_DIR/tools/cli/evchain: the built binary the tests run.
std::string CliPath();
// Runs CliPath() with `args`.
CliRun RunCli(const std::vector<std::string>& args);

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string ReadText(const std::string& path);
void WriteText(const std::string& path, const std::string& text);

// A LevelDB-backed log that is closed on destruction (so a copy or the CLI can open it).
struct OpenLog {
  std::unique_ptr<storage::KvStore> store;
  std::unique_ptr<storage::EvidenceLog> log;
};
// REQUIRES: `dir` is a LevelDB data directory (or absent: created).
OpenLog OpenLogAt(const std::string& dir);

}  // namespace evchain::cli::testing
