// The TLS handshake lane (api/handshake_lane.h): one step per turn of the event loop, client
// addresses taking turns (round-robin), other handlers between steps, and the steps of a closed
// connection dropped unrun.
#include "api/handshake_lane.h"

#include <doctest/doctest.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <string>
#include <vector>

namespace evchain::api {
namespace {

namespace asio = boost::asio;

TEST_CASE("the lane runs one step per turn of the event loop, other handlers between steps") {
  asio::io_context io(1);
  HandshakeLane lane(io);
  bool open = false;
  std::string order;
  for (char step : {'1', '2', '3'}) {
    asio::post(lane.executor(&open, "10.0.0.1"), [&order, step] { order += step; });
  }
  // Posted after all three steps, as a request's read completion behind a burst of handshakes.
  asio::post(io, [&order] { order += 'R'; });
  CHECK(lane.queued() == 3);
  io.run();
  CHECK(order == "1R23");
  CHECK(lane.queued() == 0);
}

// Queues `count` steps from `address` that append "<name><n>," to `order` (n from 1).
void Queue(HandshakeLane& lane, const bool* open, const char* address, const std::string& name,
           int count, std::string& order) {
  for (int n = 1; n <= count; ++n) {
    asio::post(lane.executor(open, address),
               [&order, step = name + std::to_string(n)] { order += step + ","; });
  }
}

TEST_CASE("addresses take turns: one step from each address with work, in turn") {
  asio::io_context io(1);
  HandshakeLane lane(io);
  bool open = false;
  std::string order;
  Queue(lane, &open, "10.0.0.1", "a", 3, order);
  Queue(lane, &open, "10.0.0.2", "b", 2, order);
  Queue(lane, &open, "10.0.0.3", "c", 1, order);
  CHECK(lane.queued() == 6);
  CHECK(lane.addresses() == 3);
  io.run();
  // First come, first served would be a1,a2,a3,b1,b2,c1.
  CHECK(order == "a1,b1,c1,a2,b2,a3,");
  CHECK(lane.queued() == 0);
  CHECK(lane.addresses() == 0);
}

TEST_CASE("a new address's first step waits for one step per busy address, not their backlog") {
  asio::io_context io(1);
  HandshakeLane lane(io);
  bool open = false;
  std::vector<std::string> addresses;  // outlive the steps, as a connection's address does
  addresses.reserve(20);
  for (int i = 0; i < 20; ++i) addresses.push_back("10.0.1." + std::to_string(i));
  int ran = 0;
  int probe_ran_after = -1;
  for (int n = 0; n < 10; ++n) {  // a flood: 20 addresses with 10 steps each
    for (const auto& a : addresses) asio::post(lane.executor(&open, a), [&ran] { ++ran; });
  }
  asio::post(lane.executor(&open, "10.0.2.1"), [&] { probe_ran_after = ran; });
  io.run();
  CHECK(ran == 200);
  CHECK(probe_ran_after == 20);  // first come, first served: 200
  CHECK(lane.addresses() == 0);
}

TEST_CASE(
    "an address whose steps ran out leaves the rotation, and its next step joins at the end") {
  asio::io_context io(1);
  HandshakeLane lane(io);
  bool open = false;
  std::string order;
  size_t addresses_during_b1 = 0;
  // a1 queues a2 as it runs, as a handshake's step starts its next read or write.
  asio::post(lane.executor(&open, "10.0.0.1"), [&] {
    order += "a1,";
    asio::post(lane.executor(&open, "10.0.0.1"), [&order] { order += "a2,"; });
  });
  asio::post(lane.executor(&open, "10.0.0.2"), [&] {
    order += "b1,";
    addresses_during_b1 = lane.addresses();
  });
  Queue(lane, &open, "10.0.0.2", "c", 2, order);  // more steps from b1's address
  io.run();
  // 10.0.0.1 left the rotation when a1 was taken and came back behind 10.0.0.2 with a2; first
  // come, first served would be a1,b1,c1,c2,a2.
  CHECK(order == "a1,b1,a2,c1,c2,");
  CHECK(addresses_during_b1 == 2);  // 10.0.0.2, and 10.0.0.1 again (a2 waiting)
  CHECK(lane.addresses() == 0);
}

TEST_CASE("a step whose connection closed is dropped: its handler is destroyed, never run") {
  asio::io_context io(1);
  HandshakeLane lane(io);
  bool closed = false;
  bool other_closed = false;
  auto owned = std::make_shared<int>(0);  // as a handshake's handler owns its connection
  std::string order;
  asio::post(lane.executor(&closed, "10.0.0.1"), [owned, &order] { order += "closed,"; });
  asio::post(lane.executor(&other_closed, "10.0.0.1"), [&order] { order += "a,"; });
  asio::post(lane.executor(&other_closed, "10.0.0.2"), [&order] { order += "b,"; });
  closed = true;  // e.g. the handshake's deadline passed while the step waited for its turn
  io.run();
  // The dropped step used 10.0.0.1's turn.
  CHECK(order == "b,a,");
  CHECK(owned.use_count() == 1);
  CHECK(lane.queued() == 0);
  CHECK(lane.addresses() == 0);
}

TEST_CASE("a completion handler bound to the lane runs through it") {
  asio::io_context io(1);
  HandshakeLane lane(io);
  bool open = false;
  bool ran = false;
  asio::post(io, asio::bind_executor(lane.executor(&open, "10.0.0.1"), [&] {
               ran = true;
               CHECK(lane.queued() == 0);
             }));
  io.run();
  CHECK(ran);
}

TEST_CASE("steps still queued when the lane goes are destroyed unrun") {
  auto owned = std::make_shared<int>(0);
  bool ran = false;
  {
    asio::io_context io(1);
    {
      HandshakeLane lane(io);
      bool open = false;
      asio::post(lane.executor(&open, "10.0.0.1"), [owned, &ran] { ran = true; });
      asio::post(lane.executor(&open, "10.0.0.2"), [owned, &ran] { ran = true; });
      CHECK(owned.use_count() == 3);
    }
    CHECK(owned.use_count() == 1);
  }  // the io_context's queued turn of the lane goes unrun too
  CHECK_FALSE(ran);
}

}  // namespace
}  // namespace evchain::api
