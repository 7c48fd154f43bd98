// "host:port" addresses as written in the genesis file and the node config.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace evchain::net {

struct HostPort {
  std::string host;  // name, IPv4 literal, or IPv6 literal without brackets
  uint16_t port = 0;
};

// Accepts "host:port" and "[v6]:port"; port 0..65535 in decimal. Error code "net_bad_address".
Result<HostPort> ParseHostPort(std::string_view text);

}  // namespace evchain::net
