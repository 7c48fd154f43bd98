// A log sink that writes stderr in batches. spdlog's console sinks write and flush each line: one
// write(2) per line, under one process-wide lock, and with the access log on, one line per HTTP
// request, taken on the HTTP front end's single I/O thread. At 5,000 requests a second that was
// 8.9 % of that thread's time, 2.9 % in batches (docs/benchmarks.md "The access log written in
// batches"; the whole machine's throughput did not move on 2 cores).
//
// Contract: a line reaches stderr at most kMaxDelay after it was logged, in the order logged; a
// flush (a warning or worse, under the node's flush_on level, or at stop) writes everything
// before it at once. A process killed outright loses at most the last kMaxDelay of lines below
// that level.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace evchain::node {

class BatchedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr std::chrono::milliseconds kMaxDelay{10};
  // A batch this large is written by the logging thread at once.
  static constexpr size_t kMaxBuffered = 64 << 10;

  BatchedStderrSink();
  ~BatchedStderrSink() override;  // writes what is left
  BatchedStderrSink(const BatchedStderrSink&) = delete;
  BatchedStderrSink& operator=(const BatchedStderrSink&) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  void WriterLoop();
  void WriteOut();  // with mutex_ held

  std::string buffer_;
  bool stopping_ = false;
  std::condition_variable wake_;  // a first line entered an empty buffer, or stop
  std::thread writer_;
};

}  // namespace evchain::node
