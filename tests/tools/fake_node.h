// A stand-in validator for the network verbs' tests: serves SPEC's HTTP API shapes from an
// in-memory log built with ChainBuilder (each submitted deposit is committed at once in its own
// block, cosigned by 3 of 4 validators). Not a node: no consensus, no checks beyond what the
// tests need.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ledger/receipt.h"
#include "storage/evidence_log.h"
#include "storage/kv_store.h"
#include "tools/synthetic_chain/synthetic_chain.h"

namespace httplib {
class Server;
struct Response;
}  // namespace httplib

namespace evchain::cli::testing {

using synthetic::ChainBuilder;
using synthetic::MakeTestNetwork;
using synthetic::TestNetwork;

class FakeNode {
 public:
  FakeNode();
  ~FakeNode();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const TestNetwork& network() const { return net_; }
  // When set, consistency proofs are served with one hash altered.
  void set_corrupt_proofs(bool corrupt) { corrupt_proofs_ = corrupt; }
  // When set, GET /v1/checkpoint answers `text`, every deposit GET /v1/evidence lists is
  // labelled with it as its evidence_id, and a refused deposit (RefuseDeposits) gives it as the
  // error's message: what a hostile node could send.
  void set_hostile_text(std::string text) {
    std::lock_guard<std::mutex> lock(mu_);
    hostile_text_ = std::move(text);
  }
  // Commits one block with a deposit of `digest` (so tests can grow the log between calls).
  void CommitDeposit(const Hash32& digest);
  // The next `count` deposit requests (single or batch) are answered 503 overloaded with
  // Retry-After: `retry_after_s`, as a node that sheds load answers.
  void RefuseDeposits(int count, int retry_after_s) {
    std::lock_guard<std::mutex> lock(mu_);
    refusals_left_ = count;
    retry_after_s_ = retry_after_s;
  }
  // When set, GET /v1/blocks answers 401 unauthorized, as a node does by default, unless the
  // request carries "Authorization: Bearer `token`".
  void RequireBlocksToken(std::string token) {
    std::lock_guard<std::mutex> lock(mu_);
    blocks_token_ = std::move(token);
  }
  // Deposit requests answered 503 so far.
  int refused() {
    std::lock_guard<std::mutex> lock(mu_);
    return refused_;
  }

 private:
  void Routes();
  // Answers `res` 503 while refusals are left (under mu_); true when it did.
  bool Refused(httplib::Response& res);
  std::mutex mu_;
  TestNetwork net_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<storage::EvidenceLog> log_;
  std::unique_ptr<ChainBuilder> builder_;
  UnixMillis next_time_;
  bool corrupt_proofs_ = false;
  std::string hostile_text_;  // mu_
  std::string blocks_token_;  // mu_
  int refusals_left_ = 0;     // mu_
  int retry_after_s_ = 1;     // mu_
  int refused_ = 0;           // mu_
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace evchain::cli::testing
