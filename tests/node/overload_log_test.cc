// The operator's log of shedding load (node/overload_log.h): a warning at the first refusal,
// reminders while refusals go on, one line when none came for the quiet time.
#include "node/overload_log.h"

#include <doctest/doctest.h>

namespace evchain::node {
namespace {

const OverloadLog::Pending kHeld{20000, 12000, 20000, 4096, 4096};

TEST_CASE("no refusals, no lines") {
  OverloadLog log(1000, 10000);
  for (int64_t t = 0; t < 60000; t += 500) CHECK_FALSE(log.Update(0, t, kHeld).has_value());
  CHECK_FALSE(log.overloaded());
}

TEST_CASE("an episode: one warning, reminders with counts, one line at its end") {
  OverloadLog log(1000, 10000);
  CHECK_FALSE(log.Update(0, 0, kHeld).has_value());

  auto first = log.Update(7, 500, kHeld);
  REQUIRE(first.has_value());
  CHECK(first->warning);
  CHECK(log.overloaded());
  CHECK(first->text.find("overloaded: refusing requests") == 0);
  CHECK(first->text.find("(7 refused)") != std::string::npos);
  CHECK(first->text.find("max_pending 20000; pending now: 20000 deposits in the replica's pool") !=
        std::string::npos);
  CHECK(first->text.find("12000 of them from this validator's clients") != std::string::npos);
  CHECK(first->text.find("; 4096 requests waiting for a handler (at most 4096)") !=
        std::string::npos);

  // Refusals go on: nothing until the reminder is due, 10 s after the warning.
  uint64_t refused = 7;
  for (int64_t t = 1000; t < 10500; t += 500) {
    refused += 100;
    CHECK_FALSE(log.Update(refused, t, kHeld).has_value());
  }
  refused += 100;  // 2,007 in all, 2,000 since the warning
  auto reminder = log.Update(refused, 10500, kHeld);
  REQUIRE(reminder.has_value());
  CHECK(reminder->warning);
  CHECK(reminder->text.find("still overloaded after 10.0 s: 2000 requests refused in the "
                            "last 10.0 s") == 0);
  CHECK(log.overloaded());

  // The last refusal at 11 s; the episode ends once none came for the quiet time.
  refused += 3;
  CHECK_FALSE(log.Update(refused, 11000, kHeld).has_value());
  CHECK_FALSE(log.Update(refused, 11500, kHeld).has_value());
  CHECK(log.overloaded());
  auto end = log.Update(refused, 12000, kHeld);
  REQUIRE(end.has_value());
  CHECK_FALSE(end->warning);
  CHECK(end->text ==
        "no longer overloaded: accepting requests again; 2010 requests "
        "refused over 10.5 s");
  CHECK_FALSE(log.overloaded());
  CHECK_FALSE(log.Update(refused, 12500, kHeld).has_value());
}

TEST_CASE("refusals that flap at the limit stay one episode") {
  OverloadLog log(1000, 10000);
  int lines = 0;
  uint64_t refused = 0;
  // One refusal every 900 ms for a minute: never a whole quiet second between two.
  for (int64_t t = 0; t <= 60000; t += 100) {
    if (t % 900 == 0) ++refused;
    if (log.Update(refused, t, kHeld).has_value()) ++lines;
  }
  CHECK(log.overloaded());
  CHECK(lines == 6);  // the warning at 0 s, reminders at 10.8, 21.6, 32.4, 43.2 and 54.0 s
}

TEST_CASE("a second episode counts from its own start") {
  OverloadLog log(1000, 10000);
  REQUIRE(log.Update(5, 0, kHeld).has_value());
  REQUIRE(log.Update(5, 1000, kHeld).has_value());  // ended
  auto again = log.Update(9, 5000, kHeld);
  REQUIRE(again.has_value());
  CHECK(again->warning);
  CHECK(again->text.find("(4 refused)") != std::string::npos);
  auto end = log.Update(9, 6000, kHeld);
  REQUIRE(end.has_value());
  CHECK(end->text.find("4 requests refused over 0.0 s") != std::string::npos);
}

}  // namespace
}  // namespace evchain::node
