// The fixed binary layout of one log leaf. docs/formats.md "Leaf".
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"
#include "common/time.h"
#include "crypto/ed25519.h"

namespace evchain::ledger {

constexpr uint8_t kLeafVersion = 1;
constexpr size_t kLeafSize = 1 + 32 + 32 + 32 + 8 + 8;  // 113 bytes

struct Leaf {
  Hash32 statement_hash{};  // SHA-256 of the canonical statement (raw evidence_id)
  Hash32 digest{};          // the evidence digest
  crypto::PublicKey depositor_key{};
  uint64_t block_height = 0;
  UnixMillis block_time = 0;

  Bytes Encode() const;
  static Result<Leaf> Decode(ByteView bytes);
};

}  // namespace evchain::ledger
