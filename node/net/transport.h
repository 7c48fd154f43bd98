// Authenticated, encrypted links between validators (docs/transport.md).
//
// A Transport listens on this validator's p2p address, dials every other genesis validator and
// keeps at most one authenticated link per peer. When both sides dial at once, the link opened by
// the lower validator index wins on both ends; a newer link of the same kind replaces an older one
// (the peer restarted). Lost links are redialed with capped exponential backoff and jitter.
//
// Delivery is at most once and in order per peer: payloads queued while a peer is unreachable are
// sent when it comes back; a link replaced by the tie-break is retired gracefully (flushed, and
// read until the peer closes it), so a handover loses and reorders nothing; payloads written into a
// link that then breaks may be lost. Consensus retransmits on its own timers.
//
// Threading: every handler runs on one strand of the caller's io_context, which may be run by any
// number of threads. Public methods are thread-safe and never block.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/ed25519.h"
#include "genesis/genesis.h"
#include "node/net/connection.h"
#include "node/net/stats.h"

namespace evchain::net {

struct TransportOptions {
  // "host:port" to listen on; empty: this validator's genesis p2p address.
  std::string listen_address;
  // Largest sealed frame body; a peer announcing more is disconnected (the payload limit is this
  // minus the 16-byte AEAD tag).
  size_t max_frame_size = 16u << 20;
  // Per-peer send queue bounds; when either is exceeded the OLDEST queued payloads are dropped
  // (counted in send_queue_dropped): consensus messages go stale, the newest matter most.
  size_t max_queue_messages = 8192;
  size_t max_queue_bytes = 64u << 20;
  // Once a peer has had no link for longer than this, its queue is dropped and payloads for it
  // are dropped instead of queued (counted in send_queue_dropped) until a link is up again:
  // after a long outage they are stale (a restarted replica would have to check and discard a
  // flood of old blocks and deposits), and consensus retransmits what still matters. Zero keeps
  // queueing within the bounds above.
  std::chrono::milliseconds max_unreachable_queueing{0};
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{2000};
  // Returns a jitter sample in [0, 1); empty: a PRNG seeded from std::random_device.
  std::function<double()> jitter;
  // Unauthenticated inbound connections at once; one more evicts the oldest handshake of the
  // source address that has the most (Transport::EvictHandshake).
  size_t max_pending_handshakes = 64;
  // Per-peer receive budget (node/net/receive_budget.h): payloads delivered and not yet
  // released by the node; reading from the peer pauses while either bound is exceeded.
  size_t max_receive_bytes = 64u << 20;
  size_t max_receive_payloads = 4096;
};

struct PeerStatus {
  int index = -1;
  bool connected = false;  // an authenticated link is up
  bool outbound = false;   // that link was dialed by us
  bool dialing = false;    // a dial (connect or handshake) is in progress
  bool suspended = false;  // closed out by Suspend until its deadline
  size_t queued = 0;       // payloads waiting to be sent
  uint64_t dropped = 0;  // payloads for it dropped since start (TransportStats::send_queue_dropped)
  // Its receive budget: delivered payloads not yet released, and reads paused so far.
  size_t receive_bytes = 0;
  size_t receive_payloads = 0;
  uint64_t read_pauses = 0;
};

// Handshakes refused (docs/transport.md "Handshake"), tallied by where they came from: the
// counters say why, this also says who, for the node's log (node/peer_link_log.h).
struct HandshakeRefusal {
  bool dialed = false;  // our dial to `peer_id`; else a connection to us
  std::string peer_id;  // our dial: the genesis id of the validator dialed
  // Our dial: that validator's genesis p2p address. A connection to us: the IP it came from
  // (its port changes with every dial).
  std::string address;
  // What the peer's hello claimed, e.g. `court-1`, `validator 1 of chain "evchain-2"`, `court-1
  // with genesis 3fa2c1d0…`; "" when no hello of it was read or it did not decode. Printable
  // ASCII only, at most a few dozen characters of what the peer sent.
  std::string claims;
  RejectReason reason = RejectReason::kMalformed;
  uint64_t count = 0;  // since start; never decreases
};

// A validator whose link keeps meeting another authenticated connection of the same validator:
// two processes may hold its key. Counted when such a connection arrives while the peer's link
// is up for the third time or more within 10 s (once at start-up is normal: both ends dial at
// once; once more when the peer restarts).
struct LinkFlapping {
  std::string peer_id;
  uint64_t count = 0;  // since start; never decreases
  // The two connections of the last one counted: the link that was up ("ip:port"), and the
  // connection that met it.
  std::string link_address;
  std::string other_address;
};

class Transport : private Connection::Listener {
 public:
  // (peer index, payload, its share of the peer's receive budget); runs on the transport strand.
  // The payload counts against the budget until the credit is destroyed: a handler that hands
  // the payload to other threads passes the credit along and drops it when they are done.
  using CreditedReceiveHandler =
      std::function<void(int peer, std::string payload, ReceiveBudget::Credit credit)>;
  // (peer index, payload): the credit is released when the handler returns.
  using ReceiveHandler = std::function<void(int peer, std::string payload)>;
  // (peer index, link up); runs on the transport strand.
  using LinkHandler = std::function<void(int peer, bool up)>;

