#include "node/net/thread_pool.h"

#include <algorithm>

#include "common/thread_name.h"

namespace evchain::net {

ThreadPool::ThreadPool(size_t threads, size_t max_queue, const std::string& name)
    : max_queue_(max_queue) {
  threads = std::max<size_t>(threads, 1);
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    workers_.emplace_back([this, name] {
      SetCurrentThreadName(name);
      WorkerLoop();
    });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  has_work_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

size_t ThreadPool::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

bool ThreadPool::TryEnqueue(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= max_queue_) return false;
    queue_.push_back(std::move(task));
  }
  has_work_.notify_one();
  return true;
}

Submitted ThreadPool::TryEnqueueFor(int owner, size_t max_per_owner, std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= max_queue_) return Submitted::kQueueFull;
    size_t& mine = per_owner_[owner];
    if (mine >= max_per_owner) return Submitted::kOwnerFull;
    ++mine;
    queue_.push_back(std::move(task));
  }
  has_work_.notify_one();
  return Submitted::kAccepted;
}

void ThreadPool::Finished(int owner) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = per_owner_.find(owner);
  if (it != per_owner_.end() && --it->second == 0) per_owner_.erase(it);
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      has_work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace evchain::net
