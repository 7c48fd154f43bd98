#include "node/net/transport.h"

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <map>
#include <random>

#include "common/encoding.h"
#include "common/host_port.h"
#include "node/net/backoff.h"

namespace evchain::net {

namespace {

// Payload bytes handed to one socket write; bounds latency behind a burst without costing
// throughput.
constexpr size_t kWriteBatchBytes = size_t{256} * 1024;

// A peer's authenticated connections arriving while its link is up this often (3 within the
// window) mean two processes hold its key, not a restart (LinkFlapping).
constexpr auto kFlapWindow = std::chrono::seconds(10);
constexpr size_t kFlapDuplicates = 3;

// Retired links of one peer kept open at once (docs/transport.md "Links"). A correct peer has
// one while it restarts or both ends dial at once, two if it restarts again within the retire
// deadline. Each costs a descriptor, its kernel buffers and a frame buffer for up to that
// deadline, and a peer holding a key can open authenticated connections as fast as it likes:
// beyond the bound the oldest is closed (what it still carried is lost, as with any broken
// link).
constexpr size_t kMaxRetiredLinks = 2;

// The address a connection came from, without its port.
std::string SourceHost(const Connection& connection) {
  const std::string& remote = connection.remote_address();
  return remote.substr(0, remote.rfind(':'));
}

// What a peer sent, fit for a log line: printable ASCII, at most 40 characters.
std::string Printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 40)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (text.size() > 40) out += "...";
  return out;
}

std::function<double()> DefaultJitter() {
  auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
}

}  // namespace

Transport::Transport(boost::asio::io_context& io, genesis::Genesis genesis, int self,
                     const crypto::SecretKey& key, TransportOptions options)
    : io_(io),
      strand_(boost::asio::make_strand(io)),
      genesis_(std::move(genesis)),
      self_(self),
      key_(key),
      options_(std::move(options)),
      context_{&genesis_, self_, &key_},
      limits_{options_.max_frame_size, options_.handshake_timeout},
      acceptor_(strand_),
      accept_retry_(strand_),
      jitter_(options_.jitter ? options_.jitter : DefaultJitter()) {
  for (int i = 0; i < static_cast<int>(genesis_.n()); ++i) {
    if (i == self_) continue;
    auto peer = std::make_unique<Peer>(io_, strand_);
    peer->index = i;
    peer->address = genesis_.validators[i].p2p;
    peer->budget =
        std::make_shared<ReceiveBudget>(options_.max_receive_bytes, options_.max_receive_payloads);
    peers_.push_back(std::move(peer));
  }
}

Transport::~Transport() = default;

Status Transport::Start() {
  const std::string& address =
      options_.listen_address.empty() ? genesis_.validators[self_].p2p : options_.listen_address;
  Result<HostPort> host_port = ParseHostPort(address, PortZero::kAllowed);
  if (!host_port.ok()) return host_port.status();
  auto failed = [&](const boost::system::error_code& ec) {
    return Status::Error("net_listen_failed", address + ": " + ec.message());
  };
  boost::system::error_code ec;
  boost::asio::ip::tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(host_port->host, std::to_string(host_port->port),
                                    boost::asio::ip::tcp::resolver::passive, ec);
  if (ec) return failed(ec);
  boost::asio::ip::tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return failed(ec);
  }
  boost::asio::post(strand_, [this] {
    if (stopped_) return;
    Accept();
    for (auto& peer : peers_) Dial(*peer);
  });
  return Status::Ok();
}

void Transport::Stop() {
  boost::asio::post(strand_, [this] { DoStop(); });
}

void Transport::DoStop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  for (const auto& connection : inbound_) connection->Close();
  inbound_.clear();
  for (auto& peer : peers_) {
    peer->retry_timer.cancel();
    peer->resolver.cancel();
    if (peer->connecting) peer->connecting->close(ignored);
    if (peer->dialing) peer->dialing->Close();
    if (peer->link) peer->link->Close();
    for (const auto& connection : peer->retired) connection->Close();
    peer->retired.clear();
    peer->dialing.reset();
    peer->link.reset();
    peer->dial_in_progress = false;
    peer->queue.clear();
    peer->queue_bytes = 0;
    Publish(*peer);
  }
}

void Transport::Send(int peer, std::string payload) {
  if (payload.size() + kAeadTagSize > options_.max_frame_size) {
    Bump(counters_.send_too_large);
    return;
  }
  boost::asio::post(strand_, [this, peer, payload = std::move(payload)]() mutable {
    if (stopped_) return;
    Peer* p = FindPeer(peer);
    if (p == nullptr) {
      Bump(counters_.send_unknown_peer);
      return;
    }
    Enqueue(*p, std::move(payload));
  });
}

