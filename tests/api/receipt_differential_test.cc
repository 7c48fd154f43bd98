// Differential test of the two receipt verifiers: `evchain verify` (ledger::Receipt::FromJson and
// ledger::VerifyReceipt behind tools/cli/verify.cc) and the judge's page (api/web/verify.js).
// This file makes real receipts (a single deposit and a batch item), lets
// tests/api/receipt_differential_test.js mutate them and the genesis many ways from a fixed seed,
// gives the CLI's verdict on every mutant and hands it back to the script, which runs the page's
// verifier and fails on any disagreement (the step mapping and the mutations are there).
//
// The CLI's verdict is computed in this process, by the calls and in the order of
// VerifyOffline (tools/cli/verify.cc): one `evchain` process per mutant would take minutes on
// two cores. So that this stays the binary's verdict, the script marks a sample of mutants (the
// first ones of every mutation class) that the real binary also verifies, and those must agree
// with the in-process verdict, exit status included.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "api/router.h"
#include "common/encoding.h"
#include "genesis/genesis.h"
#include "ledger/receipt.h"
#include "tests/api/test_chain.h"

// Its own namespace: the unity build compiles this file with the other api tests.
namespace evchain::api::receipt_differential {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The mutants' temp directory, removed whatever the outcome.
struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "evchain-receipt-diff-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path path;
};

// The verdict `evchain verify` gives: "genesis" (the genesis file is refused: exit 2 before any
// step), "receipt" (Receipt::FromJson refuses the JSON), the first failing step, or "ok".
struct Verdict {
  std::string failed;  // "ok" when verified
  bool warning = false;
  std::string detail;
  std::vector<std::string> signers;  // when verified
};

Verdict CliVerdict(const std::string& genesis_text, const std::string& receipt_text,
                   const Hash32& digest) {
  Verdict v;
  auto g = genesis::ParseGenesis(genesis_text);
  if (!g.ok()) return {"genesis", false, g.status().message(), {}};
  auto receipt = ledger::Receipt::FromJson(receipt_text);
  if (!receipt.ok()) return {"receipt", false, receipt.status().message(), {}};
  const ledger::ReceiptVerification r = ledger::VerifyReceipt(*receipt, *g, digest);
  v.failed = "ok";
  for (const ledger::VerifyStep& step : r.steps) {
    if (!step.ok) {
      v.failed = step.name;
      v.detail = step.detail;
      break;
    }
    v.warning = v.warning || step.warning;
  }
  CHECK_MESSAGE(r.ok == (v.failed == "ok"), receipt_text);
  for (const auto& s : r.signers) v.signers.push_back(s.validator_id);
  return v;
}

// Runs the real binary; returns its verdict in CliVerdict's terms, or a description of an
// unexpected outcome.
std::string BinaryVerdict(const fs::path& file, const fs::path& receipt, const fs::path& genesis,
                          const fs::path& out) {
  const std::string cmd = std::string(EVCHAIN_BINARY_DIR) + "/tools/cli/evchain verify '" +
                          file.string() + "' --receipt '" + receipt.string() + "' --genesis '" +
                          genesis.string() + "' --lang en > '" + out.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  const std::string output = ReadText(out);
  if (code == 0) return output.find("VERIFIED:") != std::string::npos ? "ok" : "exit 0: " + output;
  if (code == 2 && output.find("not a valid genesis file") != std::string::npos) return "genesis";
  if (code != 1) return "exit " + std::to_string(code) + ": " + output;
  const size_t at = output.find("[FAIL] ");
  if (at == std::string::npos) return "exit 1 without a failing step: " + output;
  const size_t start = at + 7;
  const size_t end = output.find(' ', start);
  return output.substr(start, end - start);
}

