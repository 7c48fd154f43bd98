#include "node/peer_link_log.h"

#include <fmt/format.h>

namespace evchain::node {
namespace {

// "with court-2 at 10.0.0.2:7000, dialed by us (it claims ...)" or "from 10.0.0.7 (claims
// court-1)".
std::string Where(const net::HandshakeRefusal& r) {
  if (r.dialed) {
    return fmt::format("dialing {} at {}{}", r.peer_id, r.address,
                       r.claims.empty() ? "" : " (it claims " + r.claims + ")");
  }
  return fmt::format("from {}{}", r.address, r.claims.empty() ? "" : " (claims " + r.claims + ")");
}

std::string Plural(uint64_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

std::string PeerLinkLog::Explain(net::RejectReason reason, bool dialed) {
  using net::RejectReason;
  switch (reason) {
    case RejectReason::kMalformed:
    case RejectReason::kOversized:
      return "its handshake is not one of an evchain validator";
    case RejectReason::kVersion:
      return "it speaks another peer protocol version";
    case RejectReason::kWrongChain:
      return "its genesis differs from ours (another chain id): every validator must run the "
             "same genesis file";
    case RejectReason::kWrongGenesis:
      return "its genesis differs from ours (same chain id, another genesis hash): every "
             "validator must run the same genesis file";
    case RejectReason::kUnknownValidator:
      return dialed ? "it is not the validator we dialed: check the p2p addresses in the genesis"
                    : "the validator index it claims is not another validator of our genesis";
    case RejectReason::kUnknownKey:
      return "its key is not the genesis key of the validator it claims (a wrong key file, or "
             "another genesis)";
    case RejectReason::kBadSignature:
      return "its handshake signature does not verify";
    case RejectReason::kBadKeyExchange:
      return "its key exchange is degenerate";
    case RejectReason::kTimeout:
      return "the handshake did not finish in time";
    case RejectReason::kEvicted:
      return "its handshake was closed to make room for a new connection: more were pending "
             "than allowed, most of them from its address";
    case RejectReason::kClosed:
      return "it closed the connection during the handshake: it may refuse us (its log says "
             "why)";
  }
  return "";
}

EpisodeTracker& PeerLinkLog::Tracker(std::map<std::string, EpisodeTracker>& trackers,
                                     const std::string& key) {
  return trackers.try_emplace(key, quiet_ms_, remind_ms_).first->second;
}

std::vector<LogLine> PeerLinkLog::Update(int64_t now_ms,
                                         const std::vector<net::HandshakeRefusal>& refusals,
                                         const std::vector<net::LinkFlapping>& flapping) {
  std::vector<LogLine> lines;
  for (const net::HandshakeRefusal& r : refusals) {
    const std::string where = Where(r);
    const std::string_view reason = net::RejectReasonName(r.reason);
    const auto event =
        Tracker(refusals_, where + ": " + std::string(reason)).Update(r.count, now_ms);
    if (!event) continue;
    switch (event->kind) {
      case EpisodeTracker::Kind::kStarted:
        lines.push_back({true, fmt::format("peer links refused: {} {}: {} — {}",
                                           Plural(event->count, "handshake"), where, reason,
                                           Explain(r.reason, r.dialed))});
        break;
      case EpisodeTracker::Kind::kOngoing:
        lines.push_back(
            {true, fmt::format("peer links still refused after {}: {} in the last "
                               "{} {}: {} — {}",
                               SecondsText(event->episode_ms), Plural(event->count, "handshake"),
                               SecondsText(event->since_last_ms), where, reason,
                               Explain(r.reason, r.dialed))});
        break;
      case EpisodeTracker::Kind::kEnded:
        lines.push_back({false, fmt::format("peer links no longer refused {}: {}; {} refused "
                                            "over {}",
                                            where, reason, Plural(event->count, "handshake"),
                                            SecondsText(event->episode_ms))});
        break;
    }
  }
  for (const net::LinkFlapping& f : flapping) {
    const auto event = Tracker(flapping_, f.peer_id).Update(f.count, now_ms);
    if (!event) continue;
    const std::string two =
        fmt::format("{}'s link with {} keeps meeting another connection of it, from {}", f.peer_id,
                    f.link_address, f.other_address);
    switch (event->kind) {
      case EpisodeTracker::Kind::kStarted:
        lines.push_back(
            {true, two + ": two processes may hold its key (a copy of its node, or its key "
                         "file on another host); stop the one that should not run"});
        break;
      case EpisodeTracker::Kind::kOngoing:
        lines.push_back({true, fmt::format("{}'s links still flapping after {}: its link with {} "
                                           "met another connection of it, from {}",
                                           f.peer_id, SecondsText(event->episode_ms),
                                           f.link_address, f.other_address)});
        break;
      case EpisodeTracker::Kind::kEnded:
        lines.push_back({false, fmt::format("{}'s links settled: one connection of it for {}",
                                            f.peer_id, SecondsText(quiet_ms_))});
        break;
    }
  }
  return lines;
}

}  // namespace evchain::node
