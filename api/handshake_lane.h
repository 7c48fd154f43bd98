// A lane on the HTTP server's I/O thread for the steps of TLS handshakes: at most one step runs
// per turn of the event loop, so a flood of new TLS connections cannot queue hundreds of
// handshakes (each a signature and a key exchange, ~1 ms with RSA-2048) ahead of an established
// connection's next request. Every other handler runs between two steps; when nothing else is
// ready the steps run back to back. docs/api.md "Connections", docs/benchmarks.md "HTTP front
// end" (the flood it was measured against).
//
// Use: bind a handshake's completion handler to executor(&closed); Asio then runs every
// intermediate step of that handshake (the reads, the engine's crypto, the writes) through the
// lane. A step whose connection is closed by the time its turn comes is dropped unrun: its
// handler is destroyed, never called (the handshake's deadline or Stop closed it; no crypto is
// spent on a connection nobody waits for).
#pragma once

#include <boost/asio/execution.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

namespace evchain::api {

class HandshakeLane {
 public:
  class Executor;

  // Steps run on `io`'s thread(s); `io` must outlive the lane. Steps still queued when the lane
  // is destroyed are destroyed unrun (so destroy the lane before `io`: they may own I/O objects
  // of it).
  explicit HandshakeLane(boost::asio::io_context& io) : io_(io) {}
  HandshakeLane(const HandshakeLane&) = delete;
  HandshakeLane& operator=(const HandshakeLane&) = delete;

  // An executor whose work runs through this lane, or is dropped once `*closed` is true.
  // `closed` is read only on the lane's turn, on `io`'s thread; it must outlive every step
  // queued with it (a handshake's steps own their connection, so the connection's flag does).
  Executor executor(const bool* closed);

  // Steps waiting for their turn (for tests).
  size_t queued() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }

 private:
  struct Step {
    virtual ~Step() = default;
    virtual void Run() = 0;
  };
  template <typename F>
  struct StepOf final : Step {
    explicit StepOf(F&& f) : f(std::move(f)) {}
    void Run() override { f(); }
    F f;
  };
  struct Entry {
    const bool* closed;
    std::unique_ptr<Step> step;
  };

  template <typename F>
  void Push(const bool* closed, F&& f) {
    auto step = std::make_unique<StepOf<std::decay_t<F>>>(std::forward<F>(f));
    bool schedule = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(Entry{closed, std::move(step)});
      schedule = !scheduled_;
      scheduled_ = true;
    }
    if (schedule) boost::asio::post(io_, [this] { RunOne(); });
  }

  // One step, then back to the end of the event loop's queue if more wait.
  void RunOne() {
    Entry entry;
    {
      std::lock_guard<std::mutex> lock(mu_);
      entry = std::move(queue_.front());
      queue_.pop_front();
    }
    if (!*entry.closed) entry.step->Run();
    entry.step.reset();  // a dropped step's handler (and the connection it owns) goes here
    bool again = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      again = !queue_.empty();
      scheduled_ = again;
    }
    if (again) boost::asio::post(io_, [this] { RunOne(); });
  }

  boost::asio::io_context& io_;
  mutable std::mutex mu_;
  std::deque<Entry> queue_;  // guarded by mu_
  bool scheduled_ = false;   // guarded by mu_: a RunOne is posted to io_ and has not finished
};

// An Asio standard executor (blocking.never: work always waits for its turn).
class HandshakeLane::Executor {
 public:
  Executor(HandshakeLane* lane, const bool* closed) noexcept : lane_(lane), closed_(closed) {}

  template <typename F>
  void execute(F&& f) const {
    lane_->Push(closed_, std::forward<F>(f));
  }
  boost::asio::io_context& query(boost::asio::execution::context_t) const noexcept {
    return lane_->io_;
  }
  static constexpr boost::asio::execution::blocking_t query(
      boost::asio::execution::blocking_t) noexcept {
    return boost::asio::execution::blocking.never;
  }
  Executor require(boost::asio::execution::blocking_t::never_t) const noexcept { return *this; }

  friend bool operator==(const Executor& a, const Executor& b) noexcept {
    return a.lane_ == b.lane_ && a.closed_ == b.closed_;
  }
  friend bool operator!=(const Executor& a, const Executor& b) noexcept { return !(a == b); }

 private:
  HandshakeLane* lane_;
  const bool* closed_;
};

inline HandshakeLane::Executor HandshakeLane::executor(const bool* closed) {
  return Executor(this, closed);
}

static_assert(boost::asio::execution::is_executor<HandshakeLane::Executor>::value);

}  // namespace evchain::api
