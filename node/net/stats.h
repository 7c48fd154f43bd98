// Transport counters, exported by the node on /metrics (docs/transport.md "Counters").
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace evchain::net {

// Why a handshake was refused. Names are stable metric labels.
enum class RejectReason {
  kMalformed,         // undecodable hello/auth, or bytes that are not a frame
  kOversized,         // handshake frame longer than kMaxHandshakeFrame
  kVersion,           // protocol version we do not speak
  kWrongChain,        // chain_id differs from our genesis
  kWrongGenesis,      // genesis hash differs from ours
  kUnknownValidator,  // index not in genesis, our own index, or not the validator we dialed
  kUnknownKey,        // key is not the genesis key of that index
  kBadSignature,      // auth signature does not verify over this transcript (e.g. a replay)
  kBadKeyExchange,    // degenerate X25519 ephemeral
  kTimeout,           // handshake not finished within the handshake timeout
  kClosed,            // peer closed the connection during the handshake
  kEvicted,           // closed to make room for a new connection (too many pending)
};
inline constexpr size_t kRejectReasonCount = 12;
std::string_view RejectReasonName(RejectReason reason);  // "malformed", "bad_signature", ...

// A consistent-enough snapshot (each field read atomically) of the counters below.
struct TransportStats {
  uint64_t frames_in = 0;   // authenticated payload frames delivered
  uint64_t frames_out = 0;  // payload frames written to sockets
  uint64_t bytes_in = 0;    // wire bytes read, handshakes included
  uint64_t bytes_out = 0;   // wire bytes written, handshakes included
  uint64_t handshakes_ok = 0;
  std::array<uint64_t, kRejectReasonCount> handshakes_rejected{};  // by RejectReason
  uint64_t oversized_frames = 0;    // length prefix above the limit; connection closed
  uint64_t decrypt_failures = 0;    // AEAD open failed (tamper, replay, reorder); link closed
  uint64_t send_queue_dropped = 0;  // oldest queued payloads dropped because the queue was full
  uint64_t send_too_large = 0;      // payloads refused by Send: larger than a frame can hold
  uint64_t send_unknown_peer = 0;   // Send to an index that is not another validator
  uint64_t connect_failures = 0;    // dials that failed before a handshake started
  uint64_t duplicate_links = 0;     // authenticated connections closed by the one-link tie-break
  uint64_t links_up = 0;            // times a peer went from unconnected to connected
  uint64_t suspensions = 0;         // Transport::Suspend calls that closed a peer out
  uint64_t suspended_refused = 0;   // authenticated links of a suspended peer closed at once
  uint64_t retired_cut = 0;  // retired links closed before they drained: too many of one peer
  // Handshakes closed to make room for a new connection (also counted as rejected `evicted`).
  uint64_t handshakes_evicted = 0;
};

// The live counters; relaxed atomics, written on the transport strand, read from anywhere.
struct TransportCounters {
  std::atomic<uint64_t> frames_in{0}, frames_out{0}, bytes_in{0}, bytes_out{0};
  std::atomic<uint64_t> handshakes_ok{0};
  std::array<std::atomic<uint64_t>, kRejectReasonCount> handshakes_rejected{};
  std::atomic<uint64_t> oversized_frames{0}, decrypt_failures{0}, send_queue_dropped{0};
  std::atomic<uint64_t> send_too_large{0}, send_unknown_peer{0}, connect_failures{0};
  std::atomic<uint64_t> duplicate_links{0}, links_up{0}, suspensions{0}, suspended_refused{0};
  std::atomic<uint64_t> retired_cut{0}, handshakes_evicted{0};

  void Reject(RejectReason reason) {
    handshakes_rejected[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  TransportStats Snapshot() const;
};

// Adds `n` to a counter (relaxed; counters order nothing).
inline void Bump(std::atomic<uint64_t>& counter, uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace evchain::net
