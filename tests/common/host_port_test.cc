// The one host:port grammar of the genesis, the node config and the peer links
// (common/host_port.h).
#include "common/host_port.h"

#include <doctest/doctest.h>

namespace evchain {
namespace {

TEST_CASE("host:port accepts names, IPv4 and bracketed IPv6, with ports 1..65535") {
  auto a = ParseHostPort("127.0.0.1:7001");
  REQUIRE(a.ok());
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 7001);
  auto b = ParseHostPort("[::1]:65535");
  REQUIRE(b.ok());
  CHECK(b->host == "::1");
  CHECK(b->port == 65535);
  auto c = ParseHostPort("node-2.court.example:1");
  REQUIRE(c.ok());
  CHECK(c->host == "node-2.court.example");
  CHECK(c->port == 1);
  auto d = ParseHostPort("[::ffff:10.0.0.1]:80");
  REQUIRE(d.ok());
  CHECK(d->host == "::ffff:10.0.0.1");
}

TEST_CASE("port 0 is refused unless the caller listens") {
  auto refused = ParseHostPort("court1.example:0");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == "bad_address");
  CHECK(refused.status().message().find("1..65535") != std::string::npos);
  auto listening = ParseHostPort("127.0.0.1:0", PortZero::kAllowed);
  REQUIRE(listening.ok());
  CHECK(listening->port == 0);
}

TEST_CASE("malformed addresses are refused with the text and the reason") {
  for (const char* bad :
       {"", "host", "host:", ":80", "h:65536", "h:-1", "h:+1", "h:8x", "h:080", "h:00", "::1:80",
        "[]:1", "[::1]x:80", "[host]:80", "node 2:7002", "a/b:80", "h:99999999999"}) {
    INFO(bad);
    for (PortZero zero : {PortZero::kRefused, PortZero::kAllowed}) {
      auto r = ParseHostPort(bad, zero);
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().code() == "bad_address");
      CHECK(r.status().message().find('"' + std::string(bad) + '"') == 0);
    }
  }
  CHECK_FALSE(ParseHostPort(std::string(254, 'a') + ":80").ok());
  CHECK(ParseHostPort(std::string(253, 'a') + ":80").ok());
}

}  // namespace
}  // namespace evchain