void Transport::Broadcast(std::string payload) {
  if (payload.size() + kAeadTagSize > options_.max_frame_size) {
    Bump(counters_.send_too_large);
    return;
  }
  boost::asio::post(strand_, [this, payload = std::move(payload)] {
    if (stopped_) return;
    for (auto& peer : peers_) Enqueue(*peer, payload);
  });
}

void Transport::Suspend(int peer, std::chrono::milliseconds duration) {
  boost::asio::post(strand_, [this, peer, duration] {
    if (stopped_) return;
    if (Peer* p = FindPeer(peer)) DoSuspend(*p, duration);
  });
}

void Transport::DoSuspend(Peer& peer, std::chrono::milliseconds duration) {
  peer.suspended_until = std::chrono::steady_clock::now() + duration;
  Bump(counters_.suspensions);
  // Connection::Close does not call OnClosed: the peer's state is reset here.
  for (const auto& connection : peer.retired) connection->Close();
  peer.retired.clear();
  if (peer.dialing) {
    peer.dialing->Close();
    peer.dialing.reset();
    peer.dial_in_progress = false;
  }
  // A resolve or connect in progress ends in DialFailed, which schedules the next dial.
  boost::system::error_code ignored;
  peer.resolver.cancel();
  if (peer.connecting) peer.connecting->close(ignored);
  if (peer.link) {
    peer.link->Close();
    peer.link.reset();
    peer.unreachable_since = std::chrono::steady_clock::now();
    if (on_link_) on_link_(peer.index, false);
  }
  peer.attempts = 0;
  ScheduleDial(peer);  // at the deadline
  Publish(peer);
}

std::vector<int> Transport::ConnectedPeers() const {
  std::vector<int> connected;
  for (const auto& peer : peers_) {
    if (peer->connected.load()) connected.push_back(peer->index);
  }
  return connected;
}

std::vector<PeerStatus> Transport::Peers() const {
  std::vector<PeerStatus> out;
  for (const auto& peer : peers_) {
    out.push_back(PeerStatus{
        peer->index, peer->connected.load(), peer->outbound.load(), peer->dialing_now.load(),
        std::chrono::steady_clock::now() < peer->suspended_until_copy.load(), peer->queued.load(),
        peer->dropped.load(std::memory_order_relaxed), peer->budget->bytes(),
        peer->budget->payloads(), peer->budget->pauses()});
  }
  return out;
}

Transport::Peer* Transport::FindPeer(int index) {
  if (index < 0 || index >= static_cast<int>(genesis_.n()) || index == self_) return nullptr;
  return peers_[index < self_ ? index : index - 1].get();
}

void Transport::Publish(Peer& peer) {
  peer.connected = peer.link != nullptr;
  peer.outbound = peer.link != nullptr && peer.link->role() == Role::kInitiator;
  peer.dialing_now = peer.dial_in_progress;
  peer.suspended_until_copy = peer.suspended_until;
  peer.queued = peer.queue.size();
}

void Transport::Accept() {
  acceptor_.async_accept(boost::asio::bind_executor(
      strand_, [this](const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket) {
        if (stopped_) return;
        if (ec) {
          // Out of descriptors or similar: accepting again at once would spin.
          accept_retry_.expires_after(std::chrono::milliseconds(100));
          accept_retry_.async_wait([this](const boost::system::error_code& wait_ec) {
            if (!wait_ec && !stopped_) Accept();
          });
          return;
        }
        auto connection =
            std::make_shared<Connection>(std::move(socket), strand_, AsListener(), context_,
                                         Role::kResponder, -1, limits_, &counters_);
        if (inbound_.size() >= std::max<size_t>(options_.max_pending_handshakes, 1)) {
          EvictHandshake(SourceHost(*connection));
        }
        inbound_.push_back(connection);
        connection->Start();
        Accept();
      }));
}

void Transport::EvictHandshake(const std::string& newcomer) {
  // The source with the most handshakes pending, the newcomer's counted in (and preferred on a
  // tie): a stranger holding slots evicts its own connections, never a validator's handshake
  // in progress from another address, unless it connects from more addresses than there are
  // slots.
  std::map<std::string, size_t> pending{{newcomer, 1}};
  for (const auto& c : inbound_) ++pending[SourceHost(*c)];
  std::string busiest = newcomer;
  for (const auto& [host, count] : pending) {
    if (count > pending[busiest]) busiest = host;
  }
  // Its oldest: the one that has had longest to finish. When every source has one, the oldest.
  auto victim = std::find_if(inbound_.begin(), inbound_.end(),
                             [&](const auto& c) { return SourceHost(*c) == busiest; });
  if (victim == inbound_.end()) victim = inbound_.begin();
  Bump(counters_.handshakes_evicted);
  std::shared_ptr<Connection> evicted = *victim;
  evicted->Refuse(RejectReason::kEvicted);  // OnClosed takes it out of inbound_
}

