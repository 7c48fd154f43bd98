// The operator's log of proposals rejected for clock skew (node/clock_skew_log.h): the offset
// in ms and the way out (NTP) when it starts, reminders while it goes on, one line at the end.
#include "node/clock_skew_log.h"

#include <doctest/doctest.h>

namespace evchain::node {
namespace {

TEST_CASE("a clock behind the proposers': one warning with the offset, reminders, an end line") {
  ClockSkewLog log(1000, 30000, 60000);
  CHECK_FALSE(log.Update(0, 0, std::nullopt).has_value());
  auto first = log.Update(500, 1, ClockSkewSample{"court-1", 12, 8213});
  REQUIRE(first.has_value());
  CHECK(first->warning);
  CHECK(first->text ==
        "rejecting proposals for clock skew: court-1's block for height=12 has a time 8213 ms "
        "ahead of this validator's clock, beyond the genesis max_clock_skew_ms (1000 ms): this "
        "validator cannot vote until its clock is fixed (check NTP: chronyc tracking, "
        "timedatectl); if only that validator's proposals are rejected, its clock may be the "
        "wrong one");
  auto reminder = log.Update(60500, 9, ClockSkewSample{"notary-1", 13, -7000});
  REQUIRE(reminder.has_value());
  CHECK(reminder->text ==
        "still rejecting proposals for clock skew after 60.0 s: 8 in the last 60.0 s, the last: "
        "notary-1's block for height=13 has a time 7000 ms behind this validator's clock; no "
        "votes until the clock is fixed (NTP)");
  CHECK_FALSE(log.Update(80000, 9, ClockSkewSample{"notary-1", 13, -7000}).has_value());
  auto end = log.Update(91000, 9, ClockSkewSample{"notary-1", 13, -7000});
  REQUIRE(end.has_value());
  CHECK_FALSE(end->warning);
  CHECK(end->text == "no longer rejecting proposals for clock skew; 9 rejected over 60.0 s");
}

TEST_CASE("samples from the verifier threads: a count and the last one") {
  ClockSkewSamples samples;
  CHECK(samples.Get().first == 0);
  samples.Add({"court-1", 5, 3000});
  samples.Add({"court-1", 6, 3100});
  const auto [count, last] = samples.Get();
  CHECK(count == 2);
  REQUIRE(last.has_value());
  CHECK(last->height == 6);
  CHECK(last->offset_ms == 3100);
}

}  // namespace
}  // namespace evchain::node
