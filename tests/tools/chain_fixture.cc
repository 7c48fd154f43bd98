#include "tests/tools/chain_fixture.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "crypto/sha256.h"
#include "genesis/genesis.h"

namespace evchain::cli::testing {

using synthetic::ChainBuilder;
using synthetic::MakeTestNetwork;
using synthetic::TestNetwork;

std::string EvidenceContent(uint64_t i) {
  return "evidence file " + std::to_string(i) + ": screenshot bytes would be here\n";
}

ChainFixture MakeChain(const TempDir& dir) {
  ChainFixture fx;
  fx.genesis_path = dir / "genesis.json";
  fx.data_dir = dir / "data";
  const UnixMillis t0 = 1764000000000;
  TestNetwork net = MakeTestNetwork("audit-test", t0);
  WriteText(fx.genesis_path, genesis::GenesisToJson(net.genesis));
  OpenLog opened = OpenLogAt(fx.data_dir);
  ChainBuilder builder(net, opened.log.get(), 3);
  uint64_t next = 0;
  auto digest = [&] {
    const std::string path = dir / ("evidence-" + std::to_string(next) + ".txt");
    WriteText(path, EvidenceContent(next));
    fx.files.push_back(path);
    return crypto::Sha256(EvidenceContent(next++));
  };
  const std::vector<size_t> sizes = {3, 4, 2, 1, 3, 0};  // block 2 is one batch of 4
  fx.first_index.push_back(0);
  for (size_t b = 0; b < sizes.size(); ++b) {
    fx.first_index.push_back(next);
    std::vector<ledger::Entry> entries;
    if (b == 1) {
      std::vector<Hash32> digests;
      for (size_t i = 0; i < sizes[b]; ++i) digests.push_back(digest());
      entries = builder.Batch(digests, "batch-1");
    } else {
      for (size_t i = 0; i < sizes[b]; ++i) {
        entries.push_back(builder.Deposit(digest(), "nonce-" + std::to_string(next)));
      }
    }
    auto header =
        builder.AppendBlock(std::move(entries), t0 + 1000 * static_cast<UnixMillis>(b + 1));
    REQUIRE_MESSAGE(header.ok(), header.status().ToString());
  }
  return fx;
}

std::string CopyDataDir(const std::string& from, const TempDir& dir, const std::string& name) {
  std::string to = dir / name;
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
  std::filesystem::remove(std::filesystem::path(to) / "LOCK");
  return to;
}

}  // namespace evchain::cli::testing
