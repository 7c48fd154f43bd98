#include "common/host_port.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace evchain {

Result<HostPort> ParseHostPort(std::string_view text, PortZero zero) {
  auto bad = [&](std::string_view why) {
    return Status::Error("bad_address", "\"" + std::string(text) + "\": " + std::string(why));
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("expected host:port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);

  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    const bool v6_chars = std::all_of(host.begin(), host.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
    });
    if (host.empty() || !v6_chars) return bad("not an IPv6 literal in brackets");
  } else {
    if (host.find(':') != std::string_view::npos) return bad("IPv6 addresses need brackets");
    if (host.empty()) return bad("empty host");
    const bool name_chars = std::all_of(host.begin(), host.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    });
    if (host.size() > 253 || !name_chars) return bad("host is not a DNS name or IPv4 address");
  }

  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  const bool number = !port.empty() && ec == std::errc() && end == port.data() + port.size() &&
                      (port.size() == 1 || port[0] != '0') && value <= 65535;
  const unsigned lowest = zero == PortZero::kAllowed ? 0 : 1;
  if (!number || value < lowest) {
    return bad(lowest == 0 ? "port is not a number in 0..65535"
                           : "port is not a number in 1..65535");
  }
  return HostPort{std::string(host), static_cast<uint16_t>(value)};
}

}  // namespace evchain
