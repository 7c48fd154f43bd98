#include "node/net/receive_budget.h"

#include <utility>

namespace evchain::net {

ReceiveBudget::Credit ReceiveBudget::Take(size_t bytes) {
  bytes_ += bytes;
  ++payloads_;
  return Credit(shared_from_this(), bytes);
}

bool ReceiveBudget::Over() const {
  return bytes_.load() > max_bytes_ || payloads_.load() > max_payloads_;
}

void ReceiveBudget::WhenUnder(std::function<void()> resume) {
  {
    std::lock_guard lock(mu_);
    // Checked under the lock that Give takes before it looks for a waiter: no lost wake-up.
    if (Over()) {
      ++pauses_;
      waiting_.push_back(std::move(resume));
      return;
    }
  }
  resume();
}

void ReceiveBudget::Give(size_t bytes) {
  bytes_ -= bytes;
  --payloads_;
  std::vector<std::function<void()>> resume;
  {
    std::lock_guard lock(mu_);
    if (waiting_.empty() || Over()) return;
    resume.swap(waiting_);
  }
  for (auto& fn : resume) fn();
}

}  // namespace evchain::net
