#include "node/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace evchain::node {

Status SetupLogging(const std::string& level, const std::string& validator_id) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return Status::Error("config_invalid", "unknown log level " + level);
  }
  auto logger = spdlog::stderr_color_mt("evchain");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [" + validator_id + "] %v");
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  return Status::Ok();
}

}  // namespace evchain::node
