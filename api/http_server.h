// The HTTP(S) front end: Boost.Beast on an Asio io_context of its own. Each connection is an
// asynchronous session (no thread per connection) with deadlines for headers, bodies, idle
// keep-alive and writes, connection caps in all and per client address, and one request at a
// time per connection (pipelined requests wait in the socket). Handlers (api/router.h) run on
// a bounded worker pool, never on the I/O thread; ?wait=commit requests are parked without a
// thread until their block commits. docs/api.md "Connections" and "Limits".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "api/context.h"
#include "common/status.h"

namespace evchain::api {

struct TlsFiles {
  std::string cert_path;  // PEM certificate chain
  std::string key_path;   // PEM private key
};

class HttpServer {
 public:
  // `ctx` and everything it refers to must outlive the server. Registers the server as the
  // node's commit listener (NodeService::SetCommitListener) on Start.
  explicit HttpServer(Context ctx);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0: any free port, see port()) and serves on a background I/O thread
  // until Stop(). Errors: "tls_error" (certificate/key unusable), "bind_failed".
  // REQUIRES: not started.
  Status Start(const std::string& host, int port,
               const std::optional<TlsFiles>& tls = std::nullopt);
  // The bound port; 0 before Start.
  int port() const;
  // Open connections and parked ?wait=commit requests (for tests and metrics).
  size_t connections() const;
  size_t parked() const;
  // Requests read and waiting for a handler worker now; and how many requests, of any route,
  // were answered 503 overloaded since Start because max_queued_requests already waited (the
  // validator's overload log counts them: docs/operations.md "Overload").
  size_t queued_requests() const;
  uint64_t busy_refusals() const;
  // Stops accepting, closes every connection, drops parked requests, joins the threads.
  // Idempotent.
  void Stop();

  class Impl;  // Beast and Asio stay out of this header

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace evchain::api
