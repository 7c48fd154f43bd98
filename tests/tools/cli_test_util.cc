#include "tests/tools/cli_test_util.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>

namespace evchain::cli::testing {

std::string CliPath() { return EVCHAIN_BINARY_DIR "/tools/cli/evchain"; }

CliRun RunCli(const std::vector<std::string>& args) { return RunProgram(CliPath(), args); }

CliRun RunProgram(const std::string& path, const std::vector<std::string>& args) {
  TempDir io;
  const std::string out_path = io / "out";
  const std::string err_path = io / "err";
  std::vector<std::string> argv_strings = {path};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int in = open("/dev/null", O_RDONLY);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CliRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = ReadText(out_path);
  run.err = ReadText(err_path);
  return run;
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("evchain-cli-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

OpenLog OpenLogAt(const std::string& dir) {
  auto store = storage::OpenLevelDb(dir);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  OpenLog result{std::move(store).value(), nullptr};
  auto log = storage::EvidenceLog::Open(result.store.get());
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  result.log = std::move(log).value();
  return result;
}

}  // namespace evchain::cli::testing
