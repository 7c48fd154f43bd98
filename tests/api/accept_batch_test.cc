// Taking the connections waiting in a listen queue in one go (api/accept_batch.h): all of them
// up to the cap, in order, without blocking on an empty queue.
#include "api/accept_batch.h"

#include <doctest/doctest.h>

#include <vector>

namespace evchain::api {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Listener {
  Listener() : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    acceptor.non_blocking(true);
  }
  // Connects `n` clients; the kernel completes each handshake into the listen queue.
  void Connect(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      clients.emplace_back(io);
      clients.back().connect(acceptor.local_endpoint());
    }
  }
  size_t Take(size_t max) {
    return AcceptQueued(acceptor, io, max,
                        [this](tcp::socket s) { accepted.push_back(std::move(s)); });
  }

  asio::io_context io;
  tcp::acceptor acceptor;
  std::vector<tcp::socket> clients;
  std::vector<tcp::socket> accepted;
};

TEST_CASE("an empty listen queue takes nothing and returns at once") {
  Listener l;
  CHECK(l.Take(256) == 0);
  CHECK(l.accepted.empty());
}

TEST_CASE("every waiting connection is taken in one call, in the order they connected") {
  Listener l;
  l.Connect(10);
  CHECK(l.Take(256) == 10);
  REQUIRE(l.accepted.size() == 10);
  for (size_t i = 0; i < 10; ++i) {
    CHECK(l.accepted[i].is_open());
    CHECK(l.accepted[i].remote_endpoint() == l.clients[i].local_endpoint());
  }
  CHECK(l.Take(256) == 0);
}

TEST_CASE("a call takes at most its cap and leaves the rest for the next one") {
  Listener l;
  l.Connect(20);
  CHECK(l.Take(8) == 8);
  CHECK(l.Take(8) == 8);
  CHECK(l.Take(8) == 4);
  CHECK(l.Take(8) == 0);
  CHECK(l.accepted.size() == 20);
}

}  // namespace
}  // namespace evchain::api
