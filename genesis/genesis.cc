// Genesis file parsing, validation and canonical encoding: docs/formats.md "Genesis".
#include "genesis/genesis.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/encoding.h"
#include "common/host_port.h"
#include "common/json_unique_keys.h"
#include "crypto/sha256.h"

namespace evchain::genesis {
namespace {

using nlohmann::json;

struct ParamSpec {
  std::string_view name;
  uint32_t ConsensusParams::*field;
  uint32_t min;
  uint32_t max;
};
// Bounds reject zero and values no deployment would want (they would stall or flood the chain).
constexpr ParamSpec kParams[] = {
    {"max_batch", &ConsensusParams::max_batch, 1, 100000},
    {"block_interval_ms", &ConsensusParams::block_interval_ms, 1, 60000},
    {"max_clock_skew_ms", &ConsensusParams::max_clock_skew_ms, 1, 60000},
    {"view_change_timeout_ms", &ConsensusParams::view_change_timeout_ms, 10, 600000},
    {"request_timeout_ms", &ConsensusParams::request_timeout_ms, 10, 600000},
    {"checkpoint_interval", &ConsensusParams::checkpoint_interval, 1, 100000},
    {"watermark_window", &ConsensusParams::watermark_window, 1, 1000000},
};
constexpr size_t kMaxNameBytes = 128;

// Collects every problem, each prefixed by the JSON path it concerns.
class Problems {
 public:
  void Add(const std::string& path, const std::string& what) {
    lines_.push_back(path + ": " + what);
  }
  bool empty() const { return lines_.empty(); }
  std::string Join() const {
    std::string out;
    for (const std::string& line : lines_) out += (out.empty() ? "" : "\n") + line;
    return out;
  }

 private:
  std::vector<std::string> lines_;
};

// A human editing the file would not notice which of two values for one key counts.
std::optional<json> ParseGenesisJson(std::string_view text, Problems& problems) {
  JsonParseError error;
  std::optional<json> parsed = ParseJsonUniqueKeys<json>(text, &error);
  if (!parsed.has_value()) problems.Add("(file)", error.message);
  return parsed;
}

void CheckKeys(const json& object, const std::string& path,
               std::initializer_list<std::string_view> allowed, Problems& problems) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      problems.Add(path.empty() ? key : std::string(path).append(".").append(key), "unknown field");
    }
  }
}

