// The TLS handshake lane (api/handshake_lane.h): one step per turn of the event loop, in order,
// other handlers between steps, and the steps of a closed connection dropped unrun.
#include "api/handshake_lane.h"

#include <doctest/doctest.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <string>

namespace evchain::api {
namespace {

namespace asio = boost::asio;

TEST_CASE("the lane runs one step per turn of the event loop, other handlers between steps") {
  asio::io_context io(1);
  HandshakeLane lane(io);
  bool open = false;
  std::string order;
  for (char step : {'1', '2', '3'}) {
    asio::post(lane.executor(&open), [&order, step] { order += step; });
  }
  // Posted after all three steps, as a request's read completion behind a burst of handshakes.
  asio::post(io, [&order] { order += 'R'; });
  CHECK(lane.queued() == 3);
  io.run();
  CHECK(order == "1R23");
  CHECK(lane.queued() == 0);
}

TEST_CASE("a step whose connection closed is dropped: its handler is destroyed, never run") {
  asio::io_context io(1);
  HandshakeLane lane(io);
  bool closed = false;
  bool other_closed = false;
  auto owned = std::make_shared<int>(0);  // as a handshake's handler owns its connection
  bool ran = false;
  bool other_ran = false;
  asio::post(lane.executor(&closed), [owned, &ran] { ran = true; });
  asio::post(lane.executor(&other_closed), [&other_ran] { other_ran = true; });
  closed = true;  // e.g. the handshake's deadline passed while the step waited for its turn
  io.run();
  CHECK_FALSE(ran);
  CHECK(other_ran);
  CHECK(owned.use_count() == 1);
}

TEST_CASE("a completion handler bound to the lane runs through it") {
  asio::io_context io(1);
  HandshakeLane lane(io);
  bool open = false;
  bool ran = false;
  asio::post(io, asio::bind_executor(lane.executor(&open), [&] {
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
      asio::post(lane.executor(&open), [owned, &ran] { ran = true; });
      CHECK(owned.use_count() == 2);
    }
    CHECK(owned.use_count() == 1);
  }  // the io_context's queued turn of the lane goes unrun too
  CHECK_FALSE(ran);
}

}  // namespace
}  // namespace evchain::api
