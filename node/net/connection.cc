#include "node/net/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace evchain::net {

namespace {

// Kernel keepalive so a link to a host that vanished without a FIN (power loss, partition) is
// noticed within ~25 s and redialed, without a protocol-level ping.
using KeepIdle = boost::asio::detail::socket_option::integer<IPPROTO_TCP, TCP_KEEPIDLE>;
using KeepInterval = boost::asio::detail::socket_option::integer<IPPROTO_TCP, TCP_KEEPINTVL>;
using KeepCount = boost::asio::detail::socket_option::integer<IPPROTO_TCP, TCP_KEEPCNT>;

}  // namespace

Connection::Connection(boost::asio::ip::tcp::socket socket, Strand strand, Listener* listener,
                       const HandshakeContext& context, Role role, int expected_peer, Limits limits,
                       TransportCounters* counters)
    : socket_(std::move(socket)),
      strand_(std::move(strand)),
      listener_(listener),
      role_(role),
      peer_(expected_peer),
      limits_(limits),
      counters_(counters),
      handshake_timer_(strand_),
      reader_(kMaxHandshakeFrame) {
  handshake_.emplace(context, role, expected_peer, Ephemeral::Generate());
  boost::system::error_code endpoint_error;
  const boost::asio::ip::tcp::endpoint remote = socket_.remote_endpoint(endpoint_error);
  if (!endpoint_error) {
    remote_address_ = remote.address().to_string() + ":" + std::to_string(remote.port());
  }
  boost::system::error_code ignored;  // options are best effort: the link works without them
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  socket_.set_option(boost::asio::socket_base::keep_alive(true), ignored);
  socket_.set_option(KeepIdle(10), ignored);
  socket_.set_option(KeepInterval(5), ignored);
  socket_.set_option(KeepCount(3), ignored);
}

void Connection::Start() {
  handshake_timer_.expires_after(limits_.handshake_timeout);
  handshake_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->authenticated_) self->Fail(RejectReason::kTimeout);
  });
  Bytes hello;
  AppendFrame(hello, handshake_->hello());
  QueueBytes(hello, 0);
  ReadMore();
}

void Connection::Write(const std::vector<std::string>& payloads) {
  for (const std::string& payload : payloads) {
    if (sealer_->exhausted()) return Fail(std::nullopt);
    sealer_->Seal(payload, pending_);
    ++pending_frames_;
  }
  if (!writing_) WriteMore();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  handshake_timer_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void Connection::Retire() {
  if (closed_ || retired_) return;
  retired_ = true;
  handshake_timer_.expires_after(limits_.handshake_timeout);
  handshake_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->Fail(std::nullopt);
  });
  if (idle()) ShutdownSend();
}

void Connection::ShutdownSend() {
  boost::system::error_code ignored;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
}

void Connection::Release() {
  if (!held_back_) return;
  held_back_ = false;
  // With a read outstanding, its completion hands the frames on.
  if (!closed_ && !read_pending_) ProcessFrames();
}

void Connection::ReadMore() {
  // Both a budget release and Release can ask for the next read: one at a time.
  if (closed_ || read_pending_) return;
  read_pending_ = true;
  std::span<uint8_t> space = reader_.WritableSpan();
  socket_.async_read_some(
      boost::asio::buffer(space.data(), space.size()),
      boost::asio::bind_executor(
          strand_, [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
            self->OnRead(ec, n);
          }));
}

void Connection::OnRead(const boost::system::error_code& ec, size_t n) {
  read_pending_ = false;
  if (closed_) return;
  if (ec == boost::asio::error::eof && authenticated_ && !idle()) {
    // The peer retired this link (docs/transport.md "Links"): it sends nothing more
    // but still reads. Closing now would cut the write in flight, and the payloads in it would
    // be lost; finish it first (the write handler closes), within the retire deadline.
    peer_finished_ = true;
    if (!retired_) Retire();
    listener_->OnPeerFinished(shared_from_this());
    return;
  }
  if (ec) {
    return Fail(authenticated_ ? std::nullopt : std::optional(RejectReason::kClosed));
  }
  Bump(counters_->bytes_in, n);
  reader_.Commit(n);
  ProcessFrames();
}

