// node/net/receive_budget.h and its use by the transport: a peer that sends faster than the node
// finishes with its payloads is paused at its budget instead of filling the node's memory and
// verifier queues, and resumes when the node catches up (docs/transport.md "Receive budgets").
#include "node/net/receive_budget.h"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "node/net/transport.h"
#include "tests/net/net_test_util.h"

namespace evchain::net {
namespace {

using testing::TestGenesis;
using testing::ValidatorKey;
using testing::WaitFor;

TEST_CASE("a budget over its limits wakes its waiters once released below them") {
  auto budget = std::make_shared<ReceiveBudget>(/*max_bytes=*/100, /*max_payloads=*/2);
  std::vector<ReceiveBudget::Credit> held;
  held.push_back(budget->Take(10));
  held.push_back(budget->Take(10));
  CHECK_FALSE(budget->Over());
  int resumed = 0;
  budget->WhenUnder([&] { ++resumed; });  // under: runs at once
  CHECK(resumed == 1);
  held.push_back(budget->Take(10));  // 3 payloads > 2
  CHECK(budget->Over());
  budget->WhenUnder([&] { ++resumed; });  // two paused links of one peer
  budget->WhenUnder([&] { ++resumed; });
  CHECK(resumed == 1);
  CHECK(budget->pauses() == 2);
  held.push_back(budget->Take(200));  // bytes over too
  held.pop_back();                    // 3 payloads, 30 bytes: still over
  CHECK(resumed == 1);
  held.pop_back();  // 2 payloads: under
  CHECK(resumed == 3);
  ReceiveBudget::Credit moved = std::move(held.back());
  held.clear();
  CHECK(budget->payloads() == 1);
  moved.Release();
  CHECK(budget->payloads() == 0);
  CHECK(budget->bytes() == 0);
}

// Two transports on their own threads; the receiver keeps every credit until told to let go.
struct BudgetPair {
  explicit BudgetPair(size_t max_payloads) : genesis(TestGenesis(2)) {
    TransportOptions options;
    options.jitter = [] { return 0.5; };
    options.max_queue_messages = 1u << 20;
    options.max_queue_bytes = 1u << 30;
    sender = std::make_unique<Transport>(io[0], genesis, 0, keys[0], options);
    options.max_receive_payloads = max_payloads;
    receiver = std::make_unique<Transport>(io[1], genesis, 1, keys[1], options);
    receiver->SetReceiveHandler([this](int, const std::string&, ReceiveBudget::Credit credit) {
      std::lock_guard lock(mu);
      ++received;
      if (holding) held.push_back(std::move(credit));
    });
    REQUIRE(sender->Start().ok());
    REQUIRE(receiver->Start().ok());
    for (int i = 0; i < 2; ++i) threads.emplace_back([this, i] { io[i].run(); });
  }
  ~BudgetPair() {
    sender->Stop();
    receiver->Stop();
    for (auto& t : threads) t.join();
  }
  size_t Received() {
    std::lock_guard lock(mu);
    return received;
  }
  void LetGo() {
    std::vector<ReceiveBudget::Credit> released;
    {
      std::lock_guard lock(mu);
      holding = false;
      released.swap(held);
    }
    released.clear();  // outside the lock: releasing resumes the link
  }

  genesis::Genesis genesis;
  crypto::SecretKey keys[2] = {ValidatorKey(0), ValidatorKey(1)};
  boost::asio::io_context io[2];
  std::unique_ptr<Transport> sender, receiver;
  std::vector<std::thread> threads;
  std::mutex mu;
  size_t received = 0;
  bool holding = true;
  std::vector<ReceiveBudget::Credit> held;
};

TEST_CASE("a peer flooding a node that does not keep up is paused at its budget") {
  BudgetPair pair(/*max_payloads=*/100);
  REQUIRE(WaitFor([&] { return !pair.sender->ConnectedPeers().empty(); }));
  constexpr size_t kSent = 5000;
  for (size_t i = 0; i < kSent; ++i) pair.sender->Send(1, std::string(1024, 'x'));
  // Reading pauses at the budget, plus what one read already held (frames of 1 KiB) ...
  REQUIRE(WaitFor([&] { return pair.receiver->Peers().front().read_pauses >= 1; }));
  const size_t at_pause = pair.Received();
  CHECK(at_pause >= 100);
  CHECK(at_pause < 1000);
  // ... and stays paused while the node holds them: nothing more arrives.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(pair.Received() == at_pause);
  CHECK(pair.receiver->Peers().front().receive_payloads == at_pause);
  // The node catches up: the link resumes and everything arrives, in the end with nothing held.
  pair.LetGo();
  REQUIRE(WaitFor([&] { return pair.Received() == kSent; }));
  CHECK(pair.receiver->Peers().front().receive_payloads == 0);
}

}  // namespace
}  // namespace evchain::net
