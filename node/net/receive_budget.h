// What one peer has delivered that the node has not finished with yet, in bytes and payloads.
// While either is over its limit the transport stops reading from that peer's link (TCP
// back-pressure then slows the sender) and resumes once enough is released: a Byzantine peer
// that floods can fill its own budget, not the node's memory or its verifier queues
// (docs/transport.md "Receive budgets").
//
// Thread-safe: credits are taken on the transport strand and released wherever the node's
// workers finish with a payload.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace evchain::net {

class ReceiveBudget : public std::enable_shared_from_this<ReceiveBudget> {
 public:
  ReceiveBudget(size_t max_bytes, size_t max_payloads)
      : max_bytes_(max_bytes), max_payloads_(max_payloads) {}

  // One payload's share of the budget, given back when the credit is destroyed (or Release()d).
  class Credit {
   public:
    Credit() = default;
    Credit(Credit&& other) noexcept : budget_(std::move(other.budget_)), bytes_(other.bytes_) {}
    Credit& operator=(Credit&& other) noexcept {
      if (this != &other) {
        Release();
        budget_ = std::move(other.budget_);
        bytes_ = other.bytes_;
      }
      return *this;
    }
    Credit(const Credit&) = delete;
    Credit& operator=(const Credit&) = delete;
    ~Credit() { Release(); }
    void Release() {
      if (budget_) budget_->Give(bytes_);
      budget_.reset();
    }

   private:
    friend class ReceiveBudget;
    Credit(std::shared_ptr<ReceiveBudget> budget, size_t bytes)
        : budget_(std::move(budget)), bytes_(bytes) {}
    std::shared_ptr<ReceiveBudget> budget_;
    size_t bytes_ = 0;
  };

  Credit Take(size_t bytes);
  bool Over() const;
  // Calls `resume` once the budget is back under its limits: at once (on this thread) if it
  // already is, else from the thread whose release brings it under.
  void WhenUnder(std::function<void()> resume);

  size_t bytes() const { return bytes_.load(); }
  size_t payloads() const { return payloads_.load(); }
  uint64_t pauses() const { return pauses_.load(); }  // reads paused on this budget

 private:
  void Give(size_t bytes);

  const size_t max_bytes_, max_payloads_;
  std::atomic<size_t> bytes_{0}, payloads_{0};
  std::atomic<uint64_t> pauses_{0};
  std::mutex mu_;
  std::vector<std::function<void()>> waiting_;  // guarded by mu_ (one per paused link)
};

}  // namespace evchain::net
