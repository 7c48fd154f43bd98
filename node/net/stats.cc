#include "node/net/stats.h"

namespace evchain::net {

std::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kMalformed:
      return "malformed";
    case RejectReason::kOversized:
      return "oversized";
    case RejectReason::kVersion:
      return "version";
    case RejectReason::kWrongChain:
      return "wrong_chain";
    case RejectReason::kWrongGenesis:
      return "wrong_genesis";
    case RejectReason::kUnknownValidator:
      return "unknown_validator";
    case RejectReason::kUnknownKey:
      return "unknown_key";
    case RejectReason::kBadSignature:
      return "bad_signature";
    case RejectReason::kBadKeyExchange:
      return "bad_key_exchange";
    case RejectReason::kTimeout:
      return "timeout";
    case RejectReason::kClosed:
      return "closed";
    case RejectReason::kEvicted:
      return "evicted";
  }
  return "unknown";
}

TransportStats TransportCounters::Snapshot() const {
  auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
  TransportStats s;
  s.frames_in = get(frames_in);
  s.frames_out = get(frames_out);
  s.bytes_in = get(bytes_in);
  s.bytes_out = get(bytes_out);
  s.handshakes_ok = get(handshakes_ok);
  for (size_t i = 0; i < kRejectReasonCount; ++i)
    s.handshakes_rejected[i] = get(handshakes_rejected[i]);
  s.oversized_frames = get(oversized_frames);
  s.decrypt_failures = get(decrypt_failures);
  s.send_queue_dropped = get(send_queue_dropped);
  s.send_too_large = get(send_too_large);
  s.send_unknown_peer = get(send_unknown_peer);
  s.connect_failures = get(connect_failures);
  s.duplicate_links = get(duplicate_links);
  s.retired_cut = get(retired_cut);
  s.handshakes_evicted = get(handshakes_evicted);
  s.suspensions = get(suspensions);
  s.suspended_refused = get(suspended_refused);
  s.links_up = get(links_up);
  return s;
}

}  // namespace evchain::net
