#include "api/http_server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <future>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "api/accept_batch.h"
#include "api/commit_waiters.h"
#include "api/handlers.h"
#include "api/handshake_lane.h"
#include "api/metric_names.h"
#include "api/multipart.h"
#include "api/request_parsing.h"
#include "api/router.h"
#include "common/thread_name.h"

namespace evchain::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kVerifyPath = "/v1/verify";
constexpr size_t kChunkBytes = size_t{64} << 10;
// The access log quotes at most this much of a request's method and target.
constexpr size_t kLoggedTextBytes = 200;
constexpr char kFieldTooLarge[] = "a field's name or value exceeds 65533 bytes";

constexpr char kConnectionsGauge[] = "evchain_http_connections";
constexpr char kConnectionsRefused[] = "evchain_http_connections_refused_total";
constexpr char kTimeouts[] = "evchain_http_timeouts_total";
constexpr char kParkedGauge[] = "evchain_http_parked_requests";
// Connections OnAccept takes from the listen queue in one turn of the event loop, beyond the
// one its asynchronous accept brought: enough for a burst, bounded so a flood of connects
// cannot hold the I/O thread for long (each costs a few microseconds).
constexpr size_t kAcceptBatch = 256;

void DescribeTransportMetrics(Metrics& m) {
  m.Describe(kConnectionsGauge, "gauge", "Open HTTP connections.");
  m.Describe(kConnectionsRefused, "counter",
             "HTTP connections closed at accept, by reason (total or per-address cap, or TLS "
             "handshakes in progress from the address).");
  m.Describe(kTimeouts, "counter",
             "HTTP connections closed by a deadline, by phase (idle, header, body, write).");
  m.Describe(kParkedGauge, "gauge", "?wait=commit requests parked until their commit.");
}

int FromHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding (and '+' as space in queries). False on a malformed escape.
bool Decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      const int hi = i + 1 < in.size() ? FromHex(in[i + 1]) : -1;
      const int lo = i + 2 < in.size() ? FromHex(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (plus_is_space && in[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(in[i]);
    }
  }
  return true;
}

// The absolute form's "http://authority" prefix (RFC 9112 §3.2.2: a server MUST accept it, as
// proxies send it), or nothing when `target` is not in that form. The authority is not checked
// against anything: this server serves one site, whatever the Host.
size_t AbsoluteFormPrefix(std::string_view target) {
  for (beast::string_view scheme : {"http://", "https://"}) {
    if (target.size() > scheme.size() &&
        beast::iequals(beast::string_view(target.data(), scheme.size()), scheme)) {
      return target.find_first_of("/?#", scheme.size());
    }
  }
  return 0;
}

// "%2F" and "%5C" stay data in RFC 3986 (§2.2): decoded before routing, "/v1%2Fstatus" would
// reach the route a proxy's rule for "/v1/status" guards. No route's path carries either.
bool HasEncodedSeparator(std::string_view path) {
  for (size_t i = path.find('%'); i != std::string_view::npos; i = path.find('%', i + 1)) {
    const beast::string_view escape(path.data() + i, std::min<size_t>(3, path.size() - i));
    if (beast::iequals(escape, "%2f") || beast::iequals(escape, "%5c")) return true;
  }
  return false;
}

// "/path?query" (or its absolute form) into a decoded path and query parameters. The refusal
// when the target is malformed (a bad percent-escape, not starting with '/', an encoded slash or
// backslash in the path) or names a query parameter twice: which of the two would count is a guess,
// as with a JSON body that repeats a key.
std::optional<HttpResponse> ParseTarget(std::string_view target, HttpRequest& out) {
  const auto malformed = [] {
    return ErrorResponse(400, "bad_path", "the request target is malformed");
  };
  const size_t origin = AbsoluteFormPrefix(target);
  if (origin == std::string_view::npos) return malformed();
  target.remove_prefix(origin);
  if (target.empty() || target[0] != '/') return malformed();
  const size_t q = target.find('?');
  if (HasEncodedSeparator(target.substr(0, q))) {
    return ErrorResponse(400, "bad_path",
                         "the path holds an encoded '/' or '\\' (%2F, %5C): no route has one");
  }
  if (!Decode(target.substr(0, q), false, out.path)) return malformed();
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key;
    std::string value;
    if (!Decode(pair.substr(0, eq), true, key)) return malformed();
    if (eq != std::string_view::npos && !Decode(pair.substr(eq + 1), true, value)) {
      return malformed();
    }
    auto [it, fresh] = out.query.emplace(std::move(key), std::move(value));
    if (!fresh) {
      return ErrorResponse(400, "bad_query",
                           "the query names the parameter " + QuotedKey(it->first) + " twice");
    }
  }
  return std::nullopt;
}

// A client's X-Request-Id is echoed when it is short and plain; otherwise the server names one.
bool UsableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  });
}

// Beast's request parser with a bound on each field's name and value. Beast's fields keep both
// lengths in 16 bits and throw std::length_error beyond 65,533 bytes, from inside a read, out of
// the I/O thread's event loop, which ends the process. A header block is bounded by
// max_header_bytes (up to 1 MiB in the node config), a chunked body's trailer only by the read
// buffer (max_header_bytes + 64 KiB): a field beyond the bound is a parse error instead, which
// the session answers 431 in the headers and 400 bad_body in a trailer.
template <class Body>
class BoundedParser : public http::request_parser<Body> {
 public:
  static constexpr size_t kMaxFieldBytes = std::numeric_limits<std::uint16_t>::max() - 2;