  // REQUIRES: 0 <= self < genesis.n(); `key` is validator `self`'s genesis key and outlives the
  // transport. The transport must be destroyed only when none of its handlers can run: after
  // Stop() once io.run() has returned (Stop leaves no pending work), or after io.stop().
  Transport(boost::asio::io_context& io, genesis::Genesis genesis, int self,
            const crypto::SecretKey& key, TransportOptions options = {});
  ~Transport() override;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  const TransportOptions& options() const { return options_; }

  // REQUIRES: before Start().
  void SetReceiveHandler(CreditedReceiveHandler handler) { on_receive_ = std::move(handler); }
  void SetReceiveHandler(ReceiveHandler handler) {
    on_receive_ = [handler = std::move(handler)](int peer, std::string payload,
                                                 ReceiveBudget::Credit) {
      handler(peer, std::move(payload));
    };
  }
  void SetLinkHandler(LinkHandler handler) { on_link_ = std::move(handler); }

  // Binds the listening socket (errors: "bad_address", "net_listen_failed") and starts
  // accepting and dialing. Call once.
  Status Start();
  // Closes the listener and every link and cancels timers; queued payloads are discarded. Only
  // posts to the strand, so it is safe from a signal_set handler. Idempotent.
  void Stop();

  // Queues `payload` for `peer` and returns at once. Payloads too large for a frame or for an
  // index that is not another validator are dropped and counted.
  void Send(int peer, std::string payload);
  // Send to every other validator.
  void Broadcast(std::string payload);

  // Closes `peer` out for `duration` (a misbehaving peer, node/net/misbehaviour.h): its link
  // closes now, it is not dialed, and links it opens are closed once authenticated, until the
  // time is up; then it is dialed as after any lost link. Payloads for it are queued meanwhile
  // within the usual bounds. A later call replaces the deadline. Ignores an unknown index.
  void Suspend(int peer, std::chrono::milliseconds duration);

  // Indexes of peers with an authenticated link, ascending.
  std::vector<int> ConnectedPeers() const;
  // One entry per other validator, ascending by index.
  std::vector<PeerStatus> Peers() const;
  TransportStats Stats() const { return counters_.Snapshot(); }
  // Every (dial or source address, claim, reason) refused so far; thread-safe. At most
  // kMaxRefusalKinds entries: beyond, connections to us are tallied under the address "other".
  std::vector<HandshakeRefusal> HandshakeRefusals() const;
  // One entry per peer whose links flapped so far (above); thread-safe.
  std::vector<LinkFlapping> FlappingLinks() const;
  int self() const { return self_; }

  static constexpr size_t kMaxRefusalKinds = 64;

