#include "api/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>

#include "api/metric_names.h"
#include "api/router.h"
#include "crypto/sha256.h"

namespace evchain::api {
namespace {

constexpr std::string_view kVerifyPath = "/v1/verify";

bool IsMultipart(const httplib::Request& req) {
  return req.get_header_value("Content-Type").starts_with("multipart/form-data");
}

// The body limit of a route: multipart verification uploads are hashed while streaming, so
// they may be far larger than any JSON body.
size_t BodyLimit(const httplib::Request& req, const ApiConfig& config) {
  return req.path == kVerifyPath && IsMultipart(req) ? config.max_upload_bytes
                                                     : config.max_body_bytes;
}

HttpRequest ToHttpRequest(const httplib::Request& req) {
  HttpRequest out;
  out.method = req.method;
  out.path = req.path;
  for (const auto& [k, v] : req.params) out.query.emplace(k, v);
  for (const auto& [k, v] : req.headers) {
    std::string name = k;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers.emplace(std::move(name), v);
  }
  out.client_address = req.remote_addr;
  return out;
}

// Sets the response and counts it. Counting here, before httplib writes the response, means a
// client that reads /metrics right after a response always sees that response counted.
void Respond(Metrics& metrics, const httplib::Request& req, const HttpResponse& from,
             httplib::Response& res) {
  res.status = from.status;
  for (const auto& [k, v] : from.headers) res.set_header(k, v);
  res.set_content(from.body, from.content_type);
  metrics.Increment(metric::kHttpRequests, "route=\"" + RouteLabel(req.path) + "\",status=\"" +
                                               std::to_string(from.status) + "\"");
}

}  // namespace

HttpServer::HttpServer(Context ctx)
    : ctx_(ctx), limiter_(ctx.config.rate_limit_per_second, ctx.config.rate_limit_burst) {
  metric::DescribeAll(ctx_.metrics);
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Configure() {
  httplib::Server& s = *server_;
  const ApiConfig& config = ctx_.config;
  s.set_payload_max_length(std::max(config.max_body_bytes, config.max_upload_bytes));
  s.set_read_timeout(config.read_timeout);
  s.set_write_timeout(config.write_timeout);
  s.set_keep_alive_max_count(config.keep_alive_max_requests);
  // Clients often write headers and body separately; with Nagle on both ends every such request
  // waits for a delayed ACK.
  s.set_tcp_nodelay(true);
  const size_t threads = std::max<size_t>(config.threads, 1);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };

  // Runs after the headers are read and before any body byte is: refuse early what is too big
  // or too frequent.
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    size_t header_bytes = 0;
    for (const auto& [k, v] : req.headers) header_bytes += k.size() + v.size() + 4;
    if (header_bytes > ctx_.config.max_header_bytes) {
      Respond(ctx_.metrics, req,
              ErrorResponse(431, "header_too_large",
                            "request headers exceed " +
                                std::to_string(ctx_.config.max_header_bytes) + " bytes"),
              res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.path.starts_with("/v1/") &&
        !limiter_.Allow(req.remote_addr, RateLimiter::Clock::now())) {
      ctx_.metrics.Increment(metric::kHttpRateLimited);
      HttpResponse r = ErrorResponse(429, "rate_limited", "too many requests; retry shortly");
      r.headers["Retry-After"] = "1";
      Respond(ctx_.metrics, req, r, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.has_header("Content-Length") &&
        std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) >
            BodyLimit(req, ctx_.config)) {
      Respond(ctx_.metrics, req,
              ErrorResponse(
                  413, "body_too_large",
                  "request body exceeds " + std::to_string(BodyLimit(req, ctx_.config)) + " bytes"),
              res);
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  auto plain = [this](const httplib::Request& req, httplib::Response& res) {
    HttpRequest request = ToHttpRequest(req);
    request.body = req.body;
    Respond(ctx_.metrics, req, Handle(request, ctx_), res);
  };
  // POST bodies are read here, not by httplib, so the per-route limit also holds for chunked
  // bodies and an upload is hashed as it streams in.
  auto post = [this](const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) {
    HttpRequest request = ToHttpRequest(req);
    const size_t limit = BodyLimit(req, ctx_.config);
    size_t received = 0;
    bool too_large = false;
    bool extra_file = false;
    bool read_ok = true;
    if (req.path == kVerifyPath && IsMultipart(req)) {
      crypto::Sha256Stream sha;
      std::string part;
      int files = 0;
      read_ok = reader(
          [&](const httplib::MultipartFormData& file) {
            part = file.name;
            if (part == "file" && ++files > 1) extra_file = true;
            return !extra_file;
          },
          [&](const char* data, size_t n) {
            received += n;
            if (received > limit) return !(too_large = true);
            if (part == "file") sha.Update(AsBytes(std::string_view(data, n)));
            return true;
          });
      if (read_ok && files == 1) request.upload_digest = sha.Finish();
    } else {
      read_ok = reader([&](const char* data, size_t n) {
        received += n;
        if (received > limit) return !(too_large = true);
        request.body.append(data, n);
        return true;
      });
    }
    if (too_large) {
      Respond(ctx_.metrics, req,
              ErrorResponse(413, "body_too_large",
                            "request body exceeds " + std::to_string(limit) + " bytes"),
              res);
      res.set_header("Connection", "close");
    } else if (extra_file) {
      Respond(ctx_.metrics, req,
              ErrorResponse(400, "bad_multipart", "upload exactly one part named \"file\""), res);
    } else if (!read_ok) {
      Respond(ctx_.metrics, req,
              ErrorResponse(400, "bad_body", "the request body could not be read"), res);
    } else {
      Respond(ctx_.metrics, req, Handle(request, ctx_), res);
    }
  };
  s.Get(".*", plain);
  s.Put(".*", plain);
  s.Patch(".*", plain);
  s.Delete(".*", plain);
  s.Options(".*", plain);
  s.Post(".*", post);

  // httplib's own refusals (malformed request line, URI too long, ...) get our error shape.
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string code = "bad_request";
        if (res.status == 413) code = "body_too_large";
        if (res.status == 414) code = "uri_too_long";
        if (res.status == 431) code = "header_too_large";
        if (res.status == 404) code = "not_found";
        if (res.status >= 500) code = "internal";
        Respond(ctx_.metrics, req,
                ErrorResponse(res.status, code, "request refused by the HTTP layer"), res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_exception_handler(
      [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
        Respond(ctx_.metrics, req, ErrorResponse(500, "internal", "unexpected error"), res);
      });
}

Status HttpServer::Start(const std::string& host, int port, const std::optional<TlsFiles>& tls) {
  if (tls.has_value()) {
    auto ssl = std::make_unique<httplib::SSLServer>(tls->cert_path.c_str(), tls->key_path.c_str());
    if (!ssl->is_valid()) {
      return Status::Error(
          "tls_error", "cannot use certificate " + tls->cert_path + " and key " + tls->key_path);
    }
    server_ = std::move(ssl);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  Configure();
  const int bound =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    server_.reset();
    return Status::Error("bind_failed", "cannot listen on " + host + ":" + std::to_string(port));
  }
  port_ = bound;
  listen_returned_ = false;
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listen_returned_ = true;
  });
  // stop() is a no-op until the accept loop runs, so Stop() could otherwise miss it.
  while (!server_->is_running() && !listen_returned_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  if (server_ == nullptr) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace evchain::api
