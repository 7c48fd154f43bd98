// evchain-loadgen against a server that is not a validator: it reports and exits 3, it does not
// abort on an exception. Its usage errors exit 2.
#include <doctest/doctest.h>
#include <httplib.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "crypto/ed25519.h"
#include "tests/tools/cli_test_util.h"

namespace evchain::cli::testing {
namespace {

TEST_CASE("loadgen reports a server whose answers are not the node's JSON, exit 3") {
  TempDir dir;
  const std::string key_path = dir / "depositor.key";
  REQUIRE(crypto::SecretKey::Generate().SaveFile(key_path).ok());
  httplib::Server server;
  // A proxy's error page served as a success, or another service on the port.
  server.Get("/v1/genesis", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html><body>Service Unavailable</body></html>", "text/html");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  std::thread serving([&] { server.listen_after_bind(); });
  CliRun run = RunProgram(EVCHAIN_BINARY_DIR "/tools/loadgen/evchain-loadgen",
                          {"--node", "http://127.0.0.1:" + std::to_string(port), "--key", key_path,
                           "--depositor", "demo-platform", "--count", "1"});
  server.stop();
  serving.join();
  INFO("stderr: " << run.err);
  CHECK(run.exit_code == 3);  // before 2026-12-06: 134, std::terminate on json::parse_error
  CHECK(run.err.find("evchain-loadgen:") != std::string::npos);
  CHECK(run.err.find("parse") != std::string::npos);
}

// The usage errors of every program built on CLI11 go through evchain::ParseCommandLine
// (common/command_line.h): one line naming --help, exit 2, as `evchain` and `evchain-node` say.
TEST_CASE("loadgen's usage errors exit 2 with one line naming --help") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--bogus"}, std::vector<std::string>{"--count", "x"},
        std::vector<std::string>{}}) {
    CliRun run = RunProgram(EVCHAIN_BINARY_DIR "/tools/loadgen/evchain-loadgen", args);
    INFO("stderr: " << run.err);
    CHECK(run.exit_code == 2);  // before: CLI11's own statuses, above 100
    CHECK(run.err.starts_with("evchain-loadgen: "));
    CHECK(run.err.ends_with(" (see evchain-loadgen --help)\n"));
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
  }
  CliRun help = RunProgram(EVCHAIN_BINARY_DIR "/tools/loadgen/evchain-loadgen", {"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--node") != std::string::npos);
}

}  // namespace
}  // namespace evchain::cli::testing
