// Retry-After as the CLI and the benchmark read it (common/retry_after.h).
#include "common/retry_after.h"

#include <doctest/doctest.h>

namespace evchain {
namespace {

using std::chrono::seconds;

TEST_CASE("Retry-After: delay-seconds are read, capped at a day") {
  CHECK(ParseRetryAfter("1") == seconds(1));
  CHECK(ParseRetryAfter("0") == seconds(0));
  CHECK(ParseRetryAfter(" 120\t") == seconds(120));
  CHECK(ParseRetryAfter("007") == seconds(7));
  CHECK(ParseRetryAfter("86400") == seconds(86400));
  CHECK(ParseRetryAfter("86401") == seconds(86400));
  CHECK(ParseRetryAfter("99999999999999999999999999") == seconds(86400));  // no overflow
}

TEST_CASE("Retry-After: anything but delay-seconds is left to the caller") {
  for (const char* value : {"", "  ", "-1", "+1", "1.5", "1e3", "1 2", "0x10", "one",
                            "Wed, 21 Oct 2026 07:28:00 GMT"}) {
    CAPTURE(value);
    CHECK_FALSE(ParseRetryAfter(value).has_value());
  }
}

}  // namespace
}  // namespace evchain
