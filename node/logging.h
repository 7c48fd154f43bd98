// Leveled logs (spdlog) that say which validator they concern; messages carry view and height.
// Keys and secrets are never logged.
#pragma once

#include <string>

#include "common/status.h"

namespace evchain::node {

// level: trace|debug|info|warn|error. Logs go to stderr (journald under systemd): each line as it
// is logged on a terminal, otherwise in batches at most 10 ms apart (node/batched_stderr_sink.h).
Status SetupLogging(const std::string& level, const std::string& validator_id);

}  // namespace evchain::node