void Connection::ProcessFrames() {
  for (;;) {
    if (held_back_) return;  // Release() goes on from here
    ByteView body;
    FrameReader::Next next = reader_.Pop(body);
    if (next == FrameReader::Next::kNeedMore) break;
    if (next == FrameReader::Next::kOversized) {
      Bump(counters_->oversized_frames);
      return Fail(authenticated_ ? std::nullopt : std::optional(RejectReason::kOversized));
    }
    if (!HandleFrame(body)) return;
  }
  if (budget_ && budget_->Over()) {
    // Paused: what the peer sends waits in the kernel's buffers, then in its own. Resumed on
    // the strand by whichever worker releases enough of the budget.
    budget_->WhenUnder([weak = weak_from_this(), strand = strand_]() {
      boost::asio::post(strand, [weak]() {
        if (auto self = weak.lock(); self && !self->closed_) self->ReadMore();
      });
    });
    return;
  }
  ReadMore();
}

bool Connection::HandleFrame(ByteView body) {
  auto self = shared_from_this();
  if (!got_hello_) {
    if (auto reason = handshake_->OnPeerHello(AsChars(body))) {
      // Decoded again only when refused: the log names what the peer claimed to be.
      refused_hello_ = DecodeHello(AsChars(body));
      Fail(reason);
      return false;
    }
    got_hello_ = true;
    peer_ = handshake_->peer();
    Bytes auth;
    AppendFrame(auth, handshake_->auth());
    QueueBytes(auth, 0);
    return true;
  }
  if (!authenticated_) {
    if (auto reason = handshake_->OnPeerAuth(AsChars(body))) {
      Fail(reason);
      return false;
    }
    authenticated_ = true;
    handshake_timer_.cancel();
    sealer_.emplace(handshake_->keys().tx);
    opener_.emplace(handshake_->keys().rx);
    handshake_.reset();  // wipes the ephemeral secret and the key copies
    reader_.set_max_body(limits_.max_frame_size);
    Bump(counters_->handshakes_ok);
    listener_->OnAuthenticated(self);
    return !closed_;
  }
  std::string payload;
  if (!opener_->Open(body, payload)) {
    Bump(counters_->decrypt_failures);
    Fail(std::nullopt);
    return false;
  }
  Bump(counters_->frames_in);
  listener_->OnPayload(self, std::move(payload));
  return !closed_;
}

void Connection::QueueBytes(const Bytes& bytes, uint64_t frames) {
  Append(pending_, ByteView(bytes));
  pending_frames_ += frames;
  if (!writing_) WriteMore();
}

void Connection::WriteMore() {
  if (closed_ || pending_.empty()) return;
  in_flight_.swap(pending_);
  pending_.clear();
  in_flight_frames_ = pending_frames_;
  pending_frames_ = 0;
  writing_ = true;
  boost::asio::async_write(
      socket_, boost::asio::buffer(in_flight_),
      boost::asio::bind_executor(
          strand_, [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
            self->writing_ = false;
            if (self->closed_) return;
            if (ec) {
              return self->Fail(self->authenticated_ ? std::nullopt
                                                     : std::optional(RejectReason::kClosed));
            }
            Bump(self->counters_->bytes_out, n);
            Bump(self->counters_->frames_out, self->in_flight_frames_);
            self->in_flight_.clear();
            if (!self->pending_.empty()) {
              self->WriteMore();
            } else if (self->peer_finished_) {
              self->Fail(std::nullopt);  // both sides done: the peer reads our EOF
            } else if (self->retired_) {
              // Drained: the peer reads EOF and closes its side, which ends the drain (without
              // this the link lingered until the retire deadline, and the peer held back
              // everything arriving on the new link until then).
              self->ShutdownSend();
            } else if (self->authenticated_) {
              self->listener_->OnWritable(self);
            }
          }));
}

void Connection::Fail(std::optional<RejectReason> reason) {
  if (closed_) return;
  if (reason) counters_->Reject(*reason);
  refusal_ = reason;
  Close();
  listener_->OnClosed(shared_from_this());
}

}  // namespace evchain::net
