#include "common/time.h"

#include <doctest/doctest.h>

namespace evchain {

TEST_CASE("RFC 3339 formatting and parsing") {
  CHECK(FormatRfc3339Millis(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatRfc3339Millis(1795865427123) == "2026-11-28T11:30:27.123Z");
  CHECK(*ParseRfc3339("2026-11-28T11:30:27.123Z") == 1795865427123);
  CHECK(*ParseRfc3339("2026-11-28T12:30:27.123+01:00") == 1795865427123);
  CHECK(*ParseRfc3339("2026-11-28T11:30:27Z") == 1795865427000);
  CHECK(*ParseRfc3339("1969-12-31T23:59:59.999Z") == -1);
  CHECK(FormatRfc3339Millis(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(*ParseRfc3339("2024-02-29T00:00:00Z") == 1709164800000);
}

TEST_CASE("RFC 3339 rejects malformed times") {
  for (const char* bad :
       {"", "2026-11-28", "2026-11-28 11:30:27Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-11-28T24:00:00Z", "2026-11-28T11:30:27",
        "2026-11-28T11:30:27.Z", "2026-11-28T11:30:27Zx", "2026-11-28T11:30:27+0100"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseRfc3339(bad));
  }
}

}  // namespace evchain
