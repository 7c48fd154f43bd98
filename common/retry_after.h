// The Retry-After header of a 503 or 429 answer (RFC 9110 §10.2.3), as evchain's clients read it:
// the CLI's `evchain deposit` and the end-to-end benchmark's load (the node's every 503 and 429
// carries `Retry-After: 1`: docs/api.md "Transport errors").
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace evchain {

// The delay `value` names when it is delay-seconds (1*DIGIT, surrounding spaces or tabs allowed),
// capped at one day, so a huge number cannot overflow a caller's clock arithmetic. nullopt for an
// HTTP-date, a sign, a fraction or anything else: the caller then waits what it would without the
// header.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value);

}  // namespace evchain