  BoundedParser() = default;
  // Takes over `headers` (read with another body type) to read the body.
  template <class OtherBody>
  explicit BoundedParser(BoundedParser<OtherBody>&& headers)
      // As Beast's own type: Beast's constructor that changes the body type is chosen by it.
      : http::request_parser<Body>(static_cast<http::request_parser<OtherBody>&&>(headers)) {}

  // Whether the parse stopped at a field over kMaxFieldBytes.
  bool field_too_large() const { return field_too_large_; }

 private:
  void on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                     beast::error_code& ec) override {
    if (name_string.size() > kMaxFieldBytes || value.size() > kMaxFieldBytes) {
      field_too_large_ = true;
      ec = http::error::header_limit;
      return;
    }
    this->get().insert(name, name_string, value);
  }

  bool field_too_large_ = false;
};

// A client's text as the access log quotes it: at most `max` bytes of it (then "..."), and each
// byte that is not printable ASCII, each '"' and each '\\' as \xHH. Beast lets a target hold '"'
// and any byte from 0x80 on: unescaped, a '"' closes the quoted field and forges the fields
// after it, and a byte that is not UTF-8 makes journald store the whole line as a blob that
// journalctl does not show.
std::string LogText(std::string_view text, size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), max) + 3);
  for (const char c : text.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f && c != '"' && c != '\\') {
      out.push_back(c);
    } else {
      out += {'\\', 'x', kHex[u >> 4], kHex[u & 0xf]};
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

// The handler threads: `threads` in the config, at least one.
size_t WorkerThreads(const Context& ctx) { return std::max<size_t>(ctx.config.threads, 1); }

// Closes the connection it belongs to (Stop).
struct Closable {
  virtual ~Closable() = default;
  virtual void CloseFromServer() = 0;
};

}  // namespace

class HttpServer::Impl {
 public:
  explicit Impl(Context ctx)
      : ctx_(ctx),
        limiter_(ctx.config.rate_limit_per_second, ctx.config.rate_limit_burst),
        quotas_(ctx.config.depositor_quota_default, ctx.config.depositor_quotas),
        workers_(static_cast<int>(WorkerThreads(ctx))),
        workers_work_(asio::make_work_guard(workers_)),
        waiters_(io_.get_executor()) {
    if (ctx_.quotas == nullptr) ctx_.quotas = &quotas_;
    metric::DescribeAll(ctx_.metrics);
    DescribeTransportMetrics(ctx_.metrics);
    std::random_device rd;
    id_prefix_ = (static_cast<uint64_t>(rd()) << 32 | rd()) & 0xffffffffffULL;
  }

  ~Impl() { Stop(); }

  Status Start(const std::string& host, int port, const std::optional<TlsFiles>& tls);
  void Stop();
  int port() const { return port_; }
  size_t connections() const {
    std::lock_guard<std::mutex> lock(conn_mu_);
    return open_;
  }
  size_t parked() const { return waiters_.size(); }
  size_t queued_requests() const { return queued_.load(); }
  uint64_t busy_refusals() const { return busy_refusals_.load(); }

