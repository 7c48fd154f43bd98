#include "node/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <memory>

#include "node/batched_stderr_sink.h"

namespace evchain::node {

Status SetupLogging(const std::string& level, const std::string& validator_id) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return Status::Error("config_invalid", "unknown log level " + level);
  }
  // A terminal shows each line as it is logged, in colour; a file, a pipe or journald gets them
  // in batches a few milliseconds apart (node/batched_stderr_sink.h).
  std::shared_ptr<spdlog::logger> logger =
      isatty(STDERR_FILENO) != 0
          ? spdlog::stderr_color_mt("evchain")
          : std::make_shared<spdlog::logger>("evchain", std::make_shared<BatchedStderrSink>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [" + validator_id + "] %v");
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  return Status::Ok();
}

}  // namespace evchain::node
