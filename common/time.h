// Time values: Unix milliseconds (int64) everywhere inside; RFC 3339 UTC text at the edges.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace evchain {

using UnixMillis = int64_t;

// Formats as "2026-11-28T11:10:27.123Z" (always milliseconds, always Z).
std::string FormatRfc3339Millis(UnixMillis t);
// Parses RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)". Fractions beyond
// milliseconds are truncated. nullopt for anything else.
std::optional<UnixMillis> ParseRfc3339(std::string_view text);

}  // namespace evchain
