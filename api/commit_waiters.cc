#include "api/commit_waiters.h"

#include <algorithm>
#include <boost/asio/post.hpp>

namespace evchain::api {

CommitWaiters::CommitWaiters(const boost::asio::any_io_executor& timers)
    : strand_(boost::asio::make_strand(timers)) {}

CommitWaiters::~CommitWaiters() {
  // CancelAll locks a mutex and posts completions: that throws (std::system_error,
  // std::bad_alloc) only when the process is failing anyway, and a destructor must not throw.
  try {
    CancelAll();
  } catch (...) {  // nothing left to tell at shutdown
  }
}

CommitWaiters::Done CommitWaiters::FinishLocked(const std::shared_ptr<Waiter>& w) {
  if (w->finished) return nullptr;
  w->finished = true;
  --waiting_;
  for (const Hash32& id : w->pending) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) continue;
    auto& list = it->second;
    list.erase(std::remove(list.begin(), list.end(), w), list.end());
    if (list.empty()) by_id_.erase(it);
  }
  w->pending.clear();
  return std::move(w->done);
}

void CommitWaiters::CancelTimer(const std::shared_ptr<Waiter>& w) {
  // The timer was armed by a task posted to strand_ before `w` became visible to other threads,
  // so this cancel runs after it.
  boost::asio::post(strand_, [w] { w->timer.cancel(); });
}

void CommitWaiters::Add(const std::vector<Hash32>& ids, std::chrono::milliseconds bound,
                        const std::function<bool(const Hash32&)>& is_committed, Done done) {
  auto w = std::make_shared<Waiter>(strand_);
  w->done = std::move(done);
  w->pending.insert(ids.begin(), ids.end());
  boost::asio::post(strand_, [this, w, bound] {
    w->timer.expires_after(bound);
    w->timer.async_wait([this, w](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: finished by a commit
      Done d;
      {
        std::lock_guard<std::mutex> lock(mu_);
        d = FinishLocked(w);
      }
      if (d) d(false);
    });
  });
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++waiting_;
    for (const Hash32& id : w->pending) by_id_[id].push_back(w);
  }
  std::vector<Hash32> committed;
  for (const Hash32& id : ids) {
    if (is_committed(id)) committed.push_back(id);
  }
  Resolve(w, committed);
}

void CommitWaiters::Resolve(const std::shared_ptr<Waiter>& w, const std::vector<Hash32>& ids) {
  Done d;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (w->finished) return;
    for (const Hash32& id : ids) {
      if (w->pending.erase(id) == 0) continue;
      auto it = by_id_.find(id);
      if (it == by_id_.end()) continue;
      auto& list = it->second;
      list.erase(std::remove(list.begin(), list.end(), w), list.end());
      if (list.empty()) by_id_.erase(it);
    }
    if (w->pending.empty()) d = FinishLocked(w);
  }
  if (d) {
    CancelTimer(w);
    d(true);
  }
}

void CommitWaiters::Committed(const std::vector<Hash32>& ids) {
  std::vector<std::pair<std::shared_ptr<Waiter>, Done>> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (by_id_.empty()) return;
    for (const Hash32& id : ids) {
      auto it = by_id_.find(id);
      if (it == by_id_.end()) continue;
      std::vector<std::shared_ptr<Waiter>> list = std::move(it->second);
      by_id_.erase(it);
      for (const auto& w : list) {
        w->pending.erase(id);
        if (w->pending.empty() && !w->finished) ready.emplace_back(w, FinishLocked(w));
      }
    }
  }
  if (ready.empty()) return;
  // One task cancels every timer: a block's waiters cost one hand-off to the strand, not one each.
  std::vector<std::shared_ptr<Waiter>> timers;
  timers.reserve(ready.size());
  for (const auto& entry : ready) timers.push_back(entry.first);
  boost::asio::post(strand_, [timers = std::move(timers)] {
    for (const auto& w : timers) w->timer.cancel();
  });
  for (auto& entry : ready) entry.second(true);
}

void CommitWaiters::CancelAll() {
  std::vector<std::pair<std::shared_ptr<Waiter>, Done>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::set<std::shared_ptr<Waiter>> unique;
    for (auto& [id, list] : by_id_) unique.insert(list.begin(), list.end());
    for (const auto& w : unique) all.emplace_back(w, FinishLocked(w));
    by_id_.clear();
  }
  for (auto& [w, d] : all) {
    CancelTimer(w);
    if (d) d(false);
  }
}

size_t CommitWaiters::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_;
}

}  // namespace evchain::api
