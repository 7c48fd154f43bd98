// Hex (lowercase) and standard base64 (RFC 4648 §4, padded), as used by every format in docs/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace evchain {

std::string ToHex(ByteView bytes);
// Accepts lowercase hex only (our formats are canonical); nullopt on odd length or other chars.
std::optional<Bytes> FromHex(std::string_view hex);
// Parses exactly 64 lowercase hex characters.
std::optional<Hash32> Hash32FromHex(std::string_view hex);
inline std::string ToHex(const Hash32& h) { return ToHex(ByteView(h)); }

std::string ToBase64(ByteView bytes);
// Strict: standard alphabet, padding required, no whitespace.
std::optional<Bytes> FromBase64(std::string_view b64);

// Canonical unsigned decimal, as every text format in docs/ writes numbers: digits only, no sign,
// no leading zero except "0" itself, fits in 64 bits. nullopt otherwise.
std::optional<uint64_t> ParseCanonicalDecimal(std::string_view s);

}  // namespace evchain