// The string at object[key], or nullopt (with a problem) when absent or not a string.
std::optional<std::string> GetString(const json& object, const std::string& path,
                                     std::string_view key, Problems& problems) {
  const std::string where = path.empty() ? std::string(key) : path + "." + std::string(key);
  const auto it = object.find(key);
  if (it == object.end()) {
    problems.Add(where, "missing");
    return std::nullopt;
  }
  if (!it->is_string()) {
    problems.Add(where, "must be a string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

bool IsCleanName(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameBytes) return false;
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::optional<crypto::PublicKey> ParseKey(const std::optional<std::string>& hex,
                                          const std::string& path, Problems& problems) {
  if (!hex) return std::nullopt;
  const auto key = Hash32FromHex(*hex);
  if (!key) {
    problems.Add(path, "not 64 lowercase hex characters");
    return std::nullopt;
  }
  return *key;
}

void ParseParams(const json& j, ConsensusParams& params, Problems& problems) {
  if (!j.is_object()) {
    problems.Add("params", "must be an object");
    return;
  }
  for (const auto& [key, value] : j.items()) {
    // By name, not [&]: clang 14 cannot capture a structured binding (C++20 allows it).
    const auto spec = std::find_if(std::begin(kParams), std::end(kParams),
                                   [&name = key](const ParamSpec& p) { return p.name == name; });
    const std::string path = "params." + key;
    if (spec == std::end(kParams)) {
      problems.Add(path, "unknown field");
    } else if (!value.is_number_integer() || value.get<int64_t>() < spec->min ||
               value.get<int64_t>() > spec->max) {
      problems.Add(path, "must be an integer from " + std::to_string(spec->min) + " to " +
                             std::to_string(spec->max));
    } else {
      params.*(spec->field) = value.get<uint32_t>();
    }
  }
  if (params.watermark_window < params.checkpoint_interval) {
    problems.Add("params.watermark_window", "must be at least checkpoint_interval");
  }
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kCourt, Role::kNotary, Role::kTime}) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

// The optional "name_zh" / "name_en" fields of a validator or depositor.
DisplayNames ParseDisplayNames(const json& item, const std::string& path, Problems& problems) {
  DisplayNames names;
  for (const auto& [key, field] :
       {std::pair{"name_zh", &names.zh}, std::pair{"name_en", &names.en}}) {
    if (!item.contains(key)) continue;
    const auto value = GetString(item, path, key, problems);
    if (value && !IsCleanName(*value)) {
      problems.Add(path + "." + key, "must be 1..128 bytes without control characters");
    } else if (value) {
      *field = *value;
    }
  }
  return names;
}

template <typename Json>
void AddDisplayNames(Json& object, const DisplayNames& names) {
  if (!names.zh.empty()) object["name_zh"] = names.zh;
  if (!names.en.empty()) object["name_en"] = names.en;
}

// `key_parsed[i]`: validator i's public_key was 64 lowercase hex characters (CheckUniqueness).
void ParseValidators(const json& j, Genesis& g, std::vector<bool>& key_parsed, Problems& problems) {
  if (!j.is_array()) {
    problems.Add("validators", "must be an array");
    return;
  }
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string path = "validators[" + std::to_string(i) + "]";
    const json& item = j[i];
    if (!item.is_object()) {
      problems.Add(path, "must be an object");
      continue;
    }
    CheckKeys(item, path, {"id", "role", "public_key", "p2p", "http", "name_zh", "name_en"},
              problems);
    Validator v;
    const auto id = GetString(item, path, "id", problems);
    if (id && !IsValidId(*id))
      problems.Add(path + ".id", "must be 1..64 characters of [a-z0-9._-]");
    const auto role_name = GetString(item, path, "role", problems);
    const auto role = role_name ? ParseRole(*role_name) : std::nullopt;
    if (role_name && !role) {
      problems.Add(path + ".role", "unknown role \"" + *role_name + "\" (court, notary or time)");
    }
    const auto key =
        ParseKey(GetString(item, path, "public_key", problems), path + ".public_key", problems);
    const auto p2p = GetString(item, path, "p2p", problems);
    const auto http = GetString(item, path, "http", problems);
    for (const auto& [name, address] : {std::pair{"p2p", &p2p}, std::pair{"http", &http}}) {
      if (*address && !ParseHostPort(**address).ok()) {
        problems.Add(path + "." + name, "\"" + **address + "\" is not host:port (port 1..65535)");
      }
    }
    v.id = id.value_or("");
    v.role = role.value_or(Role::kCourt);
    v.public_key = key.value_or(crypto::PublicKey{});
    key_parsed.push_back(key.has_value());
    v.p2p = p2p.value_or("");
    v.http = http.value_or("");
    v.names = ParseDisplayNames(item, path, problems);
    g.validators.push_back(std::move(v));
  }
}

// `key_parsed[i]`: depositor i's public_key was 64 lowercase hex characters (CheckUniqueness).
void ParseDepositors(const json& j, Genesis& g, std::vector<bool>& key_parsed, Problems& problems) {
  if (!j.is_array()) {
    problems.Add("depositors", "must be an array");
    return;
  }
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string path = "depositors[" + std::to_string(i) + "]";
    const json& item = j[i];
    if (!item.is_object()) {
      problems.Add(path, "must be an object");
      continue;
    }
    CheckKeys(item, path, {"id", "name", "public_key", "name_zh", "name_en"}, problems);
    Depositor d;
    const auto id = GetString(item, path, "id", problems);
    if (id && !IsValidId(*id))
      problems.Add(path + ".id", "must be 1..64 characters of [a-z0-9._-]");
    const auto name = GetString(item, path, "name", problems);
    if (name && !IsCleanName(*name)) {
      problems.Add(path + ".name", "must be 1..128 bytes without control characters");
    }
    const auto key =
        ParseKey(GetString(item, path, "public_key", problems), path + ".public_key", problems);
    d.id = id.value_or("");
    d.name = name.value_or("");
    d.public_key = key.value_or(crypto::PublicKey{});
    key_parsed.push_back(key.has_value());
    d.names = ParseDisplayNames(item, path, problems);
    g.depositors.push_back(std::move(d));
  }
}

