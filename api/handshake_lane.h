// A lane on the HTTP server's I/O thread for the steps of TLS handshakes: at most one step runs
// per turn of the event loop, so a flood of new TLS connections cannot queue hundreds of
// handshakes (each a signature and a key exchange, ~1 ms with RSA-2048) ahead of an established
// connection's next request. Every other handler runs between two steps; when nothing else is
// ready the steps run back to back. docs/api.md "Connections", docs/benchmarks.md "HTTP front
// end" (the floods it was measured against).
//
// Client addresses take turns: each address with steps waiting has its own FIFO, and the lane
// runs the first step of each such address in turn (round-robin), so a new client's step waits
// for at most one step of every other address with work, not for the whole backlog of a flood
// (first come, first served made a new connection's handshake wait ~1 s behind a flood from 20
// addresses). An address whose FIFO empties leaves the rotation; its next step joins at the end.
//
// Use: bind a handshake's completion handler to executor(&closed, address); Asio then runs
// every intermediate step of that handshake (the reads, the engine's crypto, the writes) through
// the lane. A step whose connection is closed by the time its turn comes is dropped unrun: its
// handler is destroyed, never called (the handshake's deadline or Stop closed it; no crypto is
// spent on a connection nobody waits for). The dropped step uses its address's turn.
#pragma once

#include <boost/asio/execution.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
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

  // An executor whose work runs through this lane in `address`'s turns, or is dropped once
  // `*closed` is true. `closed` is read only on the lane's turn, on `io`'s thread; it and the
  // characters `address` views must outlive every step queued with them (a handshake's steps own
  // their connection, so the connection's flag and address do).
  Executor executor(const bool* closed, std::string_view address);

  // Steps waiting for their turn, and the addresses they come from (for tests).
  size_t queued() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queued_;
  }
  size_t addresses() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queues_.size();
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
  // Looked up by string_view: no allocation for an address already waiting.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using Queues = std::unordered_map<std::string, std::deque<Entry>, Hash, std::equal_to<>>;

  template <typename F>
  void Push(const bool* closed, std::string_view address, F&& f) {
    auto step = std::make_unique<StepOf<std::decay_t<F>>>(std::forward<F>(f));
    bool schedule = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = queues_.find(address);
      if (it == queues_.end()) {
        it = queues_.emplace(std::string(address), std::deque<Entry>()).first;
        turns_.push_back(&*it);  // a node's address is stable while it is in the map
      }
      it->second.push_back(Entry{closed, std::move(step)});
      ++queued_;
      schedule = !scheduled_;
      scheduled_ = true;
    }
    if (schedule) boost::asio::post(io_, [this] { RunOne(); });
  }

  // The first step of the address whose turn it is; that address goes to the end of the
  // rotation, or leaves it when it has no more steps. Then back to the end of the event loop's
  // queue if more wait.
  void RunOne() {
    Entry entry;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Queues::value_type* turn = turns_.front();
      turns_.pop_front();
      entry = std::move(turn->second.front());
      turn->second.pop_front();
      --queued_;
      if (turn->second.empty()) {
        queues_.erase(queues_.find(turn->first));
      } else {
        turns_.push_back(turn);
      }
    }
    if (!*entry.closed) entry.step->Run();
    entry.step.reset();  // a dropped step's handler (and the connection it owns) goes here
    bool again = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      again = !turns_.empty();
      scheduled_ = again;
    }
    if (again) boost::asio::post(io_, [this] { RunOne(); });
  }

  boost::asio::io_context& io_;
  mutable std::mutex mu_;
  // Guarded by mu_: the steps of each address with steps waiting (an address is erased when its
  // FIFO empties, so the map holds no address without work), and those addresses in the order
  // of their turns (each exactly once).
  Queues queues_;
  std::deque<Queues::value_type*> turns_;
  size_t queued_ = 0;       // guarded by mu_: steps in queues_
  bool scheduled_ = false;  // guarded by mu_: a RunOne is posted to io_ and has not finished
};

// An Asio standard executor (blocking.never: work always waits for its turn).
class HandshakeLane::Executor {
 public:
  Executor(HandshakeLane* lane, const bool* closed, std::string_view address) noexcept
      : lane_(lane), closed_(closed), address_(address) {}

  template <typename F>
  void execute(F&& f) const {
    lane_->Push(closed_, address_, std::forward<F>(f));
  }
  boost::asio::io_context& query(boost::asio::execution::context_t) const noexcept {
    return lane_->io_;
  }
  static constexpr boost::asio::execution::blocking_t query(
      boost::asio::execution::blocking_t) noexcept {
    return boost::asio::execution::blocking.never;
  }
  Executor require(boost::asio::execution::blocking_t::never_t) const noexcept { return *this; }

  // `closed` names the connection, and a connection has one address.
  friend bool operator==(const Executor& a, const Executor& b) noexcept {
    return a.lane_ == b.lane_ && a.closed_ == b.closed_;
  }
  friend bool operator!=(const Executor& a, const Executor& b) noexcept { return !(a == b); }

 private:
  HandshakeLane* lane_;
  const bool* closed_;
  std::string_view address_;
};

inline HandshakeLane::Executor HandshakeLane::executor(const bool* closed,
                                                       std::string_view address) {
  return Executor(this, closed, address);
}

static_assert(boost::asio::execution::is_executor<HandshakeLane::Executor>::value);

}  // namespace evchain::api
