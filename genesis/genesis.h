// The genesis file: chain identity, consensus parameters, validators and depositors.
// Format and canonical encoding: docs/formats.md "Genesis".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "common/time.h"
#include "crypto/ed25519.h"

namespace evchain::genesis {

enum class Role { kCourt, kNotary, kTime };
std::string_view RoleName(Role role);  // "court" | "notary" | "time"

// Returns true iff `id` is a valid chain, validator or depositor id: 1..64 characters of
// [a-z0-9._-] (docs/formats.md "Identifiers"). Validator ids are also C2SP note key names.
bool IsValidId(std::string_view id);

// Optional display names of an institution for judges' reports, e.g. "北京互联网法院" /
// "Beijing Internet Court" (docs/formats.md "Genesis"). Empty when absent; when present they are
// part of the canonical JSON, so the genesis hash covers them.
struct DisplayNames {
  std::string zh;  // JSON "name_zh"
  std::string en;  // JSON "name_en"
};

struct Validator {
  std::string id;  // also the C2SP key name of its checkpoint signatures
  Role role = Role::kCourt;
  crypto::PublicKey public_key{};
  std::string p2p;          // "host:port"
  std::string http;         // "host:port"
  DisplayNames names = {};  // a default keeps {id, name, key} initialisers valid
};

struct Depositor {
  std::string id;
  std::string name;
  crypto::PublicKey public_key{};
  DisplayNames names = {};  // a default keeps {id, name, key} initialisers valid
};

// The name to show in `lang` ("zh" or "en"): that language's display name, else the other
// language's, else `fallback` (a depositor's name or the id).
std::string DisplayName(const DisplayNames& names, std::string_view lang,
                        std::string_view fallback);

// Defaults are documented in docs/operations.md; all durations in milliseconds.
struct ConsensusParams {
  uint32_t max_batch = 1000;          // deposits per block
  uint32_t block_interval_ms = 200;   // cut a non-full block after this long (1/8 when idle)
  uint32_t max_clock_skew_ms = 1000;  // accepted |block time - own clock|
  uint32_t view_change_timeout_ms = 2000;
  uint32_t request_timeout_ms = 4000;  // forwarded deposit not proposed -> view change
  uint32_t checkpoint_interval = 16;   // K: blocks between PBFT checkpoints
  uint32_t watermark_window = 64;      // L: high watermark = low watermark + L
};

struct Genesis {
  std::string chain_id;
  UnixMillis genesis_time = 0;
  ConsensusParams params;
  std::vector<Validator> validators;  // in file order; the index is the replica number
  std::vector<Depositor> depositors;
  Hash32 hash{};  // SHA-256 of the canonical JSON encoding

  size_t n() const { return validators.size(); }
  size_t f() const { return (validators.size() - 1) / 3; }
  // Votes that make a certificate: ceil((n + f + 1) / 2). Any two quorums then share at least
  // f + 1 validators, one of them correct, and the n - f correct ones form a quorum. Equal to
  // 2f+1 when n = 3f+1; larger for n = 5, 6 (4 of 5, 4 of 6), where 2f+1 = 3 quorums would meet
  // only in a Byzantine one. docs/protocol.md "Quorums".
  size_t quorum() const { return (n() + f() + 2) / 2; }
  // nullptr when absent.
  const Validator* FindValidator(std::string_view id) const;
  const Validator* FindValidatorByKey(const crypto::PublicKey& key) const;
  const Depositor* FindDepositor(std::string_view id) const;
  int ValidatorIndex(std::string_view id) const;  // -1 when absent
  std::string CheckpointOrigin() const { return "evchain/" + chain_id; }
};

// Parses and validates. On failure the message lists every problem found, one per line, e.g.
// "validators[2].public_key: not 64 lowercase hex characters". Error code "genesis_invalid".
Result<Genesis> ParseGenesis(std::string_view json_text);
Result<Genesis> LoadGenesisFile(const std::string& path);
// Serialises back to the documented JSON (pretty-printed for humans).
std::string GenesisToJson(const Genesis& genesis);
// The canonical encoding whose SHA-256 is the genesis hash (docs/formats.md).
std::string CanonicalGenesisJson(const Genesis& genesis);

}  // namespace evchain::genesis
