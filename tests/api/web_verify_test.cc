// Runs api/web/verify.js (the judge's page's in-browser verification) under Node.js on receipts
// produced by this C++ code, so the page and the C++ verifier agree on every format.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api/router.h"
#include "common/encoding.h"
#include "tests/api/test_chain.h"

namespace evchain::api {
namespace {

using Json = nlohmann::json;

TEST_CASE("verify.js accepts C++ receipts and rejects tampered ones (Node.js)") {
  // Node.js is a test dependency (scripts/install-deps.sh --browser, run by
  // scripts/run-tests.sh): without it this test fails instead of passing without checking.
  REQUIRE_MESSAGE(std::system("node --version > /dev/null 2>&1") == 0,
                  "Node.js (`node`) is required: scripts/install-deps.sh --browser");
  testing::Harness h;
  h.node.commit_on_wait = true;
  const Hash32 single_digest = testing::DigestOf("single");
  HttpRequest r;
  r.method = "POST";
  r.path = "/v1/deposits";
  r.query = {{"wait", "commit"}};
  r.body = testing::DepositBody(testing::MakeStatement(single_digest, "s1").Canonical());
  HttpResponse single = testing::Resolve(testing::Serve(r, h.ctx), h.node);
  REQUIRE_MESSAGE(single.status == 200, single.body);

  std::vector<std::string> items;
  items.reserve(5);
  for (int i = 0; i < 5; ++i) {
    items.push_back(
        testing::MakeStatement(testing::DigestOf("b" + std::to_string(i)), "b" + std::to_string(i))
            .Canonical());
  }
  ledger::BatchStatement b{testing::kChainId, testing::kDepositorId, items.size(),
                           ledger::BatchRoot(items), "batch"};
  const std::string text = b.Canonical();
  r.path = "/v1/deposits/batch";
  r.body = Json{
      {"statement", text},
      {"signature", ToHex(ByteView(testing::DepositorKey().Sign(AsBytes(text))))},
      {"items",
       items}}.dump();
  HttpResponse batch = testing::Resolve(testing::Serve(r, h.ctx), h.node);
  REQUIRE_MESSAGE(batch.status == 200, batch.body);

  const auto dir = std::filesystem::path(EVCHAIN_BINARY_DIR) / "tests/api/verify_js_fixture";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "genesis.json") << genesis::GenesisToJson(testing::TestGenesis());
  Json fixture = {{"genesis_hash", ToHex(testing::TestGenesis().hash)},
                  {"single", Json::parse(single.body)["receipt"]},
                  {"single_digest", ToHex(single_digest)},
                  {"batch", Json::parse(batch.body)["receipts"][3]},
                  {"batch_digest", ToHex(testing::DigestOf("b3"))}};
  std::ofstream(dir / "fixture.json") << fixture.dump(2);
  const std::string cmd =
      std::string("node ") + EVCHAIN_SOURCE_DIR + "/tests/api/verify_test.js " + dir.string();
  CHECK(std::system(cmd.c_str()) == 0);
}

}  // namespace
}  // namespace evchain::api
