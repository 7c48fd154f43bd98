// "host:port" addresses, as written in the genesis file, the node config and the tools' options.
// One grammar for all of them, so an address a config check accepts is one the node can use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace evchain {

struct HostPort {
  std::string host;  // DNS name, IPv4 literal, or IPv6 literal without its brackets
  uint16_t port = 0;
};

// Port 0 asks the kernel for a free port: right for a socket that listens, wrong for an address
// others dial (a genesis entry).
enum class PortZero { kRefused, kAllowed };

// Accepts "host:port" with a DNS name or IPv4 host (letters, digits, '.', '-'; at most 253
// bytes) and "[v6]:port" (hex digits, ':' and '.'); the port in decimal without a sign or
// leading zeros, 1..65535 (or 0 under PortZero::kAllowed). Error code "bad_address", with the
// text and the reason in the message.
Result<HostPort> ParseHostPort(std::string_view text, PortZero zero = PortZero::kRefused);

}  // namespace evchain
