// A line for the node's log, from the pure classes that decide what the operator reads
// (node/overload_log.h, node/send_drop_log.h, node/peer_link_log.h, node/clock_skew_log.h); the
// validator writes it (Validator::WriteLog).
#pragma once

#include <string>

namespace evchain::node {

struct LogLine {
  bool warning = false;  // else info
  std::string text;
};

}  // namespace evchain::node
