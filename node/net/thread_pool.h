// A fixed set of worker threads with a bounded queue, for CPU work (signature checks) that must
// not run on the consensus strand. Results come back as a callback posted to an executor (an
// io_context or a strand), so the caller's single-threaded state is touched only there.
#pragma once

#include <boost/asio/post.hpp>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace evchain::net {

// What ThreadPool::SubmitFor did with a task.
enum class Submitted {
  kAccepted,
  kQueueFull,  // the pool's queue is full
  kOwnerFull,  // its owner has its share of tasks queued or running
};

class ThreadPool {
 public:
  // Starts `threads` workers (at least 1), each named `name` (common/thread_name.h: at most 15
  // bytes show); at most `max_queue` tasks wait for a worker.
  ThreadPool(size_t threads, size_t max_queue, const std::string& name);
  // Runs every task already accepted, then joins the workers.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs `work()` on a worker, then posts `done(result)` to `executor`. Returns true iff the task
  // was accepted; false when the queue is full (the caller decides: drop, count, retry later).
  // REQUIRES: `work` and `done` are copyable; `executor` outlives the task.
  template <typename Executor, typename Work, typename Done>
  [[nodiscard]] bool Submit(const Executor& executor, Work work, Done done) {
    return TryEnqueue([executor, work = std::move(work), done = std::move(done)]() mutable {
      boost::asio::post(executor, [done = std::move(done), result = work()]() mutable {
        done(std::move(result));
      });
    });
  }

  // Like Submit, for work done on behalf of `owner` (a peer), which may have at most
  // `max_per_owner` tasks queued or running at once: one owner cannot fill the queue that others
  // share. The task counts until `work()` has returned.
  template <typename Executor, typename Work, typename Done>
  [[nodiscard]] Submitted SubmitFor(int owner, size_t max_per_owner, const Executor& executor,
                                    Work work, Done done) {
    return TryEnqueueFor(
        owner, max_per_owner,
        [this, owner, executor, work = std::move(work), done = std::move(done)]() mutable {
          auto result = work();
          Finished(owner);
          boost::asio::post(executor,
                            [done = std::move(done), result = std::move(result)]() mutable {
                              done(std::move(result));
                            });
        });
  }

  size_t queued() const;

 private:
  bool TryEnqueue(std::function<void()> task);
  Submitted TryEnqueueFor(int owner, size_t max_per_owner, std::function<void()> task);
  void Finished(int owner);
  void WorkerLoop();

  const size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable has_work_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::map<int, size_t> per_owner_;          // SubmitFor's tasks queued or running; mu_
  std::vector<std::thread> workers_;
};

}  // namespace evchain::net