void Transport::Dial(Peer& peer) {
  if (stopped_ || peer.link || peer.dial_in_progress) return;
  if (peer.Suspended()) return ScheduleDial(peer);
  peer.dial_in_progress = true;
  Publish(peer);
  Result<HostPort> host_port = ParseHostPort(peer.address);
  if (!host_port.ok()) return DialFailed(peer);
  peer.resolver.async_resolve(
      host_port->host, std::to_string(host_port->port),
      boost::asio::bind_executor(
          strand_, [this, &peer](const boost::system::error_code& ec,
                                 const boost::asio::ip::tcp::resolver::results_type& results) {
            if (stopped_) return;
            if (ec) return DialFailed(peer);
            peer.connecting = std::make_unique<boost::asio::ip::tcp::socket>(strand_);
            boost::asio::async_connect(
                *peer.connecting, results,
                boost::asio::bind_executor(strand_,
                                           [this, &peer](const boost::system::error_code& ec,
                                                         const boost::asio::ip::tcp::endpoint&) {
                                             OnConnected(peer, ec);
                                           }));
          }));
}

void Transport::OnConnected(Peer& peer, const boost::system::error_code& ec) {
  if (stopped_) return;
  if (ec) {
    peer.connecting.reset();
    return DialFailed(peer);
  }
  auto connection =
      std::make_shared<Connection>(std::move(*peer.connecting), strand_, AsListener(), context_,
                                   Role::kInitiator, peer.index, limits_, &counters_);
  peer.connecting.reset();
  peer.dialing = connection;
  connection->Start();
}

void Transport::DialFailed(Peer& peer) {
  Bump(counters_.connect_failures);
  peer.dial_in_progress = false;
  ++peer.attempts;
  ScheduleDial(peer);
  Publish(peer);
}

void Transport::ScheduleDial(Peer& peer) {
  if (stopped_ || peer.link || peer.dial_in_progress) return;
  const auto now = std::chrono::steady_clock::now();
  if (peer.suspended_until > now) {
    peer.retry_timer.expires_at(peer.suspended_until);
  } else {
    peer.retry_timer.expires_after(
        BackoffDelay(peer.attempts, options_.backoff_initial, options_.backoff_max, jitter_()));
  }
  peer.retry_timer.async_wait(
      boost::asio::bind_executor(strand_, [this, &peer](const boost::system::error_code& ec) {
        if (!ec) Dial(peer);
      }));
}

void Transport::OnAuthenticated(const std::shared_ptr<Connection>& connection) {
  inbound_.remove(connection);
  Peer* peer = FindPeer(connection->peer());
  if (stopped_ || peer == nullptr) return connection->Close();
  if (connection == peer->dialing) {
    peer->dialing.reset();
    peer->dial_in_progress = false;
  }
  if (peer->Suspended()) {
    // Closed before anything it sends is read; OnClosed knows it no more (not our dial now).
    Bump(counters_.suspended_refused);
    connection->Close();
    ScheduleDial(*peer);
    Publish(*peer);
    return;
  }
  connection->SetReceiveBudget(peer->budget);
  // Tie-break: both ends prefer the connection dialed by the lower index, so simultaneous dials
  // settle on the same link. Otherwise the newer link wins: the peer may have restarted and the
  // old one may be dead without either side knowing yet.
  auto dialed_by_lower = [&](const Connection& c) {
    return (c.role() == Role::kInitiator) == (self_ < peer->index);
  };
  // Counters are bumped after Publish: whoever sees a count also sees the link state it counts.
  const bool duplicate = peer->link != nullptr;
  if (duplicate) {
    NoteDuplicate(*peer, *peer->link, *connection);
    if (dialed_by_lower(*peer->link) && !dialed_by_lower(*connection)) {
      Retire(*peer, connection);  // the peer may have used it before it saw the better link
      HoldLinkBehindRetired(*peer);
      Publish(*peer);
      Bump(counters_.duplicate_links);
      return;
    }
    Retire(*peer, peer->link);
  }
  peer->link = connection;
  HoldLinkBehindRetired(*peer);
  peer->attempts = 0;
  peer->retry_timer.cancel();
  Publish(*peer);
  Bump(duplicate ? counters_.duplicate_links : counters_.links_up);
  if (!duplicate && on_link_) on_link_(peer->index, true);
  Pump(*peer);
}

