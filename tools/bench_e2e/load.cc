#include "tools/bench_e2e/load.h"

#include <time.h>

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange
//
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <deque>
#include <memory>

#include "common/retry_after.h"
#include "tools/bench_e2e/procs.h"

namespace evchain::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

double SelfCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// State shared by the connections of one run; all on one Asio thread, so no locks.
class Run {
 public:
  Run(asio::io_context& io, const LoadSpec& spec) : io_(io), spec_(spec) {
    const size_t pool = spec.bodies->size();
    result_.records.resize(pool);
  }

  LoadResult Go() {
    std::vector<asio::ip::tcp::endpoint> endpoints;
    for (const auto& t : spec_.targets) {
      endpoints.emplace_back(asio::ip::make_address(t.host), static_cast<uint16_t>(t.port));
    }
    endpoints_ = std::move(endpoints);
    const double cpu0 = SelfCpuSeconds();
    result_.start_ns = NowNs();
    end_ns_ = result_.start_ns + spec_.duration.count();
    result_.end_ns = end_ns_;
    hard_stop_ns_ = end_ns_ + spec_.grace.count() + spec_.timeout.count();
    live_sessions_ = spec_.connections;  // before any coroutine runs: the watchdog counts them
    for (int c = 0; c < spec_.connections; ++c) {
      asio::co_spawn(io_, Session(c), asio::detached);
    }
    if (spec_.rate > 0) asio::co_spawn(io_, Dispatch(), asio::detached);
    asio::co_spawn(io_, Watchdog(), asio::detached);
    io_.run();
    result_.client_cpu_seconds = SelfCpuSeconds() - cpu0;
    // Keep only the requests that were intended or sent.
    size_t used = spec_.rate > 0 ? dispatched_ : next_;
    result_.records.resize(used);
    for (const auto& r : result_.records) {
      if (r.sent_ns < 0) ++result_.unsent;
    }
    return std::move(result_);
  }

 private:
  bool Open() const { return spec_.rate > 0; }

