// Connections already waiting in a listening socket's queue, taken in one turn of the event loop
// (api/http_server.cc, after each asynchronous accept). Under load an accept's completion queues
// behind every handler the loop has ready, so one accept per turn left new connections (a
// judge's page, a health probe) waiting seconds behind thousands of busy ones
// (docs/benchmarks.md "New connections under load").
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <functional>

namespace evchain::api {

// Accepts up to `max` connections waiting on `acceptor`, each onto a strand of its own on `io`,
// and hands each to `take`, in the order accepted. `acceptor` must be in non-blocking mode: an
// empty queue ends the batch at once. Any other error (out of descriptors, say) ends it too,
// untouched: the caller's next asynchronous accept meets it again and reports it. Returns how
// many connections it took.
size_t AcceptQueued(boost::asio::ip::tcp::acceptor& acceptor, boost::asio::io_context& io,
                    size_t max, const std::function<void(boost::asio::ip::tcp::socket)>& take);

}  // namespace evchain::api