void Transport::Retire(Peer& peer, const std::shared_ptr<Connection>& connection) {
  connection->Retire();
  if (!connection->closed()) KeepRetired(peer, connection);
}

void Transport::KeepRetired(Peer& peer, const std::shared_ptr<Connection>& connection) {
  peer.retired.push_back(connection);
  while (peer.retired.size() > kMaxRetiredLinks) {
    peer.retired.front()->Close();  // no OnClosed follows: forgotten here
    peer.retired.erase(peer.retired.begin());
    Bump(counters_.retired_cut);
  }
}

void Transport::HoldLinkBehindRetired(Peer& peer) {
  // The oldest open link is read, every later one waits behind it: without this, a link retired
  // while it was held back stayed held back, unread, until its deadline cut it.
  for (size_t i = 0; i < peer.retired.size(); ++i) {
    if (i == 0) {
      peer.retired[i]->Release();
    } else {
      peer.retired[i]->HoldBack();
    }
  }
  if (!peer.link) return;
  if (peer.retired.empty()) {
    peer.link->Release();
  } else {
    peer.link->HoldBack();
  }
}

void Transport::OnPayload(const std::shared_ptr<Connection>& connection, std::string payload) {
  Peer* peer = FindPeer(connection->peer());
  if (stopped_ || peer == nullptr) return;
  // The link is held back while a retired link is open (HoldLinkBehindRetired), so whatever
  // arrives here is next in the peer's send order.
  if (connection == peer->link || connection->retired()) Deliver(*peer, std::move(payload));
}

void Transport::Deliver(Peer& peer, std::string payload) {
  ReceiveBudget::Credit credit = peer.budget->Take(payload.size());
  if (on_receive_) on_receive_(peer.index, std::move(payload), std::move(credit));
}

void Transport::OnWritable(const std::shared_ptr<Connection>& connection) {
  Peer* peer = FindPeer(connection->peer());
  if (!stopped_ && peer != nullptr && peer->link == connection) Pump(*peer);
}

void Transport::OnPeerFinished(const std::shared_ptr<Connection>& connection) {
  Peer* peer = FindPeer(connection->peer());
  if (stopped_ || peer == nullptr || connection != peer->link) return;
  // The peer retired our link (it has a better one, or will dial): the link is retired here too,
  // so what is still queued waits for the next link, after what this one is finishing.
  KeepRetired(*peer, connection);
  LinkLost(*peer);
  HoldLinkBehindRetired(*peer);
  Publish(*peer);
}

void Transport::LinkLost(Peer& peer) {
  peer.link.reset();
  peer.unreachable_since = std::chrono::steady_clock::now();
  peer.attempts = 0;
  if (on_link_) on_link_(peer.index, false);
  ScheduleDial(peer);
}

void Transport::OnClosed(const std::shared_ptr<Connection>& connection) {
  inbound_.remove(connection);
  if (!stopped_ && connection->refusal()) NoteRefusal(*connection);
  Peer* peer = FindPeer(connection->peer());
  if (stopped_ || peer == nullptr) return;
  auto retired = std::find(peer->retired.begin(), peer->retired.end(), connection);
  if (retired != peer->retired.end()) {
    peer->retired.erase(retired);
    HoldLinkBehindRetired(*peer);  // once all are drained, what waited is next in the order
  } else if (connection == peer->dialing) {
    peer->dialing.reset();
    peer->dial_in_progress = false;
    ++peer->attempts;
    ScheduleDial(*peer);
  } else if (connection == peer->link) {
    LinkLost(*peer);
  }
  Publish(*peer);
}

void Transport::Enqueue(Peer& peer, std::string payload) {
  if (!peer.link && options_.max_unreachable_queueing.count() > 0 &&
      std::chrono::steady_clock::now() - peer.unreachable_since >
          options_.max_unreachable_queueing) {
    Bump(counters_.send_queue_dropped, peer.queue.size() + 1);
    peer.dropped.fetch_add(peer.queue.size() + 1, std::memory_order_relaxed);
    peer.queue.clear();
    peer.queue_bytes = 0;
    Publish(peer);
    return;
  }
  peer.queue_bytes += payload.size();
  peer.queue.push_back(std::move(payload));
  while (!peer.queue.empty() && (peer.queue.size() > options_.max_queue_messages ||
                                 peer.queue_bytes > options_.max_queue_bytes)) {
    peer.queue_bytes -= peer.queue.front().size();
    peer.queue.pop_front();
    Bump(counters_.send_queue_dropped);
    peer.dropped.fetch_add(1, std::memory_order_relaxed);
  }
  Pump(peer);
}

