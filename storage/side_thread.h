// One thread that runs one job at a time for its owner, who overlaps the job with work of its own
// and then waits for it. EvidenceLog::AppendBlock writes the companion store's batch here while
// it writes the index store's itself, so a block costs one round of fsyncs (docs/storage-format.md
// "Atomicity and crash recovery"), without a thread created and joined per block.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace evchain::storage {

class SideThread {
 public:
  // Starts the thread, named `name` (common/thread_name.h).
  explicit SideThread(const std::string& name);
  // Waits for a job still running, then joins the thread.
  ~SideThread();
  SideThread(const SideThread&) = delete;
  SideThread& operator=(const SideThread&) = delete;

  // Starts `job` on the thread and returns at once. REQUIRES: the previous job was waited for
  // (one owner calls Run and Wait in turn). An exception out of `job` ends the process, as it
  // would on any thread: the job reports failure by what it captures.
  void Run(std::function<void()> job);
  // Returns once the job given to the last Run has finished (at once if none is running).
  void Wait();

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::function<void()> job_;  // guarded by mu_: the job Run gave, until Loop takes it
  bool busy_ = false;          // guarded by mu_: from Run until that job has finished
  bool stopping_ = false;      // guarded by mu_
  std::thread thread_;
};

}  // namespace evchain::storage