  // ---- used by sessions
  const ApiConfig& config() const { return ctx_.config; }
  Context& ctx() { return ctx_; }
  Metrics& metrics() { return ctx_.metrics; }
  RateLimiter& limiter() { return limiter_; }
  bool stopping() const { return stopping_; }
  std::string NextRequestId() {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%010llx-%llu", static_cast<unsigned long long>(id_prefix_),
                  static_cast<unsigned long long>(next_request_.fetch_add(1)) + 1);
    return buf;
  }
  asio::ssl::context* ssl() { return ssl_ ? &*ssl_ : nullptr; }

  // Runs `Handle` on a worker and `done(response)` on `executor`. False when the queue is full.
  template <typename Executor, typename Done>
  bool RunHandler(HttpRequest request, const Executor& executor, Done done) {
    if (queued_.fetch_add(1) >= config().max_queued_requests) {
      --queued_;
      ++busy_refusals_;
      return false;
    }
    asio::post(workers_.get_executor(),
               [this, request = std::move(request), executor, done = std::move(done)]() mutable {
                 --queued_;
                 HttpResponse response = Handle(request, ctx_);
                 if (response.deferred) {
                   Defer(std::move(response.deferred), executor, std::move(done));
                   return;
                 }
                 Deliver(std::move(response), executor, std::move(done));
               });
    return true;
  }

  // Starts `deferred`; once the node resumes it, a worker finishes it and delivers the answer.
  // Meanwhile no thread waits for it (the node's journal write serves many such requests).
  template <typename Executor, typename Done>
  void Defer(std::shared_ptr<const Deferred> deferred, const Executor& executor, Done done) {
    auto resume = [this, deferred, executor, done = std::move(done)](Status s) mutable {
      // The node resumes on the thread that finished its work: for the validator's journal, a
      // worker of ours that did the write, which finishes the answer itself (no hand-off).
      if (workers_.get_executor().running_in_this_thread()) {
        Deliver(deferred->finish(s), executor, std::move(done));
        return;
      }
      asio::post(workers_.get_executor(), [this, deferred = std::move(deferred), executor,
                                           done = std::move(done), s = std::move(s)]() mutable {
        Deliver(deferred->finish(s), executor, std::move(done));
      });
    };
    deferred->start(std::move(resume));
  }

  // Sends `response` (on `executor`), or parks it first when it waits for a commit.
  template <typename Executor, typename Done>
  void Deliver(HttpResponse response, const Executor& executor, Done done) {
    if (response.commit_wait && !stopping_) {
      // Parked from a worker, not from the I/O thread: registering reads LevelDB per id.
      auto wait = std::move(response.commit_wait);
      Park(std::move(wait), executor, std::move(done));
      return;
    }
    asio::post(executor, [done = std::move(done), response = std::move(response)]() mutable {
      done(std::move(response));
    });
  }

  // Parks `wait`; `done(response)` runs on `executor` once committed or after the bound.
  template <typename Executor, typename Done>
  void Park(const std::shared_ptr<const CommitWait>& wait, const Executor& executor, Done done) {
    ctx_.metrics.SetGauge(kParkedGauge, static_cast<double>(waiters_.size() + 1));
    waiters_.Add(
        wait->evidence_ids, wait->bound,
        [this](const Hash32& id) {
          auto found = ctx_.node.Log().FindByEvidenceId(id);
          return found.ok() && found->has_value();
        },
        [this, wait, executor, done = std::move(done)](bool) mutable {
          if (stopping_) return;
          ctx_.metrics.SetGauge(kParkedGauge, static_cast<double>(waiters_.size()));
          auto answer = [wait, executor, done = std::move(done)]() mutable {
            HttpResponse response = wait->finish();
            asio::post(executor,
                       [done = std::move(done), response = std::move(response)]() mutable {
                         done(std::move(response));
                       });
          };
          // Reading the receipts is LevelDB work: a worker does it, not the I/O thread. A commit
          // completes its waiters on a worker already (OnCommitted), one after another.
          if (workers_.get_executor().running_in_this_thread()) {
            answer();
          } else {
            asio::post(workers_.get_executor(), std::move(answer));
          }
        });
  }

  // The node's commit listener: one worker answers every request the commit completes, so a
  // block of N parked requests costs one hand-off, not N (each a thread wake-up).
  void OnCommitted(const std::vector<Hash32>& ids) {
    if (waiters_.size() == 0) return;
    asio::post(workers_.get_executor(), [this, ids] { waiters_.Committed(ids); });
  }

  // Connection bookkeeping: a session holds its slot from accept to destruction.
  void Release(const std::string& address, std::list<std::weak_ptr<Closable>>::iterator it) {
    std::lock_guard<std::mutex> lock(conn_mu_);
    sessions_.erase(it);
    auto a = per_address_.find(address);
    if (a != per_address_.end() && --a->second == 0) per_address_.erase(a);
    --open_;
    ctx_.metrics.SetGauge(kConnectionsGauge, static_cast<double>(open_));
  }
  // A TLS session's handshake ended (or the session did before it): Admit counted it.
  void HandshakeDone(const std::string& address) {
    std::lock_guard<std::mutex> lock(conn_mu_);
    auto a = handshaking_.find(address);
    if (a != handshaking_.end() && --a->second == 0) handshaking_.erase(a);
  }
  HandshakeLane& lane() { return lane_; }

 private:
  void Accept();
  void OnAccept(const boost::system::error_code& ec, tcp::socket socket);
  // Takes on one accepted connection, or closes it at a connection limit.
  void Admit(tcp::socket socket);
  template <typename Session>
  void Launch(tcp::socket socket, const std::string& address);

  Context ctx_;
  RateLimiter limiter_;
  DepositorQuotas quotas_;
  // Declared before io_: sessions destroyed with io_'s pending handlers still use these.
  mutable std::mutex conn_mu_;
  size_t open_ = 0;                                      // guarded by conn_mu_
  std::unordered_map<std::string, size_t> per_address_;  // guarded by conn_mu_
  std::unordered_map<std::string, size_t> handshaking_;  // guarded by conn_mu_; TLS only
  // Every live session, to close them on Stop (each erases itself).
  std::list<std::weak_ptr<Closable>> sessions_;  // guarded by conn_mu_
  std::optional<asio::ssl::context> ssl_;
  // One thread runs io_: sessions, and the handshake lane's steps, rely on it (no two of a
  // session's handlers ever run at once, inside its strand or in the lane).
  asio::io_context io_{1};
  // After io_: steps still queued own sessions, whose sockets belong to io_.
  HandshakeLane lane_{io_};
  // Handlers, journal resumptions and receipts run here, on threads named "http-work" started by
  // Start (docs/operations.md "Threads"); Stop lets them finish what is queued, then joins them.
  asio::io_context workers_;
  asio::executor_work_guard<asio::io_context::executor_type> workers_work_;
  std::vector<std::thread> worker_threads_;
  CommitWaiters waiters_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<asio::steady_timer> accept_retry_;
  std::thread io_thread_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool stopped_ = false;
  int port_ = 0;
  std::atomic<size_t> queued_{0};  // requests posted to workers_, not yet started
  std::atomic<uint64_t> busy_refusals_{0};
  uint64_t id_prefix_ = 0;
  std::atomic<uint64_t> next_request_{0};
};

