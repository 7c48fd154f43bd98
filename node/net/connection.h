// One TCP connection to a peer validator: handshake, then sealed frames both ways. All methods
// and callbacks run on the transport's strand. Format: docs/transport.md.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/net/frame_reader.h"
#include "node/net/handshake.h"
#include "node/net/receive_budget.h"
#include "node/net/secure_channel.h"
#include "node/net/stats.h"

namespace evchain::net {

using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Receives a connection's events. REQUIRES: outlives every handler of its connections.
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnAuthenticated(const std::shared_ptr<Connection>& connection) = 0;
    virtual void OnPayload(const std::shared_ptr<Connection>& connection, std::string payload) = 0;
    // Everything handed to Write has been written.
    virtual void OnWritable(const std::shared_ptr<Connection>& connection) = 0;
    // The peer shut down its sending side (it retired the link) while our write was still in
    // flight: hand this connection nothing more; it closes itself once that write is done.
    virtual void OnPeerFinished(const std::shared_ptr<Connection>& connection) = 0;
    // The connection failed or the peer closed it (not called after Close()).
    virtual void OnClosed(const std::shared_ptr<Connection>& connection) = 0;
  };

  struct Limits {
    size_t max_frame_size = 16u << 20;  // largest sealed frame body after the handshake
    std::chrono::milliseconds handshake_timeout{5000};
  };

  // REQUIRES: `socket` is connected; `context` and `counters` outlive the connection.
  Connection(boost::asio::ip::tcp::socket socket, Strand strand, Listener* listener,
             const HandshakeContext& context, Role role, int expected_peer, Limits limits,
             TransportCounters* counters);

  // Sends our hello, arms the handshake timer and starts reading.
  void Start();
  // Seals and writes `payloads` after anything already pending. REQUIRES: authenticated().
  void Write(const std::vector<std::string>& payloads);
  // Closes the socket; no listener call follows. Idempotent.
  void Close();
  // Refuses the handshake in progress for `reason` (counted), closes, and tells the listener
  // (OnClosed), as if the peer had failed it. REQUIRES: !authenticated().
  void Refuse(RejectReason reason) { Fail(reason); }
  // Graceful handover to a newer link: takes no more writes, flushes what is pending, then shuts
  // down our sending side, and keeps delivering what the peer still sends until it shuts down
  // too (then OnClosed) or `limits.handshake_timeout` passes (then it is closed, and OnClosed).
  // REQUIRES: authenticated().
  void Retire();

  // While held back, no frame is handed to the listener and nothing more is read: what the peer
  // sends waits in the kernel's buffers, then in its own (TCP back-pressure). The transport holds
  // a peer's link back while an older link of that peer is still draining, so the peer's
  // payloads arrive in the order it sent them at no cost in memory.
  void HoldBack() { held_back_ = true; }
  // Ends HoldBack: frames already read are handed on, then reading resumes.
  void Release();

  // The peer's receive budget: reading pauses while it is over its limits. Set by the transport
  // once the peer is known (on authentication), shared by all of the peer's links.
  void SetReceiveBudget(std::shared_ptr<ReceiveBudget> budget) { budget_ = std::move(budget); }

  bool authenticated() const { return authenticated_; }
  bool closed() const { return closed_; }
  bool retired() const { return retired_; }
  // The peer shut down its side; we are finishing our write (see Listener::OnPeerFinished).
  bool peer_finished() const { return peer_finished_; }
  // True when nothing is pending or being written.
  bool idle() const { return !writing_ && pending_.empty(); }
  Role role() const { return role_; }
  // The authenticated (or, for a dial, the expected) peer index; -1 while unknown.
  int peer() const { return peer_; }
  // "ip:port" of the other end, as the socket had it when the connection was made ("" if the
  // socket could not say).
  const std::string& remote_address() const { return remote_address_; }
  // The peer's hello was read and accepted: peer() is who it is (or claims to be, until
  // authenticated()).
  bool got_hello() const { return got_hello_; }
  // Why the handshake was refused (set before OnClosed); nullopt for a connection that was not.
  std::optional<RejectReason> refusal() const { return refusal_; }
  // The hello that was refused, when one was and it decoded: what the peer claimed to be.
  const std::optional<HelloFields>& refused_hello() const { return refused_hello_; }

 private:
  void ReadMore();
  void OnRead(const boost::system::error_code& ec, size_t n);
  // Hands on the frames read so far, then reads more unless held back or over budget.
  void ProcessFrames();
  // Returns false if the connection was closed while handling the frame.
  bool HandleFrame(ByteView body);
  void QueueBytes(const Bytes& bytes, uint64_t frames);
  void WriteMore();
  void ShutdownSend();
  void Fail(std::optional<RejectReason> reason);

  boost::asio::ip::tcp::socket socket_;
  Strand strand_;
  Listener* listener_;
  Role role_;
  int peer_;
  Limits limits_;
  TransportCounters* counters_;
  boost::asio::steady_timer handshake_timer_;
  std::optional<Handshake> handshake_;
  std::string remote_address_;
  std::optional<RejectReason> refusal_;
  std::optional<HelloFields> refused_hello_;
  bool got_hello_ = false;
  bool authenticated_ = false;
  bool closed_ = false;
  bool retired_ = false;
  bool peer_finished_ = false;
  bool held_back_ = false;
  bool read_pending_ = false;  // an async_read_some is outstanding
  std::shared_ptr<ReceiveBudget> budget_;
  std::optional<FrameSealer> sealer_;
  std::optional<FrameOpener> opener_;
  FrameReader reader_;
  Bytes pending_;  // frames waiting for the write in flight
  uint64_t pending_frames_ = 0;
  Bytes in_flight_;
  uint64_t in_flight_frames_ = 0;
  bool writing_ = false;
};

}  // namespace evchain::net
