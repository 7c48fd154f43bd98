// node::ProtobufLogLimiter and RouteProtobufLogs: libprotobuf's lines, at most one a minute.
#include "node/protobuf_log.h"

#include <doctest/doctest.h>
#include <google/protobuf/stubs/logging.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

#include "proto/consensus.pb.h"

namespace evchain::node {
namespace {

TEST_CASE("protobuf log: one line a minute, the next says how many were held back") {
  ProtobufLogLimiter limiter(60000);
  std::optional<LogLine> first = limiter.Offer(1000, "String field 'x' contains invalid UTF-8");
  REQUIRE(first.has_value());
  CHECK(first->warning);
  CHECK(first->text == "libprotobuf: String field 'x' contains invalid UTF-8");
  for (int64_t t : {1001, 30000, 60999}) CHECK_FALSE(limiter.Offer(t, "again").has_value());
  std::optional<LogLine> next = limiter.Offer(61000, "later");
  REQUIRE(next.has_value());
  CHECK(next->text.rfind("libprotobuf: later (3 more libprotobuf line(s) held back", 0) == 0);
  CHECK_FALSE(limiter.Offer(61001, "again").has_value());
  std::optional<LogLine> quiet = limiter.Offer(200000, "after a quiet while");
  REQUIRE(quiet.has_value());
  CHECK(quiet->text ==
        "libprotobuf: after a quiet while (1 more libprotobuf line(s) held back "
        "since the last one: at most one a minute is written)");
}

// A key holder's deposits whose statements are not UTF-8: libprotobuf refuses each message and
// logged an ERROR line for each (one per message a Byzantine validator sends).
TEST_CASE("protobuf log: a thousand refused strings write one line to the node's log") {
  std::ostringstream out;
  auto previous_logger = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "protobuf-log-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  spdlog::set_default_logger(logger);
  google::protobuf::LogHandler* previous_handler = google::protobuf::SetLogHandler(nullptr);
  RouteProtobufLogs();

  const std::string wire("\x0a\x04\x0a\x02\xff\xfe", 6);  // entries { statement: "\xff\xfe" }
  int refused = 0;
  for (int i = 0; i < 1000; ++i) {
    consensus::pb::Forward parsed;
    if (!parsed.ParseFromString(wire)) ++refused;
  }
  logger->flush();
  google::protobuf::SetLogHandler(previous_handler);
  spdlog::set_default_logger(previous_logger);

  CHECK(refused == 1000);
  const std::string text = out.str();
  size_t lines = 0;
  for (char c : text) lines += c == '\n' ? 1 : 0;
  CHECK_MESSAGE(lines == 1, text);
  CHECK(text.find("libprotobuf: ") != std::string::npos);
  CHECK(text.find("UTF-8") != std::string::npos);
}

}  // namespace
}  // namespace evchain::node
