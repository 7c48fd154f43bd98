// The cpp-httplib binding: maps httplib requests onto HttpRequest, calls the pure router, and
// enforces the transport limits of ApiConfig (body and header size, timeouts, per-client rate,
// thread pool). HTTPS when a certificate and key are given. docs/api.md "Limits".
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "api/context.h"
#include "api/rate_limiter.h"
#include "common/status.h"

namespace httplib {
class Server;
}

namespace evchain::api {

struct TlsFiles {
  std::string cert_path;  // PEM certificate chain
  std::string key_path;   // PEM private key
};

class HttpServer {
 public:
  // `ctx` and everything it refers to must outlive the server.
  explicit HttpServer(Context ctx);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0: any free port, see port()) and serves on a background thread
  // until Stop(). Errors: "tls_error" (certificate/key unusable), "bind_failed".
  // REQUIRES: not started.
  Status Start(const std::string& host, int port,
               const std::optional<TlsFiles>& tls = std::nullopt);
  // The bound port; 0 before Start.
  int port() const { return port_; }
  // Stops accepting, finishes in-flight requests, joins the thread. Idempotent.
  void Stop();

 private:
  void Configure();

  Context ctx_;
  RateLimiter limiter_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> listen_returned_{false};
};

}  // namespace evchain::api