// One connection. Every member function runs on the session's strand (the stream's executor).
// Phases: wait for a request (idle) -> headers -> body -> handler (worker, or parked) -> write
// -> next request, or linger and close.
template <typename Stream>
class Session : public Closable, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpServer::Impl& server, Stream stream, std::string address)
      : server_(server),
        config_(server.config()),
        stream_(std::move(stream)),
        address_(std::move(address)),
        deadline_(stream_.get_executor()),
        buffer_(config_.max_header_bytes + kChunkBytes) {}

  ~Session() override {
    ReleaseHandshake();
    server_.Release(address_, slot_);
  }

  void Run(std::list<std::weak_ptr<Closable>>::iterator slot) {
    slot_ = slot;
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->Begin(); });
  }

  void CloseFromServer() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->Close(); });
  }

 private:
  enum class Phase { kIdle, kHeader, kBody, kHandler, kWrite, kLinger, kTlsHandshake };
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  tcp::socket& Socket() { return beast::get_lowest_layer(stream_).socket(); }

  void Begin() {
    if constexpr (kTls) {
      // The handshake shares the first request's header deadline; one that runs out is closed
      // without an answer (no TLS session to send one in) and counted (Arm). Its steps (the
      // crypto among them) run in the server's handshake lane, one step per turn of the event
      // loop, in turns by client address, so that a flood of handshakes can hold up neither
      // established connections nor another address's new ones. The lane runs on the I/O
      // thread too, outside the strand: one thread, so never beside this session's other
      // handlers. address_ outlives the steps: they own this session.
      Arm(config_.header_timeout, Phase::kTlsHandshake);
      stream_.async_handshake(
          asio::ssl::stream_base::server,
          asio::bind_executor(server_.lane().executor(&closed_, address_),
                              [self = this->shared_from_this()](beast::error_code ec) {
                                self->Disarm();
                                self->ReleaseHandshake();
                                if (ec) return self->Close();
                                self->WaitRequest();
                              }));
    } else {
      WaitRequest();
    }
  }

  // ---- deadlines: our own timer (not tcp_stream's, which closes the socket) so a late request
  // can still get its 408.
  void Arm(std::chrono::milliseconds d, Phase phase) {
    phase_ = phase;
    timed_out_ = false;
    deadline_.expires_after(d);
    deadline_.async_wait(
        [self = this->shared_from_this(), generation = ++generation_](beast::error_code ec) {
          if (ec || generation != self->generation_ || self->closed_) return;
          self->timed_out_ = true;
          if (self->phase_ == Phase::kTlsHandshake) {
            // Closed, not cancelled: the handshake's next step may be waiting in the lane with
            // no operation on the socket to cancel; once closed, the lane drops it unrun.
            self->CountTimeout();
            return self->Close();
          }
          beast::error_code ignored;
          self->Socket().cancel(ignored);
        });
  }
  void Disarm() {
    ++generation_;
    deadline_.cancel();
  }

  void CountTimeout() {
    static constexpr const char* kNames[] = {"idle",  "header", "body",         "handler",
                                             "write", "linger", "tls_handshake"};
    server_.metrics().Increment(kTimeouts,
                                std::string("phase=\"") + kNames[static_cast<int>(phase_)] + "\"");
  }

  // ---- reading
  void WaitRequest() {
    if (server_.stopping()) return Close();
    if (buffer_.size() > 0) return ReadHeader();  // pipelined: already here
    // A new connection has header_timeout to start its request; a kept-alive one idle_timeout.
    Arm(requests_ == 0 ? config_.header_timeout : config_.idle_timeout, Phase::kIdle);
    auto space = buffer_.prepare(std::min<size_t>(kChunkBytes, buffer_.max_size()));
    stream_.async_read_some(space,
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->Disarm();
                              if (ec || n == 0) {
                                if (self->timed_out_) self->CountTimeout();
                                return self->Close();
                              }
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    // RFC 9112 §2.2: an empty line before a request line (a client's stray CRLF after a body)
    // is ignored, once a request, so a client cannot hold the connection on empty lines.
    if (!skipped_empty_line_ && buffer_.size() >= 2 &&
        std::string_view(static_cast<const char*>(buffer_.data().data()), 2) == "\r\n") {
      skipped_empty_line_ = true;
      buffer_.consume(2);
      if (buffer_.size() == 0) return WaitRequest();
    }
    started_ = Clock::now();
    header_parser_.emplace();
    header_parser_->header_limit(static_cast<std::uint32_t>(config_.max_header_bytes));
    header_parser_->eager(false);
    // The route's own limit is applied once the target is known (BodyLimit); Beast's default
    // (1 MiB) would refuse a large Content-Length as a parse error before that.
    header_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    Arm(config_.header_timeout, Phase::kHeader);
    http::async_read_header(stream_, buffer_, *header_parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->Disarm();
                              // Beast's limit is approximate (it is checked per read); the
                              // documented limit is exact: request line through the empty line.
                              if (!ec && n > self->config_.max_header_bytes) {
                                ec = http::error::header_limit;
                              }
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(beast::error_code ec) {
    request_ = HttpRequest();
    request_.client_address = address_;
    request_id_ = server_.NextRequestId();
    keep_alive_ = false;
    if (ec) {
      if (timed_out_) {
        CountTimeout();
        if constexpr (!kTls) {
          return Refuse(
              ErrorResponse(408, "request_timeout", "the request headers did not arrive in time"),
              /*linger=*/false);
        }
        return Close();
      }
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        return Refuse(ErrorResponse(431, "header_too_large",
                                    header_parser_->field_too_large()
                                        ? kFieldTooLarge
                                        : "request line and headers exceed " +
                                              std::to_string(config_.max_header_bytes) + " bytes"),
                      true);
      }
      if (ec == http::error::end_of_stream || ec == asio::error::eof ||
          ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
        return Close();
      }
      return Refuse(ErrorResponse(400, "bad_request", "malformed HTTP request"), true);
    }
    ++requests_;
    skipped_empty_line_ = false;
    const auto& header = header_parser_->get();
    http10_ = header.version() < 11;
    method_ = std::string(header.method_string());
    target_ = std::string(header.target());
    request_.method = method_;
    for (const auto& field : header) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      auto [it, fresh] = request_.headers.emplace(std::move(name), std::string(field.value()));
      if (!fresh) it->second += ", " + std::string(field.value());
    }
    const std::string client_id = request_.Header("x-request-id");
    if (UsableRequestId(client_id)) request_id_ = client_id;
    keep_alive_ = header.keep_alive() && requests_ < config_.keep_alive_max_requests;
    std::optional<HttpResponse> bad_target = ParseTarget(target_, request_);
    path_ = request_.path;
    if (bad_target) return Refuse(std::move(*bad_target), HasBody());

    if (HttpResponse r; RefuseFraming(r)) return Refuse(std::move(r), true);
    if (std::optional<HttpResponse> r = RefuseHost()) return Refuse(std::move(*r), HasBody());
    const bool has_body = HasBody();
    if (has_body && method_ != "POST") {
      // No route takes a body on another method: refuse it before reading a byte of it.
      HttpResponse r =
          (method_ == "GET" || method_ == "HEAD" || method_ == "DELETE" || method_ == "OPTIONS")
              ? ErrorResponse(400, "body_not_allowed", method_ + " requests take no body")
              : Handle(request_, server_.ctx());
      return Refuse(std::move(r), true);
    }
    body_limit_ = BodyLimit();
    if (header_parser_->content_length() && *header_parser_->content_length() > body_limit_) {
      return Refuse(TooLarge(), true);
    }
    // The per-address limit guards every /v1/ route; a refused request's body (within its
    // limit) is still read, so the connection stays usable.
    refusal_.reset();
    if (request_.path.starts_with("/v1/") && !server_.limiter().Allow(address_, Clock::now())) {
      server_.metrics().Increment(metric::kHttpRateLimited);
      HttpResponse r = ErrorResponse(429, "rate_limited", "too many requests; retry shortly");
      r.headers["Retry-After"] = "1";
      refusal_ = std::move(r);
    }
    if (!has_body) return Dispatch();
    // RFC 9110 §10.1.1: an HTTP/1.0 client's 100-continue is ignored (it knows no 1xx answer).
    if (!http10_ && header.find(http::field::expect) != header.end() &&
        beast::iequals(header[http::field::expect], "100-continue")) {
      // The client waits for 100 Continue before it sends the body: a request that would be
      // refused whatever its body is answered now, and the body never travels (RFC 9110
      // §10.1.1). A batch of deposits while the network is full is a megabyte not uploaded.
      // The connection then closes (after reading what a client sends anyway, up to the
      // linger bounds): whether the body is on its way is the client's to decide.
      if (!refusal_) refusal_ = ShedDepositBeforeBody(request_, server_.ctx());
      if (refusal_) return Refuse(std::move(*refusal_), /*linger=*/true);
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      Arm(config_.write_timeout, Phase::kWrite);
      return http::async_write(
          stream_, *cont, [self = this->shared_from_this(), cont](beast::error_code ec, size_t) {
            self->Disarm();
            if (ec) return self->Close();
            self->ReadBody();
          });
    }
    ReadBody();
  }

  // Framing the server does not implement, refused before any handler sees the request:
  // framing a proxy in front could read another way (400, the connection closes, so nothing
  // behind it is read as a request): Transfer-Encoding with Content-Length, in an HTTP/1.0
  // request (RFC 9112 §6.1), or empty; more than one Content-Length, even equal ones; a transfer
  // coding list that does not end in chunked (RFC 9112 §6.3: the body's length is unknown).
  // Other codings before chunked (Beast removes the chunked framing and would pass the
  // still-encoded bytes on as the body; RFC 9112 §6.1: 501), and an expectation other than
  // 100-continue (RFC 9110 §10.1.1: 417).
  // Reads the request's headers as OnHeader collected them: every occurrence of a field, in
  // order, joined by ", " (a second Transfer-Encoding further down counts too).
  bool RefuseFraming(HttpResponse& out) const {
    const auto ambiguous = [&out](std::string why) {
      out = ErrorResponse(400, "bad_request", std::move(why));
      return true;
    };
    const bool has_codings = request_.headers.contains("transfer-encoding");
    const bool has_length = request_.headers.contains("content-length");
    if (has_length && request_.Header("content-length").find(',') != std::string::npos) {
      return ambiguous("more than one Content-Length");
    }
    if (has_codings && has_length) return ambiguous("Content-Length with Transfer-Encoding");
    if (has_codings && http10_) return ambiguous("Transfer-Encoding in an HTTP/1.0 request");
    const std::string codings = request_.Header("transfer-encoding");
    if (has_codings) {
      std::string bare;
      for (char c : codings) {
        if (c != ' ' && c != '\t') {
          bare += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
      }
      if (!bare.ends_with(",chunked") && bare != "chunked") {
        // RFC 9112 §6.3: without chunked last the body's length cannot be known.
        out = ErrorResponse(400, "bad_request",
                            "chunked must be the last transfer coding (got \"" + codings + "\")");
        return true;
      }
      if (bare != "chunked") {
        out = ErrorResponse(501, "unsupported_transfer_coding",
                            "transfer coding \"" + codings +
                                "\" is not supported: send the body as is (Content-Length) or "
                                "chunked alone");
        return true;
      }
    }
    const std::string expect = request_.Header("expect");
    if (!expect.empty() && !beast::iequals(expect, "100-continue")) {
      out = ErrorResponse(417, "expectation_failed",
                          "the only expectation this server meets is 100-continue");
      return true;
    }
    return false;
  }

  // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, and for any request with more
  // than one Host or one that is not `uri-host [":" port]`. The value is not compared with
  // anything (the server serves one site); the rule is kept so that a proxy in front and this
  // server never disagree on which request names which host. OnHeader joins repeated fields
  // with ", ", and a comma is in no host.
  std::optional<HttpResponse> RefuseHost() const {
    const auto bad = [](std::string why) {
      return std::optional<HttpResponse>(ErrorResponse(400, "bad_host", std::move(why)));
    };
    if (!request_.headers.contains("host")) {
      if (http10_) return std::nullopt;
      return bad("no Host header: required since HTTP/1.1");
    }
    const std::string host = request_.Header("host");
    if (host.find(',') != std::string::npos) return bad("more than one Host header");
    // reg-name, IPv4 or IP-literal characters, and the port's colon (RFC 3986 §3.2.2), so no
    // whitespace, userinfo ('@'), path or query.
    for (char c : host) {
      const bool allowed = std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                           std::string_view("-._~!$&'()*+;=:%[]").find(c) != std::string_view::npos;
      if (!allowed) return bad("Host is not a host and optional port");
    }
    return std::nullopt;
  }

  bool HasBody() const {
    const auto& p = *header_parser_;
    return p.chunked() || (p.content_length() && *p.content_length() > 0);
  }

  // A multipart upload to /v1/verify is hashed as it streams, so it may be far larger than any
  // JSON body.
  size_t BodyLimit() {
    boundary_.reset();
    if (request_.path == kVerifyPath) {
      boundary_ = MultipartBoundary(request_.Header("content-type"));
      if (boundary_) return config_.max_upload_bytes;
    }
    return config_.max_body_bytes;
  }

  HttpResponse TooLarge() const {
    return ErrorResponse(413, "body_too_large",
                         "request body exceeds " + std::to_string(body_limit_) + " bytes");
  }

  void ReadBody() {
    body_parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    body_parser_->body_limit(body_limit_);
    if (boundary_) {
      hasher_.emplace(*boundary_);
    } else {
      hasher_.reset();
    }
    body_error_.reset();
    chunk_.resize(kChunkBytes);
    Arm(config_.body_timeout, Phase::kBody);
    ReadBodyChunk();
  }

  void ReadBodyChunk() {
    auto& body = body_parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    http::async_read_some(
        stream_, buffer_, *body_parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnBodyChunk(ec); });
  }

  void OnBodyChunk(beast::error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    const size_t got = chunk_.size() - body_parser_->get().body().size;
    if (got > 0 && !body_error_) {
      const std::string_view data(chunk_.data(), got);
      if (hasher_) {
        Status s = hasher_->Feed(data);
        if (!s.ok()) body_error_ = ErrorResponse(400, s.code(), s.message());
      } else {
        request_.body.append(data);
      }
    }
    if (ec) {
      Disarm();
      if (timed_out_) {
        CountTimeout();
        if constexpr (!kTls) {
          return Refuse(
              ErrorResponse(408, "request_timeout", "the request body did not arrive in time"),
              false);
        }
        return Close();
      }
      if (ec == http::error::body_limit) return Refuse(TooLarge(), true);
      if (ec == http::error::end_of_stream || ec == asio::error::eof ||
          ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
        return Close();
      }
      return Refuse(ErrorResponse(400, "bad_body",
                                  body_parser_->field_too_large()
                                      ? "the request body could not be read: in its trailer, " +
                                            std::string(kFieldTooLarge)
                                      : std::string("the request body could not be read")),
                    true);
    }
    if (body_error_) {
      // The rest of the body is not wanted: answer now and discard what follows.
      Disarm();
      return Refuse(std::move(*body_error_), true);
    }
    if (!body_parser_->is_done()) return ReadBodyChunk();
    Disarm();
    body_parser_.reset();
    if (hasher_) {
      auto digest = hasher_->Finish();
      hasher_.reset();
      if (!digest.ok()) return Write(ErrorFromStatus400(digest.status()));
      request_.upload_digest = *digest;
      if (!request_.upload_digest) {
        return Write(
            ErrorResponse(400, "missing_file", "multipart upload needs a part named \"file\""));
      }
    }
    Dispatch();
  }

  static HttpResponse ErrorFromStatus400(const Status& s) {
    return ErrorResponse(400, s.code(), s.message());
  }

  // ---- handling
  void Dispatch() {
    if (refusal_) return Write(std::move(*refusal_));
    // Liveness probes are answered here: constant, and never queued behind deposits.
    if (request_.path == "/healthz") return Write(Handle(request_, server_.ctx()));
    phase_ = Phase::kHandler;
    auto self = this->shared_from_this();
    const bool accepted =
        server_.RunHandler(std::move(request_), stream_.get_executor(),
                           [self](HttpResponse response) { self->OnHandled(std::move(response)); });
    if (!accepted) {
      Write(ErrorResponse(503, "overloaded", "the server is busy; retry shortly"));
    }
  }

  void OnHandled(HttpResponse response) {
    if (closed_) return;
    Write(std::move(response));
  }

  // ---- writing
  void Refuse(HttpResponse response, bool linger) {
    keep_alive_ = false;
    linger_ = linger;
    Write(std::move(response));
  }

  void Write(HttpResponse from) {
    if (closed_) return;
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(from.status));
    res->set(http::field::content_type, from.content_type);
    for (const auto& [k, v] : from.headers) res->set(k, v);
    res->set("X-Request-Id", request_id_);
    const size_t bytes = from.body.size();
    res->body() = std::move(from.body);
    res->keep_alive(keep_alive_ && !server_.stopping());
    // The answer is HTTP/1.1, where keeping the connection is the default and Beast writes no
    // Connection field for it; an HTTP/1.0 client assumes the opposite (RFC 9112 §9.3) unless
    // told, and would wait for the close to end the answer or close itself.
    if (http10_ && res->keep_alive()) res->set(http::field::connection, "keep-alive");
    res->prepare_payload();
    if (method_ == "HEAD") res->body().clear();  // Content-Length stays that of the GET
    // Counted before the write, so a client that reads /metrics right after a response always
    // sees that response counted.
    server_.metrics().Increment(
        metric::kHttpRequests,
        "route=\"" + RouteLabel(path_) + "\",status=\"" + std::to_string(from.status) + "\"");
    if (config_.access_log) {
      const auto ms =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count() /
          1000.0;
      spdlog::info("http {} {} \"{} {}\" {} {}B {:.1f}ms", request_id_, address_,
                   method_.empty() ? "-" : LogText(method_, kLoggedTextBytes),
                   LogText(target_, kLoggedTextBytes), from.status, bytes, ms);
    }
    method_.clear();
    target_.clear();
    path_.clear();
    Arm(config_.write_timeout, Phase::kWrite);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        self->Disarm();
                        if (ec) {
                          if (self->timed_out_) self->CountTimeout();
                          return self->Close();
                        }
                        if (self->linger_) return self->Linger();
                        if (!res->keep_alive()) return self->Shutdown();
                        self->WaitRequest();
                      });
  }

  // Lingering close (as nginx does): after refusing a body the client may still be sending it;
  // closing at once would reset the connection and lose our answer. Read and discard a bounded
  // amount for a bounded time, then close.
  void Linger() {
    if constexpr (!kTls) {
      beast::error_code ignored;
      Socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    lingered_ = 0;
    chunk_.resize(kChunkBytes);
    Arm(config_.linger_timeout, Phase::kLinger);
    LingerRead();
  }

  void LingerRead() {
    stream_.async_read_some(asio::buffer(chunk_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ >= self->config_.linger_bytes) {
                                self->Disarm();
                                return self->Close();
                              }
                              self->LingerRead();
                            });
  }

  void Shutdown() {
    if constexpr (!kTls) {
      beast::error_code ignored;
      Socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    Close();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    ReleaseHandshake();
    Disarm();
    beast::error_code ignored;
    Socket().close(ignored);
  }

  void ReleaseHandshake() {
    if (!handshaking_) return;
    handshaking_ = false;
    server_.HandshakeDone(address_);
  }

  HttpServer::Impl& server_;
  const ApiConfig& config_;
  Stream stream_;
  const std::string address_;
  std::list<std::weak_ptr<Closable>>::iterator slot_;
  asio::steady_timer deadline_;
  uint64_t generation_ = 0;
  Phase phase_ = Phase::kIdle;
  bool timed_out_ = false;
  bool closed_ = false;
  bool handshaking_ = kTls;  // counted in the server's handshakes per address until it ends
  beast::flat_buffer buffer_;
  bool skipped_empty_line_ = false;  // since the last request's headers (ReadHeader)
  bool http10_ = false;              // the current request is HTTP/1.0
  std::optional<BoundedParser<http::empty_body>> header_parser_;
  std::optional<BoundedParser<http::buffer_body>> body_parser_;
  std::vector<char> chunk_;
  std::optional<std::string> boundary_;
  std::optional<MultipartHasher> hasher_;
  std::optional<HttpResponse> body_error_;
  std::optional<HttpResponse> refusal_;
  size_t body_limit_ = 0;
  size_t requests_ = 0;
  size_t lingered_ = 0;
  bool keep_alive_ = false;
  bool linger_ = false;
  HttpRequest request_;
  std::string request_id_;
  std::string method_;
  std::string target_;
  std::string path_;  // decoded, for the metrics label (request_ moves to the worker)
  Clock::time_point started_ = Clock::now();
};

