// JSON parsing that refuses an object repeating a key. nlohmann keeps the last of duplicate keys
// without a word, so two readers of one document (our parser and a court's, a human and the
// code) could take different values from it: every document evchain reads (request bodies,
// receipts, the genesis) is refused instead (RFC 8259 section 4 leaves duplicates undefined).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace evchain {

// Why a parse failed: the document is not JSON (`message` is the parser's), or an object repeats
// `duplicate_key` (the first repeated one, in document order).
struct JsonParseError {
  std::string message;
  std::optional<std::string> duplicate_key;
};

// Parses `text` as one JSON value of type Json (nlohmann::json or nlohmann::ordered_json). On
// failure returns nullopt and fills `*error`. Nesting depth is the caller's concern: the parser
// builds every level it reads (api::ParseStrictObject bounds it before calling this).
template <typename Json>
std::optional<Json> ParseJsonUniqueKeys(std::string_view text, JsonParseError* error) {
  // The keys seen so far in each object being parsed, innermost last.
  std::vector<std::set<std::string, std::less<>>> open_objects;
  std::optional<std::string> duplicate;
  auto callback = [&](int /*depth*/, typename Json::parse_event_t event, Json& parsed) {
    using Event = typename Json::parse_event_t;
    if (event == Event::object_start) open_objects.emplace_back();
    if (event == Event::object_end) open_objects.pop_back();
    if (event == Event::key && !duplicate.has_value()) {
      const auto& key = parsed.template get_ref<const typename Json::string_t&>();
      if (!open_objects.back().insert(key).second) duplicate = key;
    }
    return true;  // keep every value: the check above only watches
  };
  try {
    Json parsed = Json::parse(text.begin(), text.end(), callback);
    if (!duplicate.has_value()) return parsed;
    *error = {"duplicate key \"" + *duplicate + "\"", duplicate};
  } catch (const typename Json::exception& e) {
    *error = {std::string("malformed JSON: ") + e.what(), std::nullopt};
  }
  return std::nullopt;
}

}  // namespace evchain
