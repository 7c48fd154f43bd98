// Parked ?wait=commit requests: each waits for a set of evidence ids to be committed or for its
// bound to pass, holding no thread. The node reports commits (NodeService::SetCommitListener);
// bounds are timers on an Asio executor. docs/api.md "Connections".
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "common/bytes.h"
#include "common/hash_order.h"

namespace evchain::api {

class CommitWaiters {
 public:
  // Called exactly once: true when every id was committed, false when the bound passed or the
  // waiters were cancelled. Runs on the thread that reported the commit or on the timers'
  // executor, so it must not block.
  using Done = std::function<void(bool all_committed)>;

  // Bounds are timers on `timers` (an io_context's executor; wrapped in a strand here).
  explicit CommitWaiters(const boost::asio::any_io_executor& timers);
  ~CommitWaiters();  // CancelAll()s

  // Parks a waiter. `is_committed` is asked once per id, after the waiter is registered, so a
  // commit that happens meanwhile is never missed (it is seen either here or in Committed).
  void Add(const std::vector<Hash32>& ids, std::chrono::milliseconds bound,
           const std::function<bool(const Hash32&)>& is_committed, Done done);
  // `ids` are committed (from the node's commit listener).
  void Committed(const std::vector<Hash32>& ids);
  // Completes every waiter with false (shutdown).
  void CancelAll();
  size_t size() const;

 private:
  struct Waiter {
    explicit Waiter(const boost::asio::any_io_executor& ex) : timer(ex) {}
    Hash32Set pending;      // guarded by mu_
    bool finished = false;  // guarded by mu_
    Done done;
    boost::asio::steady_timer timer;  // touched only on strand_
  };
  // Under mu_: marks `w` finished and unlinks it from by_id_; returns its callback.
  Done FinishLocked(const std::shared_ptr<Waiter>& w);
  void Resolve(const std::shared_ptr<Waiter>& w, const std::vector<Hash32>& committed);
  void CancelTimer(const std::shared_ptr<Waiter>& w);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  mutable std::mutex mu_;
  Hash32Map<std::vector<std::shared_ptr<Waiter>>> by_id_;  // guarded by mu_
  size_t waiting_ = 0;                                     // guarded by mu_
};

}  // namespace evchain::api
