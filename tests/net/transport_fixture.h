// A Transport running on its own io_context thread, recording what it receives.
#pragma once

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "node/net/transport.h"
#include "tests/net/net_test_util.h"

namespace evchain::net::testing {

class Node {
 public:
  Node(const genesis::Genesis& genesis, int index, crypto::SecretKey key,
       TransportOptions options = QuickOptions())
      : key_(std::move(key)), transport_(io_, genesis, index, key_, std::move(options)) {
    transport_.SetReceiveHandler([this](int peer, std::string payload) {
      std::lock_guard<std::mutex> lock(mu_);
      received_.emplace_back(peer, std::move(payload));
    });
    Status started = transport_.Start();
    REQUIRE_MESSAGE(started.ok(), started.ToString());
    thread_ = std::thread([this] { io_.run(); });
  }
  // Stop() leaves no pending work, so run() returns by itself: a hang here means a leak.
  ~Node() {
    transport_.Stop();
    thread_.join();
  }

  static TransportOptions QuickOptions() {
    TransportOptions options;
    options.jitter = [] { return 0.5; };
    return options;
  }

  Transport& transport() { return transport_; }
  std::vector<std::pair<int, std::string>> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  size_t received_count() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_.size();
  }
  uint64_t rejected(RejectReason reason) {
    return transport_.Stats().handshakes_rejected[static_cast<size_t>(reason)];
  }

 private:
  boost::asio::io_context io_;
  crypto::SecretKey key_;
  Transport transport_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::pair<int, std::string>> received_;
};

// True when every pair of `nodes` shares one settled link: both ends connected, opposite
// directions, and no dial in flight that could still replace it.
inline bool Settled(const std::vector<Node*>& nodes) {
  for (Node* a : nodes) {
    for (Node* b : nodes) {
      if (a == b) continue;
      PeerStatus ab, ba;
      for (const PeerStatus& s : a->transport().Peers()) {
        if (s.index == b->transport().self()) ab = s;
      }
      for (const PeerStatus& s : b->transport().Peers()) {
        if (s.index == a->transport().self()) ba = s;
      }
      if (!ab.connected || !ba.connected || ab.outbound == ba.outbound || ab.dialing ||
          ba.dialing) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace evchain::net::testing
