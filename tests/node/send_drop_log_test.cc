// The operator's log of consensus messages dropped on the way to peers (node/send_drop_log.h):
// a warning when drops start, naming each peer with its count and link, reminders while they go
// on, one line when none came for the quiet time.
#include "node/send_drop_log.h"

#include <doctest/doctest.h>

namespace evchain::node {
namespace {

const SendDropLog::Bounds kBounds{8192, 64, 4000};

TEST_CASE("a peer's outage: one warning naming it, reminders, one line when drops stop") {
  SendDropLog log(kBounds, 1000, 10000);
  CHECK_FALSE(log.Update(0, {{"court-1", 0, true}, {"court-2", 0, true}}).has_value());

  auto first = log.Update(500, {{"court-1", 0, true}, {"court-2", 3, false}});
  REQUIRE(first.has_value());
  CHECK(first->warning);
  CHECK(log.dropping());
  CHECK(first->text ==
        "dropping consensus messages to peers: 3 to court-2 (no link now); a peer's send queue "
        "keeps at most 8192 messages and 64 MiB, its oldest dropped beyond, and a peer without "
        "a link for over 4.0 s gets none queued");

  uint64_t dropped = 3;
  for (int64_t t = 1000; t < 10500; t += 500) {
    dropped += 10;
    CHECK_FALSE(log.Update(t, {{"court-1", 0, true}, {"court-2", dropped, false}}).has_value());
  }
  dropped += 10;  // 203 in all, 200 since the warning; court-1's queue overflowed once too
  auto reminder = log.Update(10500, {{"court-1", 4, true}, {"court-2", dropped, false}});
  REQUIRE(reminder.has_value());
  CHECK(reminder->warning);
  CHECK(reminder->text ==
        "still dropping consensus messages after 10.0 s: in the last 10.0 s 4 to court-1 (link "
        "up), 200 to court-2 (no link now)");

  // court-2 is back at 11 s: no more drops; the episode ends after the quiet time.
  const std::vector<SendDropLog::Peer> back{{"court-1", 4, true}, {"court-2", dropped, true}};
  CHECK_FALSE(log.Update(11000, back).has_value());
  CHECK(log.dropping());
  auto end = log.Update(11500, back);
  REQUIRE(end.has_value());
  CHECK_FALSE(end->warning);
  CHECK(end->text == "no longer dropping consensus messages to peers; 207 dropped over 10.0 s");
  CHECK_FALSE(log.dropping());
  CHECK_FALSE(log.Update(20000, back).has_value());

  // A second episode names only what is new.
  auto again = log.Update(20500, {{"court-1", 6, true}, {"court-2", dropped, true}});
  REQUIRE(again.has_value());
  CHECK(again->text.find("dropping consensus messages to peers: 2 to court-1 (link up); ") == 0);
}

}  // namespace
}  // namespace evchain::node
