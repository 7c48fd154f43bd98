// JSON parsing that refuses an object repeating a key. nlohmann keeps the last of duplicate keys
// without a word, so two readers of one document (our parser and a court's, a human and the
// code) could take different values from it: every document evchain reads (request bodies,
// receipts, the genesis) is refused instead (RFC 8259 section 4 leaves duplicates undefined).
#pragma once

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace evchain {
namespace json_internal {

// `what` without nlohmann's leading "[json.exception.<kind>.<id>] ": a reader of an error (a
// judge, an API client) needs the reason, not the library's name for it.
inline std::string WithoutExceptionName(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    const size_t end = what.find("] ");
    if (end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  return std::string(what);
}

// "line L, column C: <reason>" for a parse error at 1-based byte `byte` of `text` (nlohmann's
// parse_error::byte: the count of bytes read, the offending one last). The reason is the part of
// nlohmann's message after "syntax error while parsing <context> - ", without the "; last read:
// '<text>'" echo of the input (which can be long, binary or secret); its "; expected ..." stays.
inline std::string DescribeParseError(std::string_view text, size_t byte, std::string_view what) {
  const size_t read = std::min(byte == 0 ? 0 : byte - 1, text.size());  // bytes before the last
  const std::string_view before = text.substr(0, read);
  const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  const size_t last_newline = before.rfind('\n');
  const size_t line_start = last_newline == std::string_view::npos ? 0 : last_newline + 1;
  const size_t column = read + 1 - line_start;
  std::string_view reason = what;
  if (const size_t syntax = reason.find("syntax error"); syntax != std::string_view::npos) {
    reason.remove_prefix(syntax);
    if (const size_t dash = reason.find(" - "); dash != std::string_view::npos) {
      reason.remove_prefix(dash + 3);
    }
  } else if (const size_t colon = reason.find(": "); colon != std::string_view::npos) {
    reason.remove_prefix(colon + 2);  // "[json.exception...] parse error at ...: <reason>"
  }
  std::string plain(reason);
  if (const size_t echo = plain.find("; last read: '"); echo != std::string::npos) {
    // The echoed text may itself hold "'; expected ": nlohmann puts that suffix last.
    const size_t expected = plain.rfind("'; expected ");
    plain = plain.substr(0, echo) +
            (expected != std::string::npos && expected > echo ? plain.substr(expected + 1) : "");
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + plain;
}

}  // namespace json_internal

// Why a parse failed: the document is not JSON (`message` is "malformed JSON: line L, column C:
// <reason>", lines and columns counted from 1 in bytes, the reason in the parser's words without
// its exception name or a dump of the text), or an object repeats `duplicate_key` (the first
// repeated one, in document order).
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
  // nlohmann takes a NUL byte for the end of its input and ignores what follows; JSON text
  // holds none (RFC 8259: not even inside a string, where control characters are escaped).
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    *error = {"malformed JSON: " + json_internal::DescribeParseError(
                                       text, nul + 1, "a NUL byte (JSON text holds none)"),
              std::nullopt};
    return std::nullopt;
  }
  try {
    Json parsed = Json::parse(text.begin(), text.end(), callback);
    if (!duplicate.has_value()) return parsed;
    *error = {"duplicate key \"" + *duplicate + "\"", duplicate};
  } catch (const typename Json::parse_error& e) {
    *error = {"malformed JSON: " + json_internal::DescribeParseError(text, e.byte, e.what()),
              std::nullopt};
  } catch (const typename Json::exception& e) {
    *error = {"malformed JSON: " + json_internal::WithoutExceptionName(e.what()), std::nullopt};
  }
  return std::nullopt;
}

}  // namespace evchain
