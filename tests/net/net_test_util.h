// Shared fixtures for the node/net tests: a deterministic genesis with real loopback ports and a
// bounded condition wait.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "genesis/genesis.h"
#include "tests/test_ports.h"

namespace evchain::net::testing {

// A loopback port reserved for this test process (tests/test_ports.h): no other test is given
// it and the kernel does not hand it out, so it stays free until the Transport binds it. (A
// port-0 bind released again, as before, could be taken in between by a parallel test.)
inline uint16_t FreePort() { return evchain::testing::TestPort(); }

// Validator i's key is derived from the seed byte i + 1.
inline crypto::SecretKey ValidatorKey(int i, uint8_t salt = 0) {
  Bytes seed(32, static_cast<uint8_t>(i + 1 + salt));
  return crypto::SecretKey::FromSeed(seed);
}

inline genesis::Genesis TestGenesis(int n, std::string chain_id = "net-test") {
  genesis::Genesis g;
  g.chain_id = std::move(chain_id);
  g.hash = crypto::Sha256("genesis of " + g.chain_id);
  for (int i = 0; i < n; ++i) {
    genesis::Validator v;
    v.id = "v" + std::to_string(i);
    v.public_key = ValidatorKey(i).public_key();
    v.p2p = "127.0.0.1:" + std::to_string(FreePort());
    v.http = "127.0.0.1:0";
    g.validators.push_back(v);
  }
  return g;
}

// Polls `done` until it holds or `limit` passes; returns whether it held.
inline bool WaitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace evchain::net::testing