void Transport::Pump(Peer& peer) {
  if (peer.link && peer.link->idle() && !peer.queue.empty()) {
    std::vector<std::string> batch;
    size_t bytes = 0;
    while (!peer.queue.empty() &&
           (batch.empty() || bytes + peer.queue.front().size() <= kWriteBatchBytes)) {
      bytes += peer.queue.front().size();
      peer.queue_bytes -= peer.queue.front().size();
      batch.push_back(std::move(peer.queue.front()));
      peer.queue.pop_front();
    }
    peer.link->Write(batch);
  }
  Publish(peer);
}

std::string Transport::ClaimText(const Connection& connection) const {
  if (const std::optional<HelloFields>& hello = connection.refused_hello()) {
    const bool our_chain = hello->chain_id == genesis_.chain_id;
    const uint32_t index = hello->validator_index;
    std::string who = our_chain && index < genesis_.n() ? genesis_.validators[index].id
                                                        : "validator " + std::to_string(index);
    if (!our_chain) return who + " of chain \"" + Printable(hello->chain_id) + "\"";
    if (hello->genesis_hash != genesis_.hash) {
      who += " with genesis " + ToHex(hello->genesis_hash).substr(0, 8) + "...";
    }
    return who;
  }
  // A hello accepted, the handshake refused later (its signature, a timeout): who it claimed.
  if (connection.role() == Role::kResponder && connection.got_hello()) {
    return genesis_.validators[connection.peer()].id;
  }
  return "";
}

void Transport::NoteRefusal(const Connection& connection) {
  HandshakeRefusal refusal;
  refusal.dialed = connection.role() == Role::kInitiator;
  if (refusal.dialed) {
    refusal.peer_id = genesis_.validators[connection.peer()].id;
    refusal.address = genesis_.validators[connection.peer()].p2p;
  } else {
    const std::string& remote = connection.remote_address();
    refusal.address = remote.substr(0, remote.rfind(':'));
  }
  refusal.claims = ClaimText(connection);
  refusal.reason = *connection.refusal();
  auto same = [](const HandshakeRefusal& a, const HandshakeRefusal& b) {
    return a.dialed == b.dialed && a.peer_id == b.peer_id && a.address == b.address &&
           a.claims == b.claims && a.reason == b.reason;
  };
  std::lock_guard<std::mutex> lock(diagnostics_mu_);
  // Anyone can connect to us and claim anything: past the bound, one entry per reason.
  if (refusals_.size() >= kMaxRefusalKinds &&
      std::none_of(refusals_.begin(), refusals_.end(),
                   [&](const HandshakeRefusal& r) { return same(r, refusal); })) {
    refusal.address = "other";
    refusal.claims.clear();
  }
  auto it = std::find_if(refusals_.begin(), refusals_.end(),
                         [&](const HandshakeRefusal& r) { return same(r, refusal); });
  if (it == refusals_.end()) it = refusals_.insert(refusals_.end(), refusal);
  ++it->count;
}

void Transport::NoteDuplicate(Peer& peer, const Connection& link, const Connection& connection) {
  const auto now = std::chrono::steady_clock::now();
  while (!peer.duplicates.empty() && now - peer.duplicates.front() > kFlapWindow) {
    peer.duplicates.pop_front();
  }
  peer.duplicates.push_back(now);
  if (peer.duplicates.size() > kFlapDuplicates) peer.duplicates.pop_front();
  if (peer.duplicates.size() < kFlapDuplicates) return;
  const std::string& id = genesis_.validators[peer.index].id;
  std::lock_guard<std::mutex> lock(diagnostics_mu_);
  auto it = std::find_if(flapping_.begin(), flapping_.end(),
                         [&](const LinkFlapping& f) { return f.peer_id == id; });
  if (it == flapping_.end()) it = flapping_.insert(flapping_.end(), LinkFlapping{id, 0, "", ""});
  ++it->count;
  it->link_address = link.remote_address();
  it->other_address = connection.remote_address();
}

std::vector<HandshakeRefusal> Transport::HandshakeRefusals() const {
  std::lock_guard<std::mutex> lock(diagnostics_mu_);
  return refusals_;
}

std::vector<LinkFlapping> Transport::FlappingLinks() const {
  std::lock_guard<std::mutex> lock(diagnostics_mu_);
  return flapping_;
}

}  // namespace evchain::net
