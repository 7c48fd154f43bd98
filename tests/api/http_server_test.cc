// The Beast front end over real HTTP on 127.0.0.1: mapping, limits, rate limiting, uploads,
// deadlines, connection caps, pipelining, deposits waiting for their journal write and parked
// ?wait=commit, neither holding a worker (clients: cpp-httplib and raw sockets).
#include "api/http_server.h"

#include <doctest/doctest.h>
#include <httplib.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/encoding.h"
#include "crypto/sha256.h"
#include "tests/api/test_chain.h"

namespace evchain::api {
namespace {

using testing::Harness;
using Json = nlohmann::json;

std::string ErrorCode(const httplib::Result& r) {
  Json j = Json::parse(r->body, nullptr, false);
  return j.is_discarded() ? "<not json: " + r->body + ">" : j["error"]["code"].get<std::string>();
}

struct Server {
  explicit Server(Harness& h) : server(h.ctx) {
    Status s = server.Start("127.0.0.1", 0);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    REQUIRE(server.port() > 0);
  }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", server.port());
    c.set_read_timeout(std::chrono::seconds(10));
    return c;
  }
  HttpServer server;
};

TEST_CASE("deposit and lookup over HTTP, bad input is refused and the server keeps serving") {
  Harness h;
  Server s(h);
  httplib::Client c = s.Client();
  const Hash32 digest = testing::DigestOf("over http");
  const std::string text = testing::MakeStatement(digest, "h1").Canonical();

  auto bad = c.Post("/v1/deposits", "{not json", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(ErrorCode(bad) == "bad_json");
  auto wrong_method = c.Delete("/v1/deposits");
  REQUIRE(wrong_method);
  CHECK(wrong_method->status == 405);
  CHECK(wrong_method->get_header_value("Allow") == "POST");
  auto traversal = c.Get("/%2e%2e/%2e%2e/etc/passwd");
  REQUIRE(traversal);
  CHECK(traversal->status >= 400);
  CHECK(traversal->status < 500);
  CHECK(traversal->body.find("root:") == std::string::npos);

  auto ok = c.Post("/v1/deposits", testing::DepositBody(text), "application/json");
  REQUIRE(ok);
  CHECK_MESSAGE(ok->status == 202, ok->body);
  CHECK(h.node.submit_calls == 1);
  h.node.CommitPending();
  auto found = c.Get("/v1/evidence/" + ToHex(digest));
  REQUIRE(found);
  CHECK(found->status == 200);
  CHECK(Json::parse(found->body)["deposits"].size() == 1);

  auto page = c.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type").starts_with("text/html"));
  auto head = c.Head("/healthz");
  REQUIRE(head);
  CHECK(head->status == 200);

  auto metrics = c.Get("/metrics");
  REQUIRE(metrics);
  CHECK(
      metrics->body.find("evchain_http_requests_total{route=\"/v1/deposits\",status=\"400\"} 1") !=
      std::string::npos);
  CHECK(metrics->body.find(
            "evchain_http_requests_total{route=\"/v1/evidence/{digest}\",status=\"200\"} 1") !=
        std::string::npos);
}

TEST_CASE("oversized bodies get 413 and oversized headers 431, before any handler runs") {
  Harness h;
  h.config.max_body_bytes = 1024;
  h.config.max_header_bytes = 2048;
  Server s(h);
  httplib::Client c = s.Client();
  auto big = c.Post("/v1/deposits", std::string(4096, 'x'), "application/json");
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(ErrorCode(big) == "body_too_large");

  httplib::Headers headers = {{"X-Padding", std::string(3000, 'p')}};
  auto fat = c.Get("/healthz", headers);
  REQUIRE(fat);
  CHECK(fat->status == 431);
  CHECK(ErrorCode(fat) == "header_too_large");
  CHECK(h.node.submit_calls == 0);

  httplib::Client fresh = s.Client();
  auto after = fresh.Get("/healthz");
  REQUIRE(after);
  CHECK(after->status == 200);
}

TEST_CASE("a chunked body over the limit is cut off with 413") {
  Harness h;
  h.config.max_body_bytes = 1024;
  Server s(h);
  httplib::Client c = s.Client();
  auto r = c.Post(
      "/v1/deposits",
      [](size_t offset, httplib::DataSink& sink) {
        if (offset >= 8192) {
          sink.done();
          return true;
        }
        const std::string chunk(512, 'x');
        sink.write(chunk.data(), chunk.size());
        return true;
      },
      "application/json");
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(h.node.submit_calls == 0);
}

TEST_CASE("the per-client rate limit answers 429 rate_limited on /v1/ routes") {
  Harness h;
  h.config.rate_limit_per_second = 0.001;  // no refill during the test
  h.config.rate_limit_burst = 3;
  Server s(h);
  httplib::Client c = s.Client();
  for (int i = 0; i < 3; ++i) {
    auto r = c.Get("/v1/status");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  auto limited = c.Get("/v1/status");
  REQUIRE(limited);
  CHECK(limited->status == 429);
  CHECK(ErrorCode(limited) == "rate_limited");
  CHECK(limited->get_header_value("Retry-After") == "1");
  // Liveness is not rate limited.
  auto health = c.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
}

TEST_CASE("a full handler queue answers 503 overloaded with Retry-After, and counts it") {
  Harness h;
  h.config.threads = 1;
  h.config.max_queued_requests = 1;
  std::promise<void> entered;
  std::atomic<bool> first{true};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  h.node.on_status = [&] {
    if (first.exchange(false)) entered.set_value();
    released.wait();
  };
  // Releases the worker however the test ends, before the server stops (and joins it).
  struct Release {
    std::promise<void>& p;
    ~Release() {
      try {
        p.set_value();
      } catch (const std::future_error&) {  // already released
      }
    }
  };
  Server s(h);
  Release release_at_exit{release};
  auto get_status = [&s] { return s.Client().Get("/v1/status"); };

  auto busy = std::async(std::launch::async, get_status);  // takes the only worker
  REQUIRE(entered.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto queued = std::async(std::launch::async, get_status);  // waits for it
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (s.server.queued_requests() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(s.server.queued_requests() == 1);
  CHECK(s.server.busy_refusals() == 0);

  auto refused = s.Client().Get("/v1/status");  // no room: answered at once, no handler run
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(ErrorCode(refused) == "overloaded");
  CHECK(refused->get_header_value("Retry-After") == "1");
  CHECK(s.server.busy_refusals() == 1);

  release.set_value();
  for (auto* waiting : {&busy, &queued}) {
    httplib::Result r = waiting->get();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  CHECK(s.server.queued_requests() == 0);
  auto after = s.Client().Get("/v1/status");
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(s.server.busy_refusals() == 1);
}

TEST_CASE("a multipart upload to /v1/verify is hashed on the server") {
  Harness h;
  const std::string content(200000, 'e');
  const Hash32 digest = crypto::Sha256(content);
  const std::string text = testing::MakeStatement(digest, "up1").Canonical();
  Server s(h);
  httplib::Client c = s.Client();
  REQUIRE(c.Post("/v1/deposits", testing::DepositBody(text), "application/json")->status == 202);
  h.node.CommitPending();
  httplib::MultipartFormDataItems items = {
      {"file", content, "evidence.bin", "application/octet-stream"}};
  auto r = c.Post("/v1/verify", items);
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  Json body = Json::parse(r->body);
  CHECK(body["digest"] == ToHex(digest));
  CHECK(body["found"] == true);
  CHECK(body["verdict"] == "preserved");

  httplib::MultipartFormDataItems none = {{"note", "hello", "", ""}};
  auto missing = c.Post("/v1/verify", none);
  REQUIRE(missing);
  CHECK(missing->status == 400);
  CHECK(ErrorCode(missing) == "missing_file");
}

TEST_CASE("Start reports an address it cannot bind and unusable TLS files, Stop is idempotent") {
  Harness h;
  Server first(h);
  HttpServer second(h.ctx);
  // 203.0.113.0/24 is TEST-NET-3: never a local address.
  CHECK(second.Start("203.0.113.1", 0).code() == "bind_failed");
  first.server.Stop();
  first.server.Stop();
  HttpServer tls(h.ctx);
  CHECK(tls.Start("127.0.0.1", 0, TlsFiles{"/nonexistent.pem", "/nonexistent.key"}).code() ==
        "tls_error");
}

// A raw client: exact bytes out, everything the server sends until it closes (or `timeout`).
struct Raw {
  explicit Raw(int port) : socket(io) {
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
  }
  void Send(std::string_view bytes) { boost::asio::write(socket, boost::asio::buffer(bytes)); }
  // Reads until the server closes, `until` appears, or `timeout` passes.
  std::string Read(std::chrono::milliseconds timeout, std::string_view until = "") {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    socket.non_blocking(true);
    char buf[65536];
    while (std::chrono::steady_clock::now() < deadline) {
      boost::system::error_code ec;
      const size_t n = socket.read_some(boost::asio::buffer(buf), ec);
      if (ec == boost::asio::error::would_block) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (ec) {
        closed = true;
        error = ec;
        break;
      }
      out.append(buf, n);
      if (!until.empty() && out.find(until) != std::string::npos) break;
    }
    return out;
  }
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket;
  bool closed = false;
  boost::system::error_code error;
};

// What the server answers `GET target` on a connection of its own, read until it closes.
std::string GetOnce(int port, const std::string& target) {
  Raw c(port);
  c.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  return c.Read(std::chrono::seconds(5));
}

// `body` as one chunk and the last chunk (RFC 9112 §7.1).
std::string ToHexChunk(const std::string& body) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx", body.size());
  return std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n";
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) {
    ++n;
  }
  return n;
}

TEST_CASE("?wait=commit is parked without a worker and answered when its block commits") {
  Harness h;
  h.config.threads = 1;  // one worker: a request holding it would starve every other one
  Server s(h);
  std::vector<std::future<httplib::Result>> waiting;
  for (int i = 0; i < 3; ++i) {
    const std::string text = testing::MakeStatement(testing::DigestOf("parked" + std::to_string(i)),
                                                    "p" + std::to_string(i))
                                 .Canonical();
    waiting.push_back(std::async(std::launch::async, [&s, text] {
      httplib::Client c = s.Client();
      return c.Post("/v1/deposits?wait=commit&wait_ms=10000", testing::DepositBody(text),
                    "application/json");
    }));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (s.server.parked() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(s.server.parked() == 3);
  // The one worker is free: other requests are served while three wait for their commit.
  auto status = s.Client().Get("/v1/status");
  REQUIRE(status);
  CHECK(status->status == 200);
  h.node.CommitPending();
  for (auto& w : waiting) {
    httplib::Result r = w.get();
    REQUIRE(r);
    CHECK_MESSAGE(r->status == 200, r->body);
    CHECK(Json::parse(r->body)["status"] == "committed");
    CHECK(Json::parse(r->body).contains("receipt"));
  }
  CHECK(s.server.parked() == 0);

  // Past its bound a parked request is answered 202 pending.
  const std::string late = testing::MakeStatement(testing::DigestOf("late"), "late").Canonical();
  const auto start = std::chrono::steady_clock::now();
  auto r = s.Client().Post("/v1/deposits?wait=commit&wait_ms=200", testing::DepositBody(late),
                           "application/json");
  REQUIRE(r);
  CHECK(r->status == 202);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(200));
  CHECK(s.server.parked() == 0);
}

// The node acknowledges a deposit once its journal write is durable, and writes what arrives
// meanwhile together: a request waiting for that must not hold a worker, or the write could
// only ever be shared by as many requests as there are workers.
TEST_CASE("a deposit waiting for the node's journal write holds no worker") {
  Harness h;
  h.config.threads = 1;
  h.node.hold_submits = true;
  Server s(h);
  std::vector<std::future<httplib::Result>> waiting;
  for (int i = 0; i < 3; ++i) {
    const std::string text = testing::MakeStatement(testing::DigestOf("held" + std::to_string(i)),
                                                    "h" + std::to_string(i))
                                 .Canonical();
    waiting.push_back(std::async(std::launch::async, [&s, text] {
      return s.Client().Post("/v1/deposits", testing::DepositBody(text), "application/json");
    }));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (h.node.held_submits() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(h.node.held_submits() == 3);
  auto status = s.Client().Get("/v1/status");  // the one worker is free
  REQUIRE(status);
  CHECK(status->status == 200);
  for (auto& w : waiting) {
    CHECK(w.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
  }
  CHECK(h.node.ReleaseSubmits() == 3);
  for (auto& w : waiting) {
    httplib::Result r = w.get();
    REQUIRE(r);
    CHECK_MESSAGE(r->status == 202, r->body);
    CHECK(Json::parse(r->body)["status"] == "pending");
  }

  // A write that failed is the client's error to see, after the same wait.
  h.node.submit_error = Status::Error("unavailable", "an earlier copy could not be recorded");
  const std::string text = testing::MakeStatement(testing::DigestOf("failed"), "f").Canonical();
  auto failing = std::async(std::launch::async, [&s, text] {
    return s.Client().Post("/v1/deposits", testing::DepositBody(text), "application/json");
  });
  while (h.node.held_submits() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(h.node.ReleaseSubmits() == 1);
  httplib::Result r = failing.get();
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(ErrorCode(r) == "unavailable");
}

TEST_CASE("a request whose headers do not arrive within header_timeout gets 408 and is closed") {
  Harness h;
  h.config.header_timeout = std::chrono::milliseconds(300);
  Server s(h);
  Raw slow(s.server.port());
  slow.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finished
  const auto start = std::chrono::steady_clock::now();
  const std::string got = slow.Read(std::chrono::seconds(5));
  CHECK(got.starts_with("HTTP/1.1 408"));
  CHECK(got.find("request_timeout") != std::string::npos);
  CHECK(slow.closed);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  // A connection that sends nothing at all is closed after the same deadline, silently.
  Raw silent(s.server.port());
  CHECK(silent.Read(std::chrono::seconds(5)).empty());
  CHECK(silent.closed);
  CHECK(s.Client().Get("/healthz")->status == 200);
}

TEST_CASE("bodies are refused on GET, HEAD, DELETE and OPTIONS before any byte is read") {
  Harness h;
  Server s(h);
  for (const char* method : {"GET", "DELETE", "OPTIONS"}) {
    CAPTURE(method);
    Raw c(s.server.port());
    c.Send(std::string(method) +
           " /v1/status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n");
    const std::string got = c.Read(std::chrono::seconds(5), "}");
    CHECK(got.starts_with("HTTP/1.1 400"));
    CHECK(got.find("body_not_allowed") != std::string::npos);
  }
}

TEST_CASE("a query that names a parameter twice is refused, a malformed target is bad_path") {
  Harness h;
  Server s(h);
  const auto exchange = [&](const std::string& target) {
    Raw c(s.server.port());
    c.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return c.Read(std::chrono::seconds(5));
  };
  // Which of the two would count is a guess, as with a JSON body that repeats a key.
  std::string got = exchange("/v1/blocks?limit=1&limit=100");
  CHECK(got.starts_with("HTTP/1.1 400"));
  CHECK(got.find("\"bad_query\"") != std::string::npos);
  CHECK(got.find("names the parameter \\\"limit\\\" twice") != std::string::npos);
  got = exchange("/v1/status?wait=%63ommit&wait=commit");  // equal once decoded
  CHECK(got.find("\"bad_query\"") != std::string::npos);
  got = exchange("/v1/status?x=" + std::string(100, 'a') + "&" + std::string(200, 'k') + "=1&" +
                 std::string(200, 'k') + "=2");
  CHECK(got.find("(200 bytes)") != std::string::npos);  // a long name is quoted cut
  got = exchange("/v1/status?a=%zz");
  CHECK(got.find("\"bad_path\"") != std::string::npos);
  got = exchange("/v1/status?a=1&b=2&&c");  // distinct names and empty pairs are fine
  CHECK(got.starts_with("HTTP/1.1 200"));
}

// Issue 12 item 6: a client that writes its whole body before reading (Python's urllib) saw a
// connection reset instead of the 413.
TEST_CASE("a body over the limit gets 413 even when the client sends all of it first") {
  Harness h;
  h.config.max_body_bytes = 1024;
  Server s(h);
  Raw c(s.server.port());
  const std::string body(size_t{512} * 1024, 'x');
  c.Send(
      "POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the 413 is already sent
  c.Send(body);  // a reset would make this or the read below fail
  const std::string got = c.Read(std::chrono::seconds(5), "}");
  CHECK(got.starts_with("HTTP/1.1 413"));
  CHECK(got.find("body_too_large") != std::string::npos);
  CHECK(h.node.submit_calls == 0);

  // A declared length far over every limit is a 413 from the headers alone (Beast's own
  // default body limit used to turn it into a 400 parse error).
  Raw declared(s.server.port());
  declared.Send("POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\n");
  const std::string early = declared.Read(std::chrono::seconds(5), "}");
  CHECK(early.starts_with("HTTP/1.1 413"));
}

// A client that asks before it uploads (curl does for large bodies) learns of an overloaded
// network from the headers, not after a megabyte of batch.
TEST_CASE("a deposit that expects 100-continue from an overloaded node gets the 503 at once") {
  for (const char* path : {"/v1/deposits", "/v1/deposits/batch"}) {
    CAPTURE(path);
    Harness h;
    h.node.overloaded = true;
    Server s(h);
    Raw c(s.server.port());
    c.Send(std::string("POST ") + path +
           " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Content-Length: 900000\r\nExpect: 100-continue\r\n\r\n");
    const std::string got = c.Read(std::chrono::seconds(5), "}");
    CHECK(got.starts_with("HTTP/1.1 503"));
    CHECK(got.find("100 Continue") == std::string::npos);
    CHECK(got.find("overloaded") != std::string::npos);
    CHECK(got.find("Retry-After: 1") != std::string::npos);
    CHECK(got.find("Connection: close") != std::string::npos);
    CHECK(h.node.submit_calls == 0);
  }
  // Taking deposits, the server asks for the body, and the deposit is admitted.
  Harness h;
  Server s(h);
  Raw c(s.server.port());
  const std::string body = testing::DepositBody(
      testing::MakeStatement(testing::DigestOf("expect"), "expect-1").Canonical());
  c.Send(
      "POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\nExpect: 100-continue\r\n\r\n");
  const std::string cont = c.Read(std::chrono::seconds(5), "\r\n\r\n");
  CHECK(cont.starts_with("HTTP/1.1 100 Continue"));
  c.Send(body);
  const std::string got = c.Read(std::chrono::seconds(5), "}");
  CHECK(got.find("HTTP/1.1 202") != std::string::npos);
  CHECK(h.node.submit_calls == 1);
}

// RFC 9112 §6.1, §6.3 and RFC 9110 §10.1.1: a transfer coding the server does not apply gets 501
// (Beast would decode the chunked framing and hand the still-encoded bytes on as the body), a
// coding list not ending in chunked 400, an expectation it cannot meet 417; none of these
// requests reaches a handler.
TEST_CASE("transfer codings other than chunked get 501 or 400, unknown expectations 417") {
  Harness h;
  Server s(h);
  const std::string body = testing::DepositBody(
      testing::MakeStatement(testing::DigestOf("codings"), "codings-1").Canonical());
  const std::string chunked = ToHexChunk(body);
  for (const char* coding : {"gzip, chunked", "deflate,chunked", "chunked, chunked"}) {
    CAPTURE(coding);
    Raw c(s.server.port());
    c.Send(std::string("POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: ") +
           coding + "\r\n\r\n" + chunked);
    const std::string got = c.Read(std::chrono::seconds(5), "}");
    CHECK(got.starts_with("HTTP/1.1 501"));
    CHECK(got.find("unsupported_transfer_coding") != std::string::npos);
  }
  {
    Raw c(s.server.port());
    c.Send(
        "POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\nExpect: 200-ok\r\n\r\n" + body);
    const std::string got = c.Read(std::chrono::seconds(5), "}");
    CHECK(got.starts_with("HTTP/1.1 417"));
    CHECK(got.find("expectation_failed") != std::string::npos);
  }
  // RFC 9112 §6.3: length unknown. The last: a second field further down counts too.
  for (const char* coding :
       {"chunked, gzip", "gzip", "chunked\r\nX-A: b\r\nTransfer-Encoding: gzip"}) {
    CAPTURE(coding);
    Raw c(s.server.port());
    c.Send(std::string("POST /v1/deposits HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") + coding +
           "\r\n\r\n" + chunked);
    const std::string got = c.Read(std::chrono::seconds(5), "}");
    CHECK(got.starts_with("HTTP/1.1 400"));
  }
  CHECK(h.node.submit_calls == 0);
  // Plain chunked, with the case and spacing clients use, is read as before.
  Raw c(s.server.port());
  c.Send(
      "POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding:  Chunked \r\n\r\n" +
      chunked);
  const std::string got = c.Read(std::chrono::seconds(5), "}");
  CHECK(got.find("HTTP/1.1 202") != std::string::npos);
  CHECK(h.node.submit_calls == 1);
}

// Framing a proxy in front could read another way than the server: each is refused with 400
// bad_request and the connection closed, so a request smuggled behind it is never answered
// (RFC 9112 §6.1, §6.3).
TEST_CASE("framing that could be read two ways is refused, and the connection closes") {
  Harness h;
  Server s(h);
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  for (const char* framing : {
           "HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\nContent-Length: 2",
           "HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: ",
           "HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2",
           "HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2",
           "HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked",
       }) {
    CAPTURE(std::string(framing));
    Raw c(s.server.port());
    const bool chunked = std::string_view(framing).ends_with("chunked");
    c.Send(std::string("POST /v1/verify ") + framing + "\r\n\r\n" +
           (chunked ? "2\r\n{}\r\n0\r\n\r\n" : "{}") + smuggled);
    const std::string got = c.Read(std::chrono::seconds(5));
    CHECK(got.starts_with("HTTP/1.1 400"));
    CHECK(got.find("\"bad_request\"") != std::string::npos);
    CHECK(Count(got, "HTTP/1.1 ") == 1);  // the smuggled request is not answered
    CHECK(c.closed);
  }
}

// RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, and to any
// request with more than one Host or a Host that is not `uri-host [":" port]`. An HTTP/1.0
// request needs none; an empty Host is what a client sends for a target without an authority.
TEST_CASE("a request without one well-formed Host is refused with 400, as RFC 9112 requires") {
  Harness h;
  Server s(h);
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  for (const char* head : {
           "GET /healthz HTTP/1.1\r\n",
           "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n",
           "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: a\r\n",
           "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\nHost: a\r\nHost: b\r\n",
           "GET /healthz HTTP/1.1\r\nHost: a b\r\n",
           "GET /healthz HTTP/1.1\r\nHost: a/b\r\n",
           "GET /healthz HTTP/1.1\r\nHost: user@a\r\n",
           "POST /v1/verify HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
       }) {
    CAPTURE(std::string(head));
    Raw c(s.server.port());
    std::string request(head);
    if (!request.ends_with("{}")) request += "\r\n";
    request += smuggled;
    c.Send(request);
    const std::string got = c.Read(std::chrono::seconds(5));
    CHECK(got.starts_with("HTTP/1.1 400"));
    CHECK(got.find("\"bad_host\"") != std::string::npos);
    CHECK(Count(got, "HTTP/1.1 ") == 1);  // nothing behind it is answered
    CHECK(c.closed);
  }
  for (const char* head : {
           "GET /healthz HTTP/1.0\r\n",
           "GET /healthz HTTP/1.1\r\nHost:\r\n",
           "GET /healthz HTTP/1.1\r\nhOsT: evidence.example:8080\r\n",
           "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:1\r\n",
           "GET /healthz HTTP/1.1\r\nHost: [::1]:8080\r\n",
           "GET /healthz HTTP/1.1\r\nHost: xn--fiqs8s.example\r\n",
       }) {
    CAPTURE(std::string(head));
    Raw c(s.server.port());
    c.Send(std::string(head) + "Connection: close\r\n\r\n");
    CHECK(c.Read(std::chrono::seconds(5)).starts_with("HTTP/1.1 200"));
  }
}

// RFC 9110 §10.1.1 and §15.2: an HTTP/1.0 client does not know 1xx answers; its Expect is
// ignored and its body read as sent.
TEST_CASE("an HTTP/1.0 client that expects 100-continue gets no 100, only the answer") {
  Harness h;
  Server s(h);
  Raw c(s.server.port());
  c.Send(
      "POST /v1/verify HTTP/1.0\r\nExpect: 100-continue\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\n\r\n{}");
  const std::string got = c.Read(std::chrono::seconds(5));
  CHECK(got.find(" 100 ") == std::string::npos);
  CHECK(got.starts_with("HTTP/1.1 400"));  // the handler's answer to an empty object
  CHECK(got.find("missing_field") != std::string::npos);
}

// RFC 9112 §9.3 (RFC 2068 §19.7.1): an HTTP/1.0 client assumes the server closes after its
// answer unless the answer says "Connection: keep-alive"; without it the client waits for an
// EOF that never comes, or closes and reconnects for each request.
TEST_CASE("an HTTP/1.0 client's keep-alive is answered with Connection: keep-alive") {
  Harness h;
  Server s(h);
  Raw c(s.server.port());
  for (int i = 0; i < 2; ++i) {
    CAPTURE(i);
    const std::string id = "ka10-" + std::to_string(i);
    c.Send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\nX-Request-Id: " + id + "\r\n\r\n");
    const std::string got = c.Read(std::chrono::seconds(5), "\r\n\r\nok\n");
    CHECK(got.starts_with("HTTP/1.1 200"));
    CHECK(got.find("\r\nConnection: keep-alive\r\n") != std::string::npos);
    CHECK(got.find(id) != std::string::npos);
    CHECK_FALSE(c.closed);
  }
  // Without keep-alive a 1.0 request's connection closes after the answer, which says so.
  Raw once(s.server.port());
  once.Send("GET /healthz HTTP/1.0\r\n\r\n");
  const std::string got = once.Read(std::chrono::seconds(5));
  CHECK(got.starts_with("HTTP/1.1 200"));
  CHECK(got.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(once.closed);
}

// RFC 9112 §3.2.2: a server MUST accept the absolute form (proxies send it); §2.2: a server
// SHOULD ignore an empty line before a request line (a client's stray CRLF after a body).
TEST_CASE("absolute-form targets are served, and a stray CRLF before a request is ignored") {
  Harness h;
  Server s(h);
  for (const char* target :
       {"http://x/healthz", "HTTP://evidence.example:8080/v1/status?a=1", "https://x/v1/status"}) {
    CAPTURE(std::string(target));
    CHECK(GetOnce(s.server.port(), target).starts_with("HTTP/1.1 200"));
  }
  for (const char* target : {"http://x", "http:/healthz", "ftp://x/healthz", "http://x?a=1"}) {
    CAPTURE(std::string(target));
    const std::string got = GetOnce(s.server.port(), target);
    CHECK(got.starts_with("HTTP/1.1 400"));
    CHECK(got.find("\"bad_path\"") != std::string::npos);
  }
  Raw c(s.server.port());
  c.Send(
      "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: after-crlf\r\n\r\n");
  const std::string got = c.Read(std::chrono::seconds(5), "after-crlf");
  CHECK(Count(got, "HTTP/1.1 400") == 1);
  CHECK(Count(got, "HTTP/1.1 200") == 1);
  CHECK_FALSE(c.closed);
}

// RFC 3986 §2.2: "%2F" is data, not a separator; decoded before routing it would let
// "/v1%2Fstatus" past a proxy rule written for "/v1/status".
TEST_CASE("an encoded slash or backslash in the path is refused") {
  Harness h;
  Server s(h);
  for (const char* target : {"/v1%2Fstatus", "/v1%2fstatus", "/v1/deposits/%2F", "/v1%5Cstatus"}) {
    CAPTURE(std::string(target));
    const std::string got = GetOnce(s.server.port(), target);
    CHECK(got.starts_with("HTTP/1.1 400"));
    CHECK(got.find("\"bad_path\"") != std::string::npos);
  }
  // Other escapes decode as before.
  CHECK(GetOnce(s.server.port(), "/v1/%73tatus").starts_with("HTTP/1.1 200"));
}

TEST_CASE("pipelined requests are answered in order, one at a time") {
  Harness h;
  Server s(h);
  Raw c(s.server.port());
  std::string three;
  for (int i = 0; i < 3; ++i) {
    three +=
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: pipe-" + std::to_string(i) + "\r\n\r\n";
  }
  c.Send(three);
  const std::string got = c.Read(std::chrono::seconds(5), "pipe-2");
  CHECK(Count(got, "HTTP/1.1 200") == 3);
  const size_t a = got.find("pipe-0");
  const size_t b = got.find("pipe-1");
  const size_t d = got.find("pipe-2");
  CHECK(a < b);
  CHECK(b < d);
  CHECK(d != std::string::npos);
}

TEST_CASE("X-Request-Id is echoed, or named by the server when absent or unusable") {
  Harness h;
  Server s(h);
  httplib::Client c = s.Client();
  auto mine = c.Get("/healthz", {{"X-Request-Id", "court-42.abc"}});
  REQUIRE(mine);
  CHECK(mine->get_header_value("X-Request-Id") == "court-42.abc");
  auto named = c.Get("/v1/status");
  REQUIRE(named);
  CHECK(!named->get_header_value("X-Request-Id").empty());
  auto odd = c.Get("/healthz", {{"X-Request-Id", "bad id with spaces"}});
  REQUIRE(odd);
  CHECK(odd->get_header_value("X-Request-Id") != "bad id with spaces");
}

TEST_CASE("connections beyond the per-address cap are closed at accept") {
  Harness h;
  h.config.max_connections_per_address = 2;
  Server s(h);
  Raw a(s.server.port());
  Raw b(s.server.port());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (s.server.connections() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(s.server.connections() == 2);
  Raw third(s.server.port());
  third.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(third.Read(std::chrono::seconds(5)).empty());
  CHECK(third.closed);
  // The two admitted connections are served.
  a.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(a.Read(std::chrono::seconds(5), "ok\n").starts_with("HTTP/1.1 200"));
}

// The access log line quotes the request target as the client sent it. Beast lets a target
// hold '"' and any byte from 0x80 on: a '"' can close the quoted field and forge the fields
// after it, and a byte that is not UTF-8 makes journald keep the whole line as a blob that
// journalctl does not show (a client could hide its requests from the operator).
TEST_CASE("the access log escapes quotes, backslashes and bytes beyond ASCII of a target") {
  std::ostringstream out;
  auto previous_logger = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "access-log-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_pattern("%v");
  spdlog::set_default_logger(logger);
  {
    Harness h;
    Server s(h);
    Raw c(s.server.port());
    c.Send(
        "GET /healthz?a=\"x\"\xff\xfe\x9b\\y HTTP/1.1\r\nHost: x\r\n"
        "X-Request-Id: logged\r\nConnection: close\r\n\r\n");
    CHECK(c.Read(std::chrono::seconds(5)).starts_with("HTTP/1.1 200"));
    // A method is a token (no quote), but as long as the header limit allows: it is cut too.
    Raw m(s.server.port());
    m.Send(std::string(300, 'M') + " /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: long\r\n" +
           "Connection: close\r\n\r\n");
    CHECK(m.Read(std::chrono::seconds(5)).starts_with("HTTP/1.1 405"));
  }
  logger->flush();
  spdlog::set_default_logger(previous_logger);
  std::string line;
  std::istringstream lines(out.str());
  while (std::getline(lines, line) && !line.starts_with("http logged ")) {
  }
  CAPTURE(line);
  REQUIRE(line.starts_with("http logged "));
  CHECK(line.find("\"GET /healthz?a=\\x22x\\x22\\xff\\xfe\\x9b\\x5cy\" 200 3B") !=
        std::string::npos);
  CHECK(std::count(line.begin(), line.end(), '"') == 2);
  CHECK(std::none_of(line.begin(), line.end(),
                     [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; }));
  CHECK(out.str().find("http long 127.0.0.1 \"" + std::string(200, 'M') + "... /healthz\" 405") !=
        std::string::npos);
}

// Beast keeps a field's name and value lengths in 16 bits and throws std::length_error past
// 65,533 bytes, from inside the read, out of the I/O thread's event loop: the process ended
// ("terminate called after throwing ... field value too large"). A chunked body's trailer is
// bounded only by the read buffer (max_header_bytes + 64 KiB), a header by max_header_bytes (up
// to 1 MiB in the node config). Such a field is refused like any malformed request.
TEST_CASE("a trailer or header field beyond Beast's 64 KiB is refused, not the end of the server") {
  Harness h;
  h.config.max_header_bytes = 256 << 10;
  Server s(h);
  const std::string big(70000, 'v');
  const std::string chunked_head =
      "POST /v1/verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n";
  for (const std::string& trailer : {"X-Trailer: " + big, big + ": v"}) {
    Raw c(s.server.port());
    c.Send(chunked_head + trailer + "\r\n\r\n");
    const std::string got = c.Read(std::chrono::seconds(5));
    CHECK(got.starts_with("HTTP/1.1 400"));
    CHECK(got.find("\"bad_body\"") != std::string::npos);
    CHECK(got.find("exceeds 65533 bytes") != std::string::npos);
    CHECK(c.closed);
  }
  for (const std::string& field : {"X-Big: " + big, big + ": v"}) {
    Raw c(s.server.port());
    c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n" + field + "\r\n\r\n");
    const std::string got = c.Read(std::chrono::seconds(5));
    CHECK(got.starts_with("HTTP/1.1 431"));
    CHECK(got.find("\"header_too_large\"") != std::string::npos);
    CHECK(got.find("exceeds 65533 bytes") != std::string::npos);
  }
  // A trailer within the bounds is read and ignored.
  Raw c(s.server.port());
  c.Send(chunked_head + "X-Trailer: " + std::string(1000, 'v') + "\r\n\r\n");
  CHECK(c.Read(std::chrono::seconds(5), "}").find("\"missing_field\"") != std::string::npos);
  CHECK(s.Client().Get("/healthz")->status == 200);
}

}  // namespace
}  // namespace evchain::api