  // Stops everything on an interrupt or when the last in-flight request has had its timeout.
  awaitable<void> Watchdog() {
    asio::steady_timer timer(io_);
    while (live_sessions_ > 0 || (Open() && !dispatch_done_)) {
      if (Interrupted() || NowNs() > hard_stop_ns_) {
        io_.stop();
        co_return;
      }
      timer.expires_after(std::chrono::milliseconds(50));
      error_code ec;
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
  }

  // Open loop: makes request i ready at its intended time and wakes an idle connection.
  awaitable<void> Dispatch() {
    asio::steady_timer timer(io_);
    const double period_ns = 1e9 / spec_.rate;
    for (size_t i = 0;; ++i) {
      const int64_t at =
          result_.start_ns + static_cast<int64_t>(static_cast<double>(i) * period_ns);
      if (at >= end_ns_) break;
      if (i >= result_.records.size()) {
        result_.pool_exhausted = true;
        break;
      }
      const int64_t now = NowNs();
      if (at > now) {
        timer.expires_after(std::chrono::nanoseconds(at - now));
        error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
      }
      result_.records[i].intended_ns = at;
      ready_.push_back(i);
      dispatched_ = i + 1;
      WakeOne();
    }
    dispatch_done_ = true;
    while (!idle_.empty()) WakeOne();
  }

  void WakeOne() {
    if (idle_.empty()) return;
    asio::steady_timer* t = idle_.front();
    idle_.pop_front();
    t->cancel();
  }

  // Returns the next request index for a connection, or -1 when it should stop.
  awaitable<int64_t> Next(asio::steady_timer& idle_timer) {
    if (!Open()) {
      if (NowNs() >= end_ns_ || Interrupted()) co_return -1;
      if (next_ >= result_.records.size()) {
        result_.pool_exhausted = true;
        co_return -1;
      }
      co_return static_cast<int64_t>(next_++);
    }
    for (;;) {
      if (Interrupted() || NowNs() >= end_ns_ + spec_.grace.count()) co_return -1;
      if (!ready_.empty()) {
        const size_t i = ready_.front();
        ready_.pop_front();
        co_return static_cast<int64_t>(i);
      }
      if (dispatch_done_) co_return -1;
      idle_timer.expires_at(asio::steady_timer::time_point::max());
      idle_.push_back(&idle_timer);
      error_code ec;
      co_await idle_timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
  }

  awaitable<void> Session(int c) {
    const uint16_t target = static_cast<uint16_t>(c % endpoints_.size());
    const std::string host = ToString(spec_.targets[target]);
    std::unique_ptr<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    asio::steady_timer idle_timer(io_);
    asio::steady_timer pause(io_);
    int64_t refused = -1;  // closed loop: a request refused with 429/503, to send again
    for (;;) {
      const int64_t idx =
          refused >= 0 && NowNs() < end_ns_ && !Interrupted() ? refused : co_await Next(idle_timer);
      refused = -1;
      if (idx < 0) break;
      RequestRecord& rec = result_.records[static_cast<size_t>(idx)];
      rec.target = target;
      error_code ec;
      if (!stream) {
        stream = std::make_unique<beast::tcp_stream>(io_);
        stream->expires_after(std::chrono::seconds(5));
        co_await stream->async_connect(endpoints_[target], asio::redirect_error(use_awaitable, ec));
        if (ec) {
          ++result_.connect_errors;
          stream.reset();
          if (!Open()) rec.intended_ns = NowNs();
          pause.expires_after(spec_.backoff);
          co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
          continue;
        }
        stream->socket().set_option(asio::ip::tcp::no_delay(true), ec);
        buffer.clear();
      }
      http::request<http::string_body> req{http::verb::post, spec_.path, 11};
      req.set(http::field::host, host);
      req.set(http::field::content_type, "application/json");
      req.keep_alive(true);
      req.body() = (*spec_.bodies)[static_cast<size_t>(idx)];
      req.prepare_payload();
      if (rec.done_ns >= 0) {  // sent again after a refusal: that answer is counted apart
        (rec.status == 429 ? rec.refused_429 : rec.refused_503)++;
        if (rec.status == 503 && rec.retry_after) ++rec.refused_503_retry_after;
        rec.status = 0;
        rec.retry_after = false;
        rec.done_ns = -1;
      }
      rec.sent_ns = NowNs();
      if (!Open()) rec.intended_ns = rec.sent_ns;
      stream->expires_after(spec_.timeout);
      co_await http::async_write(*stream, req, asio::redirect_error(use_awaitable, ec));
      http::response_parser<http::string_body> parser;
      parser.body_limit(64u << 20);
      if (!ec) {
        co_await http::async_read(*stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      }
      if (ec) {
        ++result_.io_errors;
        stream.reset();
        continue;
      }
      const auto& res = parser.get();
      rec.done_ns = NowNs();
      rec.status = static_cast<uint16_t>(res.result_int());
      int64_t wait_ns = 0;
      if (auto it = res.find(http::field::retry_after); it != res.end()) {
        rec.retry_after = true;
        const auto told = ParseRetryAfter({it->value().data(), it->value().size()});
        wait_ns = told ? std::chrono::nanoseconds(*told).count() : spec_.backoff.count();
      } else if (rec.status == 429 || rec.status == 503) {
        wait_ns = spec_.backoff.count();
      }
      if (!res.keep_alive()) stream.reset();
      // Closed loop: a refused client backs off as told (never past the window's end) and then
      // sends the same request again. The open loop keeps its schedule: the refused deposit is
      // simply shed.
      if (!Open() && (rec.status == 429 || rec.status == 503)) {
        refused = idx;
        const int64_t until = std::min(NowNs() + wait_ns, end_ns_);
        if (until > NowNs()) {
          pause.expires_after(std::chrono::nanoseconds(until - NowNs()));
          co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
        }
      }
    }
    if (stream) {
      error_code ignored;
      stream->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    }
    --live_sessions_;
  }

  asio::io_context& io_;
  const LoadSpec& spec_;
  std::vector<asio::ip::tcp::endpoint> endpoints_;
  LoadResult result_;
  int64_t end_ns_ = 0;
  int64_t hard_stop_ns_ = 0;
  size_t next_ = 0;        // closed loop: next request index
  size_t dispatched_ = 0;  // open loop: requests made ready so far
  std::deque<size_t> ready_;
  std::deque<asio::steady_timer*> idle_;
  bool dispatch_done_ = false;
  int live_sessions_ = 0;
};

}  // namespace

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

LoadResult RunLoad(const LoadSpec& spec) {
  asio::io_context io(1);
  Run run(io, spec);
  return run.Go();
}

}  // namespace evchain::bench