Status HttpServer::Impl::Start(const std::string& host, int port,
                               const std::optional<TlsFiles>& tls) {
  if (tls.has_value()) {
    ssl_.emplace(asio::ssl::context::tls_server);
    ssl_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    boost::system::error_code ec;
    ssl_->use_certificate_chain_file(tls->cert_path, ec);
    if (!ec) ssl_->use_private_key_file(tls->key_path, asio::ssl::context::pem, ec);
    if (ec) {
      ssl_.reset();
      return Status::Error("tls_error", "cannot use certificate " + tls->cert_path + " and key " +
                                            tls->key_path + ": " + ec.message());
    }
  }
  boost::system::error_code ec;
  tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  const std::string where = host + ":" + std::to_string(port);
  if (ec || endpoints.empty()) return Status::Error("bind_failed", "cannot resolve " + where);
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor_.emplace(io_);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) acceptor_->non_blocking(true, ec);  // OnAccept's batch: an empty queue must not block
  if (ec) {
    acceptor_.reset();
    return Status::Error("bind_failed", "cannot listen on " + where + ": " + ec.message());
  }
  port_ = acceptor_->local_endpoint().port();
  ctx_.node.SetCommitListener([this](const std::vector<Hash32>& ids) { OnCommitted(ids); });
  started_ = true;
  Accept();
  for (size_t i = 0; i < WorkerThreads(ctx_); ++i) {
    worker_threads_.emplace_back([this] {
      SetCurrentThreadName("http-work");
      workers_.run();
    });
  }
  io_thread_ = std::thread([this] {
    SetCurrentThreadName("http-io");
    io_.run();
  });
  return Status::Ok();
}