// Ids and keys must be unique across validators and depositors: a key names exactly one party.
// A key that did not parse (already a problem) is skipped by `*_key_parsed`, not by its value:
// the all-zero key parses like any other and must be unique too.
void CheckUniqueness(const Genesis& g, const std::vector<bool>& validator_key_parsed,
                     const std::vector<bool>& depositor_key_parsed, Problems& problems) {
  std::map<std::string, std::string> ids;  // id -> first path
  std::map<crypto::PublicKey, std::string> keys;
  std::map<std::string, std::string> addresses;
  auto check = [&](auto& seen, const auto& value, const std::string& path, const char* what) {
    const auto [it, inserted] = seen.emplace(value, path);
    if (!inserted)
      problems.Add(path, std::string("duplicate ") + what + " (also " + it->second + ")");
  };
  for (size_t i = 0; i < g.validators.size(); ++i) {
    const Validator& v = g.validators[i];
    const std::string path = "validators[" + std::to_string(i) + "]";
    if (!v.id.empty()) check(ids, v.id, path + ".id", "id");
    if (validator_key_parsed[i]) check(keys, v.public_key, path + ".public_key", "key");
    if (!v.p2p.empty()) check(addresses, v.p2p, path + ".p2p", "address");
    if (!v.http.empty()) check(addresses, v.http, path + ".http", "address");
  }
  for (size_t i = 0; i < g.depositors.size(); ++i) {
    const Depositor& d = g.depositors[i];
    const std::string path = "depositors[" + std::to_string(i) + "]";
    if (!d.id.empty()) check(ids, d.id, path + ".id", "id");
    if (depositor_key_parsed[i]) check(keys, d.public_key, path + ".public_key", "key");
  }
}

template <typename Json>
Json ToJsonValue(const Genesis& g) {
  Json validators = Json::array();
  for (const Validator& v : g.validators) {
    Json item = {{"id", v.id},
                 {"role", RoleName(v.role)},
                 {"public_key", ToHex(ByteView(v.public_key))},
                 {"p2p", v.p2p},
                 {"http", v.http}};
    AddDisplayNames(item, v.names);
    validators.push_back(std::move(item));
  }
  Json depositors = Json::array();
  for (const Depositor& d : g.depositors) {
    Json item = {{"id", d.id}, {"name", d.name}, {"public_key", ToHex(ByteView(d.public_key))}};
    AddDisplayNames(item, d.names);
    depositors.push_back(std::move(item));
  }
  Json params = Json::object();
  for (const ParamSpec& spec : kParams) params[std::string(spec.name)] = g.params.*(spec.field);
  return Json{{"chain_id", g.chain_id},
              {"genesis_time", FormatRfc3339Millis(g.genesis_time)},
              {"params", params},
              {"validators", validators},
              {"depositors", depositors}};
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kCourt:
      return "court";
    case Role::kNotary:
      return "notary";
    case Role::kTime:
      return "time";
  }
  return "court";
}

std::string DisplayName(const DisplayNames& names, std::string_view lang,
                        std::string_view fallback) {
  const std::string& first = lang == "en" ? names.en : names.zh;
  const std::string& second = lang == "en" ? names.zh : names.en;
  if (!first.empty()) return first;
  if (!second.empty()) return second;
  return std::string(fallback);
}

