#include "node/batched_stderr_sink.h"

#include <unistd.h>

#include <cerrno>

#include "common/thread_name.h"

namespace evchain::node {

BatchedStderrSink::BatchedStderrSink() {
  buffer_.reserve(kMaxBuffered);
  writer_ = std::thread([this] { WriterLoop(); });
}

BatchedStderrSink::~BatchedStderrSink() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  WriteOut();
}

void BatchedStderrSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  const bool was_empty = buffer_.empty();
  buffer_.append(formatted.data(), formatted.size());
  if (buffer_.size() >= kMaxBuffered) {
    WriteOut();
  } else if (was_empty) {
    wake_.notify_one();
  }
}

void BatchedStderrSink::flush_() { WriteOut(); }

void BatchedStderrSink::WriterLoop() {
  SetCurrentThreadName("log-write");
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait(lock, [this] { return stopping_ || !buffer_.empty(); });
    // Let the lines logged in the next few milliseconds join this one's write.
    wake_.wait_for(lock, kMaxDelay, [this] { return stopping_; });
    WriteOut();
  }
}

void BatchedStderrSink::WriteOut() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(STDERR_FILENO, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // stderr closed or full disk: the lines are dropped, as stdio would
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
}

}  // namespace evchain::node