void HttpServer::Impl::Accept() {
  acceptor_->async_accept(asio::make_strand(io_),
                          [this](const boost::system::error_code& ec, tcp::socket socket) {
                            OnAccept(ec, std::move(socket));
                          });
}

void HttpServer::Impl::OnAccept(const boost::system::error_code& ec, tcp::socket socket) {
  if (stopping_ || !acceptor_->is_open()) return;
  if (ec) {
    // Out of file descriptors (or another transient failure): back off instead of spinning.
    spdlog::warn("http accept failed: {}", ec.message());
    accept_retry_.emplace(io_);
    accept_retry_->expires_after(std::chrono::milliseconds(100));
    accept_retry_->async_wait([this](const boost::system::error_code& e) {
      if (!e && !stopping_) Accept();
    });
    return;
  }
  Admit(std::move(socket));
  // Then whatever else waits in the listen queue, up to kAcceptBatch, before going back to the
  // event loop (api/accept_batch.h says why). An error there is left to the asynchronous accept
  // below, which reports it and backs off.
  AcceptQueued(*acceptor_, io_, kAcceptBatch, [this](tcp::socket next) {
    if (!stopping_) Admit(std::move(next));  // else closed as it goes out of scope
  });
  Accept();
}

void HttpServer::Impl::Admit(tcp::socket socket) {
  boost::system::error_code ignored;
  const auto remote = socket.remote_endpoint(ignored);
  const std::string address = remote.address().to_string();
  {
    std::lock_guard<std::mutex> lock(conn_mu_);
    const char* refused = nullptr;
    if (open_ >= ctx_.config.max_connections) refused = "total";
    auto it = per_address_.find(address);
    if (refused == nullptr && it != per_address_.end() &&
        it->second >= ctx_.config.max_connections_per_address) {
      refused = "per_address";
    }
    // HTTPS: handshakes in progress from the address (ApiConfig says why; 0: no cap).
    const size_t max_handshakes = ctx_.config.tls_max_handshakes_per_address;
    auto handshakes = handshaking_.find(address);
    if (refused == nullptr && ssl_ && max_handshakes != 0 && handshakes != handshaking_.end() &&
        handshakes->second >= max_handshakes) {
      refused = "tls_handshakes_per_address";
    }
    if (refused != nullptr) {
      ctx_.metrics.Increment(kConnectionsRefused, std::string("reason=\"") + refused + "\"");
      socket.close(ignored);
      return;
    }
    ++per_address_[address];
    if (ssl_) ++handshaking_[address];
    ++open_;
    ctx_.metrics.SetGauge(kConnectionsGauge, static_cast<double>(open_));
  }
  socket.set_option(tcp::no_delay(true), ignored);
  if (ssl_) {
    Launch<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), address);
  } else {
    Launch<Session<beast::tcp_stream>>(std::move(socket), address);
  }
}

