// The cpp-httplib binding over real HTTP on 127.0.0.1: mapping, limits, rate limiting, uploads.
#include "api/http_server.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

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

TEST_CASE("deposit and lookup over HTTP; bad input is refused and the server keeps serving") {
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

TEST_CASE("Start reports an address it cannot bind and unusable TLS files; Stop is idempotent") {
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

}  // namespace
}  // namespace evchain::api
