// Fuzzes the genesis loader (genesis/genesis.h, docs/formats.md "Genesis"): a node, the CLI and
// the judge's page all start from this file. Whatever ParseGenesis accepts must serialise back
// (pretty and canonical) into a genesis that parses to the same hash.
#include <string>

#include "crypto/sha256.h"
#include "fuzz/fuzz_util.h"
#include "genesis/genesis.h"

namespace evchain::fuzz {
namespace {

int Run(const uint8_t* data, size_t size) {
  Result<genesis::Genesis> g = genesis::ParseGenesis(AsText(data, size));
  if (!g.ok()) {
    FUZZ_CHECK(g.status().code() == "genesis_invalid");
    return 0;
  }
  FUZZ_CHECK(g->n() >= 1 && g->quorum() <= g->n());
  FUZZ_CHECK(genesis::IsValidId(g->chain_id));
  const std::string canonical = genesis::CanonicalGenesisJson(*g);
  FUZZ_CHECK(crypto::Sha256(canonical) == g->hash);
  for (const std::string& text : {genesis::GenesisToJson(*g), canonical}) {
    Result<genesis::Genesis> again = genesis::ParseGenesis(text);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->hash == g->hash);
    FUZZ_CHECK(genesis::CanonicalGenesisJson(*again) == canonical);
  }
  return 0;
}

}  // namespace
}  // namespace evchain::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return evchain::fuzz::Run(data, size);
}
