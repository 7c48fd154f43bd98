#include "api/accept_batch.h"

#include <boost/asio/strand.hpp>
#include <utility>

namespace evchain::api {

size_t AcceptQueued(boost::asio::ip::tcp::acceptor& acceptor, boost::asio::io_context& io,
                    size_t max, const std::function<void(boost::asio::ip::tcp::socket)>& take) {
  size_t taken = 0;
  while (taken < max) {
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket socket = acceptor.accept(boost::asio::make_strand(io), ec);
    if (ec) break;
    ++taken;
    take(std::move(socket));
  }
  return taken;
}

}  // namespace evchain::api
