// A Byzantine validator for process tests (tests/process/network_test.py, misbehaving_peer):
// it takes over validator --index (whose real process the test has stopped), links up with
// validator --target like any peer, and sends it --count payloads no correct validator sends:
//   bad_signature  a consensus STATUS whose envelope signature does not verify
//   garbage        bytes that are not a PeerPayload
//   fetch_flood    well-formed requests for 64 blocks from height 1 (which a correct validator
//                  sends at most 3 at a time): each costs the target a read of up to ~8 MiB;
//                  sent as fast as the link takes them
// It then watches the link for --watch-ms and prints one JSON line: how many payloads it sent,
// whether the link went down after them, and whether a link came back (and stayed up 1 s)
// within the watch.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <thread>

#include "consensus/message.h"
#include "crypto/ed25519.h"
#include "genesis/genesis.h"
#include "node/net/transport.h"
#include "proto/consensus.pb.h"
#include "proto/node.pb.h"

namespace {

using namespace evchain;  // NOLINT(google-build-using-namespace): a small test program
using Clock = std::chrono::steady_clock;

bool Connected(const net::Transport& t, int peer) {
  for (int p : t.ConnectedPeers()) {
    if (p == peer) return true;
  }
  return false;
}

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::string BadPayload(const genesis::Genesis& g, int self, const crypto::SecretKey& key,
                       const std::string& mode, int k) {
  if (mode == "garbage") return "not a payload " + std::to_string(k);
  if (mode == "fetch_flood") {
    node::pb::PeerPayload payload;
    payload.mutable_fetch()->set_from_height(1);
    payload.mutable_fetch()->set_max_blocks(64);
    return payload.SerializeAsString();
  }
  consensus::pb::Body body;
  body.mutable_status()->set_committed_height(static_cast<uint64_t>(k));
  std::string wire = consensus::SignEnvelope(g, self, key, body);
  consensus::pb::Envelope env;
  env.ParseFromString(wire);
  std::string sig = env.signature();
  sig[0] = static_cast<char>(sig[0] ^ 1);
  env.set_signature(sig);
  node::pb::PeerPayload payload;
  payload.set_consensus(env.SerializeAsString());
  return payload.SerializeAsString();
}

// The whole program; a malformed number argument throws (std::stoi), which main reports.
int Run(int argc, char** argv) {
  if (argc != 8) {
    std::cerr << "usage: rogue_peer GENESIS KEY_FILE INDEX TARGET COUNT "
                 "bad_signature|garbage|fetch_flood WATCH_MS\n";
    return 2;
  }
  auto g = genesis::LoadGenesisFile(argv[1]);
  auto key = crypto::SecretKey::LoadFile(argv[2]);
  if (!g.ok() || !key.ok()) {
    std::cerr << "cannot load " << (g.ok() ? key.status().ToString() : g.status().ToString())
              << "\n";
    return 2;
  }
  const int self = std::stoi(argv[3]);
  const int target = std::stoi(argv[4]);
  const int count = std::stoi(argv[5]);
  const std::string mode = argv[6];
  const auto watch = std::chrono::milliseconds(std::stoi(argv[7]));

  boost::asio::io_context io;
  net::Transport transport(io, *g, self, *key);
  if (Status s = transport.Start(); !s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 2;
  }
  std::thread runner([&io] { io.run(); });
  const bool linked = WaitFor([&] { return Connected(transport, target); }, watch);
  int sent = 0;
  if (linked && mode == "fetch_flood") {
    // COUNT requests, as fast as the link takes them (the send queue kept short, so none is
    // dropped by it): a steady flood, not one burst.
    while (sent < count && Connected(transport, target)) {
      size_t queued = 0;
      for (const net::PeerStatus& p : transport.Peers()) {
        if (p.index == target) queued = p.queued;
      }
      if (queued > 1000) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      for (int k = 0; k < 100 && sent < count; ++k, ++sent) {
        transport.Send(target, BadPayload(*g, self, *key, mode, sent));
      }
    }
  } else if (linked) {
    for (; sent < count; ++sent) transport.Send(target, BadPayload(*g, self, *key, mode, sent));
  }
  const auto after_send = Clock::now();
  const bool cut = linked && WaitFor([&] { return !Connected(transport, target); }, watch);
  const auto cut_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - after_send).count();
  // The transport redials with its backoff (at most 2 s). A suspended peer's handshakes still
  // complete, and the target closes the link at once: "back" is a link that stays up 1 s.
  bool back = false;
  for (const auto end = Clock::now() + watch; cut && !back && Clock::now() < end;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (WaitFor([&] { return Connected(transport, target); }, left)) {
      back = !WaitFor([&] { return !Connected(transport, target); }, std::chrono::seconds(1));
    }
  }
  transport.Stop();
  runner.join();
  std::cout << "{\"linked\": " << (linked ? "true" : "false") << ", \"sent\": " << sent
            << ", \"cut\": " << (cut ? "true" : "false") << ", \"cut_after_ms\": " << cut_ms
            << ", \"back_within_watch\": " << (back ? "true" : "false") << "}\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "rogue_peer: " << e.what() << "\n";
    return 2;
  }
}
