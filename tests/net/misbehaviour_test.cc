#include "node/net/misbehaviour.h"

#include <doctest/doctest.h>

namespace evchain::net {
namespace {

using std::chrono::milliseconds;
using Clock = MisbehaviourLedger::Clock;

MisbehaviourOptions Small() {
  MisbehaviourOptions o;
  o.allowance = 3;
  o.window = milliseconds(1000);
  o.suspension = milliseconds(100);
  o.max_suspension = milliseconds(350);
  return o;
}

TEST_CASE("offences within the allowance are only counted and the next one suspends") {
  MisbehaviourLedger ledger(Small());
  const Clock::time_point t0{};
  for (int k = 0; k < 3; ++k) CHECK_FALSE(ledger.Record(1, t0 + milliseconds(k)));
  const auto suspension = ledger.Record(1, t0 + milliseconds(3));
  REQUIRE(suspension);
  CHECK(*suspension == milliseconds(100));
  CHECK(ledger.suspensions(1) == 1);
  CHECK(ledger.suspensions(2) == 0);  // peers are accounted separately
  CHECK_FALSE(ledger.Record(2, t0));
}

TEST_CASE("offences spread thinner than the allowance per window never suspend") {
  MisbehaviourLedger ledger(Small());
  const Clock::time_point t0{};
  for (int k = 0; k < 100; ++k) CHECK_FALSE(ledger.Record(0, t0 + milliseconds(400 * k)));
  CHECK(ledger.suspensions(0) == 0);
}

TEST_CASE("suspensions in a row double up to the cap, and start over after a clean window") {
  MisbehaviourLedger ledger(Small());
  Clock::time_point now{};
  auto offend_until_suspended = [&] {
    std::optional<milliseconds> s;
    for (int k = 0; k < 4; ++k) {
      now += milliseconds(1);
      s = ledger.Record(7, now);
    }
    return s;
  };
  CHECK(offend_until_suspended() == milliseconds(100));
  now += milliseconds(100);  // back from the suspension, at it again at once
  CHECK(offend_until_suspended() == milliseconds(200));
  now += milliseconds(200);
  CHECK(offend_until_suspended() == milliseconds(350));  // capped (400 otherwise)
  now += milliseconds(350);
  CHECK(offend_until_suspended() == milliseconds(350));
  // A whole window of good behaviour after the suspension ends: forgiven.
  now += milliseconds(350 + 1000);
  CHECK(offend_until_suspended() == milliseconds(100));
  CHECK(ledger.suspensions(7) == 5);
}

TEST_CASE("time spent suspended does not count as good behaviour") {
  MisbehaviourOptions o = Small();
  o.suspension = milliseconds(2000);  // longer than the window
  o.max_suspension = milliseconds(100000);
  MisbehaviourLedger ledger(o);
  Clock::time_point now{};
  for (int k = 0; k < 3; ++k) ledger.Record(3, now);
  CHECK(ledger.Record(3, now) == milliseconds(2000));
  now += milliseconds(2000);
  for (int k = 0; k < 3; ++k) ledger.Record(3, now);
  CHECK(ledger.Record(3, now) == milliseconds(4000));
}

}  // namespace
}  // namespace evchain::net