template <typename S>
void HttpServer::Impl::Launch(tcp::socket socket, const std::string& address) {
  std::shared_ptr<S> session;
  if constexpr (std::is_same_v<S, Session<beast::tcp_stream>>) {
    session = std::make_shared<S>(*this, beast::tcp_stream(std::move(socket)), address);
  } else {
    session = std::make_shared<S>(
        *this, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *ssl_),
        address);
  }
  std::list<std::weak_ptr<Closable>>::iterator slot;
  {
    std::lock_guard<std::mutex> lock(conn_mu_);
    slot = sessions_.insert(sessions_.end(), std::weak_ptr<Closable>(session));
  }
  session->Run(slot);
}

void HttpServer::Impl::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  stopping_ = true;
  ctx_.node.SetCommitListener(nullptr);
  std::promise<void> closed;
  std::future<void> closed_future = closed.get_future();
  asio::post(io_, [this, &closed] {
    boost::system::error_code ignored;
    if (acceptor_) acceptor_->close(ignored);
    if (accept_retry_) accept_retry_->cancel();
    std::vector<std::shared_ptr<Closable>> live;
    {
      std::lock_guard<std::mutex> lock(conn_mu_);
      for (auto& w : sessions_) {
        if (auto s = w.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->CloseFromServer();
    closed.set_value();
  });
  closed_future.wait();
  waiters_.CancelAll();
  workers_work_.reset();  // run() returns once nothing is queued or running
  for (std::thread& t : worker_threads_) t.join();
  io_.stop();
  if (io_thread_.joinable()) io_thread_.join();
}

HttpServer::HttpServer(Context ctx) : impl_(std::make_unique<Impl>(ctx)) {}
HttpServer::~HttpServer() { Stop(); }
Status HttpServer::Start(const std::string& host, int port, const std::optional<TlsFiles>& tls) {
  return impl_->Start(host, port, tls);
}
int HttpServer::port() const { return impl_->port(); }
size_t HttpServer::connections() const { return impl_->connections(); }
size_t HttpServer::parked() const { return impl_->parked(); }
size_t HttpServer::queued_requests() const { return impl_->queued_requests(); }
uint64_t HttpServer::busy_refusals() const { return impl_->busy_refusals(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace evchain::api