bool IsValidId(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

const Validator* Genesis::FindValidator(std::string_view id) const {
  const auto it = std::find_if(validators.begin(), validators.end(),
                               [&](const Validator& v) { return v.id == id; });
  return it == validators.end() ? nullptr : &*it;
}

const Validator* Genesis::FindValidatorByKey(const crypto::PublicKey& key) const {
  const auto it = std::find_if(validators.begin(), validators.end(),
                               [&](const Validator& v) { return v.public_key == key; });
  return it == validators.end() ? nullptr : &*it;
}

const Depositor* Genesis::FindDepositor(std::string_view id) const {
  const auto it = std::find_if(depositors.begin(), depositors.end(),
                               [&](const Depositor& d) { return d.id == id; });
  return it == depositors.end() ? nullptr : &*it;
}

int Genesis::ValidatorIndex(std::string_view id) const {
  const Validator* v = FindValidator(id);
  return v == nullptr ? -1 : static_cast<int>(v - validators.data());
}

Result<Genesis> ParseGenesis(std::string_view json_text) {
  Problems problems;
  const auto parsed = ParseGenesisJson(json_text, problems);
  if (!parsed) return Status::Error("genesis_invalid", problems.Join());
  const json& j = *parsed;
  if (!j.is_object()) return Status::Error("genesis_invalid", "(file): must be a JSON object");
  CheckKeys(j, "", {"chain_id", "genesis_time", "params", "validators", "depositors"}, problems);

  Genesis g;
  if (const auto id = GetString(j, "", "chain_id", problems)) {
    if (!IsValidId(*id)) problems.Add("chain_id", "must be 1..64 characters of [a-z0-9._-]");
    g.chain_id = *id;
  }
  if (const auto time = GetString(j, "", "genesis_time", problems)) {
    const auto t = ParseRfc3339(*time);
    if (!t) problems.Add("genesis_time", "\"" + *time + "\" is not an RFC 3339 date-time");
    g.genesis_time = t.value_or(0);
  }
  if (j.contains("params")) ParseParams(j["params"], g.params, problems);
  std::vector<bool> validator_key_parsed, depositor_key_parsed;
  if (!j.contains("validators")) {
    problems.Add("validators", "missing");
  } else {
    ParseValidators(j["validators"], g, validator_key_parsed, problems);
  }
  if (!j.contains("depositors")) {
    problems.Add("depositors", "missing");
  } else {
    ParseDepositors(j["depositors"], g, depositor_key_parsed, problems);
  }
  CheckUniqueness(g, validator_key_parsed, depositor_key_parsed, problems);
  if (j.contains("validators") && j["validators"].is_array()) {
    if (g.validators.size() < 4) {
      problems.Add("validators", std::to_string(g.validators.size()) +
                                     " validators; at least 4 are needed to tolerate one fault "
                                     "(n = 3f+1)");
    }
    // A block's certificate is one signed note with every cosignature its validators gave, and
    // a note carries at most 100 signatures (C2SP signed-note, crypto/note.cc): with more
    // validators no certificate would verify.
    if (g.validators.size() > 100) {
      problems.Add("validators", std::to_string(g.validators.size()) +
                                     " validators; at most 100: a block's certificate is a "
                                     "signed note, which carries at most 100 signatures");
    }
    const bool has_time = std::any_of(g.validators.begin(), g.validators.end(),
                                      [](const Validator& v) { return v.role == Role::kTime; });
    if (!has_time) problems.Add("validators", "no validator has role \"time\"");
  }
  if (!problems.empty()) return Status::Error("genesis_invalid", problems.Join());
  g.hash = crypto::Sha256(CanonicalGenesisJson(g));
  return g;
}

Result<Genesis> LoadGenesisFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("genesis_unreadable", path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  auto g = ParseGenesis(text.str());
  if (!g.ok()) return Status::Error(g.status().code(), path + ":\n" + g.status().message());
  return g;
}

std::string GenesisToJson(const Genesis& genesis) {
  return ToJsonValue<nlohmann::ordered_json>(genesis).dump(2) + "\n";
}

// RFC 8785 (JCS): every value is a string or an integer and every key is ASCII, so sorted keys
// (json's std::map) and dump() without indentation are exactly JCS. Non-ASCII names (display
// names, a depositor's name) are written as raw UTF-8 as JCS requires; the control characters
// JCS would escape are rejected by the parser.
std::string CanonicalGenesisJson(const Genesis& genesis) {
  return ToJsonValue<json>(genesis).dump();
}

}  // namespace evchain::genesis