 private:
  struct Peer {
    Peer(boost::asio::io_context& io, const Strand& strand) : retry_timer(strand), resolver(io) {}
    int index = -1;
    std::string address;
    std::shared_ptr<Connection> link;     // authenticated, in use
    std::shared_ptr<Connection> dialing;  // our dial, handshaking
    // Links replaced by `link` that the peer may still be sending on, oldest first, at most
    // kMaxRetiredLinks (transport.cc); all but the first, and `link` while any is open, are held
    // back (Connection::HoldBack), so the peer's payloads are delivered in send order.
    std::vector<std::shared_ptr<Connection>> retired;
    bool dial_in_progress = false;  // resolving, connecting or handshaking
    std::unique_ptr<boost::asio::ip::tcp::socket> connecting;
    int attempts = 0;  // failed dials since the last link
    boost::asio::steady_timer retry_timer;
    boost::asio::ip::tcp::resolver resolver;
    std::deque<std::string> queue;
    size_t queue_bytes = 0;
    // Since when the peer has had no link (the transport's start for a peer never reached).
    std::chrono::steady_clock::time_point unreachable_since = std::chrono::steady_clock::now();
    // Suspend: no link with the peer before this (the epoch: not suspended).
    std::chrono::steady_clock::time_point suspended_until{};
    bool Suspended() const { return std::chrono::steady_clock::now() < suspended_until; }
    // Copies of the state above for readers on other threads (Peers, ConnectedPeers).
    std::atomic<bool> connected{false}, outbound{false}, dialing_now{false};
    std::atomic<std::chrono::steady_clock::time_point> suspended_until_copy{};
    std::atomic<size_t> queued{0};
    std::atomic<uint64_t> dropped{0};  // this peer's share of send_queue_dropped
    std::shared_ptr<ReceiveBudget> budget;
    // When its last authenticated connections arrived while it had a link up (oldest first, at
    // most 3), for LinkFlapping.
    std::deque<std::chrono::steady_clock::time_point> duplicates;
  };
  // Hands `payload` to the receive handler with its credit from `peer`'s budget.
  void Deliver(Peer& peer, std::string payload);
  // Reads only the oldest of `peer`'s retired links, and its link once none is open: the peer's
  // payloads are delivered in the order it sent them.
  static void HoldLinkBehindRetired(Peer& peer);
  // Adds `connection` to `peer`'s retired links, closing the oldest beyond kMaxRetiredLinks.
  void KeepRetired(Peer& peer, const std::shared_ptr<Connection>& connection);
  // `peer` has no link in use any more (closed, or retired by the peer): redial.
  void LinkLost(Peer& peer);

  // Connection::Listener
  void OnAuthenticated(const std::shared_ptr<Connection>& connection) override;
  void OnPayload(const std::shared_ptr<Connection>& connection, std::string payload) override;
  void OnWritable(const std::shared_ptr<Connection>& connection) override;
  void OnPeerFinished(const std::shared_ptr<Connection>& connection) override;
  void OnClosed(const std::shared_ptr<Connection>& connection) override;

  // The private base, named where std::make_shared cannot see it.
  Connection::Listener* AsListener() { return this; }
  void Accept();
  // Makes room among the inbound handshakes for a connection from `newcomer` (an address):
  // closes the oldest handshake of the source that has the most (docs/transport.md "Links").
  void EvictHandshake(const std::string& newcomer);
  void Dial(Peer& peer);
  void OnConnected(Peer& peer, const boost::system::error_code& ec);
  void DialFailed(Peer& peer);
  void ScheduleDial(Peer& peer);
  void Retire(Peer& peer, const std::shared_ptr<Connection>& connection);
  void DoSuspend(Peer& peer, std::chrono::milliseconds duration);
  void Enqueue(Peer& peer, std::string payload);
  void Pump(Peer& peer);
  void DoStop();
  void Publish(Peer& peer);
  Peer* FindPeer(int index);
  // Tallies `connection`'s refused handshake for HandshakeRefusals.
  void NoteRefusal(const Connection& connection);
  // What a refused hello claimed, for HandshakeRefusal::claims.
  std::string ClaimText(const Connection& connection) const;
  // `connection` of `peer` arrived while `link` was up: counts a flap when they come too often.
  void NoteDuplicate(Peer& peer, const Connection& link, const Connection& connection);

  boost::asio::io_context& io_;
  Strand strand_;
  genesis::Genesis genesis_;
  int self_;
  const crypto::SecretKey& key_;
  TransportOptions options_;
  HandshakeContext context_;
  Connection::Limits limits_;
  TransportCounters counters_;
  CreditedReceiveHandler on_receive_;
  LinkHandler on_link_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;    // pauses accepting after an error such as EMFILE
  std::vector<std::unique_ptr<Peer>> peers_;  // every validator but self, ascending
  std::list<std::shared_ptr<Connection>> inbound_;  // accepted, still handshaking, oldest first
  bool stopped_ = false;
  std::function<double()> jitter_;
  // Written on the strand, read by HandshakeRefusals and FlappingLinks from anywhere.
  mutable std::mutex diagnostics_mu_;
  std::vector<HandshakeRefusal> refusals_;  // guarded by diagnostics_mu_
  std::vector<LinkFlapping> flapping_;      // guarded by diagnostics_mu_
};

}  // namespace evchain::net