TEST_CASE("receipt differential: evchain verify and verify.js agree on mutated receipts") {
  REQUIRE_MESSAGE(std::system("node --version > /dev/null 2>&1") == 0,
                  "Node.js (`node`) is required: scripts/install-deps.sh --browser");
  api::testing::Harness h;
  h.node.commit_on_wait = true;
  HttpRequest r;
  r.method = "POST";
  r.query = {{"wait", "commit"}};

  // A batch of 5 first, then a single deposit, so that both receipts have inclusion proofs of
  // more than one hash (item 3 of a 5-leaf tree, leaf 5 of a 6-leaf one).
  std::vector<std::string> items;
  items.reserve(5);
  for (int i = 0; i < 5; ++i) {
    items.push_back(api::testing::MakeStatement(api::testing::DigestOf("b" + std::to_string(i)),
                                                "b" + std::to_string(i))
                        .Canonical());
  }
  r.path = "/v1/deposits/batch";
  r.body = api::testing::SignedBatchBody(items, "batch");
  HttpResponse batch = api::testing::Resolve(api::testing::Serve(r, h.ctx), h.node);
  REQUIRE_MESSAGE(batch.status == 200, batch.body);
  r.path = "/v1/deposits";
  r.body = api::testing::DepositBody(
      api::testing::MakeStatement(api::testing::DigestOf("single"), "s1").Canonical());
  HttpResponse single = api::testing::Resolve(api::testing::Serve(r, h.ctx), h.node);
  REQUIRE_MESSAGE(single.status == 200, single.body);

  TempDir dir;
  std::ofstream(dir.path / "genesis.json") << api::testing::TestGenesisJson();
  std::ofstream(dir.path / "single.bin") << "single";
  std::ofstream(dir.path / "batch.bin") << "b3";
  // The node's receipt JSON as a client saves it: the file form (ledger::Receipt::ToJson).
  auto receipt_file = [](const std::string& body, const char* pointer) {
    auto receipt = ledger::Receipt::FromJson(Json::parse(body)[Json::json_pointer(pointer)].dump());
    REQUIRE_MESSAGE(receipt.ok(), receipt.status().ToString());
    return receipt->ToJson();
  };
  std::ofstream(dir.path / "single.receipt.json") << receipt_file(single.body, "/receipt");
  std::ofstream(dir.path / "batch.receipt.json") << receipt_file(batch.body, "/receipts/3");

  const std::string script =
      std::string(EVCHAIN_SOURCE_DIR) + "/tests/api/receipt_differential_test.js ";
  REQUIRE(std::system(("node " + script + "generate " + dir.path.string()).c_str()) == 0);

  const Json cases = Json::parse(ReadText(dir.path / "cases.json"));
  Json cli = Json::object();
  std::map<std::string, std::string> genesis_texts;
  int sampled = 0;
  for (const Json& c : cases) {
    const std::string genesis_file = c["genesis"].get<std::string>();
    auto [it, added] = genesis_texts.try_emplace(genesis_file);
    if (added) it->second = ReadText(dir.path / genesis_file);
    const std::string receipt_file_name = c["receipt"].get<std::string>();
    const auto digest = Hash32FromHex(c["digest"].get<std::string>());
    REQUIRE(digest.has_value());
    const Verdict v = CliVerdict(it->second, ReadText(dir.path / receipt_file_name), *digest);
    cli[c["id"].get<std::string>()] = {
        {"failed", v.failed}, {"warning", v.warning}, {"detail", v.detail}, {"signers", v.signers}};
    if (c["sample"].get<bool>()) {
      ++sampled;
      const std::string binary =
          BinaryVerdict(dir.path / c["file"].get<std::string>(), dir.path / receipt_file_name,
                        dir.path / genesis_file, dir.path / "binary.out");
      const std::string why = c["id"].get<std::string>() + ": the evchain binary says " + binary +
                              ", ledger::VerifyReceipt " + v.failed;
      CHECK_MESSAGE(binary == v.failed, why);
    }
  }
  MESSAGE(cases.size() << " mutants; " << sampled << " also verified by the evchain binary");
  std::ofstream(dir.path / "cli.json") << cli.dump();
  CHECK(std::system(("node " + script + "compare " + dir.path.string()).c_str()) == 0);
}

}  // namespace
}  // namespace evchain::api::receipt_differential
