#include "storage/side_thread.h"

#include <utility>

#include "common/thread_name.h"

namespace evchain::storage {

SideThread::SideThread(const std::string& name) {
  thread_ = std::thread([this, name] {
    SetCurrentThreadName(name);
    Loop();
  });
}

SideThread::~SideThread() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !busy_; });
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SideThread::Run(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = std::move(job);
    busy_ = true;
  }
  cv_.notify_all();
}

void SideThread::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !busy_; });
}

void SideThread::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || job_; });
    if (!job_) return;  // stopping, nothing left to run
    std::function<void()> job = std::move(job_);
    job_ = nullptr;
    lock.unlock();
    job();
    job = nullptr;  // what the job captured goes before its owner hears it is done
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace evchain::storage
