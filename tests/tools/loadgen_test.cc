// evchain-loadgen against a server that is not a validator: it reports and exits 3, it does not
// abort on an exception.
#include <doctest/doctest.h>
#include <httplib.h>

#include <string>
#include <thread>

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

}  // namespace
}  // namespace evchain::cli::testing
