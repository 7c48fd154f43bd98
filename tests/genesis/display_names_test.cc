// Display names (docs/formats.md "Genesis", "Display names"): optional, validated, covered by the
// genesis hash, absent from the canonical JSON when not given (old genesis files keep their
// hash), and docs/formats.md "Vector 8" is exactly what the code computes.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/encoding.h"
#include "genesis/genesis.h"

namespace evchain::genesis {
namespace {

using nlohmann::ordered_json;

std::string ReadDoc(const std::string& relative) {
  std::ifstream in(std::string(EVCHAIN_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The body of the first ``` block after `heading` in docs/formats.md.
std::string CodeBlockAfter(const std::string& doc, const std::string& heading, int which = 0) {
  size_t at = doc.find(heading);
  REQUIRE(at != std::string::npos);
  for (int i = 0; i <= which; ++i) {
    at = doc.find("```", at);
    REQUIRE(at != std::string::npos);
    at = doc.find('\n', at) + 1;
    if (i < which) at = doc.find("```", at) + 3;
  }
  return doc.substr(at, doc.find("\n```", at) - at);
}

TEST_CASE("docs/formats.md Vector 8: display names in the canonical JSON and the hash") {
  const std::string doc = ReadDoc("docs/formats.md");
  const std::string heading = "### Vector 8";
  const auto g = ParseGenesis(CodeBlockAfter(doc, heading, 0));
  REQUIRE_MESSAGE(g.ok(), g.status().ToString());
  CHECK(CanonicalGenesisJson(*g) == CodeBlockAfter(doc, heading, 1));
  const std::string hash_line = "Genesis hash: `" + ToHex(g->hash) + "`";
  CHECK_MESSAGE(doc.find(hash_line, doc.find(heading)) != std::string::npos, hash_line);
  CHECK(g->validators[0].names.zh == "北京互联网法院");
  CHECK(g->validators[0].names.en == "Beijing Internet Court");
  CHECK(g->depositors[0].names.zh == "演示存证平台");
  CHECK(g->depositors[0].names.en.empty());

  // Vector 7 (no names) keeps its documented hash: the fields are optional.
  const auto v7 = ParseGenesis(CodeBlockAfter(doc, "### Vector 7", 0));
  REQUIRE(v7.ok());
  CHECK(CanonicalGenesisJson(*v7).find("name_") == std::string::npos);
  CHECK(ToHex(v7->hash) == "e59b5cc2b07292f383b904dae8a45ba713a32857c83ecee75f68f191205d3853");
  CHECK(v7->hash != g->hash);

  // GenesisToJson keeps the names: a written genesis parses back to the same hash.
  const auto again = ParseGenesis(GenesisToJson(*g));
  REQUIRE(again.ok());
  CHECK(again->hash == g->hash);
}

TEST_CASE("display names are validated and change the hash") {
  const std::string doc = ReadDoc("docs/formats.md");
  const ordered_json base = ordered_json::parse(CodeBlockAfter(doc, "### Vector 7", 0));
  const auto plain = ParseGenesis(base.dump());
  REQUIRE(plain.ok());

  ordered_json named = base;
  named["validators"][3]["name_en"] = "Example Time Service";
  const auto with_name = ParseGenesis(named.dump());
  REQUIRE(with_name.ok());
  CHECK(with_name->hash != plain->hash);
  named["validators"][3]["name_en"] = "Example Time Service.";
  CHECK(ParseGenesis(named.dump())->hash != with_name->hash);

  struct Bad {
    const char* path;
    ordered_json value;
  };
  for (const Bad& bad : {Bad{"name_zh", ""}, Bad{"name_zh", "a\tb"}, Bad{"name_en", 7},
                         Bad{"name_en", std::string(129, 'x')}, Bad{"name_en", "x\x7f"}}) {
    ordered_json j = base;
    j["depositors"][0][bad.path] = bad.value;
    const auto g = ParseGenesis(j.dump());
    REQUIRE_FALSE(g.ok());
    CHECK(g.status().message().find(std::string("depositors[0].") + bad.path) != std::string::npos);
  }
  ordered_json unknown = base;
  unknown["validators"][0]["name_fr"] = "Cour";
  CHECK_FALSE(ParseGenesis(unknown.dump()).ok());
}

TEST_CASE("DisplayName picks the language, then the other one, then the fallback") {
  CHECK(DisplayName({"北京互联网法院", "Beijing Internet Court"}, "zh", "court-1") ==
        "北京互联网法院");
  CHECK(DisplayName({"北京互联网法院", "Beijing Internet Court"}, "en", "court-1") ==
        "Beijing Internet Court");
  CHECK(DisplayName({"北京互联网法院", ""}, "en", "court-1") == "北京互联网法院");
  CHECK(DisplayName({"", ""}, "zh", "court-1") == "court-1");
}

TEST_CASE("the sample genesis/local network carries display names") {
  const auto g = LoadGenesisFile(std::string(EVCHAIN_SOURCE_DIR) + "/genesis/local/genesis.json");
  REQUIRE_MESSAGE(g.ok(), g.status().ToString());
  for (const Validator& v : g->validators) {
    CHECK_MESSAGE(!v.names.zh.empty(), v.id);
    CHECK_MESSAGE(!v.names.en.empty(), v.id);
  }
  CHECK_FALSE(g->depositors[0].names.zh.empty());
}

}  // namespace
}  // namespace evchain::genesis
