#include "node/protobuf_log.h"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>

namespace evchain::node {

std::optional<LogLine> ProtobufLogLimiter::Offer(int64_t now_ms, const std::string& message) {
  if (last_written_ms_.has_value() && now_ms - *last_written_ms_ < interval_ms_) {
    ++held_back_;
    return std::nullopt;
  }
  LogLine line{.warning = true, .text = "libprotobuf: " + message};
  if (held_back_ > 0) {
    line.text += " (" + std::to_string(held_back_) + " more libprotobuf line(s) held back since " +
                 "the last one: at most one a minute is written)";
  }
  last_written_ms_ = now_ms;
  held_back_ = 0;
  return line;
}

namespace {

std::mutex limiter_mu;
ProtobufLogLimiter* limiter = nullptr;  // guarded by limiter_mu; set once, never freed

void HandleProtobufLog(google::protobuf::LogLevel level, const char* file, int line,
                       const std::string& message) {
  if (level == google::protobuf::LOGLEVEL_FATAL) {  // libprotobuf aborts after this: say why
    spdlog::critical("libprotobuf {}:{}: {}", file, line, message);
    return;
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  std::optional<LogLine> out;
  {
    std::lock_guard lock(limiter_mu);
    out = limiter->Offer(now_ms, message);
  }
  if (out.has_value()) spdlog::warn("{}", out->text);
}

}  // namespace

void RouteProtobufLogs() {
  {
    std::lock_guard lock(limiter_mu);
    if (limiter == nullptr) limiter = new ProtobufLogLimiter();
  }
  google::protobuf::SetLogHandler(&HandleProtobufLog);
}

}  // namespace evchain::node
