#include "common/json_unique_keys.h"

#include <doctest/doctest.h>

namespace evchain {
namespace {

TEST_CASE("ParseJsonUniqueKeys: a repeated key in any object is refused, by name") {
  JsonParseError error;
  CHECK(ParseJsonUniqueKeys<nlohmann::json>(R"({"a": 1, "b": [1, 2], "c": {"a": 2}})", &error)
            .has_value());
  // Sibling objects and nested objects have their own keys.
  CHECK(ParseJsonUniqueKeys<nlohmann::ordered_json>(R"([{"a": 1}, {"a": 2}, {"a": {"a": 3}}])",
                                                    &error)
            .has_value());

  CHECK_FALSE(ParseJsonUniqueKeys<nlohmann::json>(R"({"a": 1, "a": 1})", &error).has_value());
  CHECK(error.message == "duplicate key \"a\"");
  CHECK(error.duplicate_key == "a");

  // Deep inside, after the object it repeats in has closed a nested one.
  CHECK_FALSE(ParseJsonUniqueKeys<nlohmann::ordered_json>(
                  R"({"x": [{"k": {"k": 1}, "y": 2, "k": 3}]})", &error)
                  .has_value());
  CHECK(error.duplicate_key == "k");

  // The first repetition in document order is named.
  CHECK_FALSE(ParseJsonUniqueKeys<nlohmann::json>(R"({"b": 1, "a": 1, "a": 2, "b": 2})", &error)
                  .has_value());
  CHECK(error.duplicate_key == "a");

  // Keys compare as decoded strings: an escaped spelling is the same key.
  CHECK_FALSE(ParseJsonUniqueKeys<nlohmann::json>(R"({"a": 1, "\u0061": 2})", &error).has_value());
  CHECK(error.duplicate_key == "a");
}

TEST_CASE("ParseJsonUniqueKeys: malformed JSON gives the parser's message, no key") {
  JsonParseError error;
  for (const char* text : {"", "{", "{\"a\": }", "[1,]", "{\"a\": 1} x", "\"\xff\""}) {
    CAPTURE(text);
    CHECK_FALSE(ParseJsonUniqueKeys<nlohmann::json>(text, &error).has_value());
    CHECK(error.message.rfind("malformed JSON: ", 0) == 0);
    CHECK_FALSE(error.duplicate_key.has_value());
  }
}

// nlohmann takes a NUL byte for the end of its input: "{}" followed by a NUL and anything at all
// parsed as {}, where any other reader (a browser's JSON.parse, jq) refuses the document.
TEST_CASE("ParseJsonUniqueKeys: a NUL byte anywhere is malformed JSON, with its place") {
  using namespace std::string_view_literals;
  JsonParseError error;
  for (std::string_view text : {"{}\0"sv, "{}\0{\"a\": 1}"sv, "{\"a\": 1}\n\0 trailing"sv, "\0{}"sv,
                                "{\"a\": \"x\0y\"}"sv}) {
    CAPTURE(text);
    CHECK_FALSE(ParseJsonUniqueKeys<nlohmann::json>(text, &error).has_value());
    CHECK(error.message.rfind("malformed JSON: line ", 0) == 0);
    CHECK(error.message.find("NUL") != std::string::npos);
  }
  CHECK_FALSE(ParseJsonUniqueKeys<nlohmann::json>("{\"a\": 1}\n\0"sv, &error).has_value());
  CHECK(error.message == "malformed JSON: line 2, column 1: a NUL byte (JSON text holds none)");
}

}  // namespace
}  // namespace evchain
